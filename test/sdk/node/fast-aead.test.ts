/**
 * The envelope's two chunk ciphers (portable @noble/ciphers, node:crypto) write one format: envelopes from
 * either decrypt with the other, with the original per-chunk XChaCha20-Poly1305 construction, and are
 * byte-identical for the same nonce prefix.
 */
import { xchacha20poly1305 } from "@noble/ciphers/chacha.js";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import {
  decryptEnvelope,
  DecryptionError,
  encryptEnvelope,
  ENVELOPE_HEADER_LENGTH,
  generateDek,
  getChunkCipher,
  PORTABLE_CHUNK_CIPHER,
  setChunkCipher,
  type ChunkCipher,
} from "../../../sdk/index.js";
import { NODE_CHUNK_CIPHER, nodeChunkCipherAvailable, useNodeChunkCipher } from "../../../sdk/node.js";
import { flipBit, utf8 } from "../_support.js";

/** randomBytes of @noble/ciphers, made repeatable while `seed` is set (the envelope's nonce prefix comes from it). */
const random = vi.hoisted(() => ({ seed: undefined as number | undefined }));
vi.mock("@noble/ciphers/utils.js", async (importOriginal) => {
  const original = await importOriginal<typeof import("@noble/ciphers/utils.js")>();
  return {
    ...original,
    randomBytes: (length = 32) => {
      if (random.seed === undefined) return original.randomBytes(length);
      const out = new Uint8Array(length);
      for (let i = 0; i < length; i++) out[i] = (random.seed = (random.seed * 1103515245 + 12345) >>> 0) >>> 24;
      return out;
    },
  };
});

const context = utf8("carechain/record/v1|patient=0xaa|category=5");
const TAG = 16;

function pattern(length: number, seed = 3): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) out[i] = (x = (x * 1664525 + 1013904223) >>> 0) >>> 24;
  return out;
}

/** The v1 construction as first written: XChaCha20-Poly1305 per chunk with the 24-byte STREAM nonce. */
function referenceDecrypt(dek: Uint8Array, envelope: Uint8Array, ctx: Uint8Array): Uint8Array {
  const header = envelope.subarray(0, ENVELOPE_HEADER_LENGTH);
  const chunkSize = 2 ** header[5]!;
  const body = envelope.subarray(ENVELOPE_HEADER_LENGTH);
  const sealedChunk = chunkSize + TAG;
  const chunks = Math.max(1, Math.ceil(body.length / sealedChunk));
  const aad = new Uint8Array([...header, ...ctx]);
  const parts: Uint8Array[] = [];
  for (let i = 0; i < chunks; i++) {
    const nonce = new Uint8Array(24);
    nonce.set(header.subarray(6), 0);
    new DataView(nonce.buffer).setUint32(19, i, false);
    nonce[23] = i === chunks - 1 ? 1 : 0;
    parts.push(xchacha20poly1305(dek, nonce, aad).decrypt(body.subarray(i * sealedChunk, (i + 1) * sealedChunk)));
  }
  return new Uint8Array(Buffer.concat(parts));
}

/** Runs `fn` with `cipher` as the envelope backend. */
function using<T>(cipher: ChunkCipher, fn: () => T): T {
  const previous = setChunkCipher(cipher);
  try {
    return fn();
  } finally {
    setChunkCipher(previous);
  }
}

const backends = [
  { name: "portable", cipher: PORTABLE_CHUNK_CIPHER },
  { name: "node", cipher: NODE_CHUNK_CIPHER },
];

const SIZES = [0, 1, 15, 16, 17, 1023, 1024, 1025, 3 * 1024 + 5, 65_535, 65_536, 65_537, 200_000, (1 << 20) + 7];

describe("node:crypto and @noble/ciphers envelopes are one format", () => {
  beforeEach(() => {
    random.seed = undefined;
  });
  afterEach(() => {
    random.seed = undefined;
  });

  it("node:crypto has ChaCha20-Poly1305 here, and importing carechain/node selected it", () => {
    expect(nodeChunkCipherAvailable()).toBe(true);
    expect(getChunkCipher().name).toBe("node:crypto");
  });

  for (const log2 of [10, 16]) {
    it.each(SIZES)(
      `chunkSizeLog2=${log2}: %i bytes: each backend decrypts the other's, and so does the reference`,
      (size) => {
        const dek = generateDek();
        const plaintext = pattern(size, size + log2);
        for (const writer of backends) {
          const sealed = using(writer.cipher, () => encryptEnvelope(dek, plaintext, context, { chunkSizeLog2: log2 }));
          expect(referenceDecrypt(dek, sealed, context), `reference reads ${writer.name}`).toEqual(plaintext);
          for (const reader of backends) {
            const opened = using(reader.cipher, () => decryptEnvelope(dek, sealed, context));
            expect(Buffer.from(opened).equals(Buffer.from(plaintext)), `${reader.name} reads ${writer.name}`).toBe(
              true,
            );
          }
        }
      },
    );

    it.each(SIZES)(
      `chunkSizeLog2=${log2}: %i bytes: both backends write the same bytes for the same prefix`,
      (size) => {
        const dek = generateDek();
        const plaintext = pattern(size, size);
        const outputs = backends.map(({ cipher }) => {
          random.seed = 42 + size;
          return using(cipher, () => encryptEnvelope(dek, plaintext, context, { chunkSizeLog2: log2 }));
        });
        expect(Buffer.from(outputs[0]!).equals(Buffer.from(outputs[1]!))).toBe(true);
      },
    );
  }

  it.each(backends)(
    "$name backend refuses a wrong key, a wrong context and a flipped bit in any chunk",
    ({ cipher }) => {
      const dek = generateDek();
      const plaintext = pattern(5000);
      const sealed = encryptEnvelope(dek, plaintext, context, { chunkSizeLog2: 10 });
      using(cipher, () => {
        expect(() => decryptEnvelope(generateDek(), sealed, context)).toThrow(DecryptionError);
        expect(() => decryptEnvelope(dek, sealed, utf8("other"))).toThrow(DecryptionError);
        for (const index of [ENVELOPE_HEADER_LENGTH, ENVELOPE_HEADER_LENGTH + 1040 + 3, sealed.length - 1]) {
          expect(() => decryptEnvelope(dek, flipBit(sealed, index), context)).toThrow(DecryptionError);
        }
      });
    },
  );

  it("the node backend returns plain Uint8Arrays that own their buffer", () => {
    const dek = generateDek();
    const sealed = using(NODE_CHUNK_CIPHER, () => encryptEnvelope(dek, pattern(100), context));
    const opened = using(NODE_CHUNK_CIPHER, () => decryptEnvelope(dek, sealed, context));
    for (const bytes of [sealed, opened]) {
      expect(Object.getPrototypeOf(bytes)).toBe(Uint8Array.prototype);
      expect(bytes.byteOffset).toBe(0);
      expect(bytes.buffer.byteLength).toBe(bytes.length);
    }
  });

  it("setChunkCipher refuses a backend that fails the RFC 8439 test vector, and keeps the current one", () => {
    const before = getChunkCipher();
    const wrong: ChunkCipher = {
      name: "wrong",
      withKey: (key) => {
        const keyed = PORTABLE_CHUNK_CIPHER.withKey(key);
        return {
          seal: (nonce, aad, plaintext, output) => keyed.seal(nonce, new Uint8Array(0), plaintext, output),
          open: (nonce, aad, sealed, output) => keyed.open(nonce, aad, sealed, output),
        };
      },
    };
    expect(() => setChunkCipher(wrong)).toThrow(/fails the RFC 8439/);
    const lax: ChunkCipher = {
      name: "lax",
      withKey: (key) => {
        const keyed = PORTABLE_CHUNK_CIPHER.withKey(key);
        return {
          seal: (nonce, aad, plaintext, output) => keyed.seal(nonce, aad, plaintext, output),
          open: (nonce, aad, sealed, output) => output.set(sealed.subarray(0, output.length)),
        };
      },
    };
    expect(() => setChunkCipher(lax)).toThrow(/fails the RFC 8439/);
    expect(getChunkCipher()).toBe(before);
  });

  it("useNodeChunkCipher(false) goes back to the portable backend, and true to node:crypto", () => {
    try {
      expect(useNodeChunkCipher(false)).toBe("@noble/ciphers");
      expect(getChunkCipher()).toBe(PORTABLE_CHUNK_CIPHER);
    } finally {
      expect(useNodeChunkCipher()).toBe("node:crypto");
    }
  });
});
