/** Whom a new record's key is wrapped for: the patient, current readers, the author, and the emergency custodian. */
import { fromHex } from "../../crypto/bytes.js";
import type { CategoryId } from "../../fhir/categories.js";
import type { CarechainContext } from "../context.js";
import { mayAll } from "./_access.js";
import { ZERO_ADDRESS, ZERO_HASH } from "./_values.js";

/**
 * Every key a new record of `patient` in `categories` is wrapped for: the patient and every grantee that may
 * currently read all of `categories` (their Directory keys), the context's own identity (the author), and the
 * emergency custodian when break-glass covers all of `categories`. The one place the write path assembles readers.
 * @param ctx - The client context.
 * @param patient - The patient's address.
 * @param categories - Every category of the record.
 * @returns X25519 public keys (not yet checked: `sealKeyring` skips unusable ones).
 */
export async function recipientKeys(
  ctx: CarechainContext,
  patient: string,
  categories: readonly CategoryId[],
): Promise<Uint8Array[]> {
  const keys = await readerKeys(ctx, patient, categories);
  keys.push(ctx.identity.publicKey);
  const custodianKey = await custodianKeyFor(ctx, patient, categories);
  if (custodianKey) keys.push(custodianKey);
  return keys;
}

/** X25519 keys of the patient and of every grantee that may currently read every one of `categories`. */
async function readerKeys(
  ctx: CarechainContext,
  patient: string,
  categories: readonly CategoryId[],
): Promise<Uint8Array[]> {
  const indexed = await ctx.indexed?.readerKeys(patient, categories);
  if (indexed) return indexed;
  const { consent, directory } = ctx.contracts;
  const events = await ctx.logs.query(consent, consent.filters.ConsentGranted(patient), ctx.fromBlock);
  const grantees = new Set(events.map((e) => e.args.grantee));
  grantees.add(patient);
  const keys: Uint8Array[] = [];
  for (const grantee of grantees) {
    if (!(await mayAll(ctx, { patient, grantee, categories, action: "read" }))) continue;
    const key = await directory.encryptionKeyOf(grantee);
    if (key !== ZERO_HASH) keys.push(fromHex("encryptionKey", key, 32));
  }
  return keys;
}

/**
 * The custodian's key when every one of `categories` is one of the patient's emergency categories (break-glass
 * covers the record only then) and an active custodian is named.
 */
async function custodianKeyFor(
  ctx: CarechainContext,
  patient: string,
  categories: readonly CategoryId[],
): Promise<Uint8Array | undefined> {
  const { consent, directory } = ctx.contracts;
  const emergency = await consent.emergencyCategoriesOf(patient);
  if (categories.some((c) => ((emergency >> BigInt(c)) & 1n) === 0n)) return undefined;
  const custodian = await directory.emergencyCustodian();
  if (custodian === ZERO_ADDRESS || !(await directory.isActiveProvider(custodian))) return undefined;
  return fromHex("custodianKey", await directory.encryptionKeyOf(custodian), 32);
}
