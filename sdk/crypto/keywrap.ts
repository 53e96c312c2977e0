/**
 * HPKE (RFC 9180) base-mode key wrap: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305.
 * @module
 */
import { CipherSuite, DhkemX25519HkdfSha256 as NativeDhkemX25519, HkdfSha256 } from "@hpke/core";
import { Chacha20Poly1305 } from "@hpke/chacha20poly1305";
import { DhkemX25519HkdfSha256 } from "@hpke/dhkem-x25519";

import { DecryptionError } from "../errors/data.js";
import { checkBytes } from "./bytes.js";

/** A data key wrapped for one recipient with HPKE. */
export interface WrappedKey {
  /** The HPKE encapsulated key (32 bytes for X25519). */
  readonly enc: Uint8Array;
  /** The sealed data key (key length + 16-byte tag). */
  readonly ciphertext: Uint8Array;
}

/**
 * The HPKE suite (RFC 9180 §7): base mode, DHKEM(X25519, HKDF-SHA256) (KEM 0x0020), HKDF-SHA256
 * (KDF 0x0001), ChaCha20-Poly1305 (AEAD 0x0003). X25519 runs on @noble/curves, so it works in every runtime.
 */
export const HPKE_SUITE = new CipherSuite({
  kem: new DhkemX25519HkdfSha256(),
  kdf: new HkdfSha256(),
  aead: new Chacha20Poly1305(),
});

/**
 * The same suite with X25519 from the platform's WebCrypto (Node 22, current browsers): about four times faster,
 * identical output for identical keys (a test checks both ways). Used when the platform has X25519.
 */
const NATIVE_SUITE = new CipherSuite({
  kem: new NativeDhkemX25519(),
  kdf: new HkdfSha256(),
  aead: new Chacha20Poly1305(),
});

let selected: Promise<CipherSuite> | undefined;

/** The fastest available implementation of the suite: WebCrypto X25519 where the platform has it, else noble. */
export function hpkeSuite(): Promise<CipherSuite> {
  selected ??= (async () => {
    try {
      await globalThis.crypto.subtle.generateKey({ name: "X25519" }, false, ["deriveBits"]);
      return NATIVE_SUITE;
    } catch {
      return HPKE_SUITE;
    }
  })();
  return selected;
}

/** Suite name written in keyrings. */
export const HPKE_SUITE_NAME = "HPKE-Base-X25519-SHA256-ChaCha20Poly1305";

/**
 * Wraps `key` for the holder of `recipientPublicKey` (RFC 9180 §6.1 single-shot seal).
 * @param recipientPublicKey - 32-byte X25519 public key.
 * @param key - The data key to wrap.
 * @param info - Application info bound into the key schedule (the record's CID for Carechain keyrings).
 * @returns The encapsulated key and the sealed data key.
 */
export async function wrapKey(recipientPublicKey: Uint8Array, key: Uint8Array, info: Uint8Array): Promise<WrappedKey> {
  checkBytes("recipientPublicKey", recipientPublicKey, 32);
  checkBytes("key", key);
  checkBytes("info", info);
  const suite = await hpkeSuite();
  const publicKey = await suite.kem.deserializePublicKey(recipientPublicKey);
  const sealed = await suite.seal({ recipientPublicKey: publicKey, info }, key);
  return { enc: new Uint8Array(sealed.enc), ciphertext: new Uint8Array(sealed.ct) };
}

/**
 * Unwraps a key sealed by {@link wrapKey} (RFC 9180 §6.1 single-shot open).
 * @param recipientSecretKey - The recipient's 32-byte X25519 secret key.
 * @param wrapped - The encapsulated key and sealed key.
 * @param info - The same info given to {@link wrapKey}.
 * @throws {DecryptionError} When the key does not open: wrong recipient key, wrong info or altered bytes.
 */
export async function unwrapKey(
  recipientSecretKey: Uint8Array,
  wrapped: WrappedKey,
  info: Uint8Array,
): Promise<Uint8Array> {
  checkBytes("recipientSecretKey", recipientSecretKey, 32);
  checkBytes("wrapped.enc", wrapped.enc, 32);
  checkBytes("wrapped.ciphertext", wrapped.ciphertext);
  try {
    const suite = await hpkeSuite();
    const secretKey = await suite.kem.deserializePrivateKey(recipientSecretKey);
    const opened = await suite.open({ recipientKey: secretKey, enc: wrapped.enc, info }, wrapped.ciphertext);
    return new Uint8Array(opened);
  } catch (cause) {
    throw new DecryptionError("The wrapped record key did not open with this identity key.", { cause });
  }
}
