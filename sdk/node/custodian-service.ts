/**
 * The emergency custodian's key-release HTTP service (Node only). Hardened against a hostile relay or provider:
 * each signed request releases at most once, whatever its signature's encoding (the replay guard is keyed by the
 * digest of what was signed, bound to the chain and the RecordRegistry); bodies are capped and refused with 413
 * without being read; headers and whole requests have deadlines; each provider is rate-limited; an address that
 * is not an active emergency provider is refused after a view call, before any transaction; every request and
 * refusal is appended to a local JSON-lines log; errors answer a fixed message and a code, never internals.
 */
import { open, type FileHandle } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { getAddress } from "ethers";

import { CONTRACT_ERROR_NAMES } from "../chain/revert.js";
import { enumValue, PROVIDER_KINDS } from "../contracts/enums.js";
import type { Carechain } from "../client/carechain.js";
import { keyReleaseDigest, keyReleaseSigner, type KeyReleaseRequest } from "../client/custodian.js";
import { CarechainError } from "../errors/base.js";
import { ContractRevertError } from "../errors/contract.js";

/** A running custodian service. */
export interface CustodianService {
  /** Base URL, e.g. `http://127.0.0.1:43121`. */
  readonly url: string;
  /** The JSON-lines log of every request and refusal. */
  readonly logPath: string;
  /** Stops accepting requests, ends open connections, flushes and closes the log. */
  close(): Promise<void>;
}

/** Per-provider rate limit: at most `requests` signed requests per `windowSeconds`. */
export interface CustodianRateLimit {
  /** Most signed requests one provider may make in the window. */
  readonly requests: number;
  /** The sliding window, in seconds. */
  readonly windowSeconds: number;
}

/** Options of {@link startCustodianService}. */
export interface CustodianServiceOptions {
  /** The custodian organisation's client: its account is the Directory's emergency custodian. */
  readonly custodian: Carechain;
  /** Port to listen on; default 0 (any free port). */
  readonly port?: number;
  /** Interface to listen on; default 127.0.0.1. */
  readonly host?: string;
  /** Largest accepted difference between a request's `issuedAt` and now, in seconds; default 300. */
  readonly maxSkewSeconds?: number;
  /**
   * Append-only JSON-lines log of every request and refusal (time, remote address, status, code, provider,
   * record, request digest, transaction). Default: a new file `carechain-custodian-<time>-<pid>.jsonl` in the
   * OS temporary directory (see {@link CustodianService.logPath}); point it at durable storage in production.
   */
  readonly logPath?: string;
  /** Largest request body in bytes; default 4,096 (a request is about 400). Larger ones get 413 unread. */
  readonly maxBodyBytes?: number;
  /** Deadline for a request's headers, from the connection; default 10,000 ms. */
  readonly headersTimeoutMs?: number;
  /** Deadline for a whole request (headers and body), from the connection; default 30,000 ms. */
  readonly requestTimeoutMs?: number;
  /** Per-provider rate limit; default 30 requests per 60 s. */
  readonly rateLimit?: CustodianRateLimit;
}

/** The service's error codes and the fixed sentence each answers with. */
const ERRORS = {
  NOT_FOUND: [404, "Only POST /v1/release is served."],
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
  INTERNAL: [500, "The custodian could not complete the request."],
} as const satisfies Record<string, readonly [number, string]>;

type ErrorCode = keyof typeof ERRORS;

/** One line of the service's log. */
interface LogEntry {
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

const EMERGENCY_KIND = BigInt(enumValue("kind", PROVIDER_KINDS, "emergency"));

/**
 * Starts the emergency custodian's HTTP service: `POST /v1/release` with a {@link KeyReleaseRequest}. It checks
 * the request (chain, RecordRegistry, freshness, the provider's signature, the provider's rate), uses it once
 * (replay guard keyed by {@link keyReleaseDigest}), checks with a view call that the provider is an active
 * emergency provider, then asks the chain: the release is logged on chain (`RecordRegistry.logKeyRelease`, or
 * `logBatchKeyRelease` with the request's batch id and Merkle proof for a batch-anchored record), which reverts unless the provider's break-glass covers the record; only then is the record key wrapped for the
 * provider's Directory key and returned as a keyring.
 *
 * Answers: 200 keyring bytes; otherwise JSON `{ code, message }` with a fixed message (and, for `CHAIN_REFUSED`,
 * the Solidity error's name as `reason`): 400 `MALFORMED` / `WRONG_CHAIN` / `WRONG_REGISTRY`, 401 `STALE` /
 * `BAD_SIGNATURE`, 403 `NOT_EMERGENCY_PROVIDER` / `CHAIN_REFUSED`, 404 `NOT_FOUND`, 408 `REQUEST_TIMEOUT`, 409
 * `REPLAYED`, 413 `BODY_TOO_LARGE`, 429 `RATE_LIMITED`, 500 `INTERNAL`. Every connection serves one request.
 * @param options - The custodian client, listening address, limits and log path.
 * @returns The running service.
 * @throws {RangeError} When a limit is not a positive number.
 */
export async function startCustodianService(options: CustodianServiceOptions): Promise<CustodianService> {
  const maxSkew = options.maxSkewSeconds ?? 300;
  const maxBody = options.maxBodyBytes ?? 4096;
  const headersTimeout = options.headersTimeoutMs ?? 10_000;
  const requestTimeout = options.requestTimeoutMs ?? 30_000;
  const rate = options.rateLimit ?? { requests: 30, windowSeconds: 60 };
  for (const [name, value] of Object.entries({ maxSkew, maxBody, headersTimeout, requestTimeout, ...rate })) {
    if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name}: expected a positive number, got ${value}`);
  }
  if (requestTimeout < headersTimeout) throw new RangeError("requestTimeoutMs must be at least headersTimeoutMs");

  const { custodian } = options;
  const provider = custodian.contracts.directory.runner?.provider;
  if (!provider) throw new CarechainError("CHAIN", "The custodian client's contracts have no provider to reach the chain.");
  const chainId = (await provider.getNetwork()).chainId.toString();
  const registry = getAddress(await custodian.contracts.records.getAddress());
  const logPath = options.logPath ?? join(tmpdir(), `carechain-custodian-${Date.now()}-${process.pid}.jsonl`);
  const log = await openLog(logPath);

  const used = new Map<string, number>(); // request digest → issuedAt
  const recent = new Map<string, number[]>(); // provider → request times (ms)
  const deadlines = new Map<Socket, NodeJS.Timeout>();
  const connectedAt = new WeakMap<Socket, number>();

  // The service's own deadlines (logged) come first; Node's, a second later, are the backstop.
  const server = createServer(
    {
      headersTimeout: headersTimeout + 1000,
      requestTimeout: requestTimeout + 1000,
      connectionsCheckingInterval: Math.max(50, Math.min(1000, headersTimeout / 2)),
      keepAliveTimeout: 1000,
    },
    (req, res) => {
      clearTimeout(deadlines.get(req.socket));
      deadlines.delete(req.socket);
      const context: Partial<LogEntry> = {};
      handle(req, res, context)
        .catch((error: unknown) =>
          refuse(res, req, "INTERNAL", { ...context, detail: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }),
        )
        .catch(() => req.socket.destroy());
    },
  );
  // Slowloris: a connection that has not sent its headers by the deadline is logged and closed.
  server.on("connection", (socket: Socket) => {
    const timer = setTimeout(() => {
      void log
        .append({ time: new Date().toISOString(), remote: socket.remoteAddress, status: 408, code: "HEADERS_TIMEOUT" })
        .finally(() => socket.destroy());
    }, headersTimeout);
    deadlines.set(socket, timer);
    connectedAt.set(socket, Date.now());
    socket.once("close", () => {
      clearTimeout(timer);
      deadlines.delete(socket);
    });
  });
  server.on("clientError", (error: Error & { code?: string }, socket: Socket) => {
    void log
      .append({ time: new Date().toISOString(), remote: socket.remoteAddress, status: 400, code: "BAD_HTTP", detail: error.code })
      .finally(() => {
        if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
        else socket.destroy();
      });
  });

  /** Logs the refusal (the line is written before the answer goes out), then answers it. */
  async function refuse(res: ServerResponse, req: IncomingMessage, code: ErrorCode, context: Partial<LogEntry> = {}): Promise<void> {
    const [status, message] = ERRORS[code];
    await log.append({ time: new Date().toISOString(), remote: req.socket.remoteAddress, status, code, ...context });
    if (res.headersSent) {
      req.socket.destroy();
      return;
    }
    const body = JSON.stringify(code === "CHAIN_REFUSED" && context.reason ? { code, message, reason: context.reason } : { code, message });
    res.writeHead(status, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(body),
      connection: "close",
      ...(code === "RATE_LIMITED" ? { "retry-after": String(rate.windowSeconds) } : {}),
    });
    // A refused body is never read to its end: the connection closes once the answer is out.
    res.end(body, () => req.socket.destroy());
  }

  async function handle(req: IncomingMessage, res: ServerResponse, context: Partial<LogEntry>): Promise<void> {
    if (req.method !== "POST" || req.url !== "/v1/release") return refuse(res, req, "NOT_FOUND");
    const declared = Number(req.headers["content-length"] ?? 0);
    if (!(declared <= maxBody)) return refuse(res, req, "BODY_TOO_LARGE", { detail: `content-length ${req.headers["content-length"]}` });
    const left = requestTimeout - (Date.now() - (connectedAt.get(req.socket) ?? Date.now()));
    const read = await readBody(req, maxBody, Math.max(0, left));
    if (read.stopped !== undefined) {
      return refuse(res, req, read.stopped === "too large" ? "BODY_TOO_LARGE" : "REQUEST_TIMEOUT");
    }
    const request = parseRequest(read.body);
    if (!request) return refuse(res, req, "MALFORMED");
    context.provider = request.provider;
    context.recordId = request.recordId;
    if (request.chainId !== chainId) return refuse(res, req, "WRONG_CHAIN", context);
    if (getAddress(request.registry) !== registry) return refuse(res, req, "WRONG_REGISTRY", context);
    const now = Math.floor(Date.now() / 1000);
    if (Math.abs(now - request.issuedAt) > maxSkew) return refuse(res, req, "STALE", context);
    context.digest = keyReleaseDigest(request);
    let signer: string;
    try {
      signer = keyReleaseSigner(request);
    } catch {
      return refuse(res, req, "BAD_SIGNATURE", context);
    }
    const provider = getAddress(request.provider);
    if (signer !== provider) return refuse(res, req, "BAD_SIGNATURE", context);
    if (!withinRate(provider)) return refuse(res, req, "RATE_LIMITED", context);
    // Each signed request is used once, keyed by what was signed (not by the signature's bytes, which have several
    // valid encodings): a captured or re-encoded one can't log (and pay for) more releases.
    for (const [digest, issuedAt] of used) if (issuedAt < now - maxSkew) used.delete(digest);
    if (used.has(context.digest)) return refuse(res, req, "REPLAYED", context);
    used.set(context.digest, request.issuedAt);
    // A view call, never a transaction, for an address that is not an active emergency provider.
    const directory = custodian.contracts.directory;
    // (`provider` is also the name of the contract runner's provider: the function is reached by name.)
    const record = (await directory.getFunction("provider").staticCall(provider)) as { kind: bigint; suspended: boolean };
    if (record.kind !== EMERGENCY_KIND || record.suspended) return refuse(res, req, "NOT_EMERGENCY_PROVIDER", context);
    let released: Awaited<ReturnType<Carechain["releaseEmergencyKey"]>>;
    try {
      released = await custodian.releaseEmergencyKey(request.recordId, provider, {
        ...(request.batch ? { batch: request.batch } : {}),
      });
    } catch (error) {
      if (error instanceof ContractRevertError) {
        const reason = CONTRACT_ERROR_NAMES.includes(error.errorName) ? error.errorName : undefined;
        return refuse(res, req, "CHAIN_REFUSED", { ...context, reason });
      }
      throw error;
    }
    const { keyring, tx } = released;
    await log.append({ time: new Date().toISOString(), remote: req.socket.remoteAddress, status: 200, code: "RELEASED", ...context, tx: tx.hash });
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": keyring.length, connection: "close" });
    res.end(keyring);
  }

  function withinRate(provider: string): boolean {
    const now = Date.now();
    const since = now - rate.windowSeconds * 1000;
    for (const [key, times] of recent) if ((times.at(-1) ?? 0) < since) recent.delete(key);
    const times = (recent.get(provider) ?? []).filter((t) => t >= since);
    if (times.length >= rate.requests) {
      recent.set(provider, times);
      return false;
    }
    times.push(now);
    recent.set(provider, times);
    return true;
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve));
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address.includes(":") ? `[${address}]` : address}:${port}`,
    logPath,
    close: async () => {
      const closed = new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
      server.closeAllConnections();
      for (const timer of deadlines.values()) clearTimeout(timer);
      await closed;
      await log.close();
    },
  };
}

/** Reads the body up to `max` bytes within `timeoutMs`; stops reading (and says why) past either. */
function readBody(
  req: IncomingMessage,
  max: number,
  timeoutMs: number,
): Promise<{ stopped?: undefined; body: string } | { stopped: "too large" | "timeout" }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const finish = (value: { stopped?: undefined; body: string } | { stopped: "too large" | "timeout" }) => {
      clearTimeout(timer);
      req.removeAllListeners("data");
      req.pause();
      resolve(value);
    };
    const timer = setTimeout(() => finish({ stopped: "timeout" }), timeoutMs);
    req.on("data", (chunk: Buffer) => {
      length += chunk.length;
      if (length > max) { finish({ stopped: "too large" }); return; }
      chunks.push(chunk);
    });
    req.once("end", () => finish({ body: Buffer.concat(chunks).toString("utf8") }));
    req.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

function parseRequest(body: string): KeyReleaseRequest | undefined {
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

/** The append-only JSON-lines log: one line per entry, written in order. */
async function openLog(path: string): Promise<{ append(entry: LogEntry): Promise<void>; close(): Promise<void> }> {
  const handle: FileHandle = await open(path, "a", 0o600);
  let queue: Promise<void> = Promise.resolve();
  return {
    /** Appends one line (in call order); resolves once it is written. */
    append(entry) {
      const line = `${JSON.stringify(entry)}\n`;
      queue = queue.then(() => handle.appendFile(line, "utf8")).catch((error: unknown) => {
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
