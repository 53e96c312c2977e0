/**
 * The SDK's one module of byte helpers (sdk/crypto/bytes.ts): each helper table-tested, the length and
 * comparison helpers also against the platform (TextEncoder, a plain loop) with fast-check.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";

import {
  checkBytes,
  concatBytes,
  equalBytes,
  fromBase64,
  fromHex,
  fromUtf8,
  toBase64,
  toHex,
  utf8,
  utf8Length,
} from "../../../sdk/crypto/bytes.js";

describe("hex", () => {
  it.each([
    ["", new Uint8Array()],
    ["0x", new Uint8Array()],
    ["0x00ff10", new Uint8Array([0, 255, 16])],
    ["ABcd", new Uint8Array([0xab, 0xcd])],
  ])("fromHex(%j)", (hex, bytes) => {
    expect(fromHex("x", hex)).toEqual(bytes);
  });

  it.each([
    ["0x0", TypeError, "x: not a hex string"],
    ["0xzz", TypeError, "x: not a hex string"],
    ["0x0011", RangeError, "x: expected 3 bytes, got 2"],
  ])("fromHex(%j) throws", (hex, type, message) => {
    expect(() => fromHex("x", hex, 3)).toThrow(type);
    expect(() => fromHex("x", hex, 3)).toThrow(message);
  });

  it("round-trips through toHex", () => {
    fc.assert(
      fc.property(fc.uint8Array(), (bytes) => {
        expect(fromHex("x", toHex(bytes))).toEqual(bytes);
      }),
    );
  });
});

describe("equalBytes and concatBytes", () => {
  it.each([
    [[], [], true],
    [[1, 2], [1, 2], true],
    [[1, 2], [1, 3], false],
    [[1, 2], [1, 2, 0], false],
  ])("equalBytes(%j, %j) is %s", (a, b, equal) => {
    expect(equalBytes(new Uint8Array(a), new Uint8Array(b))).toBe(equal);
  });

  it("equalBytes agrees with an element-wise comparison; concatBytes with Array concat", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 8 }), fc.uint8Array({ maxLength: 8 }), (a, b) => {
        expect(equalBytes(a, b)).toBe(a.length === b.length && a.every((x, i) => x === b[i]));
        expect([...concatBytes(a, b)]).toEqual([...a, ...b]);
      }),
    );
  });

  it("concatBytes always returns a fresh copy", () => {
    const a = new Uint8Array([1, 2]);
    const out = concatBytes(a);
    out[0] = 9;
    expect(a[0]).toBe(1);
  });
});

describe("base64 and UTF-8", () => {
  it("toBase64 / fromBase64 round-trip, also past the 32 KiB chunking", () => {
    const big = new Uint8Array(0x8000 * 2 + 3).map((_, i) => i % 251);
    expect(fromBase64("b", toBase64(big))).toEqual(big);
    expect(toBase64(utf8("hello"))).toBe("aGVsbG8=");
    expect(() => fromBase64("b", "not base64!")).toThrow("b: not base64");
  });

  it("fromUtf8 refuses invalid UTF-8, naming the argument", () => {
    expect(fromUtf8("t", utf8("héllo ✓"))).toBe("héllo ✓");
    expect(() => fromUtf8("t", new Uint8Array([0xc3]))).toThrow(TypeError);
    expect(() => fromUtf8("t", new Uint8Array([0xff]))).toThrow("t: not valid UTF-8");
  });

  it("utf8Length equals TextEncoder's length (lone surrogates count 3), and stops past the limit", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (text) => {
        expect(utf8Length(text)).toBe(new TextEncoder().encode(text).length);
      }),
    );
    expect(utf8Length("\ud800")).toBe(3);
    expect(utf8Length("aaaa", 2)).toBeGreaterThan(2);
  });

  it("checkBytes names the argument and the expected length", () => {
    expect(() => checkBytes("key", "x")).toThrow("key: expected Uint8Array, got string");
    expect(() => checkBytes("key", new Uint8Array(3), 32)).toThrow("key: expected 32 bytes, got 3");
    expect(() => checkBytes("key", new Uint8Array(32), 32)).not.toThrow();
  });
});
