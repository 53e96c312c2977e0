/**
 * Commitments the claim contract keeps instead of data: salted hashes of the Claim and of the ClaimResponse. A
 * salt (32 random bytes, inside the encrypted claim) makes them hiding; SHA-256 of canonical JSON makes them
 * binding. Whoever can decrypt the claim recomputes both.
 */
import { keccak_256 } from "@noble/hashes/sha3.js";
import { sha256 } from "@noble/hashes/sha2.js";

import { checkBytes, concatBytes, fromHex, toHex, utf8 } from "../crypto/bytes.js";
import { canonicalJson } from "../fhir/canonical.js";

/** Identifier system under which a claim carries its commitment salt (inside the ciphertext, never on chain). */
export const CLAIM_SALT_SYSTEM = "https://carechain.dev/fhir/NamingSystem/claim-commitment-salt";

const CLAIM_DOMAIN = utf8("carechain/claim/v1");
const RESPONSE_DOMAIN = utf8("carechain/claim-response/v1");
const APPEAL_DOMAIN = utf8("carechain/claim-appeal/v1");

/**
 * The claim's on-chain id: keccak256(domain ‖ salt ‖ sha256(canonical JSON of the claim)).
 * @param claim - The FHIR Claim (with its salt identifier, as encrypted).
 * @param salt - 32 bytes.
 * @returns 0x-prefixed 32-byte hex.
 * @throws {RangeError} When `salt` is not 32 bytes.
 */
export function claimCommitment(claim: unknown, salt: Uint8Array): string {
  return commit(CLAIM_DOMAIN, salt, utf8(canonicalJson(claim)));
}

/**
 * The commitment to a ClaimResponse, as adjudicated on chain: keccak256(domain ‖ salt ‖ sha256(bytes)).
 * @param responseBytes - The ClaimResponse's canonical bytes.
 * @param salt - The claim's 32-byte salt.
 * @returns 0x-prefixed 32-byte hex.
 * @throws {RangeError} When `salt` is not 32 bytes.
 */
export function responseCommitment(responseBytes: Uint8Array, salt: Uint8Array): string {
  return commit(RESPONSE_DOMAIN, salt, responseBytes);
}

/**
 * The commitment to an appeal's reasons (the text travels to the insurer off chain).
 * @param reasons - The appeal's reasons.
 * @param salt - The claim's 32-byte salt.
 * @returns 0x-prefixed 32-byte hex.
 * @throws {RangeError} When `salt` is not 32 bytes.
 */
export function appealCommitment(reasons: string, salt: Uint8Array): string {
  return commit(APPEAL_DOMAIN, salt, utf8(reasons));
}

/**
 * The salt a claim carries in its identifiers, or undefined.
 * @param claim - A FHIR Claim.
 * @returns The 32-byte salt.
 * @throws {TypeError} When the salt identifier is not 32 bytes of hex.
 */
export function claimSaltOf(claim: {
  identifier?: readonly { system?: string; value?: string }[];
}): Uint8Array | undefined {
  const value = claim.identifier?.find((i) => i.system === CLAIM_SALT_SYSTEM)?.value;
  return value === undefined ? undefined : fromHex("claim salt", value, 32);
}

function commit(domain: Uint8Array, salt: Uint8Array, bytes: Uint8Array): string {
  checkBytes("salt", salt, 32);
  return toHex(keccak_256(concatBytes(domain, salt, sha256(bytes))));
}
