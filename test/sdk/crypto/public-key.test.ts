import { x25519 } from "@noble/curves/ed25519.js";
import { describe, expect, it } from "vitest";

import {
  assertX25519PublicKey,
  CarechainError,
  generateIdentity,
  InvalidPublicKeyError,
  isX25519PublicKey,
  X25519_LOW_ORDER_U,
} from "../../../sdk/index.js";

const P = (1n << 255n) - 19n;

/** The RFC 7748 encoding (32 bytes, little-endian) of `u`. */
function encode(u: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = Number((u >> BigInt(8 * i)) & 0xffn);
  return out;
}

const hex = (text: string) => Uint8Array.from(text.match(/../g)!.map((b) => parseInt(b, 16)));

/** libsodium's `has_small_order` blacklist (crypto_scalarmult/curve25519/ref10), as bytes. */
const LIBSODIUM_SMALL_ORDER = [
  "0000000000000000000000000000000000000000000000000000000000000000",
  "0100000000000000000000000000000000000000000000000000000000000000",
  "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
  "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
].map(hex);

function problemOf(key: Uint8Array): string | undefined {
  try {
    assertX25519PublicKey(key);
    return undefined;
  } catch (error) {
    return error instanceof InvalidPublicKeyError ? error.problem : `other: ${String(error)}`;
  }
}

describe("assertX25519PublicKey", () => {
  it("every listed low-order point gives an all-zero shared secret (noble refuses it), so nothing can be wrapped for it", () => {
    for (const u of X25519_LOW_ORDER_U) {
      expect(() => x25519.getSharedSecret(generateIdentity().secretKey, encode(u)), `u=${u}`).toThrow();
      expect(problemOf(encode(u))).toBe("low-order");
    }
  });

  it("refuses libsodium's seven small-order encodings, and each with bit 255 set", () => {
    const expected = [
      "low-order",
      "low-order",
      "low-order",
      "low-order",
      "low-order",
      "non-canonical",
      "non-canonical",
    ];
    LIBSODIUM_SMALL_ORDER.forEach((key, i) => {
      expect(problemOf(key), `entry ${i}`).toBe(expected[i]);
      const high = Uint8Array.from(key);
      high[31]! |= 0x80;
      expect(problemOf(high), `entry ${i} with bit 255`).toBe("non-canonical");
    });
  });

  it.each([
    { name: "p - 2 (an ordinary key)", u: P - 2n, problem: undefined },
    { name: "p - 1 (order 4 on the twist)", u: P - 1n, problem: "low-order" },
    { name: "p (0 again)", u: P, problem: "non-canonical" },
    { name: "2^255 - 1", u: (1n << 255n) - 1n, problem: "non-canonical" },
    { name: "2 (an ordinary key)", u: 2n, problem: undefined },
    { name: "2^255 + 9 (9 with bit 255)", u: (1n << 255n) + 9n, problem: "non-canonical" },
    { name: "2^256 - 1", u: (1n << 256n) - 1n, problem: "non-canonical" },
  ])("$name → $problem", ({ u, problem }) => {
    expect(problemOf(encode(u))).toBe(problem);
    expect(isX25519PublicKey(encode(u))).toBe(problem === undefined);
  });

  it("accepts real keys: RFC 7748 §6.1 and freshly generated identities", () => {
    expect(problemOf(hex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"))).toBeUndefined();
    for (let i = 0; i < 50; i++) expect(problemOf(generateIdentity().publicKey)).toBeUndefined();
  });

  it("is a typed error with a stable code, naming the argument; a wrong length is a RangeError", () => {
    const error = (() => {
      try {
        assertX25519PublicKey(new Uint8Array(32), "grantee key");
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InvalidPublicKeyError);
    expect(error).toBeInstanceOf(CarechainError);
    expect((error as InvalidPublicKeyError).code).toBe("INVALID_PUBLIC_KEY");
    expect((error as Error).message).toContain("grantee key");
    expect(() => assertX25519PublicKey(new Uint8Array(31))).toThrow(RangeError);
    expect(() => assertX25519PublicKey("0x00" as unknown as Uint8Array)).toThrow(TypeError);
    expect(isX25519PublicKey(new Uint8Array(33))).toBe(false);
  });
});
