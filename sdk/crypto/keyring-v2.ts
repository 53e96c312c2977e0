/**
 * Version 2 keyrings: one record key wrapped for each reader with the suite chosen per reader, classical
 * (HPKE X25519) or post-quantum hybrid (HPKE X-Wing: ML-KEM-768 + X25519), in one object; and the readers of both
 * versions, so version 1 keyrings (sdk/crypto/keyring.ts) stay readable.
 *
 * Wire format: UTF-8 JSON, keys in this order (`custody` only on a must-log record's anchored keyring):
 * `{"v":2,"record":"<content CID>","custody":"must-log","recipients":[{"suite":"x25519","key":"0x<X25519 key>","enc":"0x…","wrapped":"0x…"},
 * {"suite":"xwing","key":"0x<SHA-256 of the X-Wing public key>","enc":"0x<1,120 bytes>","wrapped":"0x…"}]}`
 * HPKE info = "carechain/keyring/v2/" ‖ suite ‖ content CID bytes, so an entry can't be moved to another record,
 * suite or keyring version.
 * @module
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { CID } from "multiformats/cid";

import { CarechainError } from "../errors/base.js";
import { DecryptionError, FormatError, InvalidPublicKeyError, NotARecipientError } from "../errors/data.js";
import { checkLimit } from "../limits.js";
import { checkBytes, concatBytes, fromHex, toHex, utf8 } from "./bytes.js";
import type { IdentityKeyPair } from "./identity.js";
import { decodeKeyring, openKeyring, type Keyring, type SkippedRecipient } from "./keyring.js";
import { unwrapKey, wrapKey } from "./keywrap.js";
import { assertX25519PublicKey } from "./public-key.js";
import { unwrapKeyXWing, wrapKeyXWing, XWING_ENC_BYTES, XWING_PUBLIC_KEY_BYTES, type XWingKeyPair } from "./xwing.js";

/** A key suite of a v2 keyring entry. */
export type KeyringSuite = "x25519" | "xwing";

/** A reader to wrap for: its suite and public key (32 bytes for X25519, 1,216 for X-Wing). */
export interface KeyringRecipient {
  /** The suite to wrap with. */
  readonly suite: KeyringSuite;
  /** The reader's public key in that suite. */
  readonly publicKey: Uint8Array;
}

/** One wrapped key of a v2 keyring. */
export interface KeyringV2Entry {
  /** The suite it is wrapped with. */
  readonly suite: KeyringSuite;
  /** The recipient: its X25519 key, or the SHA-256 of its X-Wing key (0x hex, 32 bytes). */
  readonly key: `0x${string}`;
  /** HPKE encapsulated key (0x hex; 32 bytes for X25519, 1,120 for X-Wing). */
  readonly enc: `0x${string}`;
  /** Sealed data key (0x hex, 48 bytes). */
  readonly wrapped: `0x${string}`;
}

/** A version 2 keyring. */
export interface KeyringV2 {
  /** Format version (2). */
  readonly v: 2;
  /** CID string of the record ciphertext. */
  readonly record: string;
  /**
   * `must-log` on the anchored keyring of a record whose other readers go through threshold custody (its key is
   * wrapped for the patient and the author only): a grant must not re-wrap it for a grantee. Bound to the record by
   * the keyring's CID on chain.
   */
  readonly custody?: "must-log";
  /** One entry per recipient key. */
  readonly recipients: readonly KeyringV2Entry[];
}

/** The keys a reader may hold: its X25519 identity and, optionally, its X-Wing key pair. */
export interface ReaderKeys {
  /** The X25519 identity key pair. */
  readonly identity?: IdentityKeyPair;
  /** The X-Wing key pair. */
  readonly xwing?: XWingKeyPair;
}

const ENC_BYTES: Record<KeyringSuite, number> = { x25519: 32, xwing: XWING_ENC_BYTES };
const WRAPPED_HEX_LENGTH = 2 + 2 * (32 + 16);
/** A recipient skipped by {@link sealKeyringV2}: an X25519 key that is not usable. */
type SkippedX25519 = SkippedRecipient & { readonly error: InvalidPublicKeyError };
const MAX_TRIES_PER_KEY = 8;

/** HPKE info of a v2 entry of `suite` for the record ciphertext `record`. */
function infoV2(suite: KeyringSuite, record: CID): Uint8Array {
  return concatBytes(utf8(`carechain/keyring/v2/${suite}`), record.bytes);
}

/**
 * The id of an X-Wing public key in v2 keyrings: its SHA-256 (0x hex).
 * @param publicKey - 1,216-byte X-Wing public key.
 * @returns 0x hex of 32 bytes.
 * @throws {RangeError} When the key has the wrong length.
 */
export function xwingKeyId(publicKey: Uint8Array): `0x${string}` {
  checkBytes("publicKey", publicKey, XWING_PUBLIC_KEY_BYTES);
  return toHex(sha256(publicKey));
}

/**
 * Wraps `dek` for every distinct recipient, each with its own suite; an X25519 key that is not usable is left out and
 * reported (as in v1), the others still get the key.
 * @param record - CID of the record ciphertext.
 * @param dek - The record key (32 bytes).
 * @param recipients - Readers and their suites (duplicates dropped).
 * @param marks - `custody: "must-log"` to mark a must-log record's keyring (see {@link KeyringV2.custody}).
 * @returns The keyring, and the recipients left out with why.
 * @throws {RangeError} When there is no recipient or a key has the wrong length for its suite.
 * @throws {SizeLimitError} When there are more than `MAX_KEYRING_RECIPIENTS` recipients.
 * @throws {InvalidPublicKeyError} When no recipient could be wrapped for.
 * @example
 * const { keyring } = await sealKeyringV2(cid, dek, [{ suite: "xwing", publicKey: pq }, { suite: "x25519", publicKey: x }]);
 */
export async function sealKeyringV2(
  record: CID,
  dek: Uint8Array,
  recipients: Iterable<KeyringRecipient>,
  marks: { readonly custody?: "must-log" } = {},
): Promise<{ keyring: KeyringV2; skipped: SkippedRecipient[] }> {
  checkBytes("dek", dek, 32);
  const unique = new Map<string, KeyringRecipient>();
  for (const r of recipients) {
    const suite: unknown = r.suite; // a caller in plain JavaScript may pass anything
    if (suite !== "x25519" && suite !== "xwing")
      throw new RangeError(`recipient.suite: unknown suite ${String(suite)}`);
    checkBytes("recipient.publicKey", r.publicKey, r.suite === "x25519" ? 32 : XWING_PUBLIC_KEY_BYTES);
    unique.set(`${r.suite}:${toHex(r.publicKey)}`, r);
  }
  if (unique.size === 0) throw new RangeError("recipients: a keyring needs at least one recipient");
  checkLimit("keyringRecipients", unique.size, "keyring");
  const results = await Promise.all(
    [...unique.values()].map(async (r): Promise<KeyringV2Entry | SkippedX25519> => {
      const info = infoV2(r.suite, record);
      if (r.suite === "xwing") {
        const w = await wrapKeyXWing(r.publicKey, dek, info);
        return { suite: "xwing", key: xwingKeyId(r.publicKey), enc: toHex(w.enc), wrapped: toHex(w.ciphertext) };
      }
      try {
        assertX25519PublicKey(r.publicKey, "recipient");
      } catch (error) {
        if (error instanceof InvalidPublicKeyError) return { key: toHex(r.publicKey), error };
        throw error;
      }
      const w = await wrapKey(r.publicKey, dek, info);
      return { suite: "x25519", key: toHex(r.publicKey), enc: toHex(w.enc), wrapped: toHex(w.ciphertext) };
    }),
  );
  const entries = results.filter((r): r is KeyringV2Entry => !("error" in r));
  const skipped = results.filter((r): r is SkippedX25519 => "error" in r);
  // With no entry, every (at least one) recipient was skipped.
  const [first] = skipped;
  if (entries.length === 0 && first) {
    throw new InvalidPublicKeyError(first.error.problem, "No recipient key could be wrapped for.", {
      cause: first.error,
    });
  }
  const custody = marks.custody === "must-log" ? { custody: marks.custody } : {};
  return { keyring: { v: 2, record: record.toString(), ...custody, recipients: entries }, skipped };
}

/**
 * Finds the reader's entries (its X-Wing key's first, then its X25519 key's) and unwraps the record key.
 * @param keyring - A decoded v2 keyring.
 * @param record - CID of the record ciphertext (must equal `keyring.record`).
 * @param keys - The reader's keys.
 * @param accept - Optional check of a candidate key; throw or return false to refuse it.
 * @returns The first key that opened and was accepted.
 * @throws {FormatError} When the keyring is for another record.
 * @throws {NotARecipientError} When no entry is for the reader's keys.
 * @throws {DecryptionError} When no entry for the reader opens (or is accepted).
 */
export async function openKeyringV2(
  keyring: KeyringV2,
  record: CID,
  keys: ReaderKeys,
  accept?: (key: Uint8Array) => unknown,
): Promise<Uint8Array> {
  if (keyring.record !== record.toString()) {
    throw new FormatError("The keyring belongs to another record.", {
      details: `keyring.record=${keyring.record} record=${record}`,
    });
  }
  const pq = keys.xwing ? xwingKeyId(keys.xwing.publicKey) : undefined;
  const classical = keys.identity ? toHex(keys.identity.publicKey) : undefined;
  const mine = [
    ...keyring.recipients.filter((e) => e.suite === "xwing" && e.key === pq).slice(0, MAX_TRIES_PER_KEY),
    ...keyring.recipients.filter((e) => e.suite === "x25519" && e.key === classical).slice(0, MAX_TRIES_PER_KEY),
  ];
  if (mine.length === 0) {
    throw new NotARecipientError("This record's key was not wrapped for your keys.", {
      details: `x25519=${classical} xwing=${pq}`,
    });
  }
  let firstError: unknown;
  for (const entry of mine) {
    try {
      const wrapped = {
        enc: fromHex("enc", entry.enc, ENC_BYTES[entry.suite]),
        ciphertext: fromHex("wrapped", entry.wrapped),
      };
      const info = infoV2(entry.suite, record);
      // `mine` holds an entry of a suite only when the reader has that suite's key.
      const key =
        entry.suite === "xwing"
          ? keys.xwing && (await unwrapKeyXWing(keys.xwing.secretKey, wrapped, info))
          : keys.identity && (await unwrapKey(keys.identity.secretKey, wrapped, info));
      if (!key) continue;
      if (accept?.(key) === false) throw new DecryptionError("The wrapped key is not this record's key.");
      return key;
    } catch (error) {
      firstError ??= error;
    }
  }
  if (mine.length === 1 && firstError instanceof CarechainError) throw firstError;
  throw new DecryptionError("No keyring entry for your keys opened this record.", {
    details: `entries=${mine.length}`,
    cause: firstError,
  });
}

/**
 * Serialises a v2 keyring.
 * @param keyring - The keyring.
 * @returns UTF-8 JSON in the documented key order.
 * @throws {SizeLimitError} When it is over `MAX_KEYRING_RECIPIENTS` or `MAX_KEYRING_BYTES`.
 */
export function encodeKeyringV2(keyring: KeyringV2): Uint8Array {
  checkLimit("keyringRecipients", keyring.recipients.length, "keyring");
  const bytes = utf8(
    JSON.stringify({
      v: 2,
      record: keyring.record,
      ...(keyring.custody === "must-log" ? { custody: keyring.custody } : {}),
      recipients: keyring.recipients.map((e) => ({ suite: e.suite, key: e.key, enc: e.enc, wrapped: e.wrapped })),
    }),
  );
  checkLimit("keyringBytes", bytes.length, "keyring");
  return bytes;
}

/**
 * Parses keyring bytes of either version (size first): a v1 keyring as sdk/crypto/keyring.ts reads it, or a v2 one.
 * @param bytes - The keyring's wire bytes.
 * @returns The keyring (check `v`).
 * @throws {SizeLimitError} When over `MAX_KEYRING_BYTES` or `MAX_KEYRING_RECIPIENTS`.
 * @throws {FormatError} When the bytes are not a keyring of a known version.
 */
export function decodeAnyKeyring(bytes: Uint8Array): Keyring | KeyringV2 {
  checkLimit("keyringBytes", bytes.length, "keyring");
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new FormatError("The keyring is not valid UTF-8 JSON.", { cause });
  }
  const k = value as Partial<KeyringV2> | null;
  if (typeof k !== "object" || k === null) throw new FormatError("The keyring is not a JSON object.");
  if ((k as { v?: unknown }).v === 1) return decodeKeyring(bytes);
  if (k.v !== 2)
    throw new FormatError("Unsupported keyring version.", { details: `v=${String((k as { v?: unknown }).v)}` });
  try {
    if (typeof k.record !== "string") throw new TypeError("record: not a string");
    CID.parse(k.record);
  } catch (cause) {
    throw new FormatError("The keyring names no valid record CID.", { cause });
  }
  if (!Array.isArray(k.recipients) || k.recipients.length === 0)
    throw new FormatError("The keyring's recipient list is missing or empty.");
  checkLimit("keyringRecipients", k.recipients.length, "keyring");
  const hex = /^0x[0-9a-f]+$/;
  for (const e of k.recipients as (Partial<KeyringV2Entry> | null | undefined)[]) {
    const ok =
      typeof e === "object" &&
      e !== null &&
      (e.suite === "x25519" || e.suite === "xwing") &&
      typeof e.key === "string" &&
      e.key.length === 66 &&
      hex.test(e.key) &&
      typeof e.enc === "string" &&
      e.enc.length === 2 + 2 * ENC_BYTES[e.suite] &&
      hex.test(e.enc) &&
      typeof e.wrapped === "string" &&
      e.wrapped.length === WRAPPED_HEX_LENGTH &&
      hex.test(e.wrapped);
    if (!ok) throw new FormatError("A keyring entry is malformed.");
  }
  const custody: unknown = (k as { custody?: unknown }).custody;
  if (custody !== undefined && custody !== "must-log")
    throw new FormatError("The keyring's custody mark is unknown.", { details: JSON.stringify(custody) });
  const recipients = k.recipients as KeyringV2Entry[];
  return custody === "must-log"
    ? { v: 2, record: k.record, custody, recipients }
    : { v: 2, record: k.record, recipients };
}

/**
 * Opens a keyring of either version with the reader's keys (a v1 keyring opens with the X25519 identity only).
 * @param keyring - From {@link decodeAnyKeyring}.
 * @param record - CID of the record ciphertext.
 * @param keys - The reader's keys.
 * @param accept - Optional check of a candidate key.
 * @returns The record key.
 * @throws {FormatError | NotARecipientError | DecryptionError} As {@link openKeyringV2} and `openKeyring`.
 */
export async function openAnyKeyring(
  keyring: Keyring | KeyringV2,
  record: CID,
  keys: ReaderKeys,
  accept?: (key: Uint8Array) => unknown,
): Promise<Uint8Array> {
  if (keyring.v === 2) return openKeyringV2(keyring, record, keys, accept);
  if (!keys.identity) throw new NotARecipientError("A version 1 keyring opens with an X25519 identity only.");
  return openKeyring(keyring, record, keys.identity, accept);
}
