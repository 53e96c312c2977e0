import { CID } from "multiformats/cid";

import { FormatError, NotARecipientError } from "../errors/data.js";
import { concatBytes, fromHex, toHex, utf8 } from "./bytes.js";
import type { IdentityKeyPair } from "./identity.js";
import { HPKE_SUITE_NAME, unwrapKey, wrapKey, type WrappedKey } from "./keywrap.js";

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

const INFO_PREFIX = utf8("carechain/keyring/v1");
/** Upper bound on recipients per keyring: a sanity limit against oversized inputs. */
export const MAX_KEYRING_RECIPIENTS = 10_000;

/** HPKE info that binds a wrapped key to the record ciphertext `record`. */
function keyringInfo(record: CID): Uint8Array {
  return concatBytes(INFO_PREFIX, record.bytes);
}

/**
 * Wraps `dek` for every distinct public key in `recipients`.
 * @param record - CID of the record ciphertext.
 * @param dek - The record's data key.
 * @param recipients - X25519 public keys of the readers (duplicates are dropped).
 */
export async function createKeyring(record: CID, dek: Uint8Array, recipients: Iterable<Uint8Array>): Promise<Keyring> {
  const info = keyringInfo(record);
  const unique = new Map<string, Uint8Array>();
  for (const key of recipients) unique.set(toHex(key), key);
  if (unique.size === 0) throw new RangeError("recipients: a keyring needs at least one recipient");
  const entries = await Promise.all(
    [...unique].map(async ([hex, key]): Promise<KeyringEntry> => {
      const w = await wrapKey(key, dek, info);
      return { key: hex as `0x${string}`, enc: toHex(w.enc), wrapped: toHex(w.ciphertext) };
    }),
  );
  return { v: 1, suite: HPKE_SUITE_NAME, record: record.toString(), recipients: entries };
}

/**
 * Finds the caller's entry in `keyring` and unwraps the data key.
 * @param keyring - A decoded keyring.
 * @param record - CID of the record ciphertext the caller is opening (must equal `keyring.record`).
 * @param identity - The caller's identity key pair.
 * @throws {FormatError} When the keyring is for another record.
 * @throws {NotARecipientError} When no entry is for the caller's public key.
 * @throws {DecryptionError} When the entry does not open.
 */
export async function openKeyring(keyring: Keyring, record: CID, identity: IdentityKeyPair): Promise<Uint8Array> {
  if (keyring.record !== record.toString()) {
    throw new FormatError("The keyring belongs to another record.", {
      details: `keyring.record=${keyring.record} record=${record}`,
    });
  }
  const mine = toHex(identity.publicKey);
  const entry = keyring.recipients.find((e) => e.key === mine);
  if (!entry) {
    throw new NotARecipientError("This record's key was not wrapped for your identity key.", {
      details: `publicKey=${mine}`,
    });
  }
  const wrapped: WrappedKey = { enc: fromHex("enc", entry.enc, 32), ciphertext: fromHex("wrapped", entry.wrapped) };
  return unwrapKey(identity.secretKey, wrapped, keyringInfo(record));
}

/** Serialises a keyring to its wire bytes. */
export function encodeKeyring(keyring: Keyring): Uint8Array {
  return utf8(
    JSON.stringify({
      v: keyring.v,
      suite: keyring.suite,
      record: keyring.record,
      recipients: keyring.recipients.map((e) => ({ key: e.key, enc: e.enc, wrapped: e.wrapped })),
    }),
  );
}

/**
 * Parses and checks keyring wire bytes.
 * @throws {FormatError} When the bytes are not a v1 keyring (bad JSON, unknown version or suite, bad fields).
 */
export function decodeKeyring(bytes: Uint8Array): Keyring {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new FormatError("The keyring is not valid UTF-8 JSON.", { cause });
  }
  const k = value as Partial<Keyring> | null;
  if (typeof k !== "object" || k === null) throw new FormatError("The keyring is not a JSON object.");
  if (k.v !== 1) throw new FormatError("Unsupported keyring version.", { details: `v=${String(k.v)}` });
  if (k.suite !== HPKE_SUITE_NAME) throw new FormatError("Unknown keyring suite.", { details: `suite=${k.suite}` });
  if (typeof k.record !== "string" || !isCidString(k.record)) {
    throw new FormatError("The keyring names no valid record CID.");
  }
  if (!Array.isArray(k.recipients) || k.recipients.length === 0 || k.recipients.length > MAX_KEYRING_RECIPIENTS) {
    throw new FormatError("The keyring's recipient list is missing, empty or too long.");
  }
  const hex = /^0x[0-9a-f]+$/;
  for (const e of k.recipients as unknown[]) {
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
      entry.wrapped.length % 2 !== 0 ||
      entry.wrapped.length < 4 ||
      !hex.test(entry.wrapped)
    ) {
      throw new FormatError("A keyring entry is malformed.");
    }
  }
  return { v: 1, suite: HPKE_SUITE_NAME, record: k.record, recipients: k.recipients as KeyringEntry[] };
}

function isCidString(text: string): boolean {
  try {
    CID.parse(text);
    return true;
  } catch {
    return false;
  }
}
