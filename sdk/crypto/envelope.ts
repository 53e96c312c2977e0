import { xchacha20poly1305 } from "@noble/ciphers/chacha.js";
import { randomBytes } from "@noble/ciphers/utils.js";

import { DecryptionError, FormatError } from "../errors/data.js";
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
const TAG_LENGTH = 16;
const PREFIX_LENGTH = 19;
const DEFAULT_CHUNK_LOG2 = 16;
const MIN_CHUNK_LOG2 = 10;
const MAX_CHUNK_LOG2 = 24;

/** Options of {@link encryptEnvelope}. */
export interface EncryptOptions {
  /** log2 of the chunk size in bytes (10..24); default 16 (64 KiB). */
  chunkSizeLog2?: number;
}

/**
 * A fresh random 256-bit data encryption key. Use one per record version, never twice.
 */
export function generateDek(): Uint8Array {
  return randomBytes(DEK_LENGTH);
}

/**
 * Encrypts `plaintext` under `dek` into a v1 envelope bound to `context`.
 * @param dek - 32-byte data encryption key, fresh for this record version.
 * @param plaintext - The bytes to protect.
 * @param context - Associated data that decryption must present again (e.g. the record's patient and category).
 * @returns header || chunks.
 * @throws {RangeError} When `dek` is not 32 bytes or the chunk size is out of range.
 * @example
 * const dek = generateDek();
 * const sealed = encryptEnvelope(dek, bytes, context);
 */
export function encryptEnvelope(
  dek: Uint8Array,
  plaintext: Uint8Array,
  context: Uint8Array,
  options: EncryptOptions = {},
): Uint8Array {
  checkBytes("dek", dek, DEK_LENGTH);
  checkBytes("plaintext", plaintext);
  checkBytes("context", context);
  const log2 = options.chunkSizeLog2 ?? DEFAULT_CHUNK_LOG2;
  if (!Number.isInteger(log2) || log2 < MIN_CHUNK_LOG2 || log2 > MAX_CHUNK_LOG2) {
    throw new RangeError(`chunkSizeLog2: expected an integer in ${MIN_CHUNK_LOG2}..${MAX_CHUNK_LOG2}, got ${log2}`);
  }
  const chunkSize = 2 ** log2;
  const header = concatBytes(
    ENVELOPE_MAGIC,
    new Uint8Array([ENVELOPE_VERSION, SUITE_XCHACHA20POLY1305_STREAM, log2]),
    randomBytes(PREFIX_LENGTH),
  );
  const aad = concatBytes(header, context);
  const chunks = Math.max(1, Math.ceil(plaintext.length / chunkSize));
  const out = new Uint8Array(header.length + plaintext.length + chunks * TAG_LENGTH);
  out.set(header, 0);
  let offset = header.length;
  for (let i = 0; i < chunks; i++) {
    const piece = plaintext.subarray(i * chunkSize, Math.min(plaintext.length, (i + 1) * chunkSize));
    const sealed = xchacha20poly1305(dek, chunkNonce(header, i, i === chunks - 1), aad).encrypt(piece);
    out.set(sealed, offset);
    offset += sealed.length;
  }
  return out;
}

/**
 * Decrypts and authenticates a v1 envelope.
 * @param dek - The 32-byte key the envelope was sealed with.
 * @param envelope - header || chunks.
 * @param context - The same associated data given to {@link encryptEnvelope}.
 * @returns The plaintext; nothing is returned unless every chunk authenticated.
 * @throws {FormatError} When the header is malformed or names an unknown version or suite.
 * @throws {DecryptionError} When a chunk fails authentication (wrong key or context, altered, reordered or
 * truncated data).
 */
export function decryptEnvelope(dek: Uint8Array, envelope: Uint8Array, context: Uint8Array): Uint8Array {
  checkBytes("dek", dek, DEK_LENGTH);
  checkBytes("envelope", envelope);
  checkBytes("context", context);
  const { header, chunkSize } = parseHeader(envelope);
  const body = envelope.subarray(ENVELOPE_HEADER_LENGTH);
  if (body.length < TAG_LENGTH) throw new DecryptionError("The envelope is truncated: no final chunk.");
  const sealedChunk = chunkSize + TAG_LENGTH;
  const chunks = Math.max(1, Math.ceil(body.length / sealedChunk));
  const finalLength = body.length - (chunks - 1) * sealedChunk;
  if (finalLength < TAG_LENGTH) throw new DecryptionError("The envelope's final chunk is truncated.");
  const aad = concatBytes(header, context);
  const out = new Uint8Array(body.length - chunks * TAG_LENGTH);
  for (let i = 0; i < chunks; i++) {
    const sealed = body.subarray(i * sealedChunk, Math.min(body.length, (i + 1) * sealedChunk));
    try {
      out.set(xchacha20poly1305(dek, chunkNonce(header, i, i === chunks - 1), aad).decrypt(sealed), i * chunkSize);
    } catch (cause) {
      throw new DecryptionError(
        "The envelope failed authentication: wrong key or context, or altered, reordered or truncated data.",
        { details: `chunk ${i} of ${chunks}`, cause },
      );
    }
  }
  return out;
}

/** Reads and checks an envelope header. */
function parseHeader(envelope: Uint8Array): { header: Uint8Array; chunkSize: number } {
  if (envelope.length < ENVELOPE_HEADER_LENGTH) {
    throw new FormatError("Not a Carechain envelope: shorter than its header.", {
      details: `length=${envelope.length}`,
    });
  }
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
  const log2 = header[5]!;
  if (log2 < MIN_CHUNK_LOG2 || log2 > MAX_CHUNK_LOG2) {
    throw new FormatError("Envelope chunk size out of range.", { details: `log2=${log2}` });
  }
  return { header, chunkSize: 2 ** log2 };
}

/** prefix (19) || counter (uint32 BE) || last flag. */
function chunkNonce(header: Uint8Array, counter: number, last: boolean): Uint8Array {
  const nonce = new Uint8Array(24);
  nonce.set(header.subarray(ENVELOPE_HEADER_LENGTH - PREFIX_LENGTH), 0);
  new DataView(nonce.buffer).setUint32(PREFIX_LENGTH, counter, false);
  nonce[23] = last ? 1 : 0;
  return nonce;
}
