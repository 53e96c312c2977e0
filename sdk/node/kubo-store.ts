/**
 * A {@link BlobStore} over Kubo's HTTP RPC API (an external IPFS daemon, or an IPFS Cluster peer's Kubo
 * proxy). Uses only `fetch`, `FormData` and `Blob`.
 *
 * Endpoints (all POST, as Kubo requires):
 *   put    → /api/v0/block/put?cid-codec=raw&mhtype=sha2-256&mhlen=32   (multipart field "file")
 *            then /api/v0/pin/add?arg=<cid>                             (when pinning; via IPFS Cluster's
 *            proxy this becomes a cluster-wide pin)
 *   get    → /api/v0/block/get?arg=<cid>
 *   has    → /api/v0/block/stat?arg=<cid>&offline=true
 *   delete → /api/v0/pin/rm?arg=<cid> (when pinning), then /api/v0/block/rm?arg=<cid>&force=true
 * Every `get` is verified against the CID: the daemon is never trusted.
 */
import type { CID } from "multiformats/cid";

import type { BlobStore } from "../content/blob-store.js";
import { cidOf, verifyCid } from "../content/cid.js";
import { BlobNotFoundError, IntegrityError, StoreUnavailableError } from "../errors/data.js";

/** Kubo's default RPC address. */
export const DEFAULT_KUBO_RPC_URL = "http://127.0.0.1:5001";

/** Options of {@link KuboBlobStore}. */
export interface KuboBlobStoreOptions {
  /** The RPC root, e.g. `http://127.0.0.1:5001` (default) or an IPFS Cluster proxy `http://127.0.0.1:9095`. */
  url?: string | URL;
  /** Pin each blob on put (default true) so the daemon's GC keeps it; delete unpins first. */
  pin?: boolean;
  /**
   * Ask only the daemon's own repo on get (default false). When false, Kubo may fetch a blob it lacks from
   * the IPFS network within `fetchTimeoutMs`.
   */
  offline?: boolean;
  /** How long Kubo may search for a blob it lacks on get, in ms (default 15,000). Sent as Kubo's `timeout`. */
  fetchTimeoutMs?: number;
  /** Deadline for each HTTP request, in ms (default 60,000). Exceeding it is StoreUnavailableError. */
  requestTimeoutMs?: number;
  /** Extra request headers, e.g. `{ authorization: "Bearer …" }` for Kubo's `API.Authorizations`. */
  headers?: Record<string, string>;
  /** The fetch implementation (default: the global one). */
  fetch?: typeof fetch;
}

/** Kubo's error body: `{"Message": "...", "Code": 0, "Type": "error"}`. */
interface KuboErrorBody {
  Message?: string;
}

/** Kubo error messages that mean "the block is not there" (boxo's ipld.ErrNotFound, offline misses, timeouts). */
const NOT_FOUND = /not found|could not find|context deadline exceeded|blockservice: key not found/i;
const NOT_PINNED = /not pinned|is not pinned/i;

/** Blocks above this size need Kubo's `allow-big-block` (Kubo's bitswap-safe limit: 1 MiB). */
const KUBO_BLOCK_LIMIT = 1_048_576;

/**
 * A {@link BlobStore} on a Kubo daemon (or IPFS Cluster) over HTTP RPC. Same CIDs as every other store.
 *
 * Blobs over 1 MiB are put with `allow-big-block=true`: Kubo stores them, but its bitswap will not send them
 * to other peers (see docs/storage.md).
 * @example
 * const store = new KuboBlobStore({ url: "http://127.0.0.1:5001" });
 * const cid = await store.put(bytes);
 */
export class KuboBlobStore implements BlobStore {
  /** The RPC root URL (without a trailing slash). */
  readonly url: string;
  readonly #pin: boolean;
  readonly #offline: boolean;
  readonly #fetchTimeoutMs: number;
  readonly #requestTimeoutMs: number;
  readonly #headers: Record<string, string>;
  readonly #fetch: typeof fetch;

  /**
   * @param options - URL, pinning, timeouts, headers.
   * @throws {TypeError} On a URL that is not http(s) or a non-positive timeout.
   */
  constructor(options: KuboBlobStoreOptions = {}) {
    const url = new URL(String(options.url ?? DEFAULT_KUBO_RPC_URL));
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new TypeError(`kubo: the RPC URL must be http(s), got ${url.protocol}`);
    }
    this.url = url.href.replace(/\/+$/, "");
    this.#pin = options.pin ?? true;
    this.#offline = options.offline ?? false;
    this.#fetchTimeoutMs = positive(options.fetchTimeoutMs ?? 15_000, "fetchTimeoutMs");
    this.#requestTimeoutMs = positive(options.requestTimeoutMs ?? 60_000, "requestTimeoutMs");
    this.#headers = { ...options.headers };
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** @inheritDoc */
  async put(bytes: Uint8Array): Promise<CID> {
    const cid = await cidOf(bytes);
    const form = new FormData();
    form.append("file", new Blob([bytes.slice()]), "blob");
    const params: Record<string, string> = { "cid-codec": "raw", mhtype: "sha2-256", mhlen: "32", pin: "false" };
    if (bytes.length > KUBO_BLOCK_LIMIT) params["allow-big-block"] = "true";
    const reply = await this.#call("block/put", params, cid, form);
    if (!reply.ok) throw await this.#failure("block/put", reply, cid);
    const body = (await this.#json(reply, "block/put", cid)) as { Key?: unknown };
    if (body.Key !== cid.toString()) {
      throw new IntegrityError("The store acknowledged the blob under a different CID.", {
        details: `cid=${cid}; store said ${JSON.stringify(body.Key)}`,
      });
    }
    if (this.#pin) {
      const pinned = await this.#call("pin/add", { arg: cid.toString() }, cid);
      if (!pinned.ok) throw await this.#failure("pin/add", pinned, cid);
      await pinned.arrayBuffer();
    }
    return cid;
  }

  /**
   * @inheritDoc
   * @throws {StoreUnavailableError} When the daemon cannot be reached or answers with an unexpected error.
   */
  async get(cid: CID): Promise<Uint8Array> {
    const params: Record<string, string> = { arg: cid.toString() };
    if (this.#offline) params.offline = "true";
    else params.timeout = `${this.#fetchTimeoutMs}ms`;
    const reply = await this.#call("block/get", params, cid);
    if (!reply.ok) throw await this.#failure("block/get", reply, cid);
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await reply.arrayBuffer());
    } catch (cause) {
      throw this.#unreachable("block/get", cid, cause);
    }
    return verifyCid(cid, bytes);
  }

  /**
   * Whether the daemon's own repo holds the blob (asked offline: the network is not searched; not verified).
   * @throws {StoreUnavailableError} When the daemon cannot be reached or answers with an unexpected error.
   */
  async has(cid: CID): Promise<boolean> {
    const reply = await this.#call("block/stat", { arg: cid.toString(), offline: "true" }, cid);
    if (reply.ok) {
      await reply.arrayBuffer();
      return true;
    }
    const error = await this.#failure("block/stat", reply, cid);
    if (error instanceof BlobNotFoundError) return false;
    throw error;
  }

  /**
   * Unpins (when pinning) and removes the block from the daemon's repo; a missing blob is a no-op.
   * @throws {StoreUnavailableError} When the daemon cannot be reached or refuses (e.g. pinned elsewhere).
   */
  async delete(cid: CID): Promise<void> {
    if (this.#pin) {
      const unpinned = await this.#call("pin/rm", { arg: cid.toString() }, cid);
      if (!unpinned.ok) {
        const message = await this.#message(unpinned);
        if (!NOT_PINNED.test(message) && !NOT_FOUND.test(message)) {
          throw new StoreUnavailableError("The store refused to unpin the blob.", {
            details: `cid=${cid}; pin/rm ${unpinned.status}: ${message}`,
          });
        }
      } else {
        await unpinned.arrayBuffer();
      }
    }
    const reply = await this.#call("block/rm", { arg: cid.toString(), force: "true" }, cid);
    if (!reply.ok) throw await this.#failure("block/rm", reply, cid);
    // block/rm answers 200 with one JSON object per block: {"Hash": "...", "Error": "..."}.
    const text = await reply.text();
    for (const line of text.split("\n")) {
      if (!line.trim()) continue;
      let entry: { Error?: string };
      try {
        entry = JSON.parse(line) as { Error?: string };
      } catch (cause) {
        throw new StoreUnavailableError("The store answered block/rm with something other than JSON.", {
          details: `cid=${cid}; url=${this.url}`,
          cause,
        });
      }
      if (entry.Error && !NOT_FOUND.test(entry.Error)) {
        throw new StoreUnavailableError("The store refused to delete the blob.", {
          details: `cid=${cid}; ${entry.Error}`,
        });
      }
    }
  }

  /** POSTs one RPC call; connection failures and timeouts become StoreUnavailableError. */
  async #call(command: string, params: Record<string, string>, cid: CID, body?: FormData): Promise<Response> {
    const endpoint = `${this.url}/api/v0/${command}?${new URLSearchParams(params)}`;
    try {
      return await this.#fetch(endpoint, {
        method: "POST",
        headers: this.#headers,
        body,
        signal: AbortSignal.timeout(this.#requestTimeoutMs),
      });
    } catch (cause) {
      throw this.#unreachable(command, cid, cause);
    }
  }

  #unreachable(command: string, cid: CID, cause: unknown): StoreUnavailableError {
    const timedOut = cause instanceof Error && cause.name === "TimeoutError";
    return new StoreUnavailableError(
      timedOut ? "The IPFS node did not answer in time." : "The IPFS node cannot be reached.",
      { details: `cid=${cid}; ${command} at ${this.url}: ${describe(cause)}`, cause },
    );
  }

  /** Turns a non-2xx reply into BlobNotFoundError (Kubo's "not found" errors) or StoreUnavailableError. */
  async #failure(command: string, reply: Response, cid: CID): Promise<BlobNotFoundError | StoreUnavailableError> {
    const message = await this.#message(reply);
    if (reply.status === 500 && NOT_FOUND.test(message) && command !== "block/put") {
      return new BlobNotFoundError("The store holds no blob for this CID.", { details: `cid=${cid}` });
    }
    return new StoreUnavailableError(`The IPFS node answered ${command} with HTTP ${reply.status}.`, {
      details: `cid=${cid}; ${this.url}: ${message}`,
    });
  }

  async #message(reply: Response): Promise<string> {
    let text = "";
    try {
      text = await reply.text();
      const body = JSON.parse(text) as KuboErrorBody;
      return typeof body.Message === "string" ? body.Message : text;
    } catch {
      return text.slice(0, 500);
    }
  }

  async #json(reply: Response, command: string, cid: CID): Promise<unknown> {
    const text = await reply.text();
    try {
      return JSON.parse(text) as unknown;
    } catch (cause) {
      throw new StoreUnavailableError(`The IPFS node answered ${command} with something other than JSON.`, {
        details: `cid=${cid}; ${this.url}: ${text.slice(0, 200)}`,
        cause,
      });
    }
  }
}

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0) throw new TypeError(`kubo: ${name} must be a positive number`);
  return value;
}

/** The innermost useful message of a fetch failure (undici wraps ECONNREFUSED in `cause`). */
function describe(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error; e && parts.length < 4; e = (e as { cause?: unknown }).cause) {
    const { code, message } = e as { code?: string; message?: string };
    const text = message ?? (typeof e === "string" || typeof e === "number" ? String(e) : "an error without a message");
    parts.push(code ? `${code}: ${text}` : text);
  }
  return parts.join(" ← ");
}
