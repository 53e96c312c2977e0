import { CID } from "multiformats/cid";

import type { Carechain } from "../../sdk/index.js";

/**
 * The integrity check of batch records (single-anchored records use `Carechain.verifyRecord`). Once per batch, the
 * manifest is fetched by the CID in its `BatchAnchored` event and must rebuild the anchored Merkle root, and one
 * inclusion proof is verified on chain (`proveBatchRecord`); a manifest that rebuilds the root includes every record
 * it lists. Then, for each record, it must be listed there, its id must be its content CID's digest, and its
 * ciphertext and keyring must be in the store and match their CIDs. Nothing is decrypted; no consent is needed.
 * @param fromBlock - Where to look for `BatchAnchored` events (the run's first block).
 * @returns One line per record that fails (`<recordId>: <reason>`); empty when all pass.
 */
export async function verifyBatchRecords(
  client: Carechain,
  batched: readonly { readonly root: string; readonly recordId: string }[],
  fromBlock = 0,
): Promise<string[]> {
  const manifests = new Map<string, Promise<Map<string, { content: string; keyring: string }>>>();
  const entriesOf = (root: string, recordId: string) => {
    let entries = manifests.get(root);
    if (!entries) {
      entries = client.proveBatchRecord(root, recordId).then(() => loadManifest(client, root, fromBlock));
      manifests.set(root, entries);
    }
    return entries;
  };
  const failures: string[] = [];
  for (const { root, recordId } of batched) {
    try {
      const entry = (await entriesOf(root, recordId)).get(recordId.toLowerCase());
      if (!entry) throw new Error(`not in the manifest of batch ${root}`);
      const content = CID.parse(entry.content);
      if (hex(content.multihash.digest) !== recordId.toLowerCase()) throw new Error("the content CID does not match the record id");
      await client.store.get(CID.parse(entry.keyring));
      await client.store.get(content);
    } catch (error) {
      failures.push(`${recordId}: ${(error as Error).message.split("\n")[0]}`);
    }
  }
  return failures;
}

/** A batch's manifest entries by record id, fetched by the manifest CID anchored on chain (verified by the store). */
async function loadManifest(client: Carechain, root: string, fromBlock: number): Promise<Map<string, { content: string; keyring: string }>> {
  const records = client.contracts.records;
  const [event] = await records.queryFilter(records.filters.BatchAnchored(root), fromBlock);
  if (!event) throw new Error(`no BatchAnchored event for ${root}`);
  const manifest = JSON.parse(new TextDecoder().decode(await client.store.get(CID.decode(bytes(event.args.manifestCid))))) as {
    records: { recordId: string; content: string; keyring: string }[];
  };
  return new Map(manifest.records.map((r) => [r.recordId.toLowerCase(), r]));
}

function hex(data: Uint8Array): string {
  return `0x${Buffer.from(data).toString("hex")}`;
}

function bytes(hexText: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hexText.slice(2), "hex"));
}
