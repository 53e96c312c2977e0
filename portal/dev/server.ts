/**
 * The portal's local HTTP front (development and tests only): serves the built portal (portal/dist), the demo's
 * configuration, an HTTP blob store over one in-process `BlobStore`, and forwards `POST /v1/release` to the
 * custodian service (which sends no CORS headers, so the page reaches it through its own origin).
 */
import { createReadStream, existsSync, statSync } from "node:fs";
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize, sep } from "node:path";

import { CID } from "multiformats/cid";

import type { BlobStore } from "../../sdk/index.js";

/** What {@link startPortalServer} needs. */
export interface PortalServerOptions {
  /** The built portal (index.html and assets/). */
  readonly distDir: string;
  /** The store the seed, the custodian and the page share. */
  readonly store: BlobStore;
  /** Served as `/portal-config.json`. */
  readonly config: unknown;
  /** The custodian service's base URL. */
  readonly custodianUrl: string;
  /** Port (default: any free one). */
  readonly port?: number;
}

/** A running portal server. */
export interface PortalServer {
  readonly url: string;
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".css": "text/css",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};
const MAX_BLOB_BYTES = 64 * 2 ** 20;

/**
 * Starts the server on 127.0.0.1.
 * @param options - The dist directory, store, configuration and custodian URL.
 * @returns Its URL and a `close()`.
 */
export async function startPortalServer(options: PortalServerOptions): Promise<PortalServer> {
  const root = normalize(options.distDir + sep);
  const config = JSON.stringify(options.config);
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(error instanceof Error ? error.message : "internal error");
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    if (path === "/portal-config.json") {
      res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" }).end(config);
      return;
    }
    if (path === "/v1/release") return forward(req, res, options.custodianUrl);
    const blob = /^\/blobs\/([a-z0-9]+)$/.exec(path)?.[1];
    if (blob) return blobRoute(req, res, options.store, blob);
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405).end();
      return;
    }
    let file = normalize(join(root, path === "/" ? "index.html" : path));
    if (!file.startsWith(root) || !existsSync(file) || statSync(file).isDirectory()) file = join(root, "index.html");
    const immutable = file.includes(`${sep}assets${sep}`);
    res.writeHead(200, {
      "content-type": MIME[extname(file)] ?? "application/octet-stream",
      "cache-control": immutable ? "public, max-age=31536000, immutable" : "no-store",
      "referrer-policy": "no-referrer",
    });
    if (req.method === "HEAD") res.end();
    else createReadStream(file).pipe(res);
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** `PUT /blobs/<cid>` (the bytes must hash to it), `GET`, `HEAD`, `DELETE`. */
async function blobRoute(req: IncomingMessage, res: ServerResponse, store: BlobStore, text: string): Promise<void> {
  let cid: CID;
  try {
    cid = CID.parse(text);
  } catch {
    res.writeHead(400, { "content-type": "text/plain" }).end("not a CID");
    return;
  }
  if (req.method === "PUT") {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BLOB_BYTES) {
        res.writeHead(413).end();
        return;
      }
      chunks.push(chunk);
    }
    const stored = await store.put(new Uint8Array(Buffer.concat(chunks)));
    if (!stored.equals(cid)) {
      await store.delete(stored).catch(() => {});
      res.writeHead(422, { "content-type": "text/plain" }).end("the bytes do not hash to the CID");
      return;
    }
    res.writeHead(201).end();
  } else if (req.method === "GET" || req.method === "HEAD") {
    if (!(await store.has(cid))) {
      res.writeHead(404).end();
      return;
    }
    const bytes = await store.get(cid);
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": bytes.length });
    res.end(req.method === "GET" ? bytes : undefined);
  } else if (req.method === "DELETE") {
    await store.delete(cid);
    res.writeHead(204).end();
  } else {
    res.writeHead(405).end();
  }
}

/** Forwards a request to `target` (same path) and pipes the answer back. */
function forward(req: IncomingMessage, res: ServerResponse, target: string): Promise<void> {
  return new Promise((resolve) => {
    const url = new URL(req.url ?? "/", target);
    const out = request(url, { method: req.method, headers: { ...req.headers, host: url.host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res).once("finish", resolve);
    });
    out.once("error", () => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "application/json" });
      res.end(JSON.stringify({ code: "UNREACHABLE", message: "The custodian service could not be reached." }));
      resolve();
    });
    req.pipe(out);
  });
}
