/**
 * Internal: the v1 envelope format — its constants, options, header (written and parsed) and chunk-count limit.
 * @internal
 */
import { randomBytes } from "@noble/ciphers/utils.js";

import { FormatError } from "../errors/data.js";
import { checkBytes, concatBytes } from "./bytes.js";

/**
 * Envelope format v1: chunked XChaCha20-Poly1305 in the STREAM construction (Hoang, Reyhanitabar, Rogaway,
 * Vizár 2015), as age uses it: every chunk has its own nonce made of a random per-envelope prefix, a chunk
 * counter and a last-chunk flag, so chunks can't be reordered, dropped or truncated unseen.
 *
 * ```
 * header (25 bytes)
 *   0   3  magic "CCE"
 *   3   1  format version = 1
 *   4   1  suite id = 1 (XChaCha20-Poly1305 STREAM)
 *   5   1  log2(chunk size), 10..24 (default 16: 64 KiB)
 *   6  19  nonce prefix (random)
 * body: ceil(len / chunk) chunks (at least one), each = ciphertext || 16-byte Poly1305 tag
 * chunk nonce (24 bytes) = prefix (19) || counter (uint32, big-endian) || last flag (0x01 last, 0x00 other)
 * chunk AAD = header || context (the caller's record context, e.g. patient and category)
 * ```
 *
 * XChaCha20-Poly1305 with a 24-byte nonce is HChaCha20(key, nonce[0..16]) as a subkey, then IETF
 * ChaCha20-Poly1305 with the 12-byte nonce `0x00000000 || nonce[16..24]`. `nonce[0..16]` is the first 16 bytes
 * of the prefix, the same for every chunk, so the subkey is derived once per envelope and each chunk goes to the
 * current {@link ChunkCipher} (node:crypto by default in Node, portable @noble/ciphers elsewhere): the
 * bytes are the same either way.
 */
export const ENVELOPE_MAGIC = new Uint8Array([0x43, 0x43, 0x45]);
/** Format version written by this SDK. */
export const ENVELOPE_VERSION = 1;
/** Suite id of XChaCha20-Poly1305 STREAM. */
export const SUITE_XCHACHA20POLY1305_STREAM = 1;
/** Header length in bytes. */
export const ENVELOPE_HEADER_LENGTH = 25;
/** Length of a data encryption key (DEK). */
export const DEK_LENGTH = 32;
/** Length of the random nonce prefix in the header. */
export const PREFIX_LENGTH = 19;
/** Prefix bytes that go into HChaCha20 (the rest of the prefix starts each chunk's 12-byte nonce). */
export const SUBKEY_NONCE_LENGTH = 16;
const DEFAULT_CHUNK_LOG2 = 16;
const MIN_CHUNK_LOG2 = 10;
const MAX_CHUNK_LOG2 = 24;
const MAX_COUNTER = 0xffff_ffff;

/** Options of {@link encryptEnvelope} and {@link encryptStream}. */
export interface EncryptOptions {
  /** log2 of the chunk size in bytes (10..24); default 16 (64 KiB). */
  chunkSizeLog2?: number;
  /**
   * The 19-byte nonce prefix (default: random). Give one only with a DEK that never encrypts anything else (e.g. a
   * DEK derived from the plaintext itself, see `deriveRecordKey`): the prefix is unique per envelope only per key.
   */
  noncePrefix?: Uint8Array;
}

/** The chunk size of `options`, checked (default 2^16). */
export function chunkSizeLog2(options: EncryptOptions): number {
  const log2 = options.chunkSizeLog2 ?? DEFAULT_CHUNK_LOG2;
  if (!Number.isInteger(log2) || log2 < MIN_CHUNK_LOG2 || log2 > MAX_CHUNK_LOG2) {
    throw new RangeError(`chunkSizeLog2: expected an integer in ${MIN_CHUNK_LOG2}..${MAX_CHUNK_LOG2}, got ${log2}`);
  }
  return log2;
}

/** "CCE" | version | suite | log2 | prefix (random unless given). */
export function newHeader(log2: number, prefix?: Uint8Array): Uint8Array {
  if (prefix !== undefined) checkBytes("noncePrefix", prefix, PREFIX_LENGTH);
  return concatBytes(
    ENVELOPE_MAGIC,
    new Uint8Array([ENVELOPE_VERSION, SUITE_XCHACHA20POLY1305_STREAM, log2]),
    prefix ?? randomBytes(PREFIX_LENGTH),
  );
}

/** The chunk counter is a uint32: refuses an envelope that would need more chunks. */
export function checkCounter(counter: number): number {
  if (counter > MAX_COUNTER) throw new RangeError("An envelope holds at most 2^32 chunks: use a larger chunk size.");
  return counter;
}

/** The error for an envelope of `length` bytes, shorter than its header. */
export function shorterThanHeader(length: number): FormatError {
  return new FormatError("Not a Carechain envelope: shorter than its header.", { details: `length=${length}` });
}

/** Reads and checks an envelope header. */
export function parseHeader(envelope: Uint8Array): { header: Uint8Array; chunkSize: number } {
  if (envelope.length < ENVELOPE_HEADER_LENGTH) throw shorterThanHeader(envelope.length);
  const header = envelope.subarray(0, ENVELOPE_HEADER_LENGTH);
  if (header[0] !== ENVELOPE_MAGIC[0] || header[1] !== ENVELOPE_MAGIC[1] || header[2] !== ENVELOPE_MAGIC[2]) {
    throw new FormatError("Not a Carechain envelope: bad magic bytes.");
  }
  if (header[3] !== ENVELOPE_VERSION) {
    throw new FormatError("Unsupported envelope format version.", { details: `version=${header[3]}` });
  }
  if (header[4] !== SUITE_XCHACHA20POLY1305_STREAM) {
    throw new FormatError("Unknown envelope cipher suite.", { details: `suite=${header[4]}` });
  }
  const log2 = header[5];
  if (log2 === undefined || log2 < MIN_CHUNK_LOG2 || log2 > MAX_CHUNK_LOG2) {
    throw new FormatError("Envelope chunk size out of range.", { details: `log2=${log2}` });
  }
  return { header, chunkSize: 2 ** log2 };
}
