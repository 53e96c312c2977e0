/** Keyrings for existing records: re-wrapped for a new reader or key, and published on chain in pages. */
import type { CID } from "multiformats/cid";

import { encodeKeyring, createKeyring, sealKeyring, type SkippedRecipient } from "../../crypto/keyring.js";
import { encodeKeyringV2, sealKeyringV2, type KeyringRecipient } from "../../crypto/keyring-v2.js";
import { fromHex } from "../../crypto/bytes.js";
import { assertX25519PublicKey } from "../../crypto/public-key.js";
import type { InvalidPublicKeyError } from "../../errors/data.js";
import { MustLogRecordError } from "../../errors/privacy.js";
import type { CategoryId } from "../../fhir/categories.js";
import type { CarechainContext } from "../context.js";
import { placeInCustody, type CustodianSet } from "../threshold-custody.js";
import type {
  CustodyPlacement,
  PreparedKeyrings,
  RecordAnchor,
  RecordCustody,
  SkippedObject,
  TxResult,
} from "../types.js";
import { anchorEvent } from "./_anchors.js";
import { openRecordKey } from "./_record-key.js";
import { isObjectFault, recordContext } from "./_records.js";
import { confirmedTx, sendTx } from "./_tx.js";
import { ZERO_HASH } from "./_values.js";
import { listRecords } from "./records-read.js";

/** Record ids per `publishKeyrings` transaction. */
const PUBLISH_PAGE = 100;

/** No keyrings. */
export const EMPTY_KEYRINGS: PreparedKeyrings = { recordIds: [], keyringCids: [] };

/** Prepared keyrings and what could not be prepared. */
export type PreparedWithSkipped = PreparedKeyrings & { skipped: SkippedObject[] };

/**
 * Seals a new record's keyring for `recipients`: a version 1 keyring when every recipient is X25519 (the format
 * every reader knows), a version 2 keyring mixing X25519 and X-Wing entries otherwise, or marked `must-log` for a
 * must-log record (so that a grant does not re-wrap its key).
 * @param record - CID of the record ciphertext.
 * @param dek - The record key.
 * @param recipients - The recipients and their suites (see `keyringRecipients`).
 * @param custody - The record's custody mode, if any.
 * @returns The keyring's wire bytes, how many entries it holds (`pq` of them X-Wing), and the recipients left out
 * (unusable X25519 keys).
 * @throws {RangeError | SizeLimitError | InvalidPublicKeyError} As `sealKeyring` and `sealKeyringV2`.
 */
export async function sealRecordKeyring(
  record: CID,
  dek: Uint8Array,
  recipients: readonly KeyringRecipient[],
  custody?: RecordCustody,
): Promise<{ bytes: Uint8Array; recipients: number; pq: number; skipped: SkippedRecipient[] }> {
  const mustLog = custody === "must-log";
  if (!mustLog && recipients.every((r) => r.suite === "x25519")) {
    const { keyring, skipped } = await sealKeyring(
      record,
      dek,
      recipients.map((r) => r.publicKey),
    );
    return { bytes: encodeKeyring(keyring), recipients: keyring.recipients.length, pq: 0, skipped };
  }
  const { keyring, skipped } = await sealKeyringV2(record, dek, recipients, mustLog ? { custody: "must-log" } : {});
  const pq = keyring.recipients.filter((e) => e.suite === "xwing").length;
  return { bytes: encodeKeyringV2(keyring), recipients: keyring.recipients.length, pq, skipped };
}

/**
 * Keyrings for `key` of every single-anchored record in `records` the context's identity can open. A record whose
 * key can't be found or checked (erased ciphertext, missing or bad keyrings, not ours) is skipped and reported, as
 * is every bad keyring passed over on the way.
 * @param ctx - The client context.
 * @param records - The records to re-wrap (batch records are passed over: they have no per-record keyrings).
 * @param key - The X25519 public key to wrap for.
 * @param options - `forGrantee`: the key is another reader's (a grant), so must-log records are passed over and
 * reported (their other readers go through the custodian set); a key rotation re-wraps them for the new key.
 * @returns The record ids and stored keyring CIDs, and what was skipped.
 */
export async function rewrap(
  ctx: CarechainContext,
  records: readonly RecordAnchor[],
  key: Uint8Array,
  options: { readonly forGrantee?: boolean } = {},
): Promise<PreparedWithSkipped> {
  const recordIds: string[] = [];
  const keyringCids: Uint8Array[] = [];
  const skipped: SkippedObject[] = [];
  for (const r of records) {
    if (r.batch) continue; // see docs/records.md: batch records have no per-record keyrings to publish
    if (r.erased) continue; // the chain refuses keyrings for an erased record
    try {
      const { contentCid, keyringCid } = await anchorEvent(ctx, r.recordId);
      const context = recordContext(r.patient, r.author, r.categoryMask);
      const opened = await openRecordKey(ctx, { recordId: r.recordId, contentCid, keyringCid, context });
      skipped.push(...opened.skipped);
      if (options.forGrantee && opened.mustLog) {
        skipped.push({ recordId: r.recordId, error: new MustLogRecordError(r.recordId) });
        continue;
      }
      keyringCids.push((await ctx.store.put(encodeKeyring(await createKeyring(contentCid, opened.dek, [key])))).bytes);
      recordIds.push(r.recordId);
    } catch (error) {
      if (!isObjectFault(error)) throw error;
      skipped.push({ recordId: r.recordId, error });
    }
  }
  return { recordIds, keyringCids, skipped };
}

/**
 * Keyrings for `grantee`'s Directory key, for every record of `patient` in `categories` the context can open;
 * what can't be read (a bad batch, a record without a usable keyring) or wrapped (a grantee key that is not a
 * usable X25519 key) is reported in `skipped`, never thrown.
 * @param ctx - The client context.
 * @param patient - The patient whose records are shared.
 * @param grantee - The grantee.
 * @param categories - The categories the grantee may read.
 * @returns The keyrings and what was skipped.
 */
export async function prepareKeyrings(
  ctx: CarechainContext,
  patient: string,
  grantee: string,
  categories: CategoryId[],
): Promise<PreparedWithSkipped> {
  if (categories.length === 0) return { ...EMPTY_KEYRINGS, skipped: [] };
  const keyHex = await ctx.contracts.directory.encryptionKeyOf(grantee);
  if (keyHex === ZERO_HASH) return { ...EMPTY_KEYRINGS, skipped: [] };
  const key = fromHex("encryptionKey", keyHex, 32);
  try {
    assertX25519PublicKey(key, "encryptionKey");
  } catch (error) {
    return { ...EMPTY_KEYRINGS, skipped: [{ recipientKey: keyHex, error: error as InvalidPublicKeyError }] };
  }
  const list = await listRecords(ctx, { patient });
  const inScope = list.filter((r) => r.categories.every((c) => categories.includes(c)));
  const rewrapped = await rewrap(ctx, inScope, key, { forGrantee: true });
  return { ...rewrapped, skipped: [...list.skipped, ...rewrapped.skipped] };
}

/**
 * Publishes prepared keyrings on chain, in pages; the last page's transaction is returned with summed gas.
 * @param ctx - The client context.
 * @param keyrings - The keyrings.
 * @returns The transaction, or `undefined` when there was nothing to publish.
 */
export async function publishKeyrings(
  ctx: CarechainContext,
  keyrings: PreparedKeyrings,
): Promise<TxResult | undefined> {
  let result: TxResult | undefined;
  for (let i = 0; i < keyrings.recordIds.length; i += PUBLISH_PAGE) {
    const ids = keyrings.recordIds.slice(i, i + PUBLISH_PAGE);
    const cids = keyrings.keyringCids.slice(i, i + PUBLISH_PAGE);
    const tx = await sendTx(ctx, "publishKeyrings", () => ctx.contracts.records.publishKeyrings(ids, cids));
    result = result ? { ...tx, gasUsed: result.gasUsed + tx.gasUsed } : tx;
  }
  return result;
}

/**
 * Splits `dek` among `set` and publishes the custody document (the write path, which holds the key, calls it
 * directly).
 * @param ctx - The client context.
 * @param recordId - The anchored record version.
 * @param dek - Its key.
 * @param set - The custodian set.
 * @returns The transaction and the custody document's CID.
 */
export async function custodyOf(
  ctx: CarechainContext,
  recordId: string,
  dek: Uint8Array,
  set: CustodianSet,
): Promise<CustodyPlacement> {
  const { custodyCid, tx } = await placeInCustody(ctx, { recordId, dek, set });
  return { ...(await confirmedTx(ctx, tx)), custodyCid };
}
