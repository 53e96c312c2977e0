import { randomBytes } from "@noble/ciphers/utils.js";

import { DecryptionError, FormatError } from "../errors/data.js";
import { getChunkCipher, hchacha20, TAG_LENGTH, type KeyedChunkCipher } from "./_aead.js";
import { checkBytes, concatBytes } from "./bytes.js";

export {
  getChunkCipher,
  PORTABLE_CHUNK_CIPHER,
  setChunkCipher,
  type ChunkCipher,
  type KeyedChunkCipher,
} from "./_aead.js";

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
const PREFIX_LENGTH = 19;
/** Prefix bytes that go into HChaCha20 (the rest of the prefix starts each chunk's 12-byte nonce). */
const SUBKEY_NONCE_LENGTH = 16;
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

/** A source of bytes for the streaming functions: any (async) iterable of byte pieces of any sizes. */
export type ByteSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

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
    if (!sealer) parseHeader(header.subarray(0, headerFilled)); // throws: shorter than its header
    if (filled < TAG_LENGTH) {
      throw new DecryptionError(
        counter === 0 ? "The envelope is truncated: no final chunk." : "The envelope's final chunk is truncated.",
      );
    }
    yield sealer!.opened(counter, true, pending.subarray(0, filled), `chunk ${counter} (final)`);
  } finally {
    sealer?.dispose();
    dek.fill(0);
  }
}

/** One envelope's chunk operations: the header, its AAD, the HChaCha20 subkey and the chunk cipher. */
class ChunkSealer {
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
    this.#allocate = backend.allocate ? (n) => backend.allocate!(n) : (n) => new Uint8Array(n);
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

function chunkSizeLog2(options: EncryptOptions): number {
  const log2 = options.chunkSizeLog2 ?? DEFAULT_CHUNK_LOG2;
  if (!Number.isInteger(log2) || log2 < MIN_CHUNK_LOG2 || log2 > MAX_CHUNK_LOG2) {
    throw new RangeError(`chunkSizeLog2: expected an integer in ${MIN_CHUNK_LOG2}..${MAX_CHUNK_LOG2}, got ${log2}`);
  }
  return log2;
}

/** "CCE" | version | suite | log2 | prefix (random unless given). */
function newHeader(log2: number, prefix?: Uint8Array): Uint8Array {
  if (prefix !== undefined) checkBytes("noncePrefix", prefix, PREFIX_LENGTH);
  return concatBytes(
    ENVELOPE_MAGIC,
    new Uint8Array([ENVELOPE_VERSION, SUITE_XCHACHA20POLY1305_STREAM, log2]),
    prefix ?? randomBytes(PREFIX_LENGTH),
  );
}

/** The chunk counter is a uint32: refuses an envelope that would need more chunks. */
function checkCounter(counter: number): number {
  if (counter > MAX_COUNTER) throw new RangeError("An envelope holds at most 2^32 chunks: use a larger chunk size.");
  return counter;
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
