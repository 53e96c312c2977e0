/**
 * A batch expanded from an index's entries (`batchManifest` with known entries): used without fetching the manifest
 * when they give the chain's root and count for the chain's patient and author; any other entries — one left out,
 * one added, another keyring, other categories, a content CID that is not the record id's, another author's — are
 * an IndexContradictedError, and nothing is cached.
 */
import { randomBytes } from "node:crypto";

import { describe, expect, it } from "vitest";

import type { IndexedBatchEntry } from "../../../../sdk/chain/index-source.js";
import { batchManifest } from "../../../../sdk/client/actions/_batches.js";
import { batchTree, type BatchManifest } from "../../../../sdk/client/batch.js";
import type { CarechainContext } from "../../../../sdk/client/context.js";
import { recordIdOf } from "../../../../sdk/client/record-id.js";
import { cidOf } from "../../../../sdk/content/cid.js";
import { IndexContradictedError } from "../../../../sdk/errors/index-source.js";
import { categoryMask, type CategoryId } from "../../../../sdk/fhir/categories.js";

const patient = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const author = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512";
const batchId = `0x${"ba".repeat(32)}`;
const anchorTx = `0x${"7e".repeat(32)}`;

/** Entries of `n` records, and the batch the chain holds for them. */
async function anchored(n: number) {
  const entries: IndexedBatchEntry[] = [];
  for (let i = 0; i < n; i++) {
    const contentCid = await cidOf(randomBytes(40));
    entries.push({
      recordId: recordIdOf(patient, author, contentCid),
      categories: [(i % 3) as CategoryId, 5],
      contentCid,
      keyringCid: await cidOf(randomBytes(40)),
    });
  }
  const manifest: BatchManifest = {
    v: 2,
    patient,
    author,
    records: entries.map((e) => ({
      recordId: e.recordId,
      categories: e.categories,
      content: e.contentCid.toString(),
      keyring: e.keyringCid.toString(),
    })),
  };
  const batch = {
    patient,
    author,
    anchoredAt: 1_700_000_000n,
    root: batchTree(manifest).root,
    categories: categoryMask([0, 1, 2, 5]),
    count: BigInt(n),
  };
  return { entries, batch };
}

/** A context whose chain holds `batch` and whose store and logs must not be read. */
function contextOf(batch: Awaited<ReturnType<typeof anchored>>["batch"]) {
  const refuse = () => Promise.reject(new Error("the manifest must not be fetched"));
  const ctx = {
    batches: new Map(),
    contracts: { records: { batch: (id: string) => (id === batchId ? Promise.resolve(batch) : refuse()) } },
    store: { get: refuse, has: refuse },
    logs: { query: refuse },
    fromBlock: 0,
  };
  return ctx as unknown as CarechainContext & { batches: Map<string, unknown> };
}

describe("a batch from the index's entries", () => {
  it("is used without the manifest when the entries give the chain's root and count", async () => {
    const { entries, batch } = await anchored(5);
    const ctx = contextOf(batch);
    const known = { manifestCid: entries[0]!.keyringCid, anchorTx, entries };
    const loaded = await batchManifest(ctx, batchId, known);
    expect(loaded.batch).toBe(batch);
    expect(loaded.anchorTx).toBe(anchorTx);
    expect(loaded.manifest.patient).toBe(patient);
    expect(loaded.manifest.author).toBe(author);
    expect(loaded.manifest.records.map((r) => [r.recordId, r.categories, r.content, r.keyring])).toEqual(
      entries.map((e) => [e.recordId, e.categories, e.contentCid.toString(), e.keyringCid.toString()]),
    );
    expect(ctx.batches.has(batchId)).toBe(true);
  });

  it("refuses entries that are not the anchored ones, and caches nothing", async () => {
    const { entries, batch } = await anchored(4);
    const [first, second] = entries as [IndexedBatchEntry, IndexedBatchEntry];
    const attacks: Record<string, { entries: IndexedBatchEntry[]; batch?: typeof batch }> = {
      dropped: { entries: entries.slice(1) },
      added: { entries: [...entries, second] },
      otherKeyring: { entries: [{ ...first, keyringCid: second.keyringCid }, ...entries.slice(1)] },
      otherCategories: { entries: [{ ...first, categories: [1, 5] }, ...entries.slice(1)] },
      otherContent: { entries: [{ ...first, contentCid: second.contentCid }, ...entries.slice(1)] },
      // the chain's batch is another author's: the record ids are not the ones its content CIDs give
      otherAuthor: { entries, batch: { ...batch, author: patient } },
    };
    for (const [name, attack] of Object.entries(attacks)) {
      const ctx = contextOf(attack.batch ?? batch);
      const loading = batchManifest(ctx, batchId, { manifestCid: first.keyringCid, anchorTx, entries: attack.entries });
      await expect(loading, name).rejects.toBeInstanceOf(IndexContradictedError);
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(ctx.batches.has(batchId), name).toBe(false);
    }
  });
});
