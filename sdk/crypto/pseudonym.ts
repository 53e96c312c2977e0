/**
 * Pseudonyms per care relationship: from one 32-byte root, a separate secp256k1 account and X25519 identity key for
 * each relationship index, bound to one chain and one Carechain deployment (HKDF-SHA256, RFC 5869, with a salt and an
 * `info` per key kind). Deterministic, so a new device that holds the root re-derives every pseudonym; unrelated
 * across indices, so the chain cannot tell that two pseudonyms share a root.
 * @module
 */
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { computeAddress, getAddress } from "ethers";

import { checkBytes, toHex, utf8 } from "./bytes.js";
import {
  canonicalSignatureBytes,
  identityFromSecretKey,
  identityTypedData,
  signIdentityRequest,
  type IdentityKeyPair,
  type IdentityKeyParams,
  type IdentitySigner,
} from "./identity.js";

/** Length of a pseudonym root, in bytes. */
export const PSEUDONYM_ROOT_BYTES = 32;
/** Largest relationship index (indices are uint32). */
export const MAX_PSEUDONYM_INDEX = 0xffffffff;

/** The order of secp256k1's group (SEC 2, section 2.4.1). */
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

const ROOT_SALT = utf8("carechain/pseudonym-root/v1");
const PSEUDONYM_SALT = utf8("carechain/pseudonym/v1");

/** What a pseudonym is bound to: the deployment it is registered in. */
export interface PseudonymScope {
  /** The chain id. */
  readonly chainId: bigint;
  /** The deployment's Directory address. */
  readonly directory: string;
}

/** One pseudonym: the account and the identity key of one care relationship. */
export interface Pseudonym {
  /** The relationship index it was derived for. */
  readonly index: number;
  /** The account's secp256k1 private key (0x hex, 32 bytes): a secret, never stored outside the patient's device. */
  readonly privateKey: `0x${string}`;
  /** The account's checksummed address: what the chain shows as the patient of this relationship. */
  readonly address: string;
  /** The X25519 identity key pair registered in the Directory for this account. */
  readonly identity: IdentityKeyPair;
}

/**
 * Derives the pseudonym root from the wallet's EIP-712 identity signature (the same request as
 * {@link deriveIdentity}, key version 1, so the wallet prompts once for both), bound to the chain and the
 * deployment. Whoever holds that signature can re-derive every pseudonym: treat it as the identity key itself.
 * @param signer - A wallet with deterministic (RFC 6979) signatures.
 * @param scope - Chain and Directory.
 * @returns The 32-byte root.
 * @throws {TypeError} When the wallet's signature does not verify for its own address.
 * @example
 * const root = await derivePseudonymRoot(wallet, { chainId: 31337n, directory: deployment.directory });
 */
export async function derivePseudonymRoot(signer: IdentitySigner, scope: PseudonymScope): Promise<Uint8Array> {
  const params: IdentityKeyParams = { ...scope, version: 1 };
  return pseudonymRootFromSignature(await signIdentityRequest(signer, params), scope);
}

/**
 * The pseudonym root of a signature of {@link identityTypedData} (version 1), for wallets that sign elsewhere:
 * HKDF-SHA256 over the canonical 65-byte signature, with its own salt, so the root and the identity key made from
 * the same signature are unrelated.
 * @param signature - The EIP-712 signature.
 * @param scope - Chain and Directory it was made for.
 * @returns The 32-byte root.
 * @throws {TypeError | RangeError} When the signature or the scope is malformed.
 */
export function pseudonymRootFromSignature(signature: string, scope: PseudonymScope): Uint8Array {
  const { message } = identityTypedData({ ...scope, version: 1 });
  const info = utf8(`pseudonym root|chain=${scope.chainId.toString()}|directory=${message.directory.toLowerCase()}`);
  return hkdf(sha256, canonicalSignatureBytes(signature), ROOT_SALT, info, PSEUDONYM_ROOT_BYTES);
}

/**
 * Derives the pseudonym of relationship `index` from `root`: the account key is HKDF output of 48 bytes reduced
 * into [1, n − 1] (FIPS 186-5 A.2.1 style, bias below 2^-128) and the X25519 secret is 32 bytes of HKDF output with
 * another `info`; both `info` strings name the chain, the Directory and the index.
 * @param root - The 32-byte root (see {@link derivePseudonymRoot}, or a random seed the patient backs up).
 * @param scope - Chain and Directory.
 * @param index - The relationship index, 0 .. 2^32 − 1.
 * @returns The pseudonym.
 * @throws {RangeError} When `root` is not 32 bytes or `index` is out of range.
 * @throws {TypeError} When `directory` is not an address.
 * @example
 * const first = derivePseudonym(root, { chainId, directory }, 0);
 * await directory.registerPatientBySig(first.address, ...);
 */
export function derivePseudonym(root: Uint8Array, scope: PseudonymScope, index: number): Pseudonym {
  checkBytes("root", root, PSEUDONYM_ROOT_BYTES);
  if (!Number.isInteger(index) || index < 0 || index > MAX_PSEUDONYM_INDEX) {
    throw new RangeError(`index: expected an integer from 0 to 2^32-1, got ${index}`);
  }
  if (typeof scope.chainId !== "bigint" || scope.chainId <= 0n)
    throw new RangeError("chainId: expected a positive bigint");
  let directory: string;
  try {
    directory = getAddress(scope.directory).toLowerCase();
  } catch {
    throw new TypeError(`directory: expected an address, got ${JSON.stringify(scope.directory)}`);
  }
  const bound = `chain=${scope.chainId.toString()}|directory=${directory}|index=${index}`;
  const accountBytes = hkdf(sha256, root, PSEUDONYM_SALT, utf8(`secp256k1 account|${bound}`), 48);
  const scalar = (BigInt(toHex(accountBytes)) % (SECP256K1_N - 1n)) + 1n;
  const privateKey = `0x${scalar.toString(16).padStart(64, "0")}` as const;
  const identity = identityFromSecretKey(hkdf(sha256, root, PSEUDONYM_SALT, utf8(`x25519 secret key|${bound}`), 32));
  return Object.freeze({ index, privateKey, address: computeAddress(privateKey), identity });
}
