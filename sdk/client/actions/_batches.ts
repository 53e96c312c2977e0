/** Batch manifests, verified against their on-chain entry and cached per context; records located in them. */
import { getAddress } from "ethers";
import { CID } from "multiformats/cid";

import { withRevertDecoding } from "../../chain/revert.js";
import { StandardMerkleTree } from "../../content/merkle.js";
import { fromHex } from "../../crypto/bytes.js";
import { CarechainError } from "../../errors/base.js";
import { RecordErasedError } from "../../errors/contract.js";
import { BatchCategoryNotDeclaredError, FormatError, IntegrityError } from "../../errors/data.js";
import { categoryMask } from "../../fhir/categories.js";
import type { IndexedBatchEntry } from "../../chain/index-source.js";
import { IndexContradictedError } from "../../errors/index-source.js";
import {
  BATCH_LEAF_ENCODING,
  batchLeaf,
  batchTree,
  decodeManifest,
  encodeManifest,
  type BatchEntry,
  type BatchManifest,
} from "../batch.js";
import type { CarechainContext, LoadedBatch } from "../context.js";
import type { RecordAnchor } from "../types.js";
import { isObjectFault } from "./_records.js";
import { ZERO_HASH } from "./_values.js";

/** Where a manifest is, when an index already said so (a hint, checked against the chain). */
export interface KnownManifest {
  /** The manifest's CID as the index reports it. */
  readonly manifestCid: CID;
  /** The anchoring transaction as the index reports it. */
  readonly anchorTx: string;
  /** The manifest's entries as the index holds them: used without fetching the manifest once they give the root. */
  readonly entries?: readonly IndexedBatchEntry[];
}

/**
 * A batch's manifest (fetched by the CID in its BatchAnchored event, verified) and its on-chain entry, fetched and
 * verified once per context (a failed load is not cached).
 * @param ctx - The client context.
 * @param batchId - The batch id (0x hex).
 * @param known - The index's manifest CID and transaction, if any.
 * @returns The verified manifest, the chain's entry and the anchoring transaction.
 * @throws {IntegrityError} When the manifest does not match the anchored batch.
 * @throws {FormatError | BlobNotFoundError} When the manifest can't be read.
 * @throws {IndexContradictedError} When the index's entries do not give the anchored root.
 * @throws {RecordErasedError} When the batch's patient erased it.
 */
export function batchManifest(ctx: CarechainContext, batchId: string, known?: KnownManifest): Promise<LoadedBatch> {
  let cached = ctx.batches.get(batchId);
  if (!cached) {
    cached = loadBatchManifest(ctx, batchId, known);
    cached.catch(() => ctx.batches.delete(batchId));
    ctx.batches.set(batchId, cached);
  }
  return cached;
}

async function loadBatchManifest(ctx: CarechainContext, batchId: string, known?: KnownManifest): Promise<LoadedBatch> {
  const records = ctx.contracts.records;
  const batch = await withRevertDecoding("batch", () => records.batch(batchId));
  if (batch.erased) throw new RecordErasedError({ id: batchId });
  if (known?.entries) return indexedManifest(batchId, batch, known.entries, known.anchorTx);
  if (known) {
    // The index's manifest CID is only a hint: the manifest must give the root anchored on chain; if it does not,
    // the CID is read from the chain.
    try {
      return await verifiedManifest(ctx, batchId, batch, known.manifestCid, known.anchorTx);
    } catch (error) {
      if (!isObjectFault(error)) throw error;
    }
  }
  const [event] = await ctx.logs.query(records, records.filters.BatchAnchored(batchId), ctx.fromBlock);
  if (!event) throw new CarechainError("CHAIN", "The batch's anchor event was not found.", { details: batchId });
  let manifestCid: CID;
  try {
    manifestCid = CID.decode(fromHex("manifestCid", event.args.manifestCid));
  } catch (cause) {
    throw new FormatError("The batch's manifest CID does not decode.", { details: batchId, cause });
  }
  return verifiedManifest(ctx, batchId, batch, manifestCid, event.transactionHash);
}

/**
 * The manifest an index's entries make, checked as a fetched one is: every record id must be the one the chain's
 * patient and author and the entry's content CID give, and the entries' Merkle tree must have the anchored root and
 * count — so the entries are exactly the anchored leaves, each one's proof verifiable against the root on chain.
 * @throws {IndexContradictedError} When they are not: the index's answer contradicts the chain.
 */
function indexedManifest(
  batchId: string,
  batch: LoadedBatch["batch"],
  entries: readonly IndexedBatchEntry[],
  anchorTx: string,
): LoadedBatch {
  let manifest: BatchManifest;
  try {
    manifest = decodeManifest(
      encodeManifest({
        v: 2,
        patient: batch.patient,
        author: batch.author,
        records: entries.map((e) => ({
          recordId: e.recordId,
          categories: e.categories,
          content: e.contentCid.toString(),
          keyring: e.keyringCid.toString(),
        })),
      }),
    );
  } catch (cause) {
    if (!(cause instanceof FormatError)) throw cause;
    throw new IndexContradictedError("The index's batch entries are malformed.", { details: batchId, cause });
  }
  if (BigInt(manifest.records.length) !== batch.count || batchTree(manifest).root !== batch.root) {
    throw new IndexContradictedError("The index's batch entries do not give the anchored root.", { details: batchId });
  }
  return { manifest, batch, anchorTx };
}

/** The manifest at `manifestCid`, checked against the batch anchored on chain (patient, author, count, root). */
async function verifiedManifest(
  ctx: CarechainContext,
  batchId: string,
  batch: LoadedBatch["batch"],
  manifestCid: CID,
  anchorTx: string,
): Promise<LoadedBatch> {
  const manifest = decodeManifest(await ctx.store.get(manifestCid));
  if (
    getAddress(manifest.patient) !== batch.patient ||
    getAddress(manifest.author) !== batch.author ||
    BigInt(manifest.records.length) !== batch.count ||
    batchTree(manifest).root !== batch.root
  ) {
    throw new IntegrityError("The batch manifest does not match the anchored batch.", { details: batchId });
  }
  return { manifest, batch, anchorTx };
}

/** A batch record found in its verified manifest. */
export interface LocatedBatchRecord {
  /** Its anchor, built from the batch's on-chain entry and the manifest. */
  readonly anchor: RecordAnchor;
  /** CID of its ciphertext. */
  readonly contentCid: CID;
  /** CID of its keyring. */
  readonly keyringCid: CID;
  /** The batch's anchoring transaction. */
  readonly anchorTx: string;
}

/**
 * A batch record's anchor and CIDs, its inclusion in the anchored root checked, and its categories checked against
 * the categories the batch declared on chain (the ones its author's write consent was checked for) — on every
 * read, by the patient or a grantee, logged or not.
 * @param ctx - The client context.
 * @param batchId - The batch id (0x hex).
 * @param recordId - The record version id (0x hex).
 * @returns The record's anchor, CIDs and the batch's transaction.
 * @throws {IntegrityError} When the record is not in the manifest.
 * @throws {BatchCategoryNotDeclaredError} When the manifest lists it in a category the batch did not declare.
 */
export async function locateInBatch(
  ctx: CarechainContext,
  batchId: string,
  recordId: string,
): Promise<LocatedBatchRecord> {
  const { manifest, batch, anchorTx } = await batchManifest(ctx, batchId);
  const entry = manifest.records.find((r) => r.recordId === recordId);
  if (!entry) throw new IntegrityError("The record is not in this batch.", { details: `${batchId} ${recordId}` });
  const undeclared = undeclaredEntry(batchId, batch, entry);
  if (undeclared) throw undeclared;
  return {
    anchor: batchAnchor(batchId, batch, entry),
    contentCid: CID.parse(entry.content),
    keyringCid: CID.parse(entry.keyring),
    anchorTx,
  };
}

/**
 * The Merkle proof of a batch record, checked on chain (`verifyBatchRecord`) and in the SDK
 * (`StandardMerkleTree.verify`).
 * @param ctx - The client context.
 * @param batchId - The batch id (0x hex).
 * @param recordId - The record version id (0x hex).
 * @returns The proof, and the chain's verdict (always true when this returns).
 * @throws {IntegrityError} When the record is not in the manifest or the proof fails.
 */
export async function batchProof(
  ctx: CarechainContext,
  batchId: string,
  recordId: string,
): Promise<{ proof: string[]; verifiedOnChain: boolean }> {
  const { manifest, batch } = await batchManifest(ctx, batchId);
  const tree = batchTree(manifest);
  const index = manifest.records.findIndex((r) => r.recordId === recordId);
  const entry = manifest.records[index];
  if (!entry)
    throw new IntegrityError("The record is not in this batch's manifest.", { details: `${batchId} ${recordId}` });
  const proof = tree.getProof(index);
  const leaf = batchLeaf(entry);
  const verifiedOnChain = await ctx.contracts.records.verifyBatchRecord(batchId, leaf[0], leaf[1], leaf[2], proof);
  if (!verifiedOnChain || !StandardMerkleTree.verify(batch.root, BATCH_LEAF_ENCODING, leaf, proof)) {
    throw new IntegrityError("The batch inclusion proof does not verify.", { details: `${batchId} ${recordId}` });
  }
  return { proof, verifiedOnChain };
}

/**
 * The error for a batch entry whose category the batch did not declare on chain (its author's write consent was
 * only checked for the declared ones), or `undefined` for a declared entry.
 * @param batchId - The batch id.
 * @param batch - The batch's declared category mask.
 * @param entry - The manifest entry.
 * @returns The error, or `undefined`.
 */
export function undeclaredEntry(
  batchId: string,
  batch: { readonly categories: bigint },
  entry: BatchEntry,
): BatchCategoryNotDeclaredError | undefined {
  const undeclared = entry.categories.filter((c) => ((batch.categories >> BigInt(c)) & 1n) === 0n);
  if (undeclared.length === 0) return undefined;
  const where = `batch=${batchId} record=${entry.recordId}`;
  return new BatchCategoryNotDeclaredError(
    "The batch manifest lists a record in a category the batch did not declare on chain.",
    { details: `${where} categories=${entry.categories.join(",")} undeclared=${undeclared.join(",")}` },
  );
}

/**
 * The anchor of a batch record.
 * @param batchId - The batch id.
 * @param batch - The batch's on-chain entry.
 * @param entry - The manifest entry.
 * @returns The anchor (version 1, never amended).
 */
export function batchAnchor(
  batchId: string,
  batch: { patient: string; author: string; anchoredAt: bigint },
  entry: BatchEntry,
): RecordAnchor {
  return {
    recordId: entry.recordId,
    patient: batch.patient,
    author: batch.author,
    originalAuthor: batch.author,
    categories: entry.categories,
    categoryMask: categoryMask(entry.categories),
    version: 1,
    previous: ZERO_HASH,
    anchoredAt: Number(batch.anchoredAt),
    amended: false,
    batch: batchId,
  };
}
