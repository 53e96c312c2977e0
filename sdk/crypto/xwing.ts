/**
 * The post-quantum hybrid key wrap: HPKE (RFC 9180) base mode with the X-Wing KEM (ML-KEM-768 + X25519,
 * draft-connolly-cfrg-xwing-kem; `@hpke/hybridkem-x-wing`), HKDF-SHA256 and ChaCha20-Poly1305, and the key document
 * that publishes an X-Wing public key by content address (the Directory holds its SHA-256 digest, never the 1,216
 * bytes). A wrap stays secret while either ML-KEM-768 or X25519 holds.
 * @module
 */
import { CipherSuite, HkdfSha256 } from "@hpke/core";
import { Chacha20Poly1305 } from "@hpke/chacha20poly1305";
import { XWing } from "@hpke/hybridkem-x-wing";
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { getAddress } from "ethers";
import * as raw from "multiformats/codecs/raw";
import { CID } from "multiformats/cid";
import { create as createDigest } from "multiformats/hashes/digest";

import { DecryptionError, FormatError } from "../errors/data.js";
import { checkBytes, fromHex, toHex, utf8 } from "./bytes.js";
import type { WrappedKey } from "./keywrap.js";

/** Suite name written in v2 keyrings and key documents. */
export const XWING_SUITE_NAME = "HPKE-Base-XWing-SHA256-ChaCha20Poly1305";
/** Bytes of an X-Wing public key. */
export const XWING_PUBLIC_KEY_BYTES = 1216;
/** Bytes of an X-Wing encapsulation (HPKE `enc`). */
export const XWING_ENC_BYTES = 1120;
/** Bytes of an X-Wing secret key (its seed). */
export const XWING_SECRET_KEY_BYTES = 32;

/** An X-Wing key pair: the 32-byte seed is the secret key; the public key is 1,216 bytes. */
export interface XWingKeyPair {
  /** The public key (1,216 bytes). */
  readonly publicKey: Uint8Array;
  /** The secret key (32-byte seed). */
  readonly secretKey: Uint8Array;
}

let kem: XWing | undefined;
let suite: CipherSuite | undefined;
/** The X-Wing KEM (created on first use: no work at import). */
function xwingKem(): XWing {
  kem ??= new XWing();
  return kem;
}
/** The X-Wing HPKE suite (created on first use: no work at import). */
function xwingSuite(): CipherSuite {
  suite ??= new CipherSuite({ kem: xwingKem(), kdf: new HkdfSha256(), aead: new Chacha20Poly1305() });
  return suite;
}

/**
 * A fresh X-Wing key pair from the platform's randomness.
 * @returns The key pair.
 */
export async function generateXWingKeyPair(): Promise<XWingKeyPair> {
  return xwingKeyPairFromSeed(globalThis.crypto.getRandomValues(new Uint8Array(XWING_SECRET_KEY_BYTES)));
}

/**
 * The X-Wing key pair of a 32-byte seed (deterministic).
 * @param seed - 32 secret bytes.
 * @returns The key pair.
 * @throws {RangeError} When `seed` is not 32 bytes.
 */
export async function xwingKeyPairFromSeed(seed: Uint8Array): Promise<XWingKeyPair> {
  checkBytes("seed", seed, XWING_SECRET_KEY_BYTES);
  const kem = xwingKem();
  const publicKey = new Uint8Array(await kem.serializePublicKey((await kem.generateKeyPairDerand(seed)).publicKey));
  return Object.freeze({ publicKey, secretKey: seed.slice() });
}

const DERIVE_SALT = utf8("carechain/xwing/v1");

/**
 * The X-Wing key pair that belongs to an X25519 identity secret key: HKDF-SHA256(secret, salt
 * "carechain/xwing/v1") as the seed, so a device that recovers the identity (e.g. from its wallet signature)
 * recovers the post-quantum key too, and nothing more needs backing up.
 * @param identitySecretKey - The 32-byte X25519 identity secret key.
 * @returns The key pair.
 * @throws {RangeError} When the secret is not 32 bytes.
 */
export async function deriveXWingKeyPair(identitySecretKey: Uint8Array): Promise<XWingKeyPair> {
  checkBytes("identitySecretKey", identitySecretKey, 32);
  return xwingKeyPairFromSeed(hkdf(sha256, identitySecretKey, DERIVE_SALT, utf8("seed"), XWING_SECRET_KEY_BYTES));
}

/**
 * Wraps `key` for the holder of an X-Wing public key (RFC 9180 §6.1 single-shot seal).
 * @param recipientPublicKey - 1,216-byte X-Wing public key.
 * @param key - The data key to wrap.
 * @param info - Application info bound into the key schedule.
 * @returns The encapsulation (1,120 bytes) and the sealed key.
 * @throws {RangeError} When the public key has the wrong length.
 */
export async function wrapKeyXWing(
  recipientPublicKey: Uint8Array,
  key: Uint8Array,
  info: Uint8Array,
): Promise<WrappedKey> {
  checkBytes("recipientPublicKey", recipientPublicKey, XWING_PUBLIC_KEY_BYTES);
  checkBytes("key", key);
  checkBytes("info", info);
  const s = xwingSuite();
  const publicKey = await s.kem.deserializePublicKey(recipientPublicKey);
  const sealed = await s.seal({ recipientPublicKey: publicKey, info }, key);
  return { enc: new Uint8Array(sealed.enc), ciphertext: new Uint8Array(sealed.ct) };
}

/**
 * Unwraps a key sealed by {@link wrapKeyXWing}.
 * @param recipientSecretKey - The 32-byte X-Wing secret key (seed).
 * @param wrapped - Encapsulation and sealed key.
 * @param info - The info given to {@link wrapKeyXWing}.
 * @returns The data key.
 * @throws {DecryptionError} When it does not open: wrong key, wrong info, altered bytes.
 */
export async function unwrapKeyXWing(
  recipientSecretKey: Uint8Array,
  wrapped: WrappedKey,
  info: Uint8Array,
): Promise<Uint8Array> {
  checkBytes("recipientSecretKey", recipientSecretKey, XWING_SECRET_KEY_BYTES);
  checkBytes("wrapped.enc", wrapped.enc, XWING_ENC_BYTES);
  checkBytes("wrapped.ciphertext", wrapped.ciphertext);
  try {
    const s = xwingSuite();
    const secretKey = await s.kem.deserializePrivateKey(recipientSecretKey);
    return new Uint8Array(await s.open({ recipientKey: secretKey, enc: wrapped.enc, info }, wrapped.ciphertext));
  } catch (cause) {
    throw new DecryptionError("The wrapped record key did not open with this post-quantum key.", { cause });
  }
}

/** A published X-Wing public key: what the Directory's `pqKeyOf(account)` digest commits to. */
export interface PqKeyDocument {
  /** Format version (1). */
  readonly v: 1;
  /** Object kind. */
  readonly kind: "carechain/pq-key";
  /** The HPKE suite the key is for. */
  readonly suite: typeof XWING_SUITE_NAME;
  /** The account whose key it is (checksummed), so a document can't be claimed by another account. */
  readonly account: string;
  /** The X-Wing public key (0x hex, 1,216 bytes). */
  readonly publicKey: `0x${string}`;
}

/**
 * The key document of `account`'s X-Wing public key, as bytes (UTF-8 JSON, keys in the documented order).
 * @param account - The account's address.
 * @param publicKey - The X-Wing public key.
 * @returns The document's bytes; their SHA-256 is what the account commits to with `Directory.setPqKey`.
 * @throws {RangeError} When the key has the wrong length.
 * @throws {TypeError} When `account` is not an address.
 */
export function encodePqKeyDocument(account: string, publicKey: Uint8Array): Uint8Array {
  checkBytes("publicKey", publicKey, XWING_PUBLIC_KEY_BYTES);
  const document: PqKeyDocument = {
    v: 1,
    kind: "carechain/pq-key",
    suite: XWING_SUITE_NAME,
    account: getAddress(account),
    publicKey: toHex(publicKey),
  };
  return utf8(JSON.stringify(document));
}

/**
 * The SHA-256 digest of a key document (the on-chain commitment) and the CID it is stored under (CIDv1, raw,
 * sha2-256 of the same digest).
 * @param bytes - The document's bytes.
 * @returns `digest` (0x hex) and `cid`.
 */
export function pqKeyCommitment(bytes: Uint8Array): { digest: `0x${string}`; cid: CID } {
  const digest = sha256(bytes);
  return { digest: toHex(digest), cid: pqKeyCid(toHex(digest)) };
}

/**
 * The CID a key document with SHA-256 `digest` is stored under.
 * @param digest - 0x hex of 32 bytes (the Directory's `pqKeyOf`).
 * @returns CIDv1, raw codec, sha2-256.
 */
export function pqKeyCid(digest: string): CID {
  return CID.createV1(raw.code, createDigest(0x12, fromHex("digest", digest, 32)));
}

/**
 * Checks key-document bytes against the on-chain digest and the account, then returns the public key.
 * @param bytes - The document's bytes, as fetched.
 * @param expected - `digest` from the Directory and the `account` it was read for.
 * @returns The X-Wing public key.
 * @throws {FormatError} When the bytes do not hash to the digest, are not a v1 X-Wing key document, or name another
 * account.
 */
export function verifyPqKeyDocument(bytes: Uint8Array, expected: { digest: string; account: string }): Uint8Array {
  if (toHex(sha256(bytes)) !== expected.digest.toLowerCase()) {
    throw new FormatError("The key document does not match the Directory's commitment.", { details: expected.account });
  }
  let d: Partial<PqKeyDocument> | null;
  try {
    d = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes)) as Partial<PqKeyDocument> | null;
  } catch (cause) {
    throw new FormatError("The key document is not valid UTF-8 JSON.", { cause });
  }
  if (typeof d !== "object" || d?.v !== 1 || d.kind !== "carechain/pq-key" || d.suite !== XWING_SUITE_NAME) {
    throw new FormatError("Not a version 1 X-Wing key document.");
  }
  if (typeof d.account !== "string" || d.account !== getAddress(expected.account)) {
    throw new FormatError("The key document names another account.", {
      details: `${String(d.account)} ≠ ${expected.account}`,
    });
  }
  if (typeof d.publicKey !== "string" || !/^0x[0-9a-f]+$/.test(d.publicKey))
    throw new FormatError("The key document's key is malformed.");
  return fromHex("publicKey", d.publicKey, XWING_PUBLIC_KEY_BYTES);
}
