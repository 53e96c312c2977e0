/**
 * Streaming encryption and decryption of v1 envelopes (the format of envelope.ts), with memory bounded by one
 * chunk whatever the input's length.
 * @module
 */
import { DecryptionError } from "../errors/data.js";
import { TAG_LENGTH } from "./_aead.js";
import { ChunkSealer } from "./_chunk-sealer.js";
import {
  checkCounter,
  chunkSizeLog2,
  DEK_LENGTH,
  ENVELOPE_HEADER_LENGTH,
  newHeader,
  parseHeader,
  shorterThanHeader,
  type EncryptOptions,
} from "./_envelope-format.js";
import { checkBytes } from "./bytes.js";

/** A source of bytes for the streaming functions: any (async) iterable of byte pieces of any sizes. */
export type ByteSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

/**
 * Encrypts a stream: the same bytes as {@link encryptEnvelope} of the concatenated input (for the same key,
 * context, options and nonce prefix), produced piece by piece with memory bounded by one chunk, whatever the
 * input's length. Yields the 25-byte header first, then one sealed chunk (ciphertext || tag) at a time; the last
 * chunk is only sealed once the source has ended, as STREAM requires.
 * @param dek - 32-byte data encryption key, fresh for this record version.
 * @param source - The plaintext, in pieces of any sizes (e.g. a file read stream).
 * @param context - Associated data that decryption must present again.
 * @throws {RangeError} (at once) When `dek` is not 32 bytes or the chunk size is out of range.
 * @throws {TypeError} (while iterating) When the source yields something that is not a `Uint8Array`.
 * @example
 * for await (const piece of encryptStream(dek, createReadStream(path), context)) out.write(piece);
 */
export function encryptStream(
  dek: Uint8Array,
  source: ByteSource,
  context: Uint8Array,
  options: EncryptOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  checkBytes("dek", dek, DEK_LENGTH);
  checkBytes("context", context);
  checkSource(source);
  const log2 = chunkSizeLog2(options);
  return encryptChunks(dek.slice(), source, context.slice(), log2);
}

/**
 * Decrypts a stream written by {@link encryptStream} or {@link encryptEnvelope}, yielding plaintext one chunk
 * at a time with memory bounded by one chunk.
 *
 * Every yielded piece has authenticated, and pieces arrive in order with none left out, but a truncated
 * envelope is only detected at its end: treat the output as complete only once the iteration has finished
 * without an error (write to a temporary file and rename it then, for instance).
 * @param dek - The 32-byte key the envelope was sealed with.
 * @param source - The envelope, in pieces of any sizes.
 * @param context - The same associated data given at encryption.
 * @throws {RangeError} (at once) When `dek` is not 32 bytes.
 * @throws {FormatError} (while iterating) When the header is malformed or names an unknown version or suite.
 * @throws {DecryptionError} (while iterating) When a chunk fails authentication or the envelope is truncated.
 */
export function decryptStream(
  dek: Uint8Array,
  source: ByteSource,
  context: Uint8Array,
): AsyncGenerator<Uint8Array, void, undefined> {
  checkBytes("dek", dek, DEK_LENGTH);
  checkBytes("context", context);
  checkSource(source);
  return decryptChunks(dek.slice(), source, context.slice());
}

async function* encryptChunks(
  dek: Uint8Array,
  source: ByteSource,
  context: Uint8Array,
  log2: number,
): AsyncGenerator<Uint8Array, void, undefined> {
  const chunkSize = 2 ** log2;
  const sealer = new ChunkSealer(dek, newHeader(log2), context);
  dek.fill(0);
  try {
    yield sealer.header.slice();
    const pending = new Uint8Array(chunkSize);
    let filled = 0;
    let counter = 0;
    for await (const piece of source) {
      checkBytes("source piece", piece);
      let at = 0;
      while (at < piece.length) {
        if (filled === chunkSize) {
          // A full chunk with more data behind it: not the last one.
          yield sealer.sealed(counter, false, pending);
          counter = checkCounter(counter + 1);
          filled = 0;
        }
        const n = Math.min(chunkSize - filled, piece.length - at);
        pending.set(piece.subarray(at, at + n), filled);
        filled += n;
        at += n;
      }
    }
    yield sealer.sealed(counter, true, pending.subarray(0, filled));
    pending.fill(0);
  } finally {
    sealer.dispose();
  }
}

async function* decryptChunks(
  dek: Uint8Array,
  source: ByteSource,
  context: Uint8Array,
): AsyncGenerator<Uint8Array, void, undefined> {
  let sealer: ChunkSealer | undefined;
  try {
    const header = new Uint8Array(ENVELOPE_HEADER_LENGTH);
    let headerFilled = 0;
    let pending = new Uint8Array(0);
    let filled = 0;
    let counter = 0;
    for await (const piece of source) {
      checkBytes("source piece", piece);
      let at = 0;
      if (!sealer) {
        const n = Math.min(ENVELOPE_HEADER_LENGTH - headerFilled, piece.length);
        header.set(piece.subarray(0, n), headerFilled);
        headerFilled += n;
        at = n;
        if (headerFilled < ENVELOPE_HEADER_LENGTH) continue;
        const { chunkSize } = parseHeader(header);
        sealer = new ChunkSealer(dek, header, context);
        dek.fill(0);
        pending = new Uint8Array(chunkSize + TAG_LENGTH);
      }
      while (at < piece.length) {
        if (filled === pending.length) {
          // A full sealed chunk with more data behind it: not the last one.
          yield sealer.opened(counter, false, pending, `chunk ${counter}`);
          counter = checkCounter(counter + 1);
          filled = 0;
        }
        const n = Math.min(pending.length - filled, piece.length - at);
        pending.set(piece.subarray(at, at + n), filled);
        filled += n;
        at += n;
      }
    }
    if (!sealer) throw shorterThanHeader(headerFilled);
    if (filled < TAG_LENGTH) {
      throw new DecryptionError(
        counter === 0 ? "The envelope is truncated: no final chunk." : "The envelope's final chunk is truncated.",
      );
    }
    yield sealer.opened(counter, true, pending.subarray(0, filled), `chunk ${counter} (final)`);
  } finally {
    sealer?.dispose();
    dek.fill(0);
  }
}

function checkSource(source: unknown): asserts source is ByteSource {
  const s = source as { [Symbol.asyncIterator]?: unknown; [Symbol.iterator]?: unknown } | null;
  if (
    s === null ||
    typeof s !== "object" ||
    (typeof s[Symbol.asyncIterator] !== "function" && typeof s[Symbol.iterator] !== "function")
  ) {
    throw new TypeError("source: expected an iterable or async iterable of Uint8Array");
  }
}
