/**
 * Identity keys: the X25519 key pairs patients and providers unwrap record keys with — random, supplied, or
 * derived from a wallet's EIP-712 signature bound to one chain, one Carechain deployment and one key version.
 */
import { x25519 } from "@noble/curves/ed25519.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { getAddress, Signature, verifyTypedData, type TypedDataDomain, type TypedDataField } from "ethers";

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

/** A wallet that signs EIP-712 typed data and tells its address (an ethers `Signer`). */
export interface IdentitySigner {
  getAddress(): Promise<string>;
  signTypedData(
    domain: TypedDataDomain,
    types: Record<string, TypedDataField[]>,
    value: Record<string, unknown>,
  ): Promise<string>;
}

/** What a derived identity key is bound to. */
export interface IdentityKeyParams {
  /** The chain id. */
  readonly chainId: bigint;
  /** The deployment: the address of its Directory (where the public key is registered). */
  readonly directory: string;
  /** The key version, from 1: a new version gives a new, unrelated key (rotation). Default 1. */
  readonly version?: number;
}

/** EIP-712 domain name of identity-key derivation. */
export const IDENTITY_DOMAIN_NAME = "Carechain Identity Key";
/** EIP-712 domain version of identity-key derivation. */
export const IDENTITY_DOMAIN_VERSION = "1";
/** The text every identity-key request carries (the wallet shows it). */
export const IDENTITY_KEY_PURPOSE =
  "Derive my Carechain encryption key for this deployment. It costs nothing and sends no transaction. " +
  "Whoever gets this signature can read my Carechain records: sign it only in a Carechain application.";

/** The `IdentityKey` EIP-712 type. */
export const IDENTITY_TYPES = {
  IdentityKey: [
    { name: "purpose", type: "string" },
    { name: "directory", type: "address" },
    { name: "version", type: "uint32" },
  ],
} as const satisfies Record<string, readonly TypedDataField[]>;

/** Domain separation of derived identity keys (HKDF salt and info). */
const LEGACY_SALT = utf8("carechain/identity/v1");
const LEGACY_INFO = utf8("x25519 secret key");
const TYPED_SALT = utf8("carechain/identity/eip712/v1");

/**
 * The EIP-712 typed data a wallet signs to derive its identity key for `params` (domain: name, version, chain
 * id, and the Directory as verifying contract; message: purpose, Directory, key version).
 * @param params - Chain, Directory and key version.
 * @returns `{ domain, types, message }`, ready for `signTypedData` or `verifyTypedData`.
 * @throws {TypeError} When `directory` is not an address.
 * @throws {RangeError} When `version` is not an integer in 1..2^32-1 or `chainId` is not positive.
 */
export function identityTypedData(params: IdentityKeyParams): {
  domain: TypedDataDomain;
  types: Record<string, TypedDataField[]>;
  message: { purpose: string; directory: string; version: number };
} {
  const version = params.version ?? 1;
  if (!Number.isInteger(version) || version < 1 || version > 0xffffffff) {
    throw new RangeError(`version: expected an integer from 1 to 2^32-1, got ${version}`);
  }
  if (typeof params.chainId !== "bigint" || params.chainId <= 0n)
    throw new RangeError("chainId: expected a positive bigint");
  let directory: string;
  try {
    directory = getAddress(params.directory);
  } catch {
    throw new TypeError(`directory: expected an address, got ${JSON.stringify(params.directory)}`);
  }
  return {
    domain: {
      name: IDENTITY_DOMAIN_NAME,
      version: IDENTITY_DOMAIN_VERSION,
      chainId: params.chainId,
      verifyingContract: directory,
    },
    types: { IdentityKey: IDENTITY_TYPES.IdentityKey.map((f) => ({ ...f })) },
    message: { purpose: IDENTITY_KEY_PURPOSE, directory, version },
  };
}

/**
 * The identity key pair a signature of {@link identityTypedData} gives (HKDF-SHA256 over the signature in its
 * canonical 65-byte form, with a salt and an `info` naming the chain, the Directory and the version). Exposed for
 * wallets that sign elsewhere; {@link deriveIdentity} checks the signature first.
 * @param signature - The EIP-712 signature (any encoding ethers accepts: 65 bytes, v = 0/1 or 27/28, 64-byte
 *   compact).
 * @param params - The chain, Directory and version it was made for.
 * @returns The key pair.
 * @throws {TypeError | RangeError} When the signature or the parameters are malformed.
 */
export function identityFromSignature(signature: string, params: IdentityKeyParams): IdentityKeyPair {
  const { message } = identityTypedData(params);
  const canonical = canonicalSignatureBytes(signature);
  const info = utf8(
    `x25519 secret key|chain=${params.chainId.toString()}|directory=${message.directory.toLowerCase()}|version=${message.version}`,
  );
  return identityFromSecretKey(hkdf(sha256, canonical, TYPED_SALT, info, 32));
}

/**
 * Derives an identity key pair from the wallet's EIP-712 signature of {@link identityTypedData}: the same wallet,
 * chain, Directory and version always yield the same key, so a patient needs no extra secret, while a signature
 * made for another chain, deployment or version — or a `personal_sign` of any text — gives an unrelated key.
 * Rotate by deriving version + 1 and registering it (`rotatePatientKey` / `rotateProviderKey`).
 * @param signer - A wallet with deterministic (RFC 6979) signatures, e.g. an ethers `Wallet`.
 * @param params - Chain, Directory (the deployment) and key version (default 1).
 * @returns The derived key pair.
 * @throws {TypeError} When the wallet's signature does not verify for its own address.
 * @example
 * const identity = await deriveIdentity(wallet, { chainId: 31337n, directory: deployment.directory });
 */
export async function deriveIdentity(signer: IdentitySigner, params: IdentityKeyParams): Promise<IdentityKeyPair> {
  return identityFromSignature(await signIdentityRequest(signer, params), params);
}

/**
 * Asks the wallet for its EIP-712 signature of {@link identityTypedData} and checks that it verifies for the wallet's
 * own address. The signature is a secret: whatever is derived from it (the identity key, a pseudonym root) is only
 * as safe as it.
 * @param signer - A wallet with deterministic (RFC 6979) signatures.
 * @param params - Chain, Directory and key version (default 1).
 * @returns The signature, as the wallet returned it.
 * @throws {TypeError} When the wallet's signature does not verify for its own address.
 */
export async function signIdentityRequest(signer: IdentitySigner, params: IdentityKeyParams): Promise<string> {
  const { domain, types, message } = identityTypedData(params);
  const signature = await signer.signTypedData(domain, types, message);
  const address = getAddress(await signer.getAddress());
  let recovered: string | undefined;
  try {
    recovered = verifyTypedData(domain, types, message, signature);
  } catch {
    recovered = undefined;
  }
  if (recovered !== address)
    throw new TypeError("signature: the wallet's EIP-712 signature does not verify for its address");
  return signature;
}

/**
 * The canonical 65-byte form of an ECDSA signature, as bytes.
 * @param signature - Any encoding ethers accepts.
 * @returns 65 bytes (r, s, v = 27/28).
 * @throws {TypeError} When it is not a signature.
 */
export function canonicalSignatureBytes(signature: string): Uint8Array {
  let canonical: string;
  try {
    canonical = Signature.from(signature).serialized;
  } catch {
    throw new TypeError("signature: expected an ECDSA signature (65 or 64 bytes of hex)");
  }
  return fromHex("signature", canonical, 65);
}

/**
 * The fixed message of the first (legacy) derivation. Any page that obtains a `personal_sign` of it can derive the
 * key: use {@link deriveIdentity}.
 * @param chainId - The chain the identity is used on.
 * @returns The message text.
 * @deprecated Kept to migrate identities derived before EIP-712 derivation; see docs/security.md.
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
 * The legacy derivation: HKDF-SHA256 over a `personal_sign` of {@link identityMessage}. Phishable (the message
 * is public and bound to nothing but the chain) and not rotatable. Use it only to open records wrapped for an old
 * identity while rotating to {@link deriveIdentity}'s key (docs/security.md, "Migrating a derived identity").
 * @param signer - The wallet that derived the old identity.
 * @param chainId - The chain id it was derived for.
 * @returns The old key pair.
 * @deprecated Use {@link deriveIdentity}.
 */
export async function deriveLegacyIdentity(signer: MessageSigner, chainId: bigint): Promise<IdentityKeyPair> {
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- the legacy derivation signs the legacy message
  const signature = fromHex("signature", await signer.signMessage(identityMessage(chainId)));
  return identityFromSecretKey(hkdf(sha256, signature, LEGACY_SALT, LEGACY_INFO, 32));
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
 * @returns The key pair.
 * @throws {TypeError | RangeError} When the key is not 32 bytes.
 */
export function identityFromSecretKey(secretKey: Uint8Array | string): IdentityKeyPair {
  const sk = typeof secretKey === "string" ? fromHex("secretKey", secretKey, 32) : secretKey;
  checkBytes("secretKey", sk, 32);
  return Object.freeze({ publicKey: x25519.getPublicKey(sk), secretKey: sk.slice() });
}

/**
 * The identity's public key as the `bytes32` hex the Directory stores.
 * @param identity - The key pair (or just its public key).
 * @returns 0x-prefixed hex.
 */
export function publicKeyHex(identity: Pick<IdentityKeyPair, "publicKey">): `0x${string}` {
  return toHex(identity.publicKey);
}
