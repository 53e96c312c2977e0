/**
 * The EIP-712 typed data of signed consent (grantBySig / revokeBySig): domain, types and messages.
 * @module
 */
import type { TypedDataDomain, TypedDataField } from "ethers";

/**
 * EIP-712 typed data of Carechain's signed consent (ConsentRegistry.grantBySig / revokeBySig). The field lists
 * mirror `GRANT_TYPEHASH` and `REVOKE_TYPEHASH` in contracts/ConsentRegistry.sol; a test checks that a signature
 * made here verifies in an independent EIP-712 implementation (@metamask/eth-sig-util) and on chain.
 *
 * `epoch` is `ConsentRegistry.consentEpoch(patient, grantee)` at signing time: every grant or revoke of that pair
 * moves it, so a signed request that was withheld while the grant changed (a revoke, above all) is refused
 * (`ConsentSignatureStale`) instead of bringing the grantee back.
 */

/** EIP-712 domain name of the ConsentRegistry. */
export const CONSENT_DOMAIN_NAME = "Carechain ConsentRegistry";
/** EIP-712 domain version of the ConsentRegistry. */
export const CONSENT_DOMAIN_VERSION = "1";

/** The `Grant` and `Revoke` EIP-712 types. */
export const CONSENT_TYPES = {
  Grant: [
    { name: "patient", type: "address" },
    { name: "grantee", type: "address" },
    { name: "readMask", type: "uint64" },
    { name: "writeMask", type: "uint64" },
    { name: "purposes", type: "uint32" },
    { name: "expiresAt", type: "uint64" },
    { name: "epoch", type: "uint64" },
    { name: "signer", type: "address" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
    { name: "chainId", type: "uint256" },
    { name: "registry", type: "address" },
  ],
  Revoke: [
    { name: "patient", type: "address" },
    { name: "grantee", type: "address" },
    { name: "epoch", type: "uint64" },
    { name: "signer", type: "address" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
    { name: "chainId", type: "uint256" },
    { name: "registry", type: "address" },
  ],
} as const satisfies Record<string, readonly TypedDataField[]>;

/** A grant request, as signed and as `grantBySig` takes it. */
export interface GrantRequest {
  readonly patient: string;
  readonly grantee: string;
  readonly readMask: bigint;
  readonly writeMask: bigint;
  readonly purposes: number;
  readonly expiresAt: bigint;
  /** `consentEpoch(patient, grantee)` when signed: the request is stale once the grant changes. */
  readonly epoch: bigint;
  readonly signer: string;
  readonly nonce: bigint;
  readonly deadline: bigint;
  readonly chainId: bigint;
  readonly registry: string;
}

/** A revoke request, as signed and as `revokeBySig` takes it. */
export interface RevokeRequest {
  readonly patient: string;
  readonly grantee: string;
  /** `consentEpoch(patient, grantee)` when signed: the request is stale once the grant changes. */
  readonly epoch: bigint;
  readonly signer: string;
  readonly nonce: bigint;
  readonly deadline: bigint;
  readonly chainId: bigint;
  readonly registry: string;
}

/** The EIP-712 domain of the ConsentRegistry at `registry` on `chainId`. */
export function consentDomain(chainId: bigint, registry: string): TypedDataDomain {
  return { name: CONSENT_DOMAIN_NAME, version: CONSENT_DOMAIN_VERSION, chainId, verifyingContract: registry };
}

/** Anything that signs EIP-712 typed data (an ethers `Signer`, a wallet). */
export interface TypedDataSigner {
  signTypedData(
    domain: TypedDataDomain,
    types: Record<string, TypedDataField[]>,
    value: Record<string, unknown>,
  ): Promise<string>;
}

/** Signs a grant request (EIP-712 `Grant`). */
export function signGrantRequest(signer: TypedDataSigner, request: GrantRequest): Promise<string> {
  return signer.signTypedData(
    consentDomain(request.chainId, request.registry),
    { Grant: [...CONSENT_TYPES.Grant] },
    { ...request },
  );
}

/** Signs a revoke request (EIP-712 `Revoke`). */
export function signRevokeRequest(signer: TypedDataSigner, request: RevokeRequest): Promise<string> {
  return signer.signTypedData(
    consentDomain(request.chainId, request.registry),
    { Revoke: [...CONSENT_TYPES.Revoke] },
    { ...request },
  );
}
