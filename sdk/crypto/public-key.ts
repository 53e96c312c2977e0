/**
 * @module
 * Checks that 32 bytes are an X25519 public key a record key can be wrapped for (RFC 7748), with the rule the
 * Directory applies on chain (contracts/libraries/X25519.sol), so a bad key is refused before it is sent.
 */

import { InvalidPublicKeyError } from "../errors/data.js";
import { checkBytes, toHex } from "./bytes.js";

/** The field prime p = 2^255 - 19. */
const P = (1n << 255n) - 19n;

/**
 * The canonical u-coordinates of the small-order points of Curve25519 and its twist: 0 (order 2), 1 (order 4), the
 * two points of order 8, and p - 1 (order 4 on the twist). An X25519 shared secret with any of them is all zero.
 * libsodium's list of seven adds p and p + 1, non-canonical encodings of 0 and 1 (refused as u >= p).
 */
export const X25519_LOW_ORDER_U: readonly bigint[] = Object.freeze([
  0n,
  1n,
  0x00b8495f16056286fdb1329ceb8d09da6ac49ff1fae35616aeb8413b7c7aebe0n,
  0x57119fd0dd4e22d8868e1c58c45c44045bef839c55b1d0b1248c50a3bc959c5fn,
  P - 1n,
]);

/** The u-coordinate of an RFC 7748 key encoding: its 32 bytes little-endian, bit 255 included. */
function uOf(key: Uint8Array): bigint {
  return key.reduceRight((u, byte) => (u << 8n) | BigInt(byte), 0n);
}

/**
 * Throws unless `key` is a canonical, non-small-order X25519 public key: the keys the Directory accepts.
 * @param key - 32 bytes in RFC 7748 encoding (little-endian u-coordinate).
 * @param name - The argument's name, for the error message (default `publicKey`).
 * @throws {TypeError | RangeError} When `key` is not a `Uint8Array` of 32 bytes.
 * @throws {InvalidPublicKeyError} `problem` "non-canonical" when bit 255 is set or u >= 2^255 - 19 (RFC 7748 §5
 * masks bit 255 on decoding, so such bytes would name another key); "low-order" for a small-order point
 * ({@link X25519_LOW_ORDER_U}), whose shared secrets are all zero (HPKE refuses them, RFC 9180 §7.1.4).
 * @example
 * assertX25519PublicKey(identity.publicKey); // before registering or wrapping for it
 */
export function assertX25519PublicKey(key: Uint8Array, name = "publicKey"): void {
  checkBytes(name, key, 32);
  const u = uOf(key);
  if (u >= P) {
    throw new InvalidPublicKeyError("non-canonical", `${name}: not a canonical X25519 public key.`, {
      details: `${toHex(key)} (bit 255 set or u >= 2^255 - 19)`,
    });
  }
  if (X25519_LOW_ORDER_U.includes(u)) {
    throw new InvalidPublicKeyError("low-order", `${name}: a small-order X25519 point, no key can be wrapped for it.`, {
      details: toHex(key),
    });
  }
}

/**
 * Whether `key` passes {@link assertX25519PublicKey}.
 * @param key - Bytes that should be an X25519 public key.
 * @returns True for a canonical, non-small-order 32-byte key.
 */
export function isX25519PublicKey(key: Uint8Array): boolean {
  try {
    assertX25519PublicKey(key);
    return true;
  } catch {
    return false;
  }
}
