/** Keyrings for existing records: re-wrapped for a new reader or key, and published on chain in pages. */
import { encodeKeyring, createKeyring } from "../../crypto/keyring.js";
import { fromHex } from "../../crypto/bytes.js";
import { assertX25519PublicKey } from "../../crypto/public-key.js";
import type { InvalidPublicKeyError } from "../../errors/data.js";
import type { CategoryId } from "../../fhir/categories.js";
import type { CarechainContext } from "../context.js";
import type { PreparedKeyrings, RecordAnchor, SkippedObject, TxResult } from "../types.js";
import { anchorEvent } from "./_anchors.js";
import { openRecordKey } from "./_record-key.js";
import { isObjectFault, recordContext } from "./_records.js";
import { sendTx } from "./_tx.js";
import { ZERO_HASH } from "./_values.js";
import { listRecords } from "./records-read.js";

/** Record ids per `publishKeyrings` transaction. */
const PUBLISH_PAGE = 100;

/** No keyrings. */
export const EMPTY_KEYRINGS: PreparedKeyrings = { recordIds: [], keyringCids: [] };

/** Prepared keyrings and what could not be prepared. */
export type PreparedWithSkipped = PreparedKeyrings & { skipped: SkippedObject[] };

/**
 * Keyrings for `key` of every single-anchored record in `records` the context's identity can open. A record whose
 * key can't be found or checked (erased ciphertext, missing or bad keyrings, not ours) is skipped and reported, as
 * is every bad keyring passed over on the way.
 * @param ctx - The client context.
 * @param records - The records to re-wrap (batch records are passed over: they have no per-record keyrings).
 * @param key - The X25519 public key to wrap for.
 * @returns The record ids and stored keyring CIDs, and what was skipped.
 */
export async function rewrap(
  ctx: CarechainContext,
  records: readonly RecordAnchor[],
  key: Uint8Array,
): Promise<PreparedWithSkipped> {
  const recordIds: string[] = [];
  const keyringCids: Uint8Array[] = [];
  const skipped: SkippedObject[] = [];
  for (const r of records) {
    if (r.batch) continue; // see docs/records.md: batch records have no per-record keyrings to publish
    try {
      const { contentCid, keyringCid } = await anchorEvent(ctx, r.recordId);
      const context = recordContext(r.patient, r.author, r.categoryMask);
      const opened = await openRecordKey(ctx, { recordId: r.recordId, contentCid, keyringCid, context });
      skipped.push(...opened.skipped);
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
  const rewrapped = await rewrap(ctx, inScope, key);
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
