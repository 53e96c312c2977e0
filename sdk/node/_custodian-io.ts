/**
 * The custodian service's input and output helpers: its answers (error codes and sentences), the capped,
 * deadline-bound body reader, the key-release request parser, and the append-only JSON-lines log.
 * @module
 */
import { open, type FileHandle } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";

import { getAddress } from "ethers";

import type { KeyReleaseRequest } from "../client/custodian.js";

/** The service's error codes and the fixed sentence each answers with. */
export const ERRORS = {
  NOT_FOUND: [404, "Only POST /v1/release (or /v1/share for a share-holding node) is served."],
  BODY_TOO_LARGE: [413, "The request body is too large."],
  REQUEST_TIMEOUT: [408, "The request was not received in time."],
  MALFORMED: [400, "The request is not a key-release request."],
  WRONG_CHAIN: [400, "The request is for another chain."],
  WRONG_REGISTRY: [400, "The request is for another deployment (RecordRegistry)."],
  STALE: [401, "The request is too old or from the future."],
  BAD_SIGNATURE: [401, "The signature is not the provider's."],
  RATE_LIMITED: [429, "Too many requests from this provider; retry later."],
  REPLAYED: [409, "This signed request was already used."],
  NOT_EMERGENCY_PROVIDER: [403, "The provider is not an active emergency provider."],
  CHAIN_REFUSED: [403, "The chain refused the release (no open break-glass covering the record?)."],
  ACCESS_NOT_LOGGED: [403, "The named transaction does not log this access on chain."],
  ACCESS_LOG_STALE: [403, "The access log is too old; log the access again."],
  ACCESS_DENIED: [403, "The chain does not let this reader read the record for this purpose now."],
  READER_NOT_REGISTERED: [403, "The reader has no usable encryption key in the Directory."],
  RECORD_ERASED: [410, "The record was erased by its patient: no share is released for it."],
  SHARE_INVALID: [422, "The share does not open with this node's key for this record."],
  INTERNAL: [500, "The custodian could not complete the request."],
} as const satisfies Record<string, readonly [number, string]>;

export type ErrorCode = keyof typeof ERRORS;

/** One line of the service's log. */
export interface LogEntry {
  time: string;
  remote: string | undefined;
  status: number;
  code: ErrorCode | "RELEASED" | "HEADERS_TIMEOUT" | "BAD_HTTP";
  provider?: string;
  recordId?: string;
  digest?: string;
  tx?: string;
  reason?: string;
  detail?: string;
}

/**
 * One log line, stamped now.
 * @param socket - The connection (its remote address is logged).
 * @param status - The HTTP status answered.
 * @param code - What happened.
 * @param context - What is known of the request (provider, record, digest, transaction, reason, detail).
 * @returns The entry.
 */
export function logLine(
  socket: Socket,
  status: number,
  code: LogEntry["code"],
  context: Partial<LogEntry> = {},
): LogEntry {
  return { time: new Date().toISOString(), remote: socket.remoteAddress, status, code, ...context };
}

/** A request body read to its end, or why reading stopped (a tagged result: a body may be any text). */
export type BodyRead = { stopped?: undefined; body: string } | { stopped: "too large" | "timeout" };

/**
 * Reads the body up to `max` bytes within `timeoutMs`; stops reading (and says why) past either.
 * @param req - The request.
 * @param max - Most bytes to read.
 * @param timeoutMs - Deadline for the whole body.
 * @returns The body as UTF-8 text, or why it was not read to its end.
 * @throws {Error} When the request stream fails.
 */
export function readBody(req: IncomingMessage, max: number, timeoutMs: number): Promise<BodyRead> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const finish = (value: BodyRead) => {
      clearTimeout(timer);
      req.removeAllListeners("data");
      req.pause();
      resolve(value);
    };
    const timer = setTimeout(() => finish({ stopped: "timeout" }), timeoutMs);
    req.on("data", (chunk: Buffer) => {
      length += chunk.length;
      if (length > max) {
        finish({ stopped: "too large" });
        return;
      }
      chunks.push(chunk);
    });
    req.once("end", () => finish({ body: Buffer.concat(chunks).toString("utf8") }));
    req.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/**
 * Parses a key-release request body; checks every field's shape (the chain checks the rest).
 * @param body - The request body.
 * @returns The request, or undefined when it is not a well-formed key-release request.
 */
export function parseRequest(body: string): KeyReleaseRequest | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed !== "object" || parsed === null) return undefined;
    const r = parsed as Partial<KeyReleaseRequest>;
    const ok =
      typeof r.chainId === "string" &&
      /^[0-9]{1,20}$/.test(r.chainId) &&
      typeof r.registry === "string" &&
      /^0x[0-9a-fA-F]{40}$/.test(r.registry) &&
      typeof r.recordId === "string" &&
      /^0x[0-9a-f]{64}$/.test(r.recordId) &&
      typeof r.provider === "string" &&
      /^0x[0-9a-fA-F]{40}$/.test(r.provider) &&
      Number.isSafeInteger(r.issuedAt) &&
      typeof r.signature === "string" &&
      /^0x[0-9a-fA-F]{128,130}$/.test(r.signature) &&
      (r.batch === undefined || isBatch(r.batch));
    if (!ok) return undefined;
    getAddress(r.registry); // throws on a bad checksum
    getAddress(r.provider);
    return r as KeyReleaseRequest;
  } catch {
    return undefined;
  }
}

/** Most nodes in a batch proof: a batch holds at most 2^32 leaves (its count is a uint32 on chain). */
const MAX_PROOF_NODES = 32;
const HASH = /^0x[0-9a-f]{64}$/;

/** Whether `value` is a batch id with a well-formed Merkle proof (the chain checks the proof itself). */
function isBatch(value: unknown): boolean {
  const b = value as { batchId?: unknown; proof?: unknown } | null;
  return (
    typeof b === "object" &&
    b !== null &&
    typeof b.batchId === "string" &&
    HASH.test(b.batchId) &&
    Array.isArray(b.proof) &&
    b.proof.length <= MAX_PROOF_NODES &&
    b.proof.every((node) => typeof node === "string" && HASH.test(node))
  );
}

/**
 * Opens the append-only JSON-lines log: one line per entry, written in order; a failed write is reported on stderr
 * and never takes the service down.
 * @param path - The log file (created with mode 0600 when missing).
 * @returns `append` (resolves once the line is written) and `close`.
 * @throws {Error} When the file cannot be opened.
 */
export async function openLog(path: string): Promise<{ append(entry: object): Promise<void>; close(): Promise<void> }> {
  const handle: FileHandle = await open(path, "a", 0o600);
  let queue: Promise<void> = Promise.resolve();
  return {
    /** Appends one line (in call order); resolves once it is written. */
    append(entry) {
      const line = `${JSON.stringify(entry)}\n`;
      queue = queue
        .then(() => handle.appendFile(line, "utf8"))
        .catch((error: unknown) => {
          // The log must not take the service down; the failure is reported on stderr.
          console.error(`carechain custodian: could not write ${path}: ${String(error)}`);
        });
      return queue;
    },
    async close() {
      await queue;
      await handle.close();
    },
  };
}
