/**
 * Erasure by crypto-shredding (GDPR art. 17): every blob of a patient's records that the client's stores hold —
 * ciphertext, anchored and published keyrings, custody documents, batch manifests, attachments — is deleted, and the
 * records are marked erased on chain (`RecordRegistry.markErased`), so no read can be logged, no custodian releases
 * a key or share, and no keyring can be published for them again. The anchors stay: ids and CIDs, no PHI.
 * @module
 */
import { getAddress } from "ethers";
import { CID } from "multiformats/cid";

import { withRevertDecoding } from "../../chain/revert.js";
import type { BlobStore } from "../../content/blob-store.js";
import { fromHex, toHex } from "../../crypto/bytes.js";
import { decodeKeyringV3, isKeyringV3 } from "../../crypto/keyring-batch.js";
import { CarechainError } from "../../errors/base.js";
import { RecordReadConsentRequiredError, RecordUnauthorizedEraserError } from "../../errors/contract.js";
import { FormatError } from "../../errors/data.js";
import { decodeManifest } from "../batch.js";
import type { CarechainContext } from "../context.js";
import type { SkippedObject, TxResult } from "../types.js";
import { anchorEvent, publishedKeyringEvents } from "./_anchors.js";
import { isObjectFault } from "./_records.js";
import { sendTx } from "./_tx.js";
import { ZERO_HASH } from "./_values.js";
import { getAccountAddress } from "./directory.js";
import { getRecord, readRecord } from "./records-read.js";

/** Ids per `markErased` transaction. */
const ERASE_PAGE = 100;

/**
 * What to erase: every record of a patient; one record (every version of its line: the version named, those it
 * amends and those amending it); or one batch (every record it anchors).
 */
export type EraseParameters = (
  { readonly patient: string } | { readonly recordId: string } | { readonly batchId: string }
) & {
  /**
   * Further stores the patient controls to delete the blobs from (a Kubo node, a backup), besides the context's own
   * store.
   */
  readonly stores?: readonly BlobStore[];
};

/** The result of {@link erase}. */
export interface EraseReturnType {
  /** The patient whose records were erased. */
  readonly patient: string;
  /** Single-anchored record versions now marked erased on chain (including those already erased). */
  readonly recordIds: readonly string[];
  /** Batches now marked erased on chain (including those already erased). */
  readonly batchIds: readonly string[];
  /** Every CID deleted from every store (ciphertext, keyrings, custody documents, manifests, attachments). */
  readonly deleted: readonly CID[];
  /** The last `markErased` transaction (gas summed over pages), or `undefined` when all were erased already. */
  readonly tx: TxResult | undefined;
  /**
   * What could not be looked into, e.g. a record whose attachments could not be found because the eraser (a
   * delegate) holds no key to it: its ciphertext and keyrings are deleted all the same.
   */
  readonly skipped: readonly SkippedObject[];
}

/** The records and batches to erase, as the chain lists them. */
interface Targets {
  readonly patient: string;
  readonly records: { readonly recordId: string; readonly erased: boolean }[];
  readonly batches: { readonly batchId: string; readonly erased: boolean }[];
}

/**
 * Erases a patient's records, one record line or one batch by crypto-shredding. Callable by the patient or an active
 * delegate (checked on chain before anything is deleted). In order: the CIDs of every blob of the records are
 * collected from the chain (anchor events, published keyrings and custody documents, batch manifests) and from the
 * records themselves (attachments, when this account can read them); the records are marked erased on chain; then
 * every blob is deleted from the context's store and from `stores`. Calling it again is safe: erased ids are not
 * sent again, and deleting a missing blob does nothing.
 *
 * What it cannot reach — copies a reader already decrypted, ciphertext in stores the patient does not control, and
 * the patient's own ability to re-derive a record key it authored from the plaintext — is listed in docs/privacy.md.
 * @param ctx - The client context (the patient's or a delegate's).
 * @param params - `{ patient }`, `{ recordId }` or `{ batchId }`, and optional further `stores`.
 * @returns What was erased and deleted.
 * @throws {TypeError | RangeError} When an id or address is malformed.
 * @throws {RecordNotFoundError | RecordBatchNotFoundError} When the record or batch is not anchored.
 * @throws {RecordUnauthorizedEraserError} When this account is neither the patient nor an active delegate.
 * @example
 * const { recordIds, deleted } = await patient.erase({ patient: await patient.address() });
 */
export async function erase(ctx: CarechainContext, params: EraseParameters): Promise<EraseReturnType> {
  const targets = await findTargets(ctx, params);
  const me = await getAccountAddress(ctx);
  if (!(await ctx.contracts.consent.isPatientOrDelegate(targets.patient, me))) {
    const [first] = [...targets.records.map((r) => r.recordId), ...targets.batches.map((b) => b.batchId)];
    throw new RecordUnauthorizedEraserError({ id: first ?? ZERO_HASH, account: me });
  }
  const skipped: SkippedObject[] = [];
  const blobs = new Map<string, CID>();
  const add = (cid: CID) => blobs.set(cid.toString(), cid);
  for (const r of targets.records) await collectRecordBlobs(ctx, r, add, skipped);
  // Manifests last: a second run after a failed deletion still finds the entries through them.
  const manifests: CID[] = [];
  for (const b of targets.batches) manifests.push(...(await collectBatchBlobs(ctx, b.batchId, add, skipped)));

  const tx = await markErased(
    ctx,
    targets.records.filter((r) => !r.erased).map((r) => r.recordId),
    targets.batches.filter((b) => !b.erased).map((b) => b.batchId),
  );
  ctx.batches.clear();

  const stores = [ctx.store, ...(params.stores ?? [])];
  const deleted = [...blobs.values(), ...manifests];
  for (const cid of deleted) for (const store of stores) await store.delete(cid);
  return {
    patient: targets.patient,
    recordIds: targets.records.map((r) => r.recordId),
    batchIds: targets.batches.map((b) => b.batchId),
    deleted,
    tx,
    skipped,
  };
}

/** The record versions and batches `params` names, read from the chain (never from an index). */
async function findTargets(ctx: CarechainContext, params: EraseParameters): Promise<Targets> {
  const records = ctx.contracts.records;
  if ("batchId" in params) {
    const batchId = toHex(fromHex("batchId", params.batchId, 32));
    const batch = await withRevertDecoding("batch", () => records.batch(batchId));
    return { patient: batch.patient, records: [], batches: [{ batchId, erased: batch.erased }] };
  }
  if ("recordId" in params) {
    const start = await getRecord(ctx, { recordId: params.recordId });
    const all = await singleRecords(ctx, start.patient);
    return { patient: start.patient, records: versionLine(all, start.recordId), batches: [] };
  }
  const patient = getAddress(params.patient);
  const events = await ctx.logs.query(records, records.filters.BatchAnchored(undefined, patient), ctx.fromBlock);
  const batches = await Promise.all(
    events.map(async (e) => {
      const batchId = e.args.batchId;
      const batch = await withRevertDecoding("batch", () => records.batch(batchId));
      return { batchId, erased: batch.erased };
    }),
  );
  const all = await singleRecords(ctx, patient);
  return { patient, records: all.map(({ recordId, erased }) => ({ recordId, erased })), batches };
}

/** A single-anchored version as the chain holds it. */
interface SingleVersion {
  readonly recordId: string;
  readonly previous: string;
  readonly erased: boolean;
}

/** Every single-anchored version of `patient`, from its on-chain index. */
async function singleRecords(ctx: CarechainContext, patient: string): Promise<SingleVersion[]> {
  const records = ctx.contracts.records;
  const total = Number(await withRevertDecoding("recordCount", () => records.recordCount(patient)));
  const ids: string[] = [];
  for (let offset = 0; offset < total; offset += 500)
    ids.push(...(await withRevertDecoding("recordsOf", () => records.recordsOf(patient, offset, 500))));
  return Promise.all(
    ids.map(async (recordId) => {
      const r = await getRecord(ctx, { recordId });
      return { recordId, previous: r.previous, erased: r.erased ?? false };
    }),
  );
}

/** The versions of the line `recordId` belongs to: following `previous` links both ways. */
function versionLine(all: readonly SingleVersion[], recordId: string): SingleVersion[] {
  const byId = new Map(all.map((r) => [r.recordId, r]));
  const next = new Map(all.filter((r) => r.previous !== ZERO_HASH).map((r) => [r.previous, r]));
  let first = byId.get(recordId);
  while (first && first.previous !== ZERO_HASH && byId.has(first.previous)) first = byId.get(first.previous);
  const line: SingleVersion[] = [];
  for (let v = first; v; v = next.get(v.recordId)) line.push(v);
  return line;
}

/**
 * Adds the CIDs of a single record's blobs: its ciphertext and anchored keyring, every keyring and custody document
 * published for it, and the attachments it references when this account can still read it.
 */
async function collectRecordBlobs(
  ctx: CarechainContext,
  record: { readonly recordId: string; readonly erased: boolean },
  add: (cid: CID) => void,
  skipped: SkippedObject[],
): Promise<void> {
  const { recordId } = record;
  const { contentCid, keyringCid } = await anchorEvent(ctx, recordId);
  for (const published of await publishedKeyringEvents(ctx, recordId)) {
    if (published.keyringCid) add(published.keyringCid);
    else if (published.rawCid) {
      try {
        add(CID.decode(fromHex("keyringCid", published.rawCid)));
      } catch (cause) {
        skipped.push({ recordId, error: new FormatError("A published keyring CID does not decode.", { cause }) });
      }
    }
  }
  if (!record.erased) {
    try {
      const { resource } = await readRecord(ctx, { recordId, logAccess: false });
      for (const cid of attachmentCids(resource)) add(cid);
    } catch (error) {
      // A delegate may hold no read consent or key: the attachments stay unknown, the record is erased all the same.
      if (!isObjectFault(error) && !(error instanceof RecordReadConsentRequiredError)) throw error;
      skipped.push({ recordId, error });
    }
  }
  add(keyringCid);
  add(contentCid);
}

/** Adds the CIDs of every entry of a batch; returns the manifest's CID (deleted last). */
async function collectBatchBlobs(
  ctx: CarechainContext,
  batchId: string,
  add: (cid: CID) => void,
  skipped: SkippedObject[],
): Promise<CID[]> {
  const records = ctx.contracts.records;
  const [event] = await ctx.logs.query(records, records.filters.BatchAnchored(batchId), ctx.fromBlock);
  if (!event) throw new CarechainError("CHAIN", "The batch's anchor event was not found.", { details: batchId });
  const manifestCid = CID.decode(fromHex("manifestCid", event.args.manifestCid));
  try {
    // Read directly (the store checks it against its anchored CID), so a second run finds the entries even once the
    // batch is marked erased.
    const manifest = decodeManifest(await ctx.store.get(manifestCid));
    for (const entry of manifest.records) {
      const keyringCid = CID.parse(entry.keyring);
      const batchKeyring = await batchKeyringOf(ctx, keyringCid);
      if (batchKeyring) add(batchKeyring);
      add(keyringCid);
      add(CID.parse(entry.content));
    }
  } catch (error) {
    if (!isObjectFault(error)) throw error;
    skipped.push({ batch: batchId, error });
  }
  return [manifestCid];
}

/**
 * The batch-key keyring a v3 record keyring names (sdk/crypto/keyring-batch.ts), or undefined for another keyring
 * version or a keyring already gone.
 */
async function batchKeyringOf(ctx: CarechainContext, keyringCid: CID): Promise<CID | undefined> {
  if (!(await ctx.store.has(keyringCid))) return undefined;
  const bytes = await ctx.store.get(keyringCid);
  return isKeyringV3(bytes) ? CID.parse(decodeKeyringV3(bytes, "record").batchKeyring) : undefined;
}

/** The CIDs of every `ipfs://` attachment URL in a resource (at any depth). */
function attachmentCids(value: unknown): CID[] {
  const found: CID[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) for (const item of v) walk(item);
    else if (typeof v === "object" && v !== null) {
      for (const [key, item] of Object.entries(v)) {
        if (key === "url" && typeof item === "string" && item.startsWith("ipfs://")) {
          try {
            found.push(CID.parse(item.slice("ipfs://".length)));
          } catch {
            // not a CID this client stored: nothing of ours to delete
          }
        } else walk(item);
      }
    }
  };
  walk(value);
  return found;
}

/** Sends `markErased` in pages; the last page's transaction with summed gas, or undefined when nothing to send. */
async function markErased(
  ctx: CarechainContext,
  recordIds: readonly string[],
  batchIds: readonly string[],
): Promise<TxResult | undefined> {
  let result: TxResult | undefined;
  const pages = Math.max(Math.ceil(recordIds.length / ERASE_PAGE), Math.ceil(batchIds.length / ERASE_PAGE));
  for (let page = 0; page < pages; page++) {
    const ids = recordIds.slice(page * ERASE_PAGE, (page + 1) * ERASE_PAGE);
    const batches = batchIds.slice(page * ERASE_PAGE, (page + 1) * ERASE_PAGE);
    const tx = await sendTx(ctx, "markErased", () => ctx.contracts.records.markErased(ids, batches));
    result = result ? { ...tx, gasUsed: result.gasUsed + tx.gasUsed } : tx;
  }
  return result;
}
