import { CID } from "multiformats/cid";

import { LogReader, recordIdOf, type Carechain } from "../../sdk/index.js";

/**
 * The integrity check of batch records (single-anchored records use `Carechain.verifyRecord`). Once per batch, the
 * manifest is fetched by the CID in its `BatchAnchored` event and must rebuild the anchored Merkle batchId, and one
 * inclusion proof is verified on chain (`proveBatchRecord`); a manifest that rebuilds the batchId includes every record
 * it lists. Then, for each record, it must be listed there, its id must be the one its patient, author and content CID give, and its
 * ciphertext and keyring must be in the store and match their CIDs. Nothing is decrypted; no consent is needed.
 * @param fromBlock - Where to look for `BatchAnchored` events (the run's first block).
 * @returns One line per record that fails (`<recordId>: <reason>`); empty when all pass.
 */
export async function verifyBatchRecords(
  client: Carechain,
  batched: readonly { readonly batchId: string; readonly recordId: string }[],
  fromBlock = 0,
): Promise<string[]> {
  const manifests = new Map<string, Promise<Map<string, ManifestEntry>>>();
  const entriesOf = (batchId: string, recordId: string) => {
    let entries = manifests.get(batchId);
    if (!entries) {
      entries = client.proveBatchRecord(batchId, recordId).then(() => loadManifest(client, batchId, fromBlock));
      manifests.set(batchId, entries);
    }
    return entries;
  };
  const failures: string[] = [];
  for (const { batchId, recordId } of batched) {
    try {
      const entry = (await entriesOf(batchId, recordId)).get(recordId.toLowerCase());
      if (!entry) throw new Error(`not in the manifest of batch ${batchId}`);
      const content = CID.parse(entry.content);
      if (recordIdOf(entry.patient, entry.author, content) !== recordId.toLowerCase()) {
        throw new Error("the patient, author and content CID do not give the record id");
      }
      await client.store.get(CID.parse(entry.keyring));
      await client.store.get(content);
    } catch (error) {
      failures.push(`${recordId}: ${(error as Error).message.split("\n")[0]}`);
    }
  }
  return failures;
}

/** A batch's manifest entries by record id, fetched by the manifest CID anchored on chain (verified by the store). */
async function loadManifest(
  client: Carechain,
  batchId: string,
  fromBlock: number,
): Promise<Map<string, ManifestEntry>> {
  const records = client.contracts.records;
  const reader = new LogReader(records.runner!.provider!);
  const [event] = await reader.query(records, records.filters.BatchAnchored(batchId), fromBlock);
  if (!event) throw new Error(`no BatchAnchored event for ${batchId}`);
  const manifest = JSON.parse(
    new TextDecoder().decode(await client.store.get(CID.decode(bytes(event.args.manifestCid)))),
  ) as {
    patient: string;
    author: string;
    records: { recordId: string; content: string; keyring: string }[];
  };
  return new Map(
    manifest.records.map((r) => [
      r.recordId.toLowerCase(),
      { ...r, patient: manifest.patient, author: manifest.author },
    ]),
  );
}

/** A manifest entry with its batch's patient and author. */
interface ManifestEntry {
  readonly patient: string;
  readonly author: string;
  readonly content: string;
  readonly keyring: string;
}

function bytes(hexText: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hexText.slice(2), "hex"));
}
