/**
 * The emergency custodian's key-release HTTP service (Node only). Hardened against a hostile relay or provider:
 * each signed request releases at most once, whatever its signature's encoding (the replay guard is keyed by the
 * digest of what was signed, bound to the chain and the RecordRegistry); bodies are capped and refused with 413
 * without being read; headers and whole requests have deadlines; each provider is rate-limited; an address that
 * is not an active emergency provider is refused after a view call, before any transaction; every request and
 * refusal is appended to a local JSON-lines log; errors answer a fixed message and a code, never internals.
 * In share-holding mode it is one node of a k-of-n custodian set (sdk/node/custodian-share.ts).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { getAddress } from "ethers";

import { CONTRACT_ERROR_NAMES } from "../chain/revert.js";
import { enumValue, PROVIDER_KINDS } from "../contracts/enums.js";
import type { Carechain } from "../client/carechain.js";
import { keyReleaseDigest, keyReleaseSigner } from "../client/custodian.js";
import { CarechainError } from "../errors/base.js";
import { ContractRevertError } from "../errors/contract.js";
import { ERRORS, logLine, openLog, parseRequest, readBody, type ErrorCode, type LogEntry } from "./_custodian-io.js";
import { decideShareRequest, parseShareRequest, type ShareHolderOptions } from "./custodian-share.js";
import { shareReleaseDigest, shareReleaseSigner } from "../client/threshold-custody.js";

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
  /**
   * The custodian organisation's client: its account is the Directory's emergency custodian. In share-holding mode
   * (`shares`) only its contracts are used (read-only: a node sends no transaction).
   */
  readonly custodian: Pick<Carechain, "contracts"> & Partial<Pick<Carechain, "releaseEmergencyKey">>;
  /**
   * Share-holding mode: this service is one node of a k-of-n custodian set and serves `POST /v1/share` (a
   * {@link ShareReleaseRequest}) instead of `POST /v1/release`. See sdk/node/custodian-share.ts.
   */
  readonly shares?: ShareHolderOptions;
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
 *
 * With `shares`, the service is a share-holding node instead: `POST /v1/share` with a {@link ShareReleaseRequest}
 * passes the same request checks (signed by the reader, each signed request and each logged access used once), then
 * the node checks on chain, on its own, that the access is logged in the named transaction and that the reader may
 * read the record now (403 `ACCESS_NOT_LOGGED` / `ACCESS_LOG_STALE` / `ACCESS_DENIED` / `READER_NOT_REGISTERED`;
 * 410 `RECORD_ERASED` once the patient erased the record; 422 `SHARE_INVALID`), logs the release locally, and answers its share sealed for the reader's Directory key.
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
  const maxAccessAge = options.shares?.maxAccessAgeSeconds ?? 300;
  for (const [name, value] of Object.entries({
    maxSkew,
    maxBody,
    headersTimeout,
    requestTimeout,
    maxAccessAge,
    ...rate,
  })) {
    if (!Number.isFinite(value) || value <= 0)
      throw new RangeError(`${name}: expected a positive number, got ${value}`);
  }
  if (requestTimeout < headersTimeout) throw new RangeError("requestTimeoutMs must be at least headersTimeoutMs");

  const { custodian } = options;
  if (!options.shares && !custodian.releaseEmergencyKey)
    throw new TypeError("custodian: a client with releaseEmergencyKey, or `shares`, is required");
  const provider = custodian.contracts.directory.runner?.provider;
  if (!provider)
    throw new CarechainError("CHAIN", "The custodian client's contracts have no provider to reach the chain.");
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
          refuse(res, req, "INTERNAL", {
            ...context,
            detail: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
          }),
        )
        .catch(() => req.socket.destroy());
    },
  );
  // Slowloris: a connection that has not sent its headers by the deadline is logged and closed.
  server.on("connection", (socket: Socket) => {
    const timer = setTimeout(() => {
      void log.append(logLine(socket, 408, "HEADERS_TIMEOUT")).finally(() => socket.destroy());
    }, headersTimeout);
    deadlines.set(socket, timer);
    connectedAt.set(socket, Date.now());
    socket.once("close", () => {
      clearTimeout(timer);
      deadlines.delete(socket);
    });
  });
  server.on("clientError", (error: Error & { code?: string }, socket: Socket) => {
    void log.append(logLine(socket, 400, "BAD_HTTP", { detail: error.code })).finally(() => {
      if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
      else socket.destroy();
    });
  });

  /** Logs the refusal (the line is written before the answer goes out), then answers it. */
  async function refuse(
    res: ServerResponse,
    req: IncomingMessage,
    code: ErrorCode,
    context: Partial<LogEntry> = {},
  ): Promise<void> {
    const [status, message] = ERRORS[code];
    await log.append(logLine(req.socket, status, code, context));
    if (res.headersSent) {
      req.socket.destroy();
      return;
    }
    const body = JSON.stringify(
      code === "CHAIN_REFUSED" && context.reason ? { code, message, reason: context.reason } : { code, message },
    );
    res.writeHead(status, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(body),
      connection: "close",
      ...(code === "RATE_LIMITED" ? { "retry-after": String(rate.windowSeconds) } : {}),
    });
    // A refused body is never read to its end: the connection closes once the answer is out.
    res.end(body, () => req.socket.destroy());
  }

  /** Logs the release (the line is written before the answer goes out), then answers `body` with 200. */
  async function release(
    res: ServerResponse,
    req: IncomingMessage,
    context: Partial<LogEntry>,
    body: Uint8Array,
    contentType: string,
  ): Promise<void> {
    await log.append(logLine(req.socket, 200, "RELEASED", context));
    res.writeHead(200, { "content-type": contentType, "content-length": body.length, connection: "close" });
    res.end(body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse, context: Partial<LogEntry>): Promise<void> {
    if (req.method !== "POST" || req.url !== (options.shares ? "/v1/share" : "/v1/release"))
      return refuse(res, req, "NOT_FOUND");
    const declared = Number(req.headers["content-length"] ?? 0);
    if (!(declared <= maxBody))
      return refuse(res, req, "BODY_TOO_LARGE", { detail: `content-length ${req.headers["content-length"]}` });
    const left = requestTimeout - (Date.now() - (connectedAt.get(req.socket) ?? Date.now()));
    const read = await readBody(req, maxBody, Math.max(0, left));
    if (read.stopped !== undefined) {
      return refuse(res, req, read.stopped === "too large" ? "BODY_TOO_LARGE" : "REQUEST_TIMEOUT");
    }
    if (options.shares) return handleShare(req, res, context, read.body, options.shares);
    const request = parseRequest(read.body);
    if (!request) return refuse(res, req, "MALFORMED");
    const refusal = checkSigned(request, request.provider, keyReleaseDigest, keyReleaseSigner, context);
    if (refusal) return refuse(res, req, refusal, context);
    const provider = getAddress(request.provider);
    // A view call, never a transaction, for an address that is not an active emergency provider.
    const directory = custodian.contracts.directory;
    // (`provider` is also the name of the contract runner's provider: the function is reached by name.)
    const record = (await directory.getFunction("provider").staticCall(provider)) as {
      kind: bigint;
      suspended: boolean;
    };
    if (record.kind !== EMERGENCY_KIND || record.suspended) return refuse(res, req, "NOT_EMERGENCY_PROVIDER", context);
    // Checked at start-up for a service that serves /v1/release; a client without the method serves no release.
    if (!custodian.releaseEmergencyKey) return refuse(res, req, "NOT_FOUND", context);
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
    context.tx = released.tx.hash;
    return release(res, req, context, released.keyring, "application/octet-stream");
  }

  /** Share-holding mode: the same request checks, then the node's own on-chain checks; logged before answering. */
  async function handleShare(
    req: IncomingMessage,
    res: ServerResponse,
    context: Partial<LogEntry>,
    body: string,
    holder: ShareHolderOptions,
  ): Promise<void> {
    const request = parseShareRequest(body);
    if (!request) return refuse(res, req, "MALFORMED");
    context.tx = request.accessTx;
    const refusal = checkSigned(request, request.reader, shareReleaseDigest, shareReleaseSigner, context);
    if (refusal) return refuse(res, req, refusal, context);
    // One release per node for each access logged on chain: a log can't be reused for more reads.
    const logged = `${request.accessTx}:${request.recordId}`;
    if (used.has(logged)) return refuse(res, req, "REPLAYED", context);
    // Kept until the log is too old to be accepted anyway (the map is pruned by `issuedAt < now - maxSkew`).
    used.set(logged, Math.floor(Date.now() / 1000) + maxAccessAge);
    const decision = await decideShareRequest(custodian.contracts, holder, request);
    if ("refused" in decision) return refuse(res, req, decision.refused, { ...context, detail: decision.detail });
    return release(res, req, context, decision.answer, "application/json");
  }

  /**
   * The checks every signed request passes first: chain, deployment, freshness, signer, rate, and use once (keyed by
   * what was signed, not by the signature's bytes, which have several valid encodings). Names the signer and the
   * record in `context` (the log line) first.
   */
  function checkSigned<R extends { chainId: string; registry: string; issuedAt: number; recordId: string }>(
    request: R,
    account: string,
    digestOf: (request: R) => string,
    signerOf: (request: R) => string,
    context: Partial<LogEntry>,
  ): ErrorCode | undefined {
    context.provider = account;
    context.recordId = request.recordId;
    if (request.chainId !== chainId) return "WRONG_CHAIN";
    if (getAddress(request.registry) !== registry) return "WRONG_REGISTRY";
    const now = Math.floor(Date.now() / 1000);
    if (Math.abs(now - request.issuedAt) > maxSkew) return "STALE";
    context.digest = digestOf(request);
    let signer: string;
    try {
      signer = signerOf(request);
    } catch {
      return "BAD_SIGNATURE";
    }
    if (signer !== getAddress(account)) return "BAD_SIGNATURE";
    if (!withinRate(signer)) return "RATE_LIMITED";
    for (const [digest, issuedAt] of used) if (issuedAt < now - maxSkew) used.delete(digest);
    if (used.has(context.digest)) return "REPLAYED";
    used.set(context.digest, request.issuedAt);
    return undefined;
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
