/**
 * Internal: one envelope's chunk operations for the STREAM construction — the HChaCha20 subkey derived once, each
 * chunk's nonce (prefix, counter, last flag), and sealing/opening through the current chunk cipher.
 * @internal
 */
import { DecryptionError } from "../errors/data.js";
import { getChunkCipher, hchacha20, TAG_LENGTH, type KeyedChunkCipher } from "./_aead.js";
import { ENVELOPE_HEADER_LENGTH, PREFIX_LENGTH, SUBKEY_NONCE_LENGTH } from "./_envelope-format.js";
import { concatBytes } from "./bytes.js";

/** One envelope's chunk operations: the header, its AAD, the HChaCha20 subkey and the chunk cipher. */
export class ChunkSealer {
  readonly header: Uint8Array;
  readonly #aad: Uint8Array;
  readonly #subkey: Uint8Array;
  readonly #cipher: KeyedChunkCipher;
  readonly #allocate: (length: number) => Uint8Array;
  /** 0x00000000 || prefix[16..19] || counter (BE) || last flag. */
  readonly #nonce = new Uint8Array(12);
  readonly #nonceView = new DataView(this.#nonce.buffer);

  constructor(dek: Uint8Array, header: Uint8Array, context: Uint8Array) {
    this.header = header.slice();
    this.#aad = concatBytes(this.header, context);
    const prefix = this.header.subarray(ENVELOPE_HEADER_LENGTH - PREFIX_LENGTH);
    this.#subkey = hchacha20(dek, prefix.subarray(0, SUBKEY_NONCE_LENGTH));
    const backend = getChunkCipher();
    this.#cipher = backend.withKey(this.#subkey);
    this.#allocate = backend.allocate?.bind(backend) ?? ((n) => new Uint8Array(n));
    this.#nonce.set(prefix.subarray(SUBKEY_NONCE_LENGTH), 4);
  }

  allocate(length: number): Uint8Array {
    return this.#allocate(length);
  }

  /** Seals chunk `counter` of `plaintext` into `output` (`plaintext.length + 16` bytes). */
  seal(counter: number, last: boolean, plaintext: Uint8Array, output: Uint8Array): void {
    this.#cipher.seal(this.#chunkNonce(counter, last), this.#aad, plaintext, output);
  }

  /** Seals chunk `counter` into a fresh array. */
  sealed(counter: number, last: boolean, plaintext: Uint8Array): Uint8Array {
    const output = this.#allocate(plaintext.length + TAG_LENGTH);
    this.seal(counter, last, plaintext, output);
    return output;
  }

  /**
   * Opens chunk `counter` into `output`; on failure wipes `wipe` (default `output`) and throws a
   * {@link DecryptionError}.
   */
  open(counter: number, last: boolean, sealed: Uint8Array, output: Uint8Array, details: string, wipe = output) {
    try {
      this.#cipher.open(this.#chunkNonce(counter, last), this.#aad, sealed, output);
    } catch (cause) {
      wipe.fill(0);
      throw new DecryptionError(
        "The envelope failed authentication: wrong key or context, or altered, reordered or truncated data.",
        { details, cause },
      );
    }
  }

  /** Opens chunk `counter` into a fresh array. */
  opened(counter: number, last: boolean, sealed: Uint8Array, details: string): Uint8Array {
    const output = this.#allocate(sealed.length - TAG_LENGTH);
    this.open(counter, last, sealed, output, details);
    return output;
  }

  dispose(): void {
    this.#subkey.fill(0);
  }

  #chunkNonce(counter: number, last: boolean): Uint8Array {
    this.#nonceView.setUint32(7, counter, false);
    this.#nonce[11] = last ? 1 : 0;
    return this.#nonce;
  }
}
