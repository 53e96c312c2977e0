import { verifyMessage } from "ethers";

import { CarechainError } from "../errors/base.js";

/**
 * The emergency key-release protocol between an emergency provider's SDK and the custodian service
 * (sdk/node/custodian-service.ts). The provider proves it controls its account by signing a short-lived
 * request; the custodian checks break-glass on chain, logs the release on chain, and answers with a keyring
 * that wraps the record key for the provider's Directory key (never a key named in the request).
 */

/** Where a batch-anchored record is: its batch id and the Merkle proof of its leaf. */
export interface KeyReleaseBatch {
  /** The batch's on-chain id (0x hex; `RecordRegistry.batchIdOf(patient, author, root)`). */
  readonly batchId: string;
  /** The leaf's OpenZeppelin Merkle proof (0x hex nodes); the chain checks it (`logBatchKeyRelease`). */
  readonly proof: readonly string[];
}

/** A key-release request. */
export interface KeyReleaseRequest {
  readonly chainId: string;
  readonly recordId: string;
  readonly provider: string;
  /** Unix seconds when the provider signed it. */
  readonly issuedAt: number;
  /**
   * For a batch-anchored record: its batch. The batch id is signed; the proof is not (it proves nothing the chain
   * does not check itself).
   */
  readonly batch?: KeyReleaseBatch;
  /** EIP-191 signature of {@link keyReleaseMessage} by `provider`. */
  readonly signature: string;
}

/** The custodian refused or failed a key release. */
export class KeyReleaseError extends CarechainError {
  /** HTTP status of the custodian's answer (0 when unreachable). */
  readonly status: number;
  constructor(status: number, shortMessage: string, options?: { details?: string; cause?: unknown }) {
    super("KEY_RELEASE", shortMessage, options);
    this.status = status;
  }
}

/**
 * The message a provider signs to ask for a key (domain-separated, versioned).
 * @param request - The request without its signature; a batch record's batch id is part of the message.
 * @returns The EIP-191 message text.
 */
export function keyReleaseMessage(request: Omit<KeyReleaseRequest, "signature">): string {
  return [
    "Carechain emergency key release, version 1.",
    `Chain: ${request.chainId}`,
    `Record: ${request.recordId}`,
    ...(request.batch ? [`Batch: ${request.batch.batchId}`] : []),
    `Provider: ${request.provider}`,
    `Issued at: ${request.issuedAt}`,
  ].join("\n");
}

/** Recovers the signer of a request; the custodian compares it with `request.provider`. */
export function keyReleaseSigner(request: KeyReleaseRequest): string {
  return verifyMessage(keyReleaseMessage(request), request.signature);
}

/**
 * Asks the custodian at `url` for `recordId`'s key; returns the keyring bytes it answers with.
 * @throws {KeyReleaseError} When the custodian is unreachable or refuses (e.g. no open break-glass).
 */
export async function requestKeyRelease(
  url: string,
  request: KeyReleaseRequest,
  fetchImpl: typeof fetch = fetch,
): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetchImpl(new URL("/v1/release", url), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(request),
    });
  } catch (cause) {
    throw new KeyReleaseError(0, "The emergency custodian service is unreachable.", { details: url, cause });
  }
  const body = new Uint8Array(await response.arrayBuffer());
  if (!response.ok) {
    throw new KeyReleaseError(response.status, "The emergency custodian refused to release the key.", {
      details: new TextDecoder().decode(body),
    });
  }
  return body;
}
