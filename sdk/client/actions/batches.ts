/** Batch actions: many records of one patient under one Merkle root, a FHIR Bundle import, a record's batch proof. */
import { getAddress } from "ethers";

import type { CID } from "multiformats/cid";

import { encryptEnvelope, generateDek } from "../../crypto/envelope.js";
import { encodeKeyring, sealKeyring, type SkippedRecipient } from "../../crypto/keyring.js";
import {
  encodeKeyringV3,
  generateBatchKey,
  sealBatchKeyKeyring,
  sealBatchRecordKeyring,
} from "../../crypto/keyring-batch.js";
import { toHex, utf8 } from "../../crypto/bytes.js";
import { RecordWriteConsentRequiredError } from "../../errors/contract.js";
import { canonicalJson } from "../../fhir/canonical.js";
import { categoriesOf, categoryMask, type CategoryId } from "../../fhir/categories.js";
import { checkLimit } from "../../limits.js";
import { batchTree, encodeManifest, type BatchEntry, type BatchManifest } from "../batch.js";
import type { CarechainContext } from "../context.js";
import { batchIdOf, recordIdOf } from "../record-id.js";
import type { BatchResult } from "../types.js";
import { batchProof } from "./_batches.js";
import { writeReaders, type WriteReaders } from "./_readers.js";
import { checkRecordSize, recordContext } from "./_records.js";
import { sendTx } from "./_tx.js";
import { getAccountAddress } from "./directory.js";

/** Parameters of {@link addRecords}. */
export interface AddRecordsParameters {
  /** The patient's address. */
  readonly patient: string;
  /** The FHIR R4 resources (at least one, at most `MAX_MANIFEST_ENTRIES`). */
  readonly resources: readonly unknown[];
  /**
   * The records' keyring format: 3 (default) wraps a batch key once per reader and seals each record key under it;
   * 1 wraps every record key for every reader (one HPKE wrap per reader per record), for readers on SDKs that
   * predate v3 keyrings.
   */
  readonly keyringVersion?: 1 | 3;
}
/** The result of {@link addRecords}. */
export type AddRecordsReturnType = BatchResult;

/**
 * Adds many FHIR resources of one patient in one transaction: each is validated, categorised and encrypted with its
 * own key, readable by the readers of all its categories like {@link addRecord}: a batch key is wrapped once per
 * reader (HPKE) for each distinct set of readers, and each record key is sealed under it (keyring v3, see
 * sdk/crypto/keyring-batch.ts; `keyringVersion: 1` wraps each record key for each reader instead). A manifest lists
 * the records and one Merkle root (OpenZeppelin StandardMerkleTree) is anchored (`anchorBatch`). Write consent is
 * needed for every category; it and the readers are checked on chain in one batched view. Readers whose key can't
 * be wrapped for are left out and listed in `skippedRecipients`.
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
  // The author's write consent and every category set's readers, asked of the chain in one batched view.
  const access = await writeReaders(ctx, patient, categories, me);
  if (access.writeDenied !== undefined) {
    throw new RecordWriteConsentRequiredError({ patient, author: me, category: BigInt(access.writeDenied) });
  }
  const sealer = batchSealer(ctx, access, params.keyringVersion ?? 3);
  const entries = await mapLimited(perRecord, SEAL_CONCURRENCY, async ({ plaintext, set }): Promise<BatchEntry> => {
    const dek = generateDek();
    const context = recordContext(patient, me, categoryMask(set));
    const contentCid = await ctx.store.put(encryptEnvelope(dek, plaintext, context));
    const keyringCid = await ctx.store.put(await sealer.seal(set, contentCid, dek));
    return {
      recordId: recordIdOf(patient, me, contentCid),
      categories: set,
      content: contentCid.toString(),
      keyring: keyringCid.toString(),
    };
  });
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
    skippedRecipients: sealer.skipped(),
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

/** Records encrypted and sealed at once (their store writes overlap). */
const SEAL_CONCURRENCY = 16;

/** Seals record keys for a batch's readers, and collects the readers left out. */
interface BatchSealer {
  /** The keyring bytes of a record of `set`, sealing `dek` for the readers of `set`. */
  seal(set: readonly CategoryId[], contentCid: CID, dek: Uint8Array): Promise<Uint8Array>;
  /** The readers left out so far (each once). */
  skipped(): SkippedRecipient[];
}

/**
 * Seals record keys in keyring format `version`: v3 wraps one batch key per distinct reader set once (stored as its
 * batch-key keyring) and seals each record key under it; v1 wraps each record key for each reader.
 */
function batchSealer(ctx: CarechainContext, access: WriteReaders, version: 1 | 3): BatchSealer {
  const skipped = new Map<string, SkippedRecipient>();
  const note = (list: readonly SkippedRecipient[]) => list.forEach((r) => skipped.set(r.key, r));
  const readers = memo(
    (set: readonly CategoryId[]) => access.recipients(set),
    (set) => set.join(","),
  );
  const batchKeys = memo(
    async (keys: readonly Uint8Array[]) => {
      const batchKey = generateBatchKey();
      const { keyring, skipped: left } = await sealBatchKeyKeyring(batchKey, keys);
      note(left);
      return { batchKey, cid: await ctx.store.put(encodeKeyringV3(keyring)) };
    },
    (keys) =>
      keys
        .map((k) => toHex(k))
        .sort()
        .join(","),
  );
  return {
    seal: async (set, contentCid, dek) => {
      const keys = await readers(set);
      if (version === 1) {
        const { keyring, skipped: left } = await sealKeyring(contentCid, dek, keys);
        note(left);
        return encodeKeyring(keyring);
      }
      const { batchKey, cid } = await batchKeys(keys);
      return encodeKeyringV3(sealBatchRecordKeyring(batchKey, cid, contentCid, dek));
    },
    skipped: () => [...skipped.values()],
  };
}

/** `fn` computed once per key of its argument (the promise is shared). */
function memo<A, T>(fn: (arg: A) => Promise<T>, keyOf: (arg: A) => string): (arg: A) => Promise<T> {
  const cache = new Map<string, Promise<T>>();
  return (arg) => {
    const key = keyOf(arg);
    let value = cache.get(key);
    if (!value) {
      value = fn(arg);
      cache.set(key, value);
    }
    return value;
  };
}

/** `fn` over `items` with at most `limit` running at once; results in order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
