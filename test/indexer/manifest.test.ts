/**
 * The indexer's manifest checks (indexer/lib/manifest.ts): a manifest the SDK encodes is accepted against its
 * anchored batch, its Merkle root equals the SDK's, and bytes that are not the anchored manifest are refused.
 */
import { randomBytes } from "node:crypto";

import { describe, expect, it } from "vitest";

import { batchTree, encodeManifest, type BatchManifest } from "../../sdk/client/batch.js";
import { recordIdOf } from "../../sdk/client/record-id.js";
import { cidOf } from "../../sdk/content/cid.js";
import { toHex } from "../../sdk/crypto/bytes.js";
import { indexerMissing } from "../helpers/indexer.js";

const missing = indexerMissing();

describe.skipIf(missing !== undefined)("indexer batch manifests", async () => {
  const { checkedEntries, cidBytes, cidString, ManifestRefused } = missing
    ? ({} as typeof import("../../indexer/lib/manifest.js"))
    : await import("../../indexer/lib/manifest.js");
  const patient = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
  const author = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512";

  /** A manifest of `n` records as the SDK writes it, and its batch as BatchAnchored states it. */
  async function anchored(n: number) {
    const records = [];
    for (let i = 0; i < n; i++) {
      const content = await cidOf(randomBytes(40));
      const keyring = await cidOf(randomBytes(40));
      records.push({
        recordId: recordIdOf(patient, author, content),
        categories: [i % 3, 5] as const,
        content: content.toString(),
        keyring: keyring.toString(),
      });
    }
    const manifest: BatchManifest = { v: 2, patient, author, records: records as never };
    const bytes = encodeManifest(manifest);
    const manifestCid = await cidOf(bytes);
    const batch = {
      patient: patient as `0x${string}`,
      author: author as `0x${string}`,
      root: batchTree(manifest).root as `0x${string}`,
      count: n,
      manifestCid: toHex(manifestCid.bytes),
    };
    return { manifest, bytes, manifestCid, batch };
  }

  it.each([1, 2, 3, 17])("accepts the SDK's manifest of %i records: entries in order, the SDK's root", async (n) => {
    const { manifest, bytes, manifestCid, batch } = await anchored(n);
    expect(cidString(manifestCid.bytes)).toBe(manifestCid.toString());
    expect(toHex(cidBytes(manifestCid.toString()))).toBe(toHex(manifestCid.bytes));
    const entries = checkedEntries(bytes, batch);
    expect(entries.map((e) => e.recordId)).toEqual(manifest.records.map((r) => r.recordId));
    expect(entries.map((e) => e.categories)).toEqual(
      manifest.records.map((r) => r.categories.reduce((m, c) => m | (1n << BigInt(c)), 0n)),
    );
    expect(entries.map((e) => [e.contentCid, e.keyringCid])).toEqual(
      await Promise.all(manifest.records.map(async (r) => [toHex(cidBytes(r.content)), toHex(cidBytes(r.keyring))])),
    );
  });

  it("refuses bytes that are not the anchored manifest", async () => {
    const { manifest, bytes, batch } = await anchored(3);
    const refused = (b: Uint8Array, facts: typeof batch) => () => checkedEntries(b, facts);
    expect(refused(bytes, { ...batch, count: 4 })).toThrow(ManifestRefused);
    expect(refused(bytes, { ...batch, root: `0x${"11".repeat(32)}` })).toThrow(/Merkle root/);
    expect(refused(bytes, { ...batch, author: patient })).toThrow(/patient and author/);
    const flipped = new Uint8Array(bytes);
    flipped[flipped.length - 3]! ^= 1;
    expect(refused(flipped, batch)).toThrow(/hash to the manifest CID/);
    // A manifest of its own CID whose first entry carries another keyring: not a leaf of the anchored tree.
    const [first, second] = manifest.records;
    const swapped = encodeManifest({
      ...manifest,
      records: [{ ...first!, keyring: second!.keyring }, ...manifest.records.slice(1)],
    });
    const swappedCid = toHex((await cidOf(swapped)).bytes);
    expect(refused(swapped, { ...batch, manifestCid: swappedCid })).toThrow(/Merkle root/);
    // An entry whose record id is not the one its content CID gives.
    const forged = encodeManifest({
      ...manifest,
      records: [{ ...first!, content: second!.content }, ...manifest.records.slice(1)],
    });
    const forgedCid = toHex((await cidOf(forged)).bytes);
    expect(refused(forged, { ...batch, manifestCid: forgedCid })).toThrow(/record id/);
  });
});
