/**
 * encryptStream / decryptStream: the same bytes as encryptEnvelope / decryptEnvelope, piece by piece.
 */
import { Readable } from "node:stream";

import { afterEach, describe, expect, it, vi } from "vitest";

import {
  CarechainError,
  decryptEnvelope,
  decryptStream,
  DecryptionError,
  encryptEnvelope,
  encryptStream,
  ENVELOPE_HEADER_LENGTH,
  FormatError,
  generateDek,
  PORTABLE_CHUNK_CIPHER,
  setChunkCipher,
  type ByteSource,
} from "../../../sdk/index.js";
import { NODE_CHUNK_CIPHER } from "../../../sdk/node.js";
import { utf8 } from "../_support.js";

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

const TAG = 16;
const context = utf8("carechain/record/v1|patient=0xaa|category=5");

function pattern(length: number, seed = 9): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) out[i] = (x = (x * 1664525 + 1013904223) >>> 0) >>> 24;
  return out;
}

/** `bytes` cut into pieces: "whole", single bytes, fixed sizes, or pseudo-random sizes (with empty pieces). */
function split(bytes: Uint8Array, how: "whole" | "bytes" | number | "random"): Uint8Array[] {
  if (how === "whole") return [bytes];
  const pieces: Uint8Array[] = [];
  let seed = 5;
  for (let at = 0; at < bytes.length;) {
    let n: number;
    if (how === "bytes") n = 1;
    else if (how === "random") n = (seed = (seed * 1103515245 + 12345) >>> 0) % 3000;
    else n = how;
    pieces.push(bytes.slice(at, at + n));
    at += n;
  }
  return pieces;
}

async function* asAsync(pieces: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const piece of pieces) yield piece;
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const piece of source) parts.push(piece);
  return new Uint8Array(Buffer.concat(parts));
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

afterEach(() => {
  random.seed = undefined;
  setChunkCipher(NODE_CHUNK_CIPHER);
});

describe("encryptStream writes exactly what encryptEnvelope writes", () => {
  const sizes = [0, 1, 1023, 1024, 1025, 2048, 3 * 1024 + 5, 10_000];
  const splits = ["whole", "bytes", 1024, 1000, 1500, "random"] as const;
  for (const backend of [PORTABLE_CHUNK_CIPHER, NODE_CHUNK_CIPHER]) {
    it.each(sizes)(`${backend.name}, 1 KiB chunks: %i bytes, every split`, async (size) => {
      setChunkCipher(backend);
      const dek = generateDek();
      const plaintext = pattern(size, size);
      random.seed = size + 1;
      const expected = encryptEnvelope(dek, plaintext, context, { chunkSizeLog2: 10 });
      for (const how of splits) {
        if (how === "bytes" && size > 3000) continue;
        random.seed = size + 1;
        const streamed = await collect(
          encryptStream(dek, asAsync(split(plaintext, how)), context, { chunkSizeLog2: 10 }),
        );
        expect(Buffer.from(streamed).equals(Buffer.from(expected)), `split ${how}`).toBe(true);
      }
    });
  }

  it("default chunk size, 200 KiB from a Node Readable and from a plain array", async () => {
    const dek = generateDek();
    const plaintext = pattern(200 * 1024 + 3);
    random.seed = 7;
    const expected = encryptEnvelope(dek, plaintext, context);
    for (const source of [
      () => Readable.from(split(plaintext, 7000).map((p) => Buffer.from(p))),
      () => split(plaintext, 65_536),
    ]) {
      random.seed = 7;
      const streamed = await collect(encryptStream(dek, source() as ByteSource, context));
      expect(Buffer.from(streamed).equals(Buffer.from(expected))).toBe(true);
    }
  });

  it("yields the header, then one sealed chunk at a time", async () => {
    const dek = generateDek();
    const pieces: number[] = [];
    for await (const piece of encryptStream(dek, [pattern(2500)], context, { chunkSizeLog2: 10 })) {
      pieces.push(piece.length);
    }
    expect(pieces).toEqual([ENVELOPE_HEADER_LENGTH, 1024 + TAG, 1024 + TAG, 452 + TAG]);
  });

  it("does not read pieces it has been handed again after yielding (the caller may reuse its buffer)", async () => {
    const dek = generateDek();
    const plaintext = pattern(5000);
    const reused = new Uint8Array(700);
    async function* source() {
      for (let at = 0; at < plaintext.length; at += 700) {
        const n = Math.min(700, plaintext.length - at);
        reused.set(plaintext.subarray(at, at + n));
        yield reused.subarray(0, n);
        reused.fill(0xee);
      }
    }
    const sealed = await collect(encryptStream(dek, source(), context, { chunkSizeLog2: 10 }));
    expect(decryptEnvelope(dek, sealed, context)).toEqual(plaintext);
  });
});

describe("decryptStream", () => {
  it.each([0, 1, 1024, 1025, 4096, 9999])("reads encryptEnvelope's %i bytes in any split", async (size) => {
    const dek = generateDek();
    const plaintext = pattern(size);
    const sealed = encryptEnvelope(dek, plaintext, context, { chunkSizeLog2: 10 });
    for (const how of ["whole", 1, 25, 1040, 999, "random"] as const) {
      const pieces = split(sealed, how === 1 ? "bytes" : how);
      const opened = await collect(decryptStream(dek, asAsync(pieces), context));
      expect(Buffer.from(opened).equals(Buffer.from(plaintext)), `split ${how}`).toBe(true);
    }
  });

  it("round-trips 1 MiB + 3 through encryptStream with both backends", async () => {
    const dek = generateDek();
    const plaintext = pattern((1 << 20) + 3);
    for (const writer of [PORTABLE_CHUNK_CIPHER, NODE_CHUNK_CIPHER]) {
      for (const reader of [PORTABLE_CHUNK_CIPHER, NODE_CHUNK_CIPHER]) {
        setChunkCipher(writer);
        const sealed = await collect(encryptStream(dek, split(plaintext, 50_000), context));
        setChunkCipher(reader);
        const opened = await collect(decryptStream(dek, split(sealed, 33_333), context));
        expect(Buffer.from(opened).equals(Buffer.from(plaintext))).toBe(true);
        expect(decryptEnvelope(dek, sealed, context)).toEqual(plaintext);
      }
    }
  });

  const dek = generateDek();
  const plaintext = pattern(3 * 1024 + 5);
  const sealed = encryptEnvelope(dek, plaintext, context, { chunkSizeLog2: 10 });
  const at = (i: number) => ENVELOPE_HEADER_LENGTH + i * (1024 + TAG);
  const cat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));
  const failures: {
    name: string;
    bytes: () => Uint8Array;
    ctx?: Uint8Array;
    error: typeof DecryptionError | typeof FormatError;
  }[] = [
    { name: "a wrong context", bytes: () => sealed, ctx: utf8("other"), error: DecryptionError },
    { name: "dropping the last chunk", bytes: () => sealed.subarray(0, at(3)), error: DecryptionError },
    { name: "dropping 1 byte", bytes: () => sealed.subarray(0, sealed.length - 1), error: DecryptionError },
    { name: "dropping 6 bytes", bytes: () => sealed.subarray(0, sealed.length - 6), error: DecryptionError },
    { name: "only the header", bytes: () => sealed.subarray(0, ENVELOPE_HEADER_LENGTH), error: DecryptionError },
    {
      name: "the header and 15 bytes",
      bytes: () => sealed.subarray(0, ENVELOPE_HEADER_LENGTH + 15),
      error: DecryptionError,
    },
    {
      name: "swapped chunks 0 and 1",
      bytes: () =>
        cat(
          sealed.subarray(0, at(0)),
          sealed.subarray(at(1), at(2)),
          sealed.subarray(at(0), at(1)),
          sealed.subarray(at(2)),
        ),
      error: DecryptionError,
    },
    { name: "an appended chunk", bytes: () => cat(sealed, sealed.subarray(at(0), at(1))), error: DecryptionError },
    {
      name: "a flipped tag bit",
      bytes: () => cat(sealed.subarray(0, -1), new Uint8Array([sealed.at(-1)! ^ 1])),
      error: DecryptionError,
    },
    { name: "empty input", bytes: () => new Uint8Array(0), error: FormatError },
    { name: "24 bytes", bytes: () => sealed.subarray(0, 24), error: FormatError },
    { name: "bad magic", bytes: () => cat(new Uint8Array([0x41]), sealed.subarray(1)), error: FormatError },
    {
      name: "version 2",
      bytes: () => cat(sealed.subarray(0, 3), new Uint8Array([2]), sealed.subarray(4)),
      error: FormatError,
    },
  ];
  for (const backend of [PORTABLE_CHUNK_CIPHER, NODE_CHUNK_CIPHER]) {
    it.each(failures)(`${backend.name}: $name → $error.name, as decryptEnvelope`, async ({ bytes, ctx, error }) => {
      setChunkCipher(backend);
      const input = bytes();
      expect(() => decryptEnvelope(dek, input, ctx ?? context)).toThrow(error);
      for (const how of ["whole", 100] as const) {
        const thrown = await rejection(collect(decryptStream(dek, split(input, how), ctx ?? context)));
        expect(thrown).toBeInstanceOf(error);
        expect(thrown).toBeInstanceOf(CarechainError);
      }
    });
  }

  it("a truncated stream yields its authentic chunks, then fails at the end", async () => {
    const yielded: number[] = [];
    const thrown = await rejection(
      (async () => {
        for await (const piece of decryptStream(dek, [sealed.subarray(0, at(3))], context)) yielded.push(piece.length);
      })(),
    );
    expect(yielded).toEqual([1024, 1024]);
    expect(thrown).toBeInstanceOf(DecryptionError);
  });
});

describe("stream arguments", () => {
  const dek = generateDek();
  it("checks the key, context, options and source at the call, before any iteration", () => {
    expect(() => encryptStream(new Uint8Array(31), [], context)).toThrow(/^dek: expected 32 bytes, got 31$/);
    expect(() => encryptStream(dek, [], "ctx" as never)).toThrow(/^context:/);
    expect(() => encryptStream(dek, [], context, { chunkSizeLog2: 9 })).toThrow(RangeError);
    expect(() => encryptStream(dek, 42 as never, context)).toThrow(/^source: expected an iterable/);
    expect(() => decryptStream(new Uint8Array(0), [], context)).toThrow(/^dek:/);
    expect(() => decryptStream(dek, null as never, context)).toThrow(TypeError);
  });

  it("refuses a piece that is not a Uint8Array while iterating", async () => {
    const thrown = await rejection(collect(encryptStream(dek, ["text" as never], context)));
    expect(thrown).toBeInstanceOf(TypeError);
    expect(String(thrown)).toMatch(/source piece: expected Uint8Array/);
  });

  it("copies the key: wiping the caller's key after the call changes nothing", async () => {
    const key = generateDek();
    const copy = key.slice();
    const stream = encryptStream(key, [pattern(10)], context);
    key.fill(0);
    const sealed = await collect(stream);
    expect(decryptEnvelope(copy, sealed, context)).toEqual(pattern(10));
  });
});
