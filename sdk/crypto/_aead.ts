/**
 * Internal: XChaCha20-Poly1305 over the chosen chunk cipher (HChaCha20 subkeys), with up-front argument checks.
 * @module
 */
import { hchacha } from "@noble/ciphers/chacha.js";
import { DEFAULT_CHUNK_CIPHER } from "#chunk-cipher";

import { checkBytes, equalBytes, fromHex, utf8 } from "./bytes.js";
import { PORTABLE_CHUNK_CIPHER, TAG_LENGTH, type ChunkCipher } from "./_chunk-cipher.js";

export { PORTABLE_CHUNK_CIPHER, TAG_LENGTH, type ChunkCipher, type KeyedChunkCipher } from "./_chunk-cipher.js";

/** The platform default (node:crypto in Node when OpenSSL has ChaCha20-Poly1305, else portable) until changed. */
let current: ChunkCipher = DEFAULT_CHUNK_CIPHER;

/** The backend envelopes currently use. */
export function getChunkCipher(): ChunkCipher {
  return current;
}

/**
 * Chooses the backend of every later envelope operation (`undefined`: back to the platform default, see
 * {@link DEFAULT_CHUNK_CIPHER}). The backend is
 * checked first against the RFC 8439 §2.8.2 test vector (seal and open), so one that would write another format
 * is refused.
 * @returns The backend that was in use before.
 * @throws {Error} When the backend fails the known-answer test.
 * @example
 * import { setChunkCipher } from "carechain";
 * setChunkCipher(myWasmChaCha); // must implement IETF ChaCha20-Poly1305
 */
export function setChunkCipher(cipher: ChunkCipher | undefined): ChunkCipher {
  const next = cipher ?? DEFAULT_CHUNK_CIPHER;
  if (next !== PORTABLE_CHUNK_CIPHER && next !== DEFAULT_CHUNK_CIPHER) selfTest(next);
  const previous = current;
  current = next;
  return previous;
}

/** "expand 32-byte k" as little-endian words. */
const SIGMA = new Uint32Array([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]);

/**
 * HChaCha20(key, nonce16): the XChaCha20 subkey (draft-irtf-cfrg-xchacha §2.2).
 * @param key - 32 bytes.
 * @param nonce16 - The first 16 bytes of the 24-byte XChaCha20 nonce.
 * @returns A fresh 32-byte subkey (the caller wipes it when done).
 */
export function hchacha20(key: Uint8Array, nonce16: Uint8Array): Uint8Array {
  checkBytes("key", key, 32);
  checkBytes("nonce16", nonce16, 16);
  // Aligned copies: hchacha works on 32-bit words read in little-endian order (it normalises on big-endian hosts).
  const k = new Uint32Array(8);
  new Uint8Array(k.buffer).set(key);
  const n = new Uint32Array(4);
  new Uint8Array(n.buffer).set(nonce16);
  const sigma = new Uint32Array(4);
  const sigmaView = new DataView(sigma.buffer);
  SIGMA.forEach((word, i) => {
    sigmaView.setUint32(4 * i, word, true);
  });
  const out = new Uint32Array(8);
  hchacha(sigma, k, n, out);
  k.fill(0);
  return new Uint8Array(out.buffer);
}

const hex = (text: string): Uint8Array => fromHex("KAT", text);

/** RFC 8439 §2.8.2: the AEAD_CHACHA20_POLY1305 test vector. */
const KAT = {
  key: hex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"),
  nonce: hex("070000004041424344454647"),
  aad: hex("50515253c0c1c2c3c4c5c6c7"),
  plaintext: utf8(
    "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
  ),
  sealed: hex(
    "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116" +
      "1ae10b594f09e26a7e902ecbd0600691",
  ),
};

function selfTest(cipher: ChunkCipher): void {
  const keyed = cipher.withKey(KAT.key);
  const sealed = new Uint8Array(KAT.plaintext.length + TAG_LENGTH);
  keyed.seal(KAT.nonce, KAT.aad, KAT.plaintext, sealed);
  const opened = new Uint8Array(KAT.plaintext.length);
  keyed.open(KAT.nonce, KAT.aad, KAT.sealed, opened);
  const tampered = KAT.sealed.map((byte, i) => (i === 0 ? byte ^ 1 : byte));
  let refused = false;
  try {
    keyed.open(KAT.nonce, KAT.aad, tampered, new Uint8Array(KAT.plaintext.length));
  } catch {
    refused = true;
  }
  if (!equalBytes(sealed, KAT.sealed) || !equalBytes(opened, KAT.plaintext) || !refused) {
    throw new Error(`setChunkCipher: backend "${cipher.name}" fails the RFC 8439 §2.8.2 ChaCha20-Poly1305 test vector`);
  }
}
