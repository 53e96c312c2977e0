import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

import { getAddress } from "ethers";

import type { Carechain } from "../client/carechain.js";
import { keyReleaseSigner, type KeyReleaseRequest } from "../client/custodian.js";
import { CarechainError } from "../errors/base.js";
import { ContractRevertError } from "../errors/contract.js";

/** A running custodian service. */
export interface CustodianService {
  /** Base URL, e.g. `http://127.0.0.1:43121`. */
  readonly url: string;
  /** Stops accepting requests and closes the server. */
  close(): Promise<void>;
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
}

const MAX_BODY = 4096;

/**
 * Starts the emergency custodian's HTTP service: `POST /v1/release` with a {@link KeyReleaseRequest}. It checks
 * the provider's signature and freshness, then asks the chain: the release is logged on chain
 * (`RecordRegistry.logKeyRelease`, or `logBatchKeyRelease` with the request's batch id and Merkle proof for a
 * batch-anchored record), which reverts unless the provider's break-glass covers the record; only then is the
 * record key wrapped for the provider's Directory key and returned as a keyring.
 *
 * Answers: 200 keyring bytes; 400 malformed request; 401 bad signature or stale request; 409 a request already
 * used (each signed request works once); 403 the chain refused (with the Solidity error's name); 500 anything else.
 */
export async function startCustodianService(options: CustodianServiceOptions): Promise<CustodianService> {
  const maxSkew = options.maxSkewSeconds ?? 300;
  const chainId = (await options.custodian.contracts.directory.runner!.provider!.getNetwork()).chainId.toString();
  const seen = new Map<string, number>();
  const forget = (before: number) => {
    for (const [signature, issuedAt] of seen) if (issuedAt < before) seen.delete(signature);
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => reply(res, 500, { error: "internal", message: String(error) }));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== "POST" || req.url !== "/v1/release") return reply(res, 404, { error: "not found" });
    const request = parseRequest(await readBody(req));
    if (!request) return reply(res, 400, { error: "malformed request" });
    if (request.chainId !== chainId) return reply(res, 400, { error: "wrong chain", expected: chainId });
    if (Math.abs(Math.floor(Date.now() / 1000) - request.issuedAt) > maxSkew) {
      return reply(res, 401, { error: "stale request" });
    }
    let signer: string;
    try {
      signer = keyReleaseSigner(request);
    } catch {
      return reply(res, 401, { error: "bad signature" });
    }
    if (signer !== getAddress(request.provider)) return reply(res, 401, { error: "signature is not the provider's" });
    // Each signed request is used once: a captured one can't be replayed to log (and pay for) more releases.
    forget(Math.floor(Date.now() / 1000) - maxSkew);
    if (seen.has(request.signature)) return reply(res, 409, { error: "request already used" });
    seen.set(request.signature, request.issuedAt);
    try {
      const { keyring } = await options.custodian.releaseEmergencyKey(request.recordId, signer, {
        ...(request.batch ? { batch: request.batch } : {}),
      });
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": keyring.length });
      res.end(keyring);
    } catch (error) {
      if (error instanceof ContractRevertError) return reply(res, 403, { error: error.errorName, args: stringify(error.args) });
      if (error instanceof CarechainError) return reply(res, 500, { error: error.code, message: error.shortMessage });
      throw error;
    }
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve));
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address}:${port}`,
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = "";
  for await (const chunk of req) {
    body += chunk;
    if (body.length > MAX_BODY) throw new RangeError("request body too large");
  }
  return body;
}

function parseRequest(body: string): KeyReleaseRequest | undefined {
  try {
    const r = JSON.parse(body) as Partial<KeyReleaseRequest>;
    const ok =
      typeof r.chainId === "string" &&
      typeof r.recordId === "string" &&
      /^0x[0-9a-f]{64}$/.test(r.recordId) &&
      typeof r.provider === "string" &&
      /^0x[0-9a-fA-F]{40}$/.test(r.provider) &&
      Number.isInteger(r.issuedAt) &&
      typeof r.signature === "string" &&
      (r.batch === undefined || isBatch(r.batch));
    return ok ? (r as KeyReleaseRequest) : undefined;
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

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json" });
  res.end(text);
}

function stringify(args: Readonly<Record<string, unknown>>): Record<string, string> {
  return Object.fromEntries(Object.entries(args).map(([k, v]) => [k, String(v)]));
}
