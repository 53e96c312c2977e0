/**
 * Envelopes: a record's bytes sealed under a data encryption key (DEK) and bound to a context, in the v1 format
 * (chunked XChaCha20-Poly1305 STREAM; layout in _envelope-format.ts). One-shot functions here; the streaming ones
 * live in envelope-stream.ts and are exported from here too.
 * @module
 */
import { randomBytes } from "@noble/ciphers/utils.js";

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
  type EncryptOptions,
} from "./_envelope-format.js";
import { checkBytes } from "./bytes.js";

export {
  getChunkCipher,
  PORTABLE_CHUNK_CIPHER,
  setChunkCipher,
  type ChunkCipher,
  type KeyedChunkCipher,
} from "./_aead.js";
export {
  DEK_LENGTH,
  ENVELOPE_HEADER_LENGTH,
  ENVELOPE_MAGIC,
  ENVELOPE_VERSION,
  SUITE_XCHACHA20POLY1305_STREAM,
  type EncryptOptions,
} from "./_envelope-format.js";
export { decryptStream, encryptStream, type ByteSource } from "./envelope-stream.js";

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
  const log2 = chunkSizeLog2(options);
  const chunkSize = 2 ** log2;
  const sealer = new ChunkSealer(dek, newHeader(log2, options.noncePrefix), context);
  try {
    const chunks = Math.max(1, Math.ceil(plaintext.length / chunkSize));
    checkCounter(chunks - 1);
    const out = sealer.allocate(ENVELOPE_HEADER_LENGTH + plaintext.length + chunks * TAG_LENGTH);
    out.set(sealer.header, 0);
    let offset = ENVELOPE_HEADER_LENGTH;
    for (let i = 0; i < chunks; i++) {
      const piece = plaintext.subarray(i * chunkSize, Math.min(plaintext.length, (i + 1) * chunkSize));
      sealer.seal(i, i === chunks - 1, piece, out.subarray(offset, offset + piece.length + TAG_LENGTH));
      offset += piece.length + TAG_LENGTH;
    }
    return out;
  } finally {
    sealer.dispose();
  }
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
  const { header, chunkSize, body, sealedChunk } = openingArguments(dek, envelope, context);
  const chunks = Math.max(1, Math.ceil(body.length / sealedChunk));
  const finalLength = body.length - (chunks - 1) * sealedChunk;
  if (finalLength < TAG_LENGTH) throw new DecryptionError("The envelope's final chunk is truncated.");
  const sealer = new ChunkSealer(dek, header, context);
  try {
    checkCounter(chunks - 1);
    const out = sealer.allocate(body.length - chunks * TAG_LENGTH);
    for (let i = 0; i < chunks; i++) {
      const sealed = body.subarray(i * sealedChunk, Math.min(body.length, (i + 1) * sealedChunk));
      const target = out.subarray(i * chunkSize, i * chunkSize + sealed.length - TAG_LENGTH);
      sealer.open(i, i === chunks - 1, sealed, target, `chunk ${i} of ${chunks}`, out);
    }
    return out;
  } finally {
    sealer.dispose();
  }
}

/**
 * Checks that `dek` is the key of `envelope` by authenticating its first chunk only (at most one chunk of work,
 * whatever the envelope's size), e.g. to pick the right key among candidates from several keyrings before
 * decrypting. ChaCha20-Poly1305 does not commit to its key in general, but finding a second key under which a
 * chunk someone else sealed authenticates means forging its Poly1305 tag: infeasible.
 * @param dek - The candidate 32-byte key.
 * @param envelope - header || chunks.
 * @param context - The associated data the envelope was sealed with.
 * @throws {FormatError} When the header is malformed or names an unknown version or suite.
 * @throws {DecryptionError} When the first chunk does not authenticate under `dek` and `context`.
 * @example
 * verifyEnvelopeKey(candidate, envelope, context); // throws unless candidate is the envelope's key
 */
export function verifyEnvelopeKey(dek: Uint8Array, envelope: Uint8Array, context: Uint8Array): void {
  const { header, body, sealedChunk } = openingArguments(dek, envelope, context);
  const last = body.length <= sealedChunk;
  const sealed = body.subarray(0, Math.min(body.length, sealedChunk));
  const sealer = new ChunkSealer(dek, header, context);
  try {
    const out = sealer.allocate(sealed.length - TAG_LENGTH);
    sealer.open(0, last, sealed, out, "chunk 0 (key check)");
    out.fill(0);
  } finally {
    sealer.dispose();
  }
}

/** The checked arguments of opening an envelope: its parsed header and its body (at least one tag long). */
function openingArguments(dek: Uint8Array, envelope: Uint8Array, context: Uint8Array) {
  checkBytes("dek", dek, DEK_LENGTH);
  checkBytes("envelope", envelope);
  checkBytes("context", context);
  const { header, chunkSize } = parseHeader(envelope);
  const body = envelope.subarray(ENVELOPE_HEADER_LENGTH);
  if (body.length < TAG_LENGTH) throw new DecryptionError("The envelope is truncated: no final chunk.");
  return { header, chunkSize, body, sealedChunk: chunkSize + TAG_LENGTH };
}
