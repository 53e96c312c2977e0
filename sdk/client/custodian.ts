/**
 * The emergency key-release protocol between an emergency provider's SDK and the custodian service
 * (sdk/node/custodian-service.ts). The provider proves it controls its account by signing a short-lived
 * request bound to one chain and one RecordRegistry; the custodian checks break-glass on chain, logs the release
 * on chain, and answers with a keyring that wraps the record key for the provider's Directory key (never a key
 * named in the request).
 */
import { getAddress, hashMessage, verifyMessage } from "ethers";

import { CarechainError } from "../errors/base.js";

/** Where a batch-anchored record is: its batch id and the Merkle proof of its leaf. */
export interface KeyReleaseBatch {
  /** The batch's on-chain id (0x hex; `RecordRegistry.batchIdOf(patient, author, root)`). */
  readonly batchId: string;
  /** The leaf's OpenZeppelin Merkle proof (0x hex nodes); the chain checks it (`logBatchKeyRelease`). */
  readonly proof: readonly string[];
}

/** A key-release request. */
export interface KeyReleaseRequest {
  /** Decimal chain id. */
  readonly chainId: string;
  /** Address of the RecordRegistry the release is logged in (the deployment the request is for). */
  readonly registry: string;
  /** The record id (`0x` + 64 lower-case hex digits). */
  readonly recordId: string;
  /** The emergency provider's address. */
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

/**
 * The custodian refused or failed a key release. `status` is the HTTP status (0 when no answer came) and `reason`
 * the service's error code (`NOT_EMERGENCY_PROVIDER`, `REPLAYED`, `RATE_LIMITED`, `CHAIN_REFUSED`, …), when it
 * gave one.
 */
export class KeyReleaseError extends CarechainError {
  /** HTTP status of the custodian's answer (0 when unreachable or timed out). */
  readonly status: number;
  /** The custodian's error code, if it answered with one. */
  readonly reason: string | undefined;
  /**
   * @param status - HTTP status, 0 without an answer.
   * @param shortMessage - One sentence.
   * @param options - Details, cause, the service's error code, and this error's code (default `KEY_RELEASE`).
   */
  constructor(
    status: number,
    shortMessage: string,
    options?: { details?: string; cause?: unknown; reason?: string; code?: string },
  ) {
    super(options?.code ?? "KEY_RELEASE", shortMessage, options);
    this.status = status;
    this.reason = options?.reason;
  }
}

/** The custodian did not answer within the timeout (code `KEY_RELEASE_TIMEOUT`). */
export class KeyReleaseTimeoutError extends KeyReleaseError {
  /** The timeout that elapsed, in milliseconds. */
  readonly timeoutMs: number;
  /**
   * @param timeoutMs - The timeout that elapsed.
   * @param options - Details and cause.
   */
  constructor(timeoutMs: number, options?: { details?: string; cause?: unknown }) {
    super(0, `The emergency custodian did not answer within ${timeoutMs} ms.`, {
      ...options,
      code: "KEY_RELEASE_TIMEOUT",
    });
    this.timeoutMs = timeoutMs;
  }
}

/**
 * The message a provider signs to ask for a key (domain-separated, versioned, bound to the chain and the
 * RecordRegistry). Addresses are written checksummed, so a request's letter case does not change the message.
 * @param request - The request without its signature; a batch record's batch id is part of the message.
 * @returns The EIP-191 message text.
 * @throws {TypeError} When `registry` or `provider` is not an address.
 */
export function keyReleaseMessage(request: Omit<KeyReleaseRequest, "signature">): string {
  return [
    "Carechain emergency key release, version 2.",
    `Chain: ${request.chainId}`,
    `Registry: ${getAddress(request.registry)}`,
    `Record: ${request.recordId}`,
    ...(request.batch ? [`Batch: ${request.batch.batchId}`] : []),
    `Provider: ${getAddress(request.provider)}`,
    `Issued at: ${request.issuedAt}`,
  ].join("\n");
}

/**
 * The digest of what a request says (the EIP-191 hash of {@link keyReleaseMessage}), independent of how its
 * signature is encoded: the custodian's replay guard is keyed by it, so one signed request releases once whether
 * its signature comes as lower- or upper-case hex, with v = 27/28 or 0/1, or in the 64-byte compact form.
 * @param request - The request (its signature is ignored).
 * @returns 0x-prefixed 32-byte hex.
 */
export function keyReleaseDigest(request: Omit<KeyReleaseRequest, "signature">): string {
  return hashMessage(keyReleaseMessage(request));
}

/**
 * Recovers the signer of a request; the custodian compares it with `request.provider`.
 * @param request - The signed request.
 * @returns The checksummed address that signed it.
 * @throws {Error} When the signature is malformed (ethers' error).
 */
export function keyReleaseSigner(request: KeyReleaseRequest): string {
  return verifyMessage(keyReleaseMessage(request), request.signature);
}

/** Options of {@link requestKeyRelease}. */
export interface RequestKeyReleaseOptions {
  /** The fetch to use; default the global one. */
  readonly fetch?: typeof fetch;
  /** Give up after this many milliseconds (connect, answer and body); default 15,000. */
  readonly timeoutMs?: number;
}

/** Default timeout of {@link requestKeyRelease}. */
export const KEY_RELEASE_TIMEOUT_MS = 15_000;
/** Largest answer {@link requestKeyRelease} reads (a keyring with one recipient is far smaller). */
export const MAX_KEY_RELEASE_RESPONSE_BYTES = 64 * 1024;

/**
 * Asks the custodian at `url` for `recordId`'s key; returns the keyring bytes it answers with.
 * @param url - The custodian service's base URL.
 * @param request - The signed request.
 * @param options - fetch implementation and timeout.
 * @returns The keyring bytes.
 * @throws {KeyReleaseTimeoutError} When no complete answer came within the timeout.
 * @throws {KeyReleaseError} When the custodian is unreachable, refuses (e.g. no open break-glass: `reason`
 *   `CHAIN_REFUSED`), or answers with more than {@link MAX_KEY_RELEASE_RESPONSE_BYTES}.
 */
export async function requestKeyRelease(
  url: string,
  request: KeyReleaseRequest,
  options: RequestKeyReleaseOptions = {},
): Promise<Uint8Array> {
  return postToCustodian(url, "/v1/release", request, options);
}

/**
 * POSTs a JSON request to a custodian service and reads its answer within the timeout and size cap (the transport
 * of {@link requestKeyRelease} and of threshold share requests).
 * @param url - The custodian service's base URL.
 * @param path - The route, e.g. `/v1/release` or `/v1/share`.
 * @param request - The request, sent as JSON.
 * @param options - fetch implementation and timeout.
 * @returns The answer's bytes (status 2xx).
 * @throws {KeyReleaseTimeoutError} When no complete answer came within the timeout.
 * @throws {KeyReleaseError} When the custodian is unreachable, refuses (`reason` is its error code), or answers
 *   with more than {@link MAX_KEY_RELEASE_RESPONSE_BYTES}.
 * @throws {RangeError} When `timeoutMs` is not a positive number.
 */
export async function postToCustodian(
  url: string,
  path: string,
  request: unknown,
  options: RequestKeyReleaseOptions = {},
): Promise<Uint8Array> {
  const timeoutMs = options.timeoutMs ?? KEY_RELEASE_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
    throw new RangeError(`timeoutMs: expected a positive number, got ${timeoutMs}`);
  const fetchImpl = options.fetch ?? fetch;
  const signal = AbortSignal.timeout(timeoutMs);
  const timedOut = (cause: unknown) =>
    signal.aborted || (cause as Error | undefined)?.name === "TimeoutError"
      ? new KeyReleaseTimeoutError(timeoutMs, { details: url, cause })
      : undefined;
  let response: Response;
  try {
    response = await fetchImpl(new URL(path, url), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(request),
      signal,
    });
  } catch (cause) {
    throw (
      timedOut(cause) ??
      new KeyReleaseError(0, "The emergency custodian service is unreachable.", { details: url, cause })
    );
  }
  let body: Uint8Array;
  try {
    body = await readLimited(response, MAX_KEY_RELEASE_RESPONSE_BYTES);
  } catch (cause) {
    throw (
      timedOut(cause) ??
      new KeyReleaseError(response.status, "The emergency custodian's answer could not be read.", {
        details: `${url}: ${cause instanceof Error ? cause.message : String(cause)}`,
        cause,
      })
    );
  }
  if (!response.ok) {
    const text = new TextDecoder().decode(body);
    throw new KeyReleaseError(response.status, "The emergency custodian refused to release the key.", {
      details: text,
      reason: errorCode(text),
    });
  }
  return body;
}

/** The `code` of a JSON error answer, when it is a plain upper-case code. */
function errorCode(text: string): string | undefined {
  try {
    const code = (JSON.parse(text) as { code?: unknown }).code;
    return typeof code === "string" && /^[A-Z_]{1,40}$/.test(code) ? code : undefined;
  } catch {
    return undefined;
  }
}

/** Reads a response body, refusing more than `max` bytes. */
async function readLimited(response: Response, max: number): Promise<Uint8Array> {
  const declared = Number(response.headers.get("content-length") ?? NaN);
  if (declared > max) {
    await response.body?.cancel();
    throw new RangeError(`the answer declares ${declared} bytes (at most ${max})`);
  }
  if (!response.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let length = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.length;
    if (length > max) {
      await reader.cancel();
      throw new RangeError(`the answer is longer than ${max} bytes`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}
