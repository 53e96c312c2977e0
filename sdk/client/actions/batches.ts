/** Batch actions: many records of one patient under one Merkle root, a FHIR Bundle import, a record's batch proof. */
import { getAddress } from "ethers";

import { encryptEnvelope, generateDek } from "../../crypto/envelope.js";
import { encodeKeyring, sealKeyring, type SkippedRecipient } from "../../crypto/keyring.js";
import { utf8 } from "../../crypto/bytes.js";
import { RecordWriteConsentRequiredError } from "../../errors/contract.js";
import { canonicalJson } from "../../fhir/canonical.js";
import { categoriesOf, categoryMask, type CategoryId } from "../../fhir/categories.js";
import { checkLimit } from "../../limits.js";
import { batchTree, encodeManifest, type BatchEntry, type BatchManifest } from "../batch.js";
import type { CarechainContext } from "../context.js";
import { batchIdOf, recordIdOf } from "../record-id.js";
import type { BatchResult } from "../types.js";
import { firstDenied } from "./_access.js";
import { batchProof } from "./_batches.js";
import { recipientKeys } from "./_readers.js";
import { checkRecordSize, recordContext } from "./_records.js";
import { sendTx } from "./_tx.js";
import { getAccountAddress } from "./directory.js";

/** Parameters of {@link addRecords}. */
export interface AddRecordsParameters {
  /** The patient's address. */
  readonly patient: string;
  /** The FHIR R4 resources (at least one, at most `MAX_MANIFEST_ENTRIES`). */
  readonly resources: readonly unknown[];
}
/** The result of {@link addRecords}. */
export type AddRecordsReturnType = BatchResult;

/**
 * Adds many FHIR resources of one patient in one transaction: each is validated, categorised, encrypted with its own
 * key and wrapped for the readers of all its categories like {@link addRecord}; a manifest lists them and one Merkle
 * root (OpenZeppelin StandardMerkleTree) is anchored (`anchorBatch`). Write consent is needed for every category.
 * Readers whose key can't be wrapped for are left out and listed in `skippedRecipients`.
 * @param ctx - The client context.
 * @param params - The patient and the resources.
 * @returns The batch id, root, manifest CID, records and anchor transaction.
 * @throws {RangeError} When there are no resources.
 * @throws {FhirValidationError} When any resource is invalid (nothing is stored or anchored).
 * @throws {SizeLimitError} When there are too many resources or one is too large (nothing is stored or anchored).
 * @throws {RecordWriteConsentRequiredError} When a category lacks write consent (nothing is stored or anchored).
 */
export async function addRecords(ctx: CarechainContext, params: AddRecordsParameters): Promise<AddRecordsReturnType> {
  const { resources } = params;
  if (resources.length === 0) throw new RangeError("resources: a batch needs at least one resource");
  checkLimit("manifestEntries", resources.length, "batch manifest");
  for (const r of resources) checkRecordSize(r);
  const valid = resources.map((r) => ctx.validator.validate(r));
  const plaintexts = valid.map((resource) => ({ resource, plaintext: utf8(canonicalJson(resource)) }));
  for (const { plaintext } of plaintexts) checkLimit("recordBytes", plaintext.length, "record");
  const patient = getAddress(params.patient);
  const me = await getAccountAddress(ctx);
  const perRecord = plaintexts.map(({ resource, plaintext }) => ({ plaintext, set: categoriesOf(resource) }));
  const categories = [...new Set(perRecord.flatMap((r) => r.set))].sort((a, b) => a - b);
  const denied = await firstDenied(ctx, { patient, grantee: me, categories, action: "write" });
  if (denied !== undefined) {
    throw new RecordWriteConsentRequiredError({ patient, author: me, category: BigInt(denied) });
  }
  // Readers per category set: a record is wrapped for those who may read every one of its categories.
  const readers = new Map<string, Promise<Uint8Array[]>>();
  const readersOf = (set: readonly CategoryId[]) => {
    const key = set.join(",");
    let keys = readers.get(key);
    if (!keys) {
      keys = recipientKeys(ctx, patient, set);
      readers.set(key, keys);
    }
    return keys;
  };
  const entries: BatchEntry[] = [];
  const skippedRecipients = new Map<string, SkippedRecipient>();
  for (const { plaintext, set } of perRecord) {
    const dek = generateDek();
    const context = recordContext(patient, me, categoryMask(set));
    const contentCid = await ctx.store.put(encryptEnvelope(dek, plaintext, context));
    const { keyring, skipped } = await sealKeyring(contentCid, dek, await readersOf(set));
    for (const s of skipped) skippedRecipients.set(s.key, s);
    const keyringCid = await ctx.store.put(encodeKeyring(keyring));
    entries.push({
      recordId: recordIdOf(patient, me, contentCid),
      categories: set,
      content: contentCid.toString(),
      keyring: keyringCid.toString(),
    });
  }
  const manifest: BatchManifest = { v: 2, patient, author: me, records: entries };
  const manifestCid = await ctx.store.put(encodeManifest(manifest));
  const root = batchTree(manifest).root;
  const tx = await sendTx(ctx, "anchorBatch", () =>
    ctx.contracts.records.anchorBatch(patient, root, categoryMask(categories), entries.length, manifestCid.bytes),
  );
  return {
    ...tx,
    batchId: batchIdOf(patient, me, root),
    root,
    manifestCid,
    records: entries.map((e) => ({ recordId: e.recordId, categories: e.categories })),
    skippedRecipients: [...skippedRecipients.values()],
  };
}

/** Parameters of {@link importBundle}. */
export interface ImportBundleParameters {
  /** The patient's address. */
  readonly patient: string;
  /** A FHIR R4 Bundle (e.g. a Synthea transaction bundle). */
  readonly bundle: unknown;
  /** Records per anchored batch (default 250). */
  readonly batchSize?: number;
}
/** The result of {@link importBundle}: one batch per chunk. */
export type ImportBundleReturnType = BatchResult[];

/**
 * Imports a FHIR R4 Bundle as records of a patient: every entry's resource is validated, categorised by the one
 * category table, and batch-anchored ({@link addRecords}) in chunks.
 * @param ctx - The client context.
 * @param params - The patient, the bundle and the chunk size.
 * @returns One batch result per chunk; records in entry order.
 * @throws {TypeError} When `bundle` is not a Bundle.
 * @throws {RangeError} When `batchSize` is not a positive integer.
 * @throws {FhirValidationError} When any entry is invalid (nothing of that chunk or later is stored).
 */
export async function importBundle(
  ctx: CarechainContext,
  params: ImportBundleParameters,
): Promise<ImportBundleReturnType> {
  const given: unknown = params.bundle;
  if (typeof given !== "object" || given === null || !("resourceType" in given) || given.resourceType !== "Bundle") {
    throw new TypeError("bundle: expected a FHIR Bundle");
  }
  const b = given as { entry?: { resource?: unknown }[] };
  const resources = (b.entry ?? []).map((e) => e.resource).filter((r) => r !== undefined);
  const size = params.batchSize ?? 250;
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`batchSize: expected a positive integer, got ${size}`);
  const results: BatchResult[] = [];
  for (let i = 0; i < resources.length; i += size) {
    results.push(await addRecords(ctx, { patient: params.patient, resources: resources.slice(i, i + size) }));
  }
  return results;
}

/** Parameters of {@link proveBatchRecord}. */
export interface ProveBatchRecordParameters {
  /** The batch id (0x hex). */
  readonly batchId: string;
  /** The record version id (0x hex). */
  readonly recordId: string;
}
/** The result of {@link proveBatchRecord}. */
export interface ProveBatchRecordReturnType {
  /** The Merkle proof. */
  proof: string[];
  /** The chain's verdict (`verifyBatchRecord`). */
  verifiedOnChain: boolean;
}

/**
 * The Merkle proof of a batch record, checked on chain (`verifyBatchRecord`, OpenZeppelin MerkleProof) and in the
 * SDK (`StandardMerkleTree.verify`).
 * @param ctx - The client context.
 * @param params - The batch and the record.
 * @returns The proof, verified.
 * @throws {IntegrityError} When the manifest does not produce the anchored root or the proof fails.
 */
export async function proveBatchRecord(
  ctx: CarechainContext,
  params: ProveBatchRecordParameters,
): Promise<ProveBatchRecordReturnType> {
  return batchProof(ctx, params.batchId, params.recordId);
}
