/** Whom a new record's key is wrapped for (the patient, current readers, the author, the custodian), and how. */
import { getAddress } from "ethers";

import { fromHex, toHex } from "../../crypto/bytes.js";
import type { KeyringRecipient } from "../../crypto/keyring-v2.js";
import type { CategoryId } from "../../fhir/categories.js";
import type { CarechainContext } from "../context.js";
import { keyringRecipientOf } from "../pq-keys.js";
import { mayAll } from "./_access.js";
import { ZERO_ADDRESS, ZERO_HASH } from "./_values.js";
import { getAccountAddress } from "./directory.js";

/** A reader of a new record: its account and its X25519 Directory key. */
interface Reader {
  readonly account: string;
  readonly key: Uint8Array;
}

/**
 * Who, besides the patient and the author, a record key is wrapped for: `all` (every current reader and the
 * emergency custodian when break-glass covers the record), `readers` (every current reader; a threshold custodian
 * set takes the single custodian's place), `owners` (the patient and the author only: a must-log record).
 */
export type RecipientScope = "all" | "readers" | "owners";

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
  const keys = (await readerKeys(ctx, patient, categories)).map((r) => r.key);
  keys.push(ctx.identity.publicKey);
  const custodianKey = await custodianKeyFor(ctx, patient, categories);
  if (custodianKey) keys.push(custodianKey);
  return keys;
}

/**
 * The recipients of a new single record, each with its suite chosen by {@link recipientSuite}: the readers of
 * {@link recipientKeys} narrowed to `scope`. The author's X25519 key is its own identity's (as in
 * {@link recipientKeys}); the emergency custodian's stays X25519 (its service opens keyrings with its identity).
 * @param ctx - The client context.
 * @param patient - The patient's address.
 * @param categories - Every category of the record.
 * @param scope - Who besides the patient and the author (default `all`).
 * @returns The recipients, for `sealKeyringV2` (or `sealKeyring` when all are X25519).
 * @throws {PqKeyDocumentError} When a reader's committed post-quantum key document does not verify.
 * @throws {PqKeyRequiredError} When the policy is `required` and a reader has no post-quantum key.
 */
export async function keyringRecipients(
  ctx: CarechainContext,
  patient: string,
  categories: readonly CategoryId[],
  scope: RecipientScope = "all",
): Promise<KeyringRecipient[]> {
  const readers = (await readerKeys(ctx, patient, categories)).filter(
    (r) => scope !== "owners" || getAddress(r.account) === getAddress(patient),
  );
  const author: Reader = { account: await getAccountAddress(ctx), key: ctx.identity.publicKey };
  // The author is often the patient, already listed with the same key: its suite is looked up once.
  const same = (r: Reader) => getAddress(r.account) === author.account && toHex(r.key) === toHex(author.key);
  if (!readers.some(same)) readers.push(author);
  const recipients = await Promise.all(readers.map((r) => recipientSuite(ctx, r)));
  const custodianKey = scope === "all" ? await custodianKeyFor(ctx, patient, categories) : undefined;
  if (custodianKey) recipients.push({ suite: "x25519", publicKey: custodianKey });
  return recipients;
}

/**
 * A reader's suite under the context's post-quantum policy: X-Wing for a verified Directory commitment (`auto`,
 * `required`), else X25519 (`required` refuses instead).
 * @param ctx - The client context.
 * @param reader - The reader's account and X25519 key.
 * @returns The recipient.
 * @throws {PqKeyDocumentError | PqKeyRequiredError} See {@link keyringRecipientOf}.
 */
export function recipientSuite(ctx: CarechainContext, reader: Reader): Promise<KeyringRecipient> {
  return keyringRecipientOf(ctx, reader.account, ctx.postQuantum.policy, reader.key);
}

/** The patient and every grantee that may currently read every one of `categories`, with their X25519 keys. */
async function readerKeys(
  ctx: CarechainContext,
  patient: string,
  categories: readonly CategoryId[],
): Promise<Reader[]> {
  const indexed = await ctx.indexed?.readerKeys(patient, categories);
  if (indexed) return indexed;
  const { consent, directory } = ctx.contracts;
  const events = await ctx.logs.query(consent, consent.filters.ConsentGranted(patient), ctx.fromBlock);
  const grantees = new Set(events.map((e) => e.args.grantee));
  grantees.add(patient);
  const keys: Reader[] = [];
  for (const grantee of grantees) {
    if (!(await mayAll(ctx, { patient, grantee, categories, action: "read" }))) continue;
    const key = await directory.encryptionKeyOf(grantee);
    if (key !== ZERO_HASH) keys.push({ account: grantee, key: fromHex("encryptionKey", key, 32) });
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
