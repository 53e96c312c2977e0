/**
 * Whom a new record's key is wrapped for (the patient, current readers, the author, the custodian), and how.
 * Candidates come from the index source or from the context's reader index (kept current from the consent events);
 * every one is checked on chain, with the author's write consent and the custodian, in one batched view.
 */
import { getAddress } from "ethers";

import type { ViewCall } from "../../chain/multicall.js";
import { fromHex, toHex } from "../../crypto/bytes.js";
import type { KeyringRecipient } from "../../crypto/keyring-v2.js";
import { categoryMask, type CategoryId } from "../../fhir/categories.js";
import type { CarechainContext } from "../context.js";
import { keyringRecipientOf } from "../pq-keys.js";
import { ZERO_ADDRESS, ZERO_HASH } from "./_values.js";
import { getAccountAddress } from "./directory.js";

const READ = 0;
const WRITE = 1;

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

/** Who may read a patient's new records, as the chain said when asked, and whether the author may write them. */
export interface WriteReaders {
  /** The lowest category the author may not write, when an author was given and one is refused. */
  readonly writeDenied: CategoryId | undefined;
  /**
   * The patient and every grantee the chain allows to read all of `categories`, with their Directory keys.
   * @param categories - The record's categories (a subset of those the readers were asked for).
   * @returns The readers (the index source's answer when there is one, checked on chain).
   */
  readers(categories: readonly CategoryId[]): Promise<Reader[]>;
  /**
   * The active emergency custodian's key when break-glass covers all of `categories`.
   * @param categories - The record's categories.
   * @returns The key, or `undefined`.
   */
  custodianKey(categories: readonly CategoryId[]): Uint8Array | undefined;
  /**
   * Every key a record of these categories is wrapped for: the patient and each grantee allowed to read all of
   * `categories` (their Directory keys), the context's own identity (the author), and the emergency custodian when
   * break-glass covers all of `categories`.
   * @param categories - The record's categories (a subset of those the readers were asked for).
   * @returns X25519 public keys (not yet checked: `sealKeyring` skips unusable ones).
   */
  recipients(categories: readonly CategoryId[]): Promise<Uint8Array[]>;
}

/** A reader the chain allowed for some categories, with its Directory key. */
interface CheckedReader extends Reader {
  /** Bit `c` set when the chain allows it to read category `c`. */
  readonly readable: bigint;
}

/** What one batched view said. */
interface ChainAnswer {
  readonly writeDenied: CategoryId | undefined;
  readonly readers: CheckedReader[];
  /** The patient's emergency categories (bit mask). */
  readonly emergency: bigint;
  /** The active custodian's key, if one is named and active. */
  readonly custodianKey: Uint8Array | undefined;
}

/**
 * Every key a new record of `patient` in `categories` is wrapped for (see {@link WriteReaders.recipients}). The one
 * place the write path assembles readers.
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
  return (await writeReaders(ctx, patient, categories)).recipients(categories);
}

/**
 * The recipients of a new single record, each with its suite chosen by {@link recipientSuite}: the readers of
 * {@link recipientKeys} narrowed to `scope`. The author's X25519 key is its own identity's (as in
 * {@link recipientKeys}); the emergency custodian's stays X25519 (its service opens keyrings with its identity).
 * @param ctx - The client context.
 * @param patient - The patient's address.
 * @param categories - Every category of the record.
 * @param scope - Who besides the patient and the author (default `all`).
 * @param access - The readers already asked of the chain ({@link writeReaders}), if any.
 * @returns The recipients, for `sealKeyringV2` (or `sealKeyring` when all are X25519).
 * @throws {PqKeyDocumentError} When a reader's committed post-quantum key document does not verify.
 * @throws {PqKeyRequiredError} When the policy is `required` and a reader has no post-quantum key.
 */
export async function keyringRecipients(
  ctx: CarechainContext,
  patient: string,
  categories: readonly CategoryId[],
  scope: RecipientScope = "all",
  access?: WriteReaders,
): Promise<KeyringRecipient[]> {
  const asked = access ?? (await writeReaders(ctx, patient, categories));
  const readers = (await asked.readers(categories)).filter(
    (r) => scope !== "owners" || getAddress(r.account) === getAddress(patient),
  );
  const author: Reader = { account: await getAccountAddress(ctx), key: ctx.identity.publicKey };
  // The author is often the patient, already listed with the same key: its suite is looked up once.
  const same = (r: Reader) => getAddress(r.account) === author.account && toHex(r.key) === toHex(author.key);
  if (!readers.some(same)) readers.push(author);
  const recipients = await Promise.all(readers.map((r) => recipientSuite(ctx, r)));
  const custodianKey = scope === "all" ? asked.custodianKey(categories) : undefined;
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

/**
 * The readers of `patient`'s new records in `categories` (and, given an `author`, whether it may write all of
 * them), asked of the chain in one batched view (Multicall3 where the chain has it): each candidate's `canAccess`
 * for every category and its Directory key, the author's write consent, the emergency categories and the custodian.
 * The candidates are the patient and the grantees of its consent events, from the context's reader index: the
 * candidates it already knows are checked while it reads the blocks since its last update; a grantee new in those
 * blocks is checked in a second view. With an index source, each category set's readers are its answer, checked on
 * chain ({@link IndexedReads.readerKeys}), and this falls back to the chain's answer when the index can't answer.
 * @param ctx - The client context.
 * @param patient - The patient's address (checksummed).
 * @param categories - Every category any record of the write may have.
 * @param author - The writing account, to check its write consent in the same view.
 * @returns The write consent's verdict and the readers per category set.
 * @throws {LogQueryError} When the consent events can't be read.
 */
export async function writeReaders(
  ctx: CarechainContext,
  patient: string,
  categories: readonly CategoryId[],
  author?: string,
): Promise<WriteReaders> {
  const p = getAddress(patient);
  // With an index source, the readers are its answer per category set; the chain's candidates only when it has none.
  const answer = await (ctx.indexed
    ? checkOnChain(ctx, { patient: p, categories, author, accounts: [], custodian: true })
    : chainReaders(ctx, p, categories, author, true));
  let fallback: Promise<CheckedReader[]> | undefined;
  const chainOnly = () => (fallback ??= chainReaders(ctx, p, categories, undefined, false).then((a) => a.readers));
  const readers = async (set: readonly CategoryId[]): Promise<Reader[]> => {
    const indexed = await ctx.indexed?.readerKeys(p, set);
    if (indexed) return indexed;
    const mask = categoryMask(set);
    const checked = ctx.indexed ? await chainOnly() : answer.readers;
    return checked.filter((r) => (r.readable & mask) === mask).map(({ account, key }) => ({ account, key }));
  };
  const custodianKey = (set: readonly CategoryId[]): Uint8Array | undefined => {
    const mask = categoryMask(set);
    return answer.custodianKey && (answer.emergency & mask) === mask ? answer.custodianKey : undefined;
  };
  return {
    writeDenied: answer.writeDenied,
    readers,
    custodianKey,
    recipients: async (set) => {
      const keys = (await readers(set)).map((r) => r.key);
      keys.push(ctx.identity.publicKey);
      const custodian = custodianKey(set);
      if (custodian) keys.push(custodian);
      return keys;
    },
  };
}

/**
 * The chain's answer for the patient and every candidate grantee of the reader index (the author's consent and the
 * custodian too, when asked), overlapping the index's update with the check of the candidates it already knew.
 */
async function chainReaders(
  ctx: CarechainContext,
  patient: string,
  categories: readonly CategoryId[],
  author: string | undefined,
  custodian: boolean,
): Promise<ChainAnswer> {
  const known = ctx.readerIndex.known(patient);
  const updated = ctx.readerIndex.update(patient);
  updated.catch(() => undefined); // awaited below; the first view must not leave it unhandled meanwhile
  const first = await checkOnChain(ctx, {
    patient,
    categories,
    author,
    accounts: [patient, ...known],
    custodian,
  });
  const current = new Set([patient, ...(await updated)]);
  // A known candidate whose grant the new blocks revoke is dropped even if the view was answered before the revoke.
  const readers = first.readers.filter((r) => current.has(r.account));
  const checked = new Set([patient, ...known]);
  const fresh = [...current].filter((a) => !checked.has(a));
  if (fresh.length === 0) return { ...first, readers };
  const more = await checkOnChain(ctx, { patient, categories, author: undefined, accounts: fresh, custodian: false });
  return { ...first, readers: [...readers, ...more.readers] };
}

/** What {@link checkOnChain} asks. */
interface CheckQuery {
  readonly patient: string;
  readonly categories: readonly CategoryId[];
  /** Whose write consent to check, if anyone's. */
  readonly author: string | undefined;
  /** Candidate readers. */
  readonly accounts: readonly string[];
  /** Whether to ask for the emergency categories and the custodian. */
  readonly custodian: boolean;
}

/**
 * One batched view: the author's write consent per category, each account's read consent per category and key, and
 * (when asked) the emergency categories and custodian. The custodian last seen is checked in the same view; when
 * the Directory names another one, it is checked in a second.
 */
async function checkOnChain(ctx: CarechainContext, query: CheckQuery): Promise<ChainAnswer> {
  const { consent, directory } = ctx.contracts;
  const { patient, categories, author, accounts } = query;
  const calls: ViewCall[] = [];
  const add = (contract: ViewCall["contract"], method: string, ...args: unknown[]): number =>
    calls.push({ contract, method, args }) - 1;
  const writes = author ? categories.map((c) => add(consent, "canAccess", patient, author, c, WRITE)) : [];
  const perAccount = accounts.map((account) => ({
    account,
    reads: categories.map((category) => ({
      category,
      at: add(consent, "canAccess", patient, account, category, READ),
    })),
    key: add(directory, "encryptionKeyOf", account),
  }));
  const hint = ctx.state.custodian;
  const custodian = query.custodian
    ? {
        emergency: add(consent, "emergencyCategoriesOf", patient),
        named: add(directory, "emergencyCustodian"),
        hinted: hint
          ? {
              account: hint,
              active: add(directory, "isActiveProvider", hint),
              key: add(directory, "encryptionKeyOf", hint),
            }
          : undefined,
      }
    : undefined;
  const out = await ctx.views.call(calls);
  const denied = writes.findIndex((i) => out[i] !== true);
  const readers: CheckedReader[] = [];
  for (const { account, reads, key } of perAccount) {
    const hex = String(out[key]).toLowerCase();
    if (hex === ZERO_HASH) continue;
    const readable = reads.reduce((m, r) => (out[r.at] === true ? m | (1n << BigInt(r.category)) : m), 0n);
    if (readable !== 0n) readers.push({ account, key: fromHex("encryptionKey", hex, 32), readable });
  }
  let custodianKey: Uint8Array | undefined;
  let emergency = 0n;
  if (custodian) {
    const mask = out[custodian.emergency];
    emergency = typeof mask === "bigint" ? mask : BigInt(String(mask));
    const named = getAddress(String(out[custodian.named]));
    ctx.state.custodian = named === ZERO_ADDRESS ? undefined : named;
    if (named !== ZERO_ADDRESS) {
      const hinted = custodian.hinted;
      const [active, key] =
        hinted?.account === named
          ? [out[hinted.active], out[hinted.key]]
          : await ctx.views.call([
              { contract: directory, method: "isActiveProvider", args: [named] },
              { contract: directory, method: "encryptionKeyOf", args: [named] },
            ]);
      if (active === true) custodianKey = fromHex("custodianKey", String(key), 32);
    }
  }
  return {
    writeDenied: denied === -1 ? undefined : categories[denied],
    readers,
    emergency,
    custodianKey,
  };
}
