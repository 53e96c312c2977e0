/**
 * Keyrings v3, for batches: one HPKE wrap per reader per batch. A random batch key is wrapped with HPKE for each
 * reader once, in a batch-key keyring shared by every record of the batch with the same readers; each record's key
 * is sealed under the batch key (XChaCha20-Poly1305) in the record's own small keyring, which names the batch-key
 * keyring by CID. A reader opens the batch key once per batch (one HPKE unwrap) and each record key with one AEAD
 * open, authenticated and bound to the record's content CID.
 *
 * Wire formats (UTF-8 JSON, keys in this order; see docs/records.md):
 * - batch-key keyring: `{"v":3,"kind":"batch-key","suite":"HPKE-Base-X25519-SHA256-ChaCha20Poly1305","id":"0x<32 bytes>","recipients":[{"key":"0x…","enc":"0x…","wrapped":"0x…"}]}`
 *   with HPKE info = "carechain/keyring/v3/batch-key" ‖ id, so an entry can't be moved to another batch key;
 * - record keyring: `{"v":3,"kind":"record","record":"<content CID>","batchKeyring":"<CID of the batch-key keyring>","nonce":"0x<24 bytes>","wrapped":"0x<48 bytes>"}`
 *   with AEAD associated data = "carechain/keyring/v3/record" ‖ id ‖ content CID bytes, so a sealed key opens only
 *   for that record under that batch key.
 * Version 1 and 2 keyrings stay what single writes use and stay readable (sdk/crypto/keyring.ts, keyring-v2.ts).
 * @module
 */
import { randomBytes } from "@noble/ciphers/utils.js";
import type { CID } from "multiformats/cid";

import { DecryptionError, FormatError } from "../errors/data.js";
import { checkLimit } from "../limits.js";
import { getChunkCipher, hchacha20, TAG_LENGTH } from "./_aead.js";
import { checkBytes, concatBytes, fromHex, toHex, utf8 } from "./bytes.js";
import type { IdentityKeyPair } from "./identity.js";
import {
  isCidString,
  openKeyringEntries,
  parseKeyringJson,
  sealEntries,
  validKeyringEntries,
  type KeyringEntry,
  type SkippedRecipient,
} from "./keyring.js";
import { HPKE_SUITE_NAME } from "./keywrap.js";

/** A batch key wrapped once for each reader (format v3, kind `batch-key`). */
export interface BatchKeyKeyring {
  /** Format version (3). */
  readonly v: 3;
  /** What it holds. */
  readonly kind: "batch-key";
  /** The HPKE suite of every entry. */
  readonly suite: typeof HPKE_SUITE_NAME;
  /** The batch key's random id (0x hex, 32 bytes): bound into every wrap and every record key sealed under it. */
  readonly id: `0x${string}`;
  /** One wrapped batch key per reader. */
  readonly recipients: readonly KeyringEntry[];
}

/** One record's key, sealed under a batch key (format v3, kind `record`). */
export interface BatchRecordKeyring {
  /** Format version (3). */
  readonly v: 3;
  /** What it holds. */
  readonly kind: "record";
  /** CID string of the record ciphertext this key opens. */
  readonly record: string;
  /** CID string of the batch-key keyring whose key seals this one. */
  readonly batchKeyring: string;
  /** XChaCha20-Poly1305 nonce (0x hex, 24 bytes). */
  readonly nonce: `0x${string}`;
  /** The sealed record key (0x hex, 32-byte key + 16-byte tag). */
  readonly wrapped: `0x${string}`;
}

/** A batch key, and its keyring once sealed. */
export interface BatchKey {
  /** The key (32 bytes). */
  readonly key: Uint8Array;
  /** Its id (32 bytes). */
  readonly id: Uint8Array;
}

const HPKE_INFO_PREFIX = utf8("carechain/keyring/v3/batch-key");
const AD_PREFIX = utf8("carechain/keyring/v3/record");
const NONCE_BYTES = 24;
const WRAPPED_HEX_LENGTH = 2 + 2 * (32 + 16);
const HEX32 = /^0x[0-9a-f]{64}$/;

function batchKeyInfo(id: Uint8Array): Uint8Array {
  return concatBytes(HPKE_INFO_PREFIX, id);
}

function recordAd(id: Uint8Array, record: CID): Uint8Array {
  return concatBytes(AD_PREFIX, id, record.bytes);
}

/**
 * XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha: an HChaCha20 subkey, then IETF ChaCha20-Poly1305 with the nonce's last
 * 8 bytes) on the envelopes' chunk cipher (node:crypto in Node), sealing or opening `input` under `key`.
 */
function xchacha(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, input: Uint8Array, seal: boolean): Uint8Array {
  const subkey = hchacha20(key, nonce.subarray(0, 16));
  const ietfNonce = new Uint8Array(12);
  ietfNonce.set(nonce.subarray(16, 24), 4);
  try {
    const keyed = getChunkCipher().withKey(subkey);
    if (seal) {
      const out = new Uint8Array(input.length + TAG_LENGTH);
      keyed.seal(ietfNonce, ad, input, out);
      return out;
    }
    const out = new Uint8Array(input.length - TAG_LENGTH);
    keyed.open(ietfNonce, ad, input, out);
    return out;
  } finally {
    subkey.fill(0);
  }
}

/**
 * A fresh random batch key and id.
 * @returns 32 random bytes each.
 */
export function generateBatchKey(): BatchKey {
  return { key: randomBytes(32), id: randomBytes(32) };
}

/**
 * Wraps a batch key with HPKE for every distinct reader key: one wrap per reader, however many records the batch
 * key seals. A reader whose key is not a usable X25519 key is left out and reported, as {@link sealKeyring} does.
 * @param batchKey - The batch key and id.
 * @param recipients - X25519 public keys of the readers (duplicates are dropped).
 * @returns The batch-key keyring, and the readers left out with why.
 * @throws {RangeError} When `recipients` is empty or a recipient is not 32 bytes.
 * @throws {SizeLimitError} When there are more distinct recipients than `MAX_KEYRING_RECIPIENTS`.
 * @throws {InvalidPublicKeyError} When no recipient could be wrapped for.
 */
export async function sealBatchKeyKeyring(
  batchKey: BatchKey,
  recipients: Iterable<Uint8Array>,
): Promise<{ keyring: BatchKeyKeyring; skipped: SkippedRecipient[] }> {
  checkBytes("batchKey", batchKey.key, 32);
  checkBytes("batchKeyId", batchKey.id, 32);
  const { entries, skipped } = await sealEntries(batchKey.key, recipients, batchKeyInfo(batchKey.id));
  return {
    keyring: { v: 3, kind: "batch-key", suite: HPKE_SUITE_NAME, id: toHex(batchKey.id), recipients: entries },
    skipped,
  };
}

/**
 * Seals one record's key under a batch key, bound to the record's content CID and the batch key's id.
 * @param batchKey - The batch key and id.
 * @param batchKeyring - CID of the batch-key keyring the readers open.
 * @param record - CID of the record ciphertext.
 * @param dek - The record's data key (32 bytes).
 * @returns The record keyring.
 */
export function sealBatchRecordKeyring(
  batchKey: BatchKey,
  batchKeyring: CID,
  record: CID,
  dek: Uint8Array,
): BatchRecordKeyring {
  checkBytes("dek", dek, 32);
  const nonce = randomBytes(NONCE_BYTES);
  const wrapped = xchacha(batchKey.key, nonce, recordAd(batchKey.id, record), dek, true);
  return {
    v: 3,
    kind: "record",
    record: record.toString(),
    batchKeyring: batchKeyring.toString(),
    nonce: toHex(nonce),
    wrapped: toHex(wrapped),
  };
}

/**
 * Whether `keyring` lists `publicKey` (the caller may be able to open it).
 * @param keyring - A batch-key keyring.
 * @param publicKey - An X25519 public key.
 * @returns True when an entry is for it.
 */
export function holdsBatchKey(keyring: BatchKeyKeyring, publicKey: Uint8Array): boolean {
  const mine = toHex(publicKey);
  return keyring.recipients.some((e) => e.key === mine);
}

/**
 * Unwraps the batch key for the caller (at most the first 8 entries for its key are tried).
 * @param keyring - A decoded batch-key keyring.
 * @param identity - The caller's identity key pair.
 * @returns The batch key and id.
 * @throws {NotARecipientError} When no entry is for the caller's key.
 * @throws {DecryptionError} When no entry for the caller opens.
 */
export async function openBatchKeyKeyring(keyring: BatchKeyKeyring, identity: IdentityKeyPair): Promise<BatchKey> {
  const id = fromHex("id", keyring.id, 32);
  const key = await openKeyringEntries(keyring.recipients, identity, batchKeyInfo(id));
  return { key, id };
}

/**
 * Opens a record's key sealed under a batch key: authenticated (XChaCha20-Poly1305) and bound to `record` and the
 * batch key's id.
 * @param keyring - A decoded record keyring.
 * @param record - CID of the record ciphertext being opened (must equal `keyring.record`).
 * @param batchKey - The batch key opened from the keyring `keyring.batchKeyring` names.
 * @returns The record's data key.
 * @throws {FormatError} When the keyring is for another record.
 * @throws {DecryptionError} When the sealed key does not open under the batch key for this record.
 */
export function openBatchRecordKeyring(keyring: BatchRecordKeyring, record: CID, batchKey: BatchKey): Uint8Array {
  if (keyring.record !== record.toString()) {
    throw new FormatError("The keyring belongs to another record.", {
      details: `keyring.record=${keyring.record} record=${record}`,
    });
  }
  try {
    const nonce = fromHex("nonce", keyring.nonce, NONCE_BYTES);
    return xchacha(batchKey.key, nonce, recordAd(batchKey.id, record), fromHex("wrapped", keyring.wrapped), false);
  } catch (cause) {
    throw new DecryptionError("The record key does not open under the batch key for this record.", { cause });
  }
}

/**
 * Serialises a v3 keyring (either kind) to its wire bytes.
 * @param keyring - The keyring.
 * @returns UTF-8 JSON in the documented key order.
 * @throws {SizeLimitError} When it is over `MAX_KEYRING_RECIPIENTS` or `MAX_KEYRING_BYTES`.
 */
export function encodeKeyringV3(keyring: BatchKeyKeyring | BatchRecordKeyring): Uint8Array {
  const ordered =
    keyring.kind === "batch-key"
      ? {
          v: 3,
          kind: keyring.kind,
          suite: keyring.suite,
          id: keyring.id,
          recipients: keyring.recipients.map((e) => ({ key: e.key, enc: e.enc, wrapped: e.wrapped })),
        }
      : {
          v: 3,
          kind: keyring.kind,
          record: keyring.record,
          batchKeyring: keyring.batchKeyring,
          nonce: keyring.nonce,
          wrapped: keyring.wrapped,
        };
  if (keyring.kind === "batch-key") checkLimit("keyringRecipients", keyring.recipients.length, "keyring");
  const bytes = utf8(JSON.stringify(ordered));
  checkLimit("keyringBytes", bytes.length, "keyring");
  return bytes;
}

/**
 * Whether keyring wire bytes are a v3 keyring (cheap: looks only at how the JSON starts, as the encoder writes it).
 * @param bytes - Keyring wire bytes.
 * @returns True for bytes that start `{"v":3,`.
 */
export function isKeyringV3(bytes: Uint8Array): boolean {
  const start = utf8('{"v":3,');
  return bytes.length >= start.length && start.every((b, i) => bytes[i] === b);
}

/**
 * Parses and checks v3 keyring wire bytes of `kind`. The size is checked first.
 * @param bytes - The wire bytes.
 * @param kind - The kind expected.
 * @returns The keyring.
 * @throws {SizeLimitError} When over `MAX_KEYRING_BYTES` or `MAX_KEYRING_RECIPIENTS` (a `FormatError`).
 * @throws {FormatError} When the bytes are not a v3 keyring of that kind.
 */
export function decodeKeyringV3(bytes: Uint8Array, kind: "batch-key"): BatchKeyKeyring;
export function decodeKeyringV3(bytes: Uint8Array, kind: "record"): BatchRecordKeyring;
export function decodeKeyringV3(bytes: Uint8Array, kind: "batch-key" | "record"): BatchKeyKeyring | BatchRecordKeyring {
  const k = parseKeyringJson(bytes);
  if (k.v !== 3) throw new FormatError("Unsupported keyring version.", { details: `v=${String(k.v)}` });
  if (k.kind !== kind) throw new FormatError("Unexpected v3 keyring kind.", { details: `kind=${String(k.kind)}` });
  if (kind === "batch-key") {
    if (k.suite !== HPKE_SUITE_NAME)
      throw new FormatError("Unknown keyring suite.", { details: `suite=${String(k.suite)}` });
    if (typeof k.id !== "string" || !HEX32.test(k.id)) throw new FormatError("The batch key id is malformed.");
    const recipients = validKeyringEntries(k.recipients);
    return { v: 3, kind, suite: HPKE_SUITE_NAME, id: k.id as `0x${string}`, recipients };
  }
  if (typeof k.record !== "string" || !isCidString(k.record))
    throw new FormatError("The keyring names no valid record CID.");
  if (typeof k.batchKeyring !== "string" || !isCidString(k.batchKeyring)) {
    throw new FormatError("The keyring names no valid batch-key keyring CID.");
  }
  if (typeof k.nonce !== "string" || !/^0x[0-9a-f]{48}$/.test(k.nonce))
    throw new FormatError("The nonce is malformed.");
  if (typeof k.wrapped !== "string" || k.wrapped.length !== WRAPPED_HEX_LENGTH || !/^0x[0-9a-f]+$/.test(k.wrapped)) {
    throw new FormatError("The sealed record key is malformed.");
  }
  return {
    v: 3,
    kind,
    record: k.record,
    batchKeyring: k.batchKeyring,
    nonce: k.nonce as `0x${string}`,
    wrapped: k.wrapped as `0x${string}`,
  };
}
