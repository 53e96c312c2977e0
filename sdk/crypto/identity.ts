import { x25519 } from "@noble/curves/ed25519.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";

import { checkBytes, fromHex, toHex, utf8 } from "./bytes.js";

/** An X25519 key pair: the identity a patient or provider decrypts record keys with. */
export interface IdentityKeyPair {
  /** 32-byte X25519 public key, published in the Directory. */
  readonly publicKey: Uint8Array;
  /** 32-byte X25519 secret key. Never leaves the holder's device. */
  readonly secretKey: Uint8Array;
}

/** Anything that can sign an EIP-191 personal message (an ethers `Signer`, a wallet). */
export interface MessageSigner {
  signMessage(message: string): Promise<string>;
}

/** Domain separation of derived identity keys (HKDF salt and info). */
const DERIVE_SALT = utf8("carechain/identity/v1");
const DERIVE_INFO = utf8("x25519 secret key");

/**
 * The fixed message a wallet signs to derive its Carechain identity key. Changing it changes every derived key,
 * so it is versioned and never edited.
 * @param chainId - The chain the identity is used on (keys differ per chain).
 */
export function identityMessage(chainId: bigint): string {
  return [
    "Carechain identity key, version 1.",
    "",
    "Signing this message unlocks your Carechain encryption key on this device.",
    "It costs nothing and sends no transaction. Only sign it in a Carechain application.",
    "",
    `Chain: ${chainId}`,
  ].join("\n");
}

/**
 * A fresh random identity key pair.
 * @returns The key pair.
 */
export function generateIdentity(): IdentityKeyPair {
  return identityFromSecretKey(x25519.utils.randomSecretKey());
}

/**
 * The identity key pair of an explicitly supplied secret key.
 * @param secretKey - 32 bytes, or a 0x-prefixed hex string of 32 bytes.
 * @throws {TypeError | RangeError} When the key is not 32 bytes.
 */
export function identityFromSecretKey(secretKey: Uint8Array | string): IdentityKeyPair {
  const sk = typeof secretKey === "string" ? fromHex("secretKey", secretKey, 32) : secretKey;
  checkBytes("secretKey", sk, 32);
  return Object.freeze({ publicKey: x25519.getPublicKey(sk), secretKey: sk.slice() });
}

/**
 * Derives an identity key pair from a wallet signature over {@link identityMessage}: the same wallet on the
 * same chain always yields the same key, so a patient needs no extra secret. The signature is the HKDF-SHA256
 * input keying material; salt and info separate this use from any other.
 * @param signer - A wallet with deterministic (RFC 6979) signatures, e.g. an ethers `Wallet`.
 * @param chainId - The chain id the identity is for.
 * @returns The derived key pair.
 * @example
 * const identity = await deriveIdentity(wallet, 31337n);
 */
export async function deriveIdentity(signer: MessageSigner, chainId: bigint): Promise<IdentityKeyPair> {
  const signature = fromHex("signature", await signer.signMessage(identityMessage(chainId)));
  return identityFromSecretKey(hkdf(sha256, signature, DERIVE_SALT, DERIVE_INFO, 32));
}

/** The identity's public key as the `bytes32` hex the Directory stores. */
export function publicKeyHex(identity: Pick<IdentityKeyPair, "publicKey">): `0x${string}` {
  return toHex(identity.publicKey);
}
