/**
 * The EIP-712 typed data of a signed patient registration (`Directory.registerPatientBySig`): an account (a
 * per-relationship pseudonym above all) registers its encryption key without holding ETH; anyone relays it.
 * @module
 */
import type { TypedDataDomain, TypedDataField } from "ethers";

import type { TypedDataSigner } from "./signing.js";

/** EIP-712 domain name of the Directory. */
export const DIRECTORY_DOMAIN_NAME = "Carechain Directory";
/** EIP-712 domain version of the Directory. */
export const DIRECTORY_DOMAIN_VERSION = "1";

/** The `RegisterPatient` EIP-712 type; mirrors `REGISTER_PATIENT_TYPEHASH` in contracts/Directory.sol. */
export const REGISTRATION_TYPES = {
  RegisterPatient: [
    { name: "patient", type: "address" },
    { name: "encryptionKey", type: "bytes32" },
    { name: "deadline", type: "uint256" },
  ],
} as const satisfies Record<string, readonly TypedDataField[]>;

/** A registration request, as signed and as `registerPatientBySig` takes it (with the Directory it is for). */
export interface RegistrationRequest {
  /** The account that signs and is registered. */
  readonly patient: string;
  /** Its X25519 public key (0x hex, 32 bytes). */
  readonly encryptionKey: string;
  /** Last block time (unix seconds) at which it may be relayed. */
  readonly deadline: bigint;
  /** The chain id (in the EIP-712 domain). */
  readonly chainId: bigint;
  /** The Directory's address (the EIP-712 verifying contract). */
  readonly directory: string;
}

/**
 * The EIP-712 domain of the Directory at `directory` on `chainId`.
 * @param chainId - The chain id.
 * @param directory - The Directory's address.
 * @returns The domain.
 */
export function directoryDomain(chainId: bigint, directory: string): TypedDataDomain {
  return { name: DIRECTORY_DOMAIN_NAME, version: DIRECTORY_DOMAIN_VERSION, chainId, verifyingContract: directory };
}

/**
 * Signs a registration request (EIP-712 `RegisterPatient`) with the account being registered.
 * @param signer - The account's wallet.
 * @param request - What it registers and where.
 * @returns The signature.
 */
export function signRegistrationRequest(signer: TypedDataSigner, request: RegistrationRequest): Promise<string> {
  return signer.signTypedData(
    directoryDomain(request.chainId, request.directory),
    { RegisterPatient: [...REGISTRATION_TYPES.RegisterPatient] },
    { patient: request.patient, encryptionKey: request.encryptionKey, deadline: request.deadline },
  );
}
