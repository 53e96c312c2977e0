import { describe, expect, it } from "vitest";

import {
  CarechainError,
  decryptEnvelope,
  DecryptionError,
  DEK_LENGTH,
  encryptEnvelope,
  ENVELOPE_HEADER_LENGTH,
  FormatError,
  generateDek,
} from "../../../sdk/index.js";
import { containsBytes, flipBit, utf8 } from "../_support.js";

const TAG = 16;
const SMALL_LOG2 = 10;
const SMALL_CHUNK = 2 ** SMALL_LOG2;
/** The SDK's default is 16 (64 KiB); not exported, but written into header byte 5, which a test checks. */
const DEFAULT_LOG2 = 16;
const DEFAULT_CHUNK = 2 ** DEFAULT_LOG2;

const context = utf8("patient=0x00000000000000000000000000000000000000aa;category=VitalSigns");

/** Deterministic, non-repeating-looking test bytes. */
function pattern(length: number, seed = 7): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

const expectedLength = (plaintext: number, chunk: number) =>
  ENVELOPE_HEADER_LENGTH + plaintext + Math.max(1, Math.ceil(plaintext / chunk)) * TAG;

/** Expects `fn` to throw an instance of `cls` (and a CarechainError with the given code). */
function expectCarechainError(fn: () => unknown, cls: typeof DecryptionError | typeof FormatError, code: string) {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(cls);
  expect(thrown).toBeInstanceOf(CarechainError);
  expect((thrown as CarechainError).code).toBe(code);
}

describe("encryptEnvelope / decryptEnvelope roundtrip", () => {
  const modes = [
    {
      label: `chunkSizeLog2=${SMALL_LOG2}`,
      options: { chunkSizeLog2: SMALL_LOG2 },
      log2: SMALL_LOG2,
      chunk: SMALL_CHUNK,
    },
    { label: "default chunk size", options: undefined, log2: DEFAULT_LOG2, chunk: DEFAULT_CHUNK },
  ];
  for (const mode of modes) {
    const c = mode.chunk;
    const sizes = [
      { name: "0", size: 0 },
      { name: "1", size: 1 },
      { name: "chunk-1", size: c - 1 },
      { name: "chunk", size: c },
      { name: "chunk+1", size: c + 1 },
      { name: "3*chunk+5", size: 3 * c + 5 },
    ];
    it.each(sizes)(`${mode.label}: $name bytes`, ({ size }) => {
      const dek = generateDek();
      const plaintext = pattern(size, size + 1);
      const sealed = encryptEnvelope(dek, plaintext, context, mode.options);
      expect(sealed.length).toBe(expectedLength(size, c));
      // Header: "CCE", version 1, suite 1, log2 chunk size, 19-byte prefix.
      expect([...sealed.subarray(0, 6)]).toEqual([0x43, 0x43, 0x45, 1, 1, mode.log2]);
      const opened = decryptEnvelope(dek, sealed, context);
      expect(opened).toBeInstanceOf(Uint8Array);
      expect(opened.length).toBe(size);
      expect(Buffer.from(opened).equals(Buffer.from(plaintext))).toBe(true);
    });
  }

  it("accepts the extreme chunk sizes 10 and 24", () => {
    const dek = generateDek();
    const plaintext = pattern(3000);
    for (const chunkSizeLog2 of [10, 24]) {
      const sealed = encryptEnvelope(dek, plaintext, context, { chunkSizeLog2 });
      expect(sealed[5]).toBe(chunkSizeLog2);
      expect(decryptEnvelope(dek, sealed, context)).toEqual(plaintext);
    }
  });

  it("decrypts an envelope handed over as a view into a larger buffer", () => {
    const dek = generateDek();
    const plaintext = pattern(2 * SMALL_CHUNK + 3);
    const sealed = encryptEnvelope(dek, plaintext, context, { chunkSizeLog2: SMALL_LOG2 });
    const backing = new Uint8Array(sealed.length + 40);
    backing.set(sealed, 17);
    const view = backing.subarray(17, 17 + sealed.length);
    expect(decryptEnvelope(dek, view, context)).toEqual(plaintext);
  });

  it("the ciphertext never contains a 16-byte window of the plaintext", () => {
    // 64 distinctive bytes: any window of them showing up in the output would mean plaintext leaked.
    const plaintext = utf8("CARECHAIN-PLAINTEXT-MARKER:heart-rate=72bpm;bp=120/80;spo2=98%!!");
    expect(plaintext.length).toBe(64);
    const dek = generateDek();
    for (const options of [{ chunkSizeLog2: SMALL_LOG2 }, undefined]) {
      const sealed = encryptEnvelope(dek, plaintext, context, options);
      for (let start = 0; start + 16 <= plaintext.length; start++) {
        expect(containsBytes(sealed, plaintext.subarray(start, start + 16)), `window at ${start}`).toBe(false);
      }
    }
  });

  it("two encryptions of the same plaintext under the same key differ (fresh nonce prefix)", () => {
    const dek = generateDek();
    const plaintext = pattern(100);
    const a = encryptEnvelope(dek, plaintext, context);
    const b = encryptEnvelope(dek, plaintext, context);
    expect(a.length).toBe(b.length);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
    expect(Buffer.from(a.subarray(6, 25)).equals(Buffer.from(b.subarray(6, 25)))).toBe(false);
    expect(Buffer.from(a.subarray(25)).equals(Buffer.from(b.subarray(25)))).toBe(false);
    expect(decryptEnvelope(dek, a, context)).toEqual(plaintext);
    expect(decryptEnvelope(dek, b, context)).toEqual(plaintext);
  });

  it("generateDek returns fresh 32-byte keys", () => {
    const a = generateDek();
    const b = generateDek();
    expect(DEK_LENGTH).toBe(32);
    expect(a.length).toBe(32);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
  });
});

describe("decryptEnvelope refuses", () => {
  // 3*chunk+5 bytes with 1 KiB chunks: 4 chunks, the last one 5 bytes + tag.
  const dek = generateDek();
  const plaintext = pattern(3 * SMALL_CHUNK + 5);
  const sealed = encryptEnvelope(dek, plaintext, context, { chunkSizeLog2: SMALL_LOG2 });
  const SEALED_CHUNK = SMALL_CHUNK + TAG;
  const chunkAt = (i: number) => ENVELOPE_HEADER_LENGTH + i * SEALED_CHUNK;
  const chunk = (env: Uint8Array, i: number) => env.subarray(chunkAt(i), Math.min(env.length, chunkAt(i + 1)));
  const concat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

  it("sanity: the fixture has 4 chunks and decrypts", () => {
    expect(sealed.length).toBe(ENVELOPE_HEADER_LENGTH + 3 * SEALED_CHUNK + 5 + TAG);
    expect(decryptEnvelope(dek, sealed, context)).toEqual(plaintext);
  });

  it("a wrong DEK → DecryptionError (with the cipher's error as cause)", () => {
    let thrown: unknown;
    try {
      decryptEnvelope(generateDek(), sealed, context);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DecryptionError);
    expect((thrown as DecryptionError).code).toBe("DECRYPTION");
    expect((thrown as DecryptionError).details).toBe("chunk 0 of 4");
    expect((thrown as DecryptionError).cause).toBeInstanceOf(Error);
  });

  it.each([
    { name: "another category", ctx: utf8("patient=0x00000000000000000000000000000000000000aa;category=Laboratory") },
    { name: "another patient", ctx: utf8("patient=0x00000000000000000000000000000000000000bb;category=VitalSigns") },
    { name: "empty context", ctx: new Uint8Array(0) },
    { name: "context with one extra byte", ctx: new Uint8Array([...context, 0]) },
  ])("a wrong context ($name) → DecryptionError", ({ ctx }) => {
    expectCarechainError(() => decryptEnvelope(dek, sealed, ctx), DecryptionError, "DECRYPTION");
  });

  // A flipped bit anywhere: the magic / version / suite bytes are format errors, everything else fails
  // authentication (the header is part of every chunk's AAD).
  const flips: { name: string; index: number; bit?: number; error: "format" | "decryption" }[] = [
    { name: "header magic byte 0", index: 0, error: "format" },
    { name: "header magic byte 2", index: 2, error: "format" },
    { name: "header version", index: 3, error: "format" },
    { name: "header suite", index: 4, error: "format" },
    { name: "header chunk size (10 → 11, still in range)", index: 5, bit: 0, error: "decryption" },
    { name: "header chunk size (10 → 26, out of range)", index: 5, bit: 4, error: "format" },
    { name: "header nonce prefix, first byte", index: 6, error: "decryption" },
    { name: "header nonce prefix, last byte", index: 24, bit: 7, error: "decryption" },
    { name: "body: first ciphertext byte of chunk 0", index: chunkAt(0), error: "decryption" },
    { name: "body: middle of chunk 2", index: chunkAt(2) + 500, bit: 3, error: "decryption" },
    { name: "body: ciphertext byte of the final chunk", index: chunkAt(3), error: "decryption" },
    { name: "tag of chunk 0", index: chunkAt(1) - 1, error: "decryption" },
    { name: "tag of chunk 1, first byte", index: chunkAt(1) + SMALL_CHUNK, error: "decryption" },
    { name: "tag of the final chunk, last byte", index: -1, bit: 7, error: "decryption" },
  ];
  it.each(flips)("a flipped bit in $name → $error error", ({ index, bit, error }) => {
    const altered = flipBit(sealed, index, bit ?? 0);
    if (error === "format") expectCarechainError(() => decryptEnvelope(dek, altered, context), FormatError, "FORMAT");
    else expectCarechainError(() => decryptEnvelope(dek, altered, context), DecryptionError, "DECRYPTION");
  });

  const structural: { name: string; build: () => Uint8Array }[] = [
    { name: "dropping the last chunk", build: () => sealed.subarray(0, chunkAt(3)) },
    { name: "dropping the last two chunks", build: () => sealed.subarray(0, chunkAt(2)) },
    { name: "dropping 1 byte", build: () => sealed.subarray(0, sealed.length - 1) },
    { name: "dropping 6 bytes (final chunk shorter than a tag)", build: () => sealed.subarray(0, sealed.length - 6) },
    { name: "dropping 17 bytes", build: () => sealed.subarray(0, sealed.length - 17) },
    { name: "dropping 1 byte of a full chunk boundary", build: () => sealed.subarray(0, chunkAt(3) - 1) },
    { name: "keeping only the header", build: () => sealed.subarray(0, ENVELOPE_HEADER_LENGTH) },
    { name: "keeping the header and 15 bytes", build: () => sealed.subarray(0, ENVELOPE_HEADER_LENGTH + 15) },
    {
      name: "swapping chunks 0 and 1",
      build: () => concat(sealed.subarray(0, 25), chunk(sealed, 1), chunk(sealed, 0), sealed.subarray(chunkAt(2))),
    },
    {
      name: "swapping chunks 1 and 2",
      build: () =>
        concat(sealed.subarray(0, chunkAt(1)), chunk(sealed, 2), chunk(sealed, 1), sealed.subarray(chunkAt(3))),
    },
    { name: "appending a copy of chunk 0", build: () => concat(sealed, chunk(sealed, 0)) },
    { name: "appending a copy of the final chunk", build: () => concat(sealed, chunk(sealed, 3)) },
    { name: "appending 16 zero bytes", build: () => concat(sealed, new Uint8Array(16)) },
    { name: "appending 1 byte", build: () => concat(sealed, new Uint8Array([0])) },
    {
      name: "splicing chunk 1 from another envelope (same key and context, other prefix)",
      build: () => {
        const other = encryptEnvelope(dek, plaintext, context, { chunkSizeLog2: SMALL_LOG2 });
        return concat(sealed.subarray(0, chunkAt(1)), chunk(other, 1), sealed.subarray(chunkAt(2)));
      },
    },
    {
      name: "another envelope's header on this body",
      build: () => {
        const other = encryptEnvelope(dek, plaintext, context, { chunkSizeLog2: SMALL_LOG2 });
        return concat(other.subarray(0, 25), sealed.subarray(25));
      },
    },
  ];
  it.each(structural)("$name → DecryptionError", ({ build }) => {
    const altered = build();
    expectCarechainError(() => decryptEnvelope(dek, altered, context), DecryptionError, "DECRYPTION");
  });

  const headers: { name: string; index: number; value: number; details: string }[] = [
    { name: "version 0", index: 3, value: 0, details: "version=0" },
    { name: "version 2", index: 3, value: 2, details: "version=2" },
    { name: "version 255", index: 3, value: 255, details: "version=255" },
    { name: "suite 0", index: 4, value: 0, details: "suite=0" },
    { name: "suite 2", index: 4, value: 2, details: "suite=2" },
    { name: "chunk log2 9", index: 5, value: 9, details: "log2=9" },
    { name: "chunk log2 25", index: 5, value: 25, details: "log2=25" },
  ];
  it.each(headers)("an unknown header value ($name) → FormatError", ({ index, value, details }) => {
    const altered = sealed.slice();
    altered[index] = value;
    let thrown: unknown;
    try {
      decryptEnvelope(dek, altered, context);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(FormatError);
    expect((thrown as FormatError).details).toBe(details);
  });

  it.each([
    { name: "empty input", bytes: new Uint8Array(0) },
    { name: "24 bytes (one short of a header)", bytes: sealed.slice(0, 24) },
    { name: "a keyring-like JSON blob", bytes: utf8('{"v":1,"suite":"HPKE","record":"bafk","recipients":[]}') },
  ])("not an envelope ($name) → FormatError", ({ bytes }) => {
    expectCarechainError(() => decryptEnvelope(dek, bytes, context), FormatError, "FORMAT");
  });
});

describe("argument checks name the argument", () => {
  const dek = generateDek();
  const plaintext = pattern(10);
  const sealed = encryptEnvelope(dek, plaintext, context);
  const cases: { name: string; call: () => unknown; error: typeof RangeError | typeof TypeError; arg: RegExp }[] = [
    {
      name: "encrypt: 31-byte dek",
      call: () => encryptEnvelope(new Uint8Array(31), plaintext, context),
      error: RangeError,
      arg: /^dek: expected 32 bytes, got 31$/,
    },
    {
      name: "encrypt: 33-byte dek",
      call: () => encryptEnvelope(new Uint8Array(33), plaintext, context),
      error: RangeError,
      arg: /^dek: expected 32 bytes, got 33$/,
    },
    {
      name: "encrypt: empty dek",
      call: () => encryptEnvelope(new Uint8Array(0), plaintext, context),
      error: RangeError,
      arg: /^dek:/,
    },
    {
      name: "encrypt: dek as a hex string",
      call: () => encryptEnvelope("00".repeat(32) as never, plaintext, context),
      error: TypeError,
      arg: /^dek: expected Uint8Array/,
    },
    {
      name: "encrypt: dek as number[]",
      call: () => encryptEnvelope([...dek] as never, plaintext, context),
      error: TypeError,
      arg: /^dek:/,
    },
    {
      name: "encrypt: plaintext as string",
      call: () => encryptEnvelope(dek, "hello" as never, context),
      error: TypeError,
      arg: /^plaintext: expected Uint8Array/,
    },
    {
      name: "encrypt: plaintext as ArrayBuffer",
      call: () => encryptEnvelope(dek, new ArrayBuffer(4) as never, context),
      error: TypeError,
      arg: /^plaintext:/,
    },
    {
      name: "encrypt: context undefined",
      call: () => encryptEnvelope(dek, plaintext, undefined as never),
      error: TypeError,
      arg: /^context: expected Uint8Array/,
    },
    {
      name: "encrypt: chunkSizeLog2 9",
      call: () => encryptEnvelope(dek, plaintext, context, { chunkSizeLog2: 9 }),
      error: RangeError,
      arg: /^chunkSizeLog2: .* got 9$/,
    },
    {
      name: "encrypt: chunkSizeLog2 25",
      call: () => encryptEnvelope(dek, plaintext, context, { chunkSizeLog2: 25 }),
      error: RangeError,
      arg: /^chunkSizeLog2:/,
    },
    {
      name: "encrypt: chunkSizeLog2 10.5",
      call: () => encryptEnvelope(dek, plaintext, context, { chunkSizeLog2: 10.5 }),
      error: RangeError,
      arg: /^chunkSizeLog2:/,
    },
    {
      name: "encrypt: chunkSizeLog2 NaN",
      call: () => encryptEnvelope(dek, plaintext, context, { chunkSizeLog2: NaN }),
      error: RangeError,
      arg: /^chunkSizeLog2:/,
    },
    {
      name: "decrypt: 16-byte dek",
      call: () => decryptEnvelope(new Uint8Array(16), sealed, context),
      error: RangeError,
      arg: /^dek: expected 32 bytes, got 16$/,
    },
    {
      name: "decrypt: dek null",
      call: () => decryptEnvelope(null as never, sealed, context),
      error: TypeError,
      arg: /^dek:/,
    },
    {
      name: "decrypt: envelope as ArrayBuffer",
      call: () => decryptEnvelope(dek, sealed.buffer as never, context),
      error: TypeError,
      arg: /^envelope: expected Uint8Array/,
    },
    {
      name: "decrypt: context null",
      call: () => decryptEnvelope(dek, sealed, null as never),
      error: TypeError,
      arg: /^context:/,
    },
  ];
  it.each(cases)("$name", ({ call, error, arg }) => {
    expect(call).toThrow(error);
    expect(call).toThrow(arg);
    // Argument errors are programming errors, not CarechainErrors.
    try {
      call();
    } catch (e) {
      expect(e).not.toBeInstanceOf(CarechainError);
    }
  });
});
