/**
 * The chunk-cipher interface of envelopes and its portable backend (@noble/ciphers). Stateless: which backend is
 * in use is decided in _aead.ts, whose default comes from the `#chunk-cipher` import (package.json `imports`:
 * node:crypto under the `node` condition, this portable one elsewhere).
 * @module
 */
import { chacha20poly1305 } from "@noble/ciphers/chacha.js";

/**
 * The AEAD behind envelope chunks: IETF ChaCha20-Poly1305 (RFC 8439: 32-byte key, 12-byte nonce, 16-byte tag).
 *
 * An envelope is XChaCha20-Poly1305, which is HChaCha20(key, nonce[0..16]) as a subkey, then IETF
 * ChaCha20-Poly1305 with the nonce `0x00000000 || nonce[16..24]`. The first 16 nonce bytes of every chunk are
 * the envelope's nonce prefix, so the envelope code derives the subkey once and hands each chunk to this
 * backend with its 12-byte nonce. Any backend therefore writes the same bytes: there is one wire format, and the
 * backend only decides how fast it is written. The portable backend ({@link PORTABLE_CHUNK_CIPHER},
 * @noble/ciphers) runs everywhere; Node uses one on node:crypto (OpenSSL), chosen by the
 * `node` export condition.
 */
export interface ChunkCipher {
  /** Name for diagnostics and benchmarks, e.g. "@noble/ciphers" or "node:crypto". */
  readonly name: string;
  /** Binds the 32-byte (sub)key of one envelope; called once per envelope. */
  withKey(key: Uint8Array): KeyedChunkCipher;
  /**
   * Optional: a buffer of `length` bytes that the caller overwrites entirely (it may be uninitialised). Must be a
   * plain `Uint8Array` owning its whole `ArrayBuffer`. Without it the envelope code uses `new Uint8Array(length)`.
   */
  allocate?(length: number): Uint8Array;
}

/** A {@link ChunkCipher} bound to one key. */
export interface KeyedChunkCipher {
  /**
   * Seals `plaintext`: writes ciphertext || tag (`plaintext.length + 16` bytes) to `output`.
   * @param nonce - 12 bytes, never reused with this key.
   */
  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, output: Uint8Array): void;
  /**
   * Opens `sealed` (ciphertext || tag): writes the plaintext (`sealed.length - 16` bytes) to `output`.
   * @throws {Error} When authentication fails; `output` then holds no plaintext.
   */
  open(nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array, output: Uint8Array): void;
}

/** Poly1305 tag length. */
export const TAG_LENGTH = 16;

/** The portable backend: @noble/ciphers (pure JavaScript, every runtime). */
export const PORTABLE_CHUNK_CIPHER: ChunkCipher = Object.freeze({
  name: "@noble/ciphers",
  withKey(key: Uint8Array): KeyedChunkCipher {
    return {
      seal(nonce, aad, plaintext, output) {
        chacha20poly1305(key, nonce, aad).encrypt(plaintext, output);
      },
      open(nonce, aad, sealed, output) {
        chacha20poly1305(key, nonce, aad).decrypt(sealed, output);
      },
    };
  },
});
