/** Record read actions: one anchor, a patient's records, a record's versions, an integrity check, a verified read. */
import type { Resource } from "@medplum/fhirtypes";
import { getAddress } from "ethers";
import type { CID } from "multiformats/cid";

import { PurposeOfUse, type PurposeCode } from "../../chain/purpose.js";
import { withRevertDecoding } from "../../chain/revert.js";
import { fromHex, toHex } from "../../crypto/bytes.js";
import { decryptEnvelope } from "../../crypto/envelope.js";
import { RecordErasedError, RecordReadConsentRequiredError } from "../../errors/contract.js";
import { RecordCategoryMismatchError } from "../../errors/data.js";
import { categoriesOf, categoriesOfMask } from "../../fhir/categories.js";
import { checkLimit } from "../../limits.js";
import type { CarechainContext, LoadedBatch } from "../context.js";
import type { ReadRecord, RecordAnchor, RecordList, SkippedObject, TxResult } from "../types.js";
import { firstDenied } from "./_access.js";
import { anchorEvent } from "./_anchors.js";
import { batchAnchor, batchManifest, locateInBatch, undeclaredEntry } from "./_batches.js";
import { openRecordKey } from "./_record-key.js";
import { isObjectFault, recordContext, withSkipped } from "./_records.js";
import { sendTx } from "./_tx.js";
import { ZERO_HASH } from "./_values.js";
import { getAccountAddress } from "./directory.js";

/** Parameters naming one record version. */
export interface RecordIdParameters {
  /** The record version id (0x hex, 32 bytes). */
  readonly recordId: string;
}
/** The result of {@link getRecord}. */
export type GetRecordReturnType = RecordAnchor;

/**
 * The anchor of one record version, from the chain.
 * @param ctx - The client context.
 * @param params - The record version.
 * @returns The anchor.
 * @throws {TypeError | RangeError} When the id is not 32 bytes of hex.
 * @throws {RecordNotFoundError} When no such version is anchored.
 */
export async function getRecord(ctx: CarechainContext, params: RecordIdParameters): Promise<GetRecordReturnType> {
  const id = toHex(fromHex("recordId", params.recordId, 32));
  const r = await withRevertDecoding("record", () => ctx.contracts.records.record(id));
  return {
    recordId: id,
    patient: r.patient,
    author: r.author,
    originalAuthor: r.originalAuthor,
    categories: categoriesOfMask(r.categories),
    categoryMask: r.categories,
    version: Number(r.version),
    previous: r.previous,
    anchoredAt: Number(r.anchoredAt),
    amended: r.amended,
    erased: r.erased,
  };
}

/** Parameters of {@link listRecords}. */
export interface ListRecordsParameters {
  /** The patient's address. */
  readonly patient: string;
  /** Ids per `recordsOf` call (default 500). */
  readonly pageSize?: number;
}
/** The result of {@link listRecords}. */
export type ListRecordsReturnType = RecordList;

/**
 * Every record version anchored for a patient, oldest first, from the patient's on-chain index (its cost grows with
 * this patient's records only). Failures are isolated per batch and per entry: a batch whose manifest is missing,
 * malformed, oversized or not the anchored root, and a batch entry in a category the batch did not declare on chain,
 * are left out and listed in the result's non-enumerable `skipped` field ({@link RecordList}). Chain errors throw.
 * @param ctx - The client context.
 * @param params - The patient and page size.
 * @returns The anchors, with `skipped`.
 */
export async function listRecords(
  ctx: CarechainContext,
  params: ListRecordsParameters,
): Promise<ListRecordsReturnType> {
  const { patient, pageSize = 500 } = params;
  const { single, batches } =
    (await ctx.indexed?.records(getAddress(patient))) ?? (await rpcRecords(ctx, patient, pageSize));
  const batched: RecordAnchor[] = [];
  const skipped: SkippedObject[] = [];
  for (const { batchId, ...known } of batches) {
    let loaded: LoadedBatch;
    try {
      loaded = await batchManifest(ctx, batchId, "manifestCid" in known ? known : undefined);
    } catch (error) {
      if (!isObjectFault(error)) throw error;
      skipped.push({ batch: batchId, error });
      continue;
    }
    for (const entry of loaded.manifest.records) {
      const undeclared = undeclaredEntry(batchId, loaded.batch, entry);
      if (undeclared) skipped.push({ recordId: entry.recordId, batch: batchId, error: undeclared });
      else batched.push(batchAnchor(batchId, loaded.batch, entry));
    }
  }
  return withSkipped(
    [...single, ...batched].sort((a, b) => a.anchoredAt - b.anchoredAt),
    skipped,
  );
}

/** The patient's single anchors (its on-chain index) and batch ids (their events), the RPC way. */
async function rpcRecords(
  ctx: CarechainContext,
  patient: string,
  pageSize: number,
): Promise<{ single: RecordAnchor[]; batches: { batchId: string }[] }> {
  const records = ctx.contracts.records;
  const total = Number(await withRevertDecoding("recordCount", () => records.recordCount(patient)));
  const ids: string[] = [];
  for (let offset = 0; offset < total; offset += pageSize) {
    ids.push(...(await withRevertDecoding("recordsOf", () => records.recordsOf(patient, offset, pageSize))));
  }
  const single = await Promise.all(ids.map((recordId) => getRecord(ctx, { recordId })));
  const events = await ctx.logs.query(
    records,
    records.filters.BatchAnchored(undefined, getAddress(patient)),
    ctx.fromBlock,
  );
  return { single, batches: events.map((e) => ({ batchId: e.args.batchId })) };
}

/** The result of {@link getRecordHistory}. */
export type GetRecordHistoryReturnType = RecordList;

/**
 * Every version of the record that `recordId` belongs to, oldest first (version 1, its amendment, …), with author
 * and time. Walks the `previous` links among the patient's versions. A batch of the patient's that can't be read
 * does not stop it: it is listed in the result's `skipped` (see {@link RecordList}).
 * @param ctx - The client context.
 * @param params - Any version of the record.
 * @returns The versions, with `skipped`.
 * @throws {RecordNotFoundError} When `recordId` is not anchored.
 */
export async function getRecordHistory(
  ctx: CarechainContext,
  params: RecordIdParameters,
): Promise<GetRecordHistoryReturnType> {
  const indexed = await ctx.indexed?.history(toHex(fromHex("recordId", params.recordId, 32)));
  if (indexed) return withSkipped(indexed, []);
  const start = await getRecord(ctx, params);
  const all = await listRecords(ctx, { patient: start.patient });
  const byPrevious = new Map(all.filter((r) => r.previous !== ZERO_HASH).map((r) => [r.previous, r]));
  const byId = new Map(all.map((r) => [r.recordId, r]));
  let first = start;
  while (first.previous !== ZERO_HASH)
    first = byId.get(first.previous) ?? (await getRecord(ctx, { recordId: first.previous }));
  const chain = [first];
  for (let next = byPrevious.get(first.recordId); next; next = byPrevious.get(next.recordId)) chain.push(next);
  return withSkipped(chain, all.skipped);
}

/** The result of {@link verifyRecord}. */
export interface VerifyRecordReturnType {
  /** CID of the ciphertext, found in the store and matching. */
  readonly contentCid: CID;
  /** CID of the anchored keyring, found in the store and matching. */
  readonly keyringCid: CID;
}

/**
 * Checks that a record version's ciphertext and keyring are in the store and match the CIDs anchored on chain,
 * without decrypting anything (an auditor's integrity check; needs no consent).
 * @param ctx - The client context.
 * @param params - The record version.
 * @returns The two CIDs.
 * @throws {BlobNotFoundError} When a blob is missing from the store.
 * @throws {IntegrityError} When a blob does not match its anchored CID.
 */
export async function verifyRecord(ctx: CarechainContext, params: RecordIdParameters): Promise<VerifyRecordReturnType> {
  const { contentCid, keyringCid } = await anchorEvent(ctx, toHex(fromHex("recordId", params.recordId, 32)));
  await ctx.store.get(keyringCid);
  await ctx.store.get(contentCid);
  return { contentCid, keyringCid };
}

/** Parameters of {@link readRecord}. */
export interface ReadRecordParameters extends RecordIdParameters {
  /** The purpose of the read (default TREAT). */
  readonly purpose?: PurposeCode;
  /** The batch that anchored the record (0x hex), for a batch record. */
  readonly batch?: string;
  /** Whether to log the read on chain; default the context's `logAccess`. */
  readonly logAccess?: boolean;
}
/** The result of {@link readRecord}. */
export type ReadRecordReturnType<T extends Resource = Resource> = ReadRecord<T>;

/**
 * Reads a record version: consent checked on chain → keyring and ciphertext fetched and verified against their
 * CIDs → key unwrapped with the context's identity (X25519 or X-Wing, from a keyring of either version) or, for a
 * custodied record that no keyring opens for it, rebuilt from k custodian nodes' shares after the access is logged
 * on chain → decrypted and authenticated → validated → read logged on chain (`logAccess`, unless the reader is the
 * patient itself, logging is off, or the custodied read logged it already).
 * @param ctx - The client context.
 * @param params - The record, purpose, batch and whether to log.
 * @returns The resource, its anchor and provenance, the access log and the keyrings passed over.
 * @throws {RecordErasedError} When its patient erased the record (or its batch): nothing is fetched.
 * @throws {RecordReadConsentRequiredError} When the chain says this account may not read it for `purpose`.
 * @throws {IntegrityError} When a blob does not match its CID.
 * @throws {NotARecipientError | DecryptionError} When no keyring opens the record for this account.
 * @throws {CustodyThresholdError} When the record is custodied and fewer than k custodian nodes gave a valid share.
 * @throws {BatchCategoryNotDeclaredError} When the batch's manifest lists the record in an undeclared category.
 * @throws {SizeLimitError} When the ciphertext is over `MAX_RECORD_ENVELOPE_BYTES` (refused before decrypting).
 * @throws {FhirValidationError} When the decrypted content is not a valid FHIR resource.
 * @throws {RecordCategoryMismatchError} When the decrypted content falls in a category the anchor does not carry.
 */
export async function readRecord<T extends Resource = Resource>(
  ctx: CarechainContext,
  params: ReadRecordParameters,
): Promise<ReadRecordReturnType<T>> {
  const purpose = params.purpose ?? "TREAT";
  const id = toHex(fromHex("recordId", params.recordId, 32));
  const batchId = params.batch === undefined ? undefined : toHex(fromHex("batch", params.batch, 32));
  // Erased records are refused before anything is fetched: checked on chain on every read (a batch's manifest may
  // be cached from before its erasure).
  if (batchId && (await withRevertDecoding("batch", () => ctx.contracts.records.batch(batchId))).erased)
    throw new RecordErasedError({ id: batchId });
  const { anchor, contentCid, keyringCid, anchorTx } = batchId
    ? await locateInBatch(ctx, batchId, id)
    : { ...(await anchorEvent(ctx, id)), anchor: await getRecord(ctx, { recordId: id }) };
  if (anchor.erased) throw new RecordErasedError({ id });
  const me = await getAccountAddress(ctx);
  const denied = await firstDenied(ctx, {
    patient: anchor.patient,
    grantee: me,
    categories: anchor.categories,
    action: "read",
    purpose,
  });
  if (denied !== undefined) {
    throw new RecordReadConsentRequiredError({
      patient: anchor.patient,
      reader: me,
      category: BigInt(denied),
      purpose: BigInt(PurposeOfUse[purpose]),
    });
  }
  const context = recordContext(anchor.patient, anchor.author, anchor.categoryMask);
  const opened = await openRecordKey(ctx, {
    recordId: id,
    contentCid,
    keyringCid,
    context,
    purpose,
    ...(anchor.batch ? { batch: anchor.batch } : {}),
  });
  const { dek, envelope, skipped } = opened;
  const plaintext = decryptEnvelope(dek, envelope, context);
  checkLimit("recordBytes", plaintext.length, "record");
  // Strict JSON (no duplicate keys) and full FHIR validation of what was decrypted.
  const resource = ctx.validator.validateJson(plaintext) as T;
  // The category mask is bound as associated data, so an author could only mislabel a record at writing time:
  // refuse a record with content (contained, Bundle entries, category codings) outside the anchored categories,
  // whose readers' consent was never asked for it.
  const content = categoriesOf(resource);
  const outside = content.filter((c) => !anchor.categories.includes(c));
  if (outside.length > 0) {
    throw new RecordCategoryMismatchError(
      "The decrypted record holds content in categories its anchor does not carry.",
      {
        details: `record=${id} anchored [${anchor.categories.join(",")}] content [${content.join(",")}]`,
      },
    );
  }
  // A patient reading its own record is not an access to log (and patients may hold no ETH). A key rebuilt by the
  // custodian nodes was logged already: the nodes release nothing without it.
  let accessLog: TxResult | undefined = opened.accessLog;
  if (!accessLog && (params.logAccess ?? ctx.logAccess) && me !== anchor.patient) {
    const p = PurposeOfUse[purpose];
    const batch = anchor.batch;
    accessLog = await sendTx(ctx, "logAccess", () =>
      batch
        ? ctx.contracts.records.logBatchAccess(batch, id, anchor.categoryMask, p)
        : ctx.contracts.records.logAccess(id, p),
    );
  }
  const keySource = opened.accessLog ? "custody" : "keyring";
  return { resource, anchor, contentCid, anchorTx, accessLog, skipped, keySource };
}
