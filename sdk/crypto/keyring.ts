/**
 * Keyrings v1: a record key wrapped with HPKE for each recipient, bound to the record's content CID.
 * @module
 */
import { CID } from "multiformats/cid";

import { CarechainError } from "../errors/base.js";
import { DecryptionError, FormatError, InvalidPublicKeyError, NotARecipientError } from "../errors/data.js";
import { checkLimit } from "../limits.js";
import { checkBytes, concatBytes, fromHex, fromUtf8, toHex, utf8 } from "./bytes.js";
import type { IdentityKeyPair } from "./identity.js";
import { HPKE_SUITE_NAME, unwrapKey, wrapKey, type WrappedKey } from "./keywrap.js";
import { assertX25519PublicKey } from "./public-key.js";

export { MAX_KEYRING_RECIPIENTS } from "../limits.js";

/**
 * A keyring: the data key of one record version, wrapped for each reader. It is its own content-addressed
 * object, so granting a reader adds a keyring and never changes the record's ciphertext or CID.
 *
 * Wire format: UTF-8 JSON with keys in this order (see docs/records.md):
 * `{"v":1,"suite":"HPKE-Base-X25519-SHA256-ChaCha20Poly1305","record":"<content CID>","recipients":[{"key":"0x<X25519 public key>","enc":"0x…","wrapped":"0x…"}]}`
 * Each key is wrapped with HPKE info = "carechain/keyring/v1" || content CID bytes, so an entry can't be moved
 * to another record.
 */
export interface Keyring {
  /** Format version (1). */
  readonly v: 1;
  /** The HPKE suite of every entry. */
  readonly suite: typeof HPKE_SUITE_NAME;
  /** CID string of the record ciphertext these keys open. */
  readonly record: string;
  /** One wrapped key per recipient public key. */
  readonly recipients: readonly KeyringEntry[];
}

/** One recipient's wrapped key. */
export interface KeyringEntry {
  /** The recipient's X25519 public key (0x hex, 32 bytes). */
  readonly key: `0x${string}`;
  /** HPKE encapsulated key (0x hex). */
  readonly enc: `0x${string}`;
  /** Sealed data key (0x hex). */
  readonly wrapped: `0x${string}`;
}

/** A recipient that {@link sealKeyring} could not wrap the key for, and why. */
export interface SkippedRecipient {
  /** The recipient's public key (0x hex). */
  readonly key: `0x${string}`;
  /** Why: an {@link InvalidPublicKeyError} for a key that is not a usable X25519 key. */
  readonly error: CarechainError;
}

const INFO_PREFIX = utf8("carechain/keyring/v1");
/**
 * Most entries for one key that {@link openKeyring} tries: a writer lists each key once (duplicates are dropped),
 * so more can only be a hostile keyring making readers unwrap thousands of entries.
 */
const MAX_TRIES_PER_KEY = 8;
/** Hex length of a wrapped data key: 32-byte key + 16-byte tag. */
const WRAPPED_HEX_LENGTH = 2 + 2 * (32 + 16);

/** A recipient {@link sealKeyring} leaves out: its key is not a usable X25519 public key. */
interface InvalidRecipient extends SkippedRecipient {
  readonly error: InvalidPublicKeyError;
}

/** HPKE info that binds a wrapped key to the record ciphertext `record`. */
function keyringInfo(record: CID): Uint8Array {
  return concatBytes(INFO_PREFIX, record.bytes);
}

/**
 * Wraps `dek` for every distinct public key in `recipients`, each on its own: a recipient whose key is not a
 * usable X25519 key (non-canonical, small order, wrong length) is left out and reported, and the others still get
 * the key (one bad reader key never blocks a write for everyone else).
 * @param record - CID of the record ciphertext.
 * @param dek - The record's data key.
 * @param recipients - X25519 public keys of the readers (duplicates are dropped).
 * @returns The keyring of every recipient that could be wrapped for, and the recipients left out with why.
 * @throws {RangeError} When `recipients` is empty or a recipient is not 32 bytes.
 * @throws {SizeLimitError} When there are more distinct recipients than `MAX_KEYRING_RECIPIENTS` (a reader would
 * refuse the keyring).
 * @throws {InvalidPublicKeyError} When no recipient could be wrapped for.
 * @example
 * const { keyring, skipped } = await sealKeyring(contentCid, dek, readerKeys);
 */
export async function sealKeyring(
  record: CID,
  dek: Uint8Array,
  recipients: Iterable<Uint8Array>,
): Promise<{ keyring: Keyring; skipped: SkippedRecipient[] }> {
  const { entries, skipped } = await sealEntries(dek, recipients, keyringInfo(record));
  return { keyring: { v: 1, suite: HPKE_SUITE_NAME, record: record.toString(), recipients: entries }, skipped };
}

/**
 * Wraps `key` with HPKE (info `info`) for every distinct public key in `recipients`, each on its own; a recipient
 * whose key is not a usable X25519 key is left out and reported. Shared by the v1 and v3 keyrings.
 * @param key - The key to wrap (32 bytes).
 * @param recipients - X25519 public keys (duplicates are dropped).
 * @param info - HPKE info binding each wrap to what it opens.
 * @returns The entries and the recipients left out.
 * @throws {RangeError} When `recipients` is empty or a recipient is not 32 bytes.
 * @throws {SizeLimitError} When there are more distinct recipients than `MAX_KEYRING_RECIPIENTS`.
 * @throws {InvalidPublicKeyError} When no recipient could be wrapped for.
 */
export async function sealEntries(
  key: Uint8Array,
  recipients: Iterable<Uint8Array>,
  info: Uint8Array,
): Promise<{ entries: KeyringEntry[]; skipped: SkippedRecipient[] }> {
  const unique = new Map<string, Uint8Array>();
  for (const recipient of recipients) {
    checkBytes("recipient", recipient, 32);
    unique.set(toHex(recipient), recipient);
  }
  if (unique.size === 0) throw new RangeError("recipients: a keyring needs at least one recipient");
  checkLimit("keyringRecipients", unique.size, "keyring");
  const results = await Promise.all(
    [...unique].map(async ([hex, recipient]): Promise<KeyringEntry | InvalidRecipient> => {
      try {
        assertX25519PublicKey(recipient, "recipient");
      } catch (error) {
        if (error instanceof InvalidPublicKeyError) return { key: hex as `0x${string}`, error };
        throw error;
      }
      const w = await wrapKey(recipient, key, info);
      return { key: hex as `0x${string}`, enc: toHex(w.enc), wrapped: toHex(w.ciphertext) };
    }),
  );
  const entries = results.filter((r): r is KeyringEntry => !("error" in r));
  const skipped = results.filter((r) => "error" in r);
  // With at least one recipient and no entry, every recipient was skipped: `first` is defined.
  const [first] = skipped;
  if (entries.length === 0 && first) {
    throw new InvalidPublicKeyError(first.error.problem, "No recipient key could be wrapped for.", {
      details: skipped.map((s) => s.key).join(" "),
      cause: first.error,
    });
  }
  return { entries, skipped };
}

/**
 * Wraps `dek` for every distinct public key in `recipients`; all or nothing (see {@link sealKeyring} to leave out
 * and report recipients that can't be wrapped for).
 * @param record - CID of the record ciphertext.
 * @param dek - The record's data key.
 * @param recipients - X25519 public keys of the readers (duplicates are dropped).
 * @returns The keyring.
 * @throws {RangeError} When `recipients` is empty.
 * @throws {SizeLimitError} When there are more distinct recipients than `MAX_KEYRING_RECIPIENTS`.
 * @throws {InvalidPublicKeyError} When a recipient key is not a usable X25519 public key.
 */
export async function createKeyring(record: CID, dek: Uint8Array, recipients: Iterable<Uint8Array>): Promise<Keyring> {
  const { keyring, skipped } = await sealKeyring(record, dek, recipients);
  const [first] = skipped;
  if (first) throw first.error;
  return keyring;
}

/**
 * Finds the caller's entries in `keyring` and unwraps the data key. The entries for the caller's key (at most the
 * first 8: a writer lists each key once) are tried in turn: one that does not open, or whose key `accept` refuses
 * (e.g. it does not authenticate the record's envelope), is passed over for the next.
 * @param keyring - A decoded keyring.
 * @param record - CID of the record ciphertext the caller is opening (must equal `keyring.record`).
 * @param identity - The caller's identity key pair.
 * @param accept - Optional check of a candidate key; throw (or return false) to refuse it.
 * @returns The first key that opened and was accepted.
 * @throws {FormatError} When the keyring is for another record.
 * @throws {NotARecipientError} When no entry is for the caller's public key.
 * @throws {DecryptionError} When no entry for the caller opens (or is accepted); the first failure is the cause.
 */
export async function openKeyring(
  keyring: Keyring,
  record: CID,
  identity: IdentityKeyPair,
  accept?: (key: Uint8Array) => unknown,
): Promise<Uint8Array> {
  if (keyring.record !== record.toString()) {
    throw new FormatError("The keyring belongs to another record.", {
      details: `keyring.record=${keyring.record} record=${record}`,
    });
  }
  return openKeyringEntries(keyring.recipients, identity, keyringInfo(record), accept);
}

/**
 * Unwraps the caller's key from `entries` (HPKE info `info`): the entries for the caller's public key (at most the
 * first 8) are tried in turn, passing over one that does not open or whose key `accept` refuses. Shared by the v1
 * and v3 keyrings.
 * @param entries - Keyring entries.
 * @param identity - The caller's identity key pair.
 * @param info - HPKE info the entries were wrapped with.
 * @param accept - Optional check of a candidate key; throw (or return false) to refuse it.
 * @returns The first key that opened and was accepted.
 * @throws {NotARecipientError} When no entry is for the caller's public key.
 * @throws {DecryptionError} When no entry for the caller opens (or is accepted).
 */
export async function openKeyringEntries(
  entries: readonly KeyringEntry[],
  identity: IdentityKeyPair,
  info: Uint8Array,
  accept?: (key: Uint8Array) => unknown,
): Promise<Uint8Array> {
  const mine = toHex(identity.publicKey);
  const candidates = entries.filter((e) => e.key === mine).slice(0, MAX_TRIES_PER_KEY);
  if (candidates.length === 0) {
    throw new NotARecipientError("This record's key was not wrapped for your identity key.", {
      details: `publicKey=${mine}`,
    });
  }
  let firstError: unknown;
  for (const entry of candidates) {
    try {
      const wrapped: WrappedKey = { enc: fromHex("enc", entry.enc, 32), ciphertext: fromHex("wrapped", entry.wrapped) };
      const key = await unwrapKey(identity.secretKey, wrapped, info);
      if (accept?.(key) === false) throw new DecryptionError("The wrapped key is not this record's key.");
      return key;
    } catch (error) {
      firstError ??= error;
    }
  }
  if (candidates.length === 1 && firstError instanceof CarechainError) throw firstError;
  throw new DecryptionError("No keyring entry for your identity key opened this record.", {
    details: `entries=${candidates.length}`,
    cause: firstError,
  });
}

/**
 * Serialises a keyring to its wire bytes.
 * @param keyring - The keyring.
 * @returns UTF-8 JSON in the documented key order.
 * @throws {SizeLimitError} When the keyring is over `MAX_KEYRING_RECIPIENTS` or `MAX_KEYRING_BYTES` (a reader
 * would refuse it).
 */
export function encodeKeyring(keyring: Keyring): Uint8Array {
  checkLimit("keyringRecipients", keyring.recipients.length, "keyring");
  const bytes = utf8(
    JSON.stringify({
      v: keyring.v,
      suite: keyring.suite,
      record: keyring.record,
      recipients: keyring.recipients.map((e) => ({ key: e.key, enc: e.enc, wrapped: e.wrapped })),
    }),
  );
  checkLimit("keyringBytes", bytes.length, "keyring");
  return bytes;
}

/**
 * Parses and checks keyring wire bytes. Their size is checked first: nothing over `MAX_KEYRING_BYTES` is parsed.
 * @param bytes - The keyring's wire bytes.
 * @returns The keyring.
 * @throws {SizeLimitError} When the bytes are over `MAX_KEYRING_BYTES` or list more than `MAX_KEYRING_RECIPIENTS`
 * recipients (a `SizeLimitError` is a `FormatError`).
 * @throws {FormatError} When the bytes are not a v1 keyring (bad JSON, unknown version or suite, bad fields).
 */
export function decodeKeyring(bytes: Uint8Array): Keyring {
  const k = parseKeyringJson(bytes) as Partial<Keyring>;
  if (k.v !== 1) throw new FormatError("Unsupported keyring version.", { details: `v=${String(k.v)}` });
  if (k.suite !== HPKE_SUITE_NAME) throw new FormatError("Unknown keyring suite.", { details: `suite=${k.suite}` });
  if (typeof k.record !== "string" || !isCidString(k.record)) {
    throw new FormatError("The keyring names no valid record CID.");
  }
  return { v: 1, suite: HPKE_SUITE_NAME, record: k.record, recipients: validKeyringEntries(k.recipients) };
}

/**
 * Checks a decoded keyring's recipient list (present, not empty, within `MAX_KEYRING_RECIPIENTS`, each entry's
 * key, enc and wrapped well formed). Shared by the v1 and v3 keyrings.
 * @param recipients - The parsed JSON value.
 * @returns The entries.
 * @throws {SizeLimitError} When there are more than `MAX_KEYRING_RECIPIENTS`.
 * @throws {FormatError} When the list is missing, empty or has a malformed entry.
 */
export function validKeyringEntries(recipients: unknown): KeyringEntry[] {
  if (!Array.isArray(recipients) || recipients.length === 0) {
    throw new FormatError("The keyring's recipient list is missing or empty.");
  }
  checkLimit("keyringRecipients", recipients.length, "keyring");
  const hex = /^0x[0-9a-f]+$/;
  for (const e of recipients as unknown[]) {
    const entry = e as Partial<KeyringEntry> | null;
    if (
      typeof entry !== "object" ||
      entry === null ||
      typeof entry.key !== "string" ||
      entry.key.length !== 66 ||
      !hex.test(entry.key) ||
      typeof entry.enc !== "string" ||
      entry.enc.length !== 66 ||
      !hex.test(entry.enc) ||
      typeof entry.wrapped !== "string" ||
      entry.wrapped.length !== WRAPPED_HEX_LENGTH ||
      !hex.test(entry.wrapped)
    ) {
      throw new FormatError("A keyring entry is malformed.");
    }
  }
  return recipients as KeyringEntry[];
}

/**
 * Keyring wire bytes as a JSON object, their size checked first (nothing over `MAX_KEYRING_BYTES` is parsed). Shared
 * by the decoders of every keyring version.
 * @param bytes - The wire bytes.
 * @returns The parsed object.
 * @throws {SizeLimitError} When the bytes are over `MAX_KEYRING_BYTES`.
 * @throws {FormatError} When they are not UTF-8 JSON of an object.
 */
export function parseKeyringJson(bytes: Uint8Array): Record<string, unknown> {
  checkLimit("keyringBytes", bytes.length, "keyring");
  let value: unknown;
  try {
    value = JSON.parse(fromUtf8("keyring", bytes));
  } catch (cause) {
    throw new FormatError("The keyring is not valid UTF-8 JSON.", { cause });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new FormatError("The keyring is not a JSON object.");
  }
  return value as Record<string, unknown>;
}

/**
 * Whether `text` parses as a CID.
 * @param text - A CID string.
 * @returns True when it does.
 */
export function isCidString(text: string): boolean {
  try {
    CID.parse(text);
    return true;
  } catch {
    return false;
  }
}
