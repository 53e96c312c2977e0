/**
 * KuboBlobStore against a small fake Kubo RPC server (node:http on 127.0.0.1). There is no Kubo binary here:
 * the fake implements the endpoints the store uses (block/put, block/get, block/stat, block/rm, pin/add,
 * pin/rm) over a Map, with Kubo's request shapes (POST, multipart "file" field, query arguments) and Kubo's
 * error bodies ({"Message", "Code", "Type"} with HTTP 500). It never talks to any other address.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

import { CID } from "multiformats/cid";
import * as raw from "multiformats/codecs/raw";
import { sha256 } from "multiformats/hashes/sha2";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import { BlobNotFoundError, cidOf, IntegrityError, StoreUnavailableError } from "../../../sdk/index.js";
import { DEFAULT_KUBO_RPC_URL, KuboBlobStore } from "../../../sdk/ipfs.js";
import { describeBlobStoreContract, rejection } from "../_store-contract.js";
import { utf8 } from "../_support.js";

interface FakeKuboOptions {
  /** Alter the bytes block/get returns (a lying or corrupted daemon). */
  alter?: (bytes: Uint8Array) => Uint8Array;
  /** Report this Key from block/put instead of the real CID. */
  putKey?: (cid: string) => string;
  /** Require this Authorization header on every call. */
  authorization?: string;
  /** Answer every call with this status and body instead. */
  override?: { status: number; body: string };
  /** Never answer (a hung daemon). */
  hang?: boolean;
}

interface RecordedCall {
  method: string;
  command: string;
  query: Record<string, string>;
}

/** A fake Kubo RPC daemon on 127.0.0.1:<random port>. */
class FakeKubo {
  readonly blocks = new Map<string, Uint8Array>();
  readonly pins = new Set<string>();
  readonly calls: RecordedCall[] = [];
  #server: Server;
  url = "";

  constructor(readonly options: FakeKuboOptions = {}) {
    this.#server = createServer((req, res) => void this.#handle(req, res));
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? "/", "http://fake");
    const command = url.pathname.replace(/^\/api\/v0\//, "");
    const query = Object.fromEntries(url.searchParams);
    this.calls.push({ method: req.method ?? "", command, query });
    if (this.options.hang) return; // never answers
    const send = (status: number, body: string | Uint8Array, type = "application/json") => {
      res.writeHead(status, { "content-type": type });
      res.end(body);
    };
    const fail = (message: string, status = 500) =>
      send(status, JSON.stringify({ Message: message, Code: 0, Type: "error" }));
    if (this.options.override) {
      send(this.options.override.status, this.options.override.body);
      return;
    }
    if (req.method !== "POST") {
      fail(`${req.method} not allowed`, 405);
      return;
    }
    if (this.options.authorization && req.headers.authorization !== this.options.authorization) {
      fail("unauthorized", 403);
      return;
    }
    const arg = query.arg ?? "";
    switch (command) {
      case "block/put": {
        if (query["cid-codec"] !== "raw" || query.mhtype !== "sha2-256") {
          fail("expected cid-codec=raw&mhtype=sha2-256", 400);
          return;
        }
        const form = await new Response(Buffer.concat(chunks), {
          headers: { "content-type": req.headers["content-type"] ?? "" },
        }).formData();
        const file = form.get("file");
        if (!(file instanceof Blob)) {
          fail("file argument 'data' is required", 400);
          return;
        }
        const bytes = new Uint8Array(await file.arrayBuffer());
        if (bytes.length > 1_048_576 && query["allow-big-block"] !== "true") {
          fail(
            "produced block is over 1MiB: big blocks can't be exchanged with other peers. consider using UnixFS for automatic chunking of bigger files, or pass --allow-big-block to override",
          );
          return;
        }
        const cid = CID.createV1(raw.code, await sha256.digest(bytes)).toString();
        this.blocks.set(cid, bytes);
        if (query.pin === "true") this.pins.add(cid);
        send(200, JSON.stringify({ Key: this.options.putKey?.(cid) ?? cid, Size: bytes.length }));
        return;
      }
      case "block/get": {
        const bytes = this.blocks.get(arg);
        if (!bytes) {
          fail(
            query.offline === "true"
              ? `block was not found locally (offline): ipld: could not find ${arg}`
              : "context deadline exceeded",
          );
          return;
        }
        send(200, this.options.alter ? this.options.alter(bytes) : bytes, "text/plain");
        return;
      }
      case "block/stat": {
        const bytes = this.blocks.get(arg);
        if (!bytes) {
          fail(`block was not found locally (offline): ipld: could not find ${arg}`);
          return;
        }
        send(200, JSON.stringify({ Key: arg, Size: bytes.length }));
        return;
      }
      case "block/rm": {
        if (this.pins.has(arg)) {
          send(200, `${JSON.stringify({ Hash: arg, Error: "pinned: direct" })}\n`);
          return;
        }
        if (!this.blocks.has(arg)) {
          send(
            200,
            query.force === "true" ? "" : `${JSON.stringify({ Hash: arg, Error: "ipld: could not find " + arg })}\n`,
          );
          return;
        }
        this.blocks.delete(arg);
        send(200, `${JSON.stringify({ Hash: arg })}\n`);
        return;
      }
      case "pin/add": {
        if (!this.blocks.has(arg)) {
          fail(`ipld: could not find ${arg}`);
          return;
        }
        this.pins.add(arg);
        send(200, JSON.stringify({ Pins: [arg] }));
        return;
      }
      case "pin/rm": {
        if (!this.pins.delete(arg)) {
          fail("not pinned or pinned indirectly");
          return;
        }
        send(200, JSON.stringify({ Pins: [arg] }));
        return;
      }
      default: {
        fail(`unknown command "${command}"`, 404);
        return;
      }
    }
  }
}

/** A port nobody listens on: bound once, then closed. */
async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

// The shared BlobStore contract against the fake daemon; tampering alters the daemon's stored bytes.
describeBlobStoreContract("KuboBlobStore (fake Kubo RPC on 127.0.0.1)", async () => {
  const kubo = await new FakeKubo().start();
  return {
    store: new KuboBlobStore({ url: kubo.url }),
    tamper: async (cid, bytes) => void kubo.blocks.set(cid.toString(), bytes.slice()),
    cleanup: () => kubo.stop(),
  };
});

describe("KuboBlobStore speaks Kubo's RPC", () => {
  let kubo: FakeKubo;
  beforeAll(async () => {
    kubo = await new FakeKubo().start();
  });
  afterAll(async () => {
    await kubo.stop();
  });
  afterEach(() => {
    kubo.calls.length = 0;
  });

  it("put: POST block/put (raw, sha2-256, unpinned) then pin/add; get/has/delete use the documented endpoints", async () => {
    const store = new KuboBlobStore({ url: `${kubo.url}/` });
    expect(store.url).toBe(kubo.url);
    const bytes = utf8("through kubo");
    const cid = await store.put(bytes);
    expect(kubo.pins.has(cid.toString())).toBe(true);
    expect(await store.get(cid)).toEqual(bytes);
    expect(await store.has(cid)).toBe(true);
    await store.delete(cid);
    expect(kubo.blocks.has(cid.toString())).toBe(false);
    expect(kubo.pins.has(cid.toString())).toBe(false);
    const c = cid.toString();
    expect(kubo.calls).toEqual([
      {
        method: "POST",
        command: "block/put",
        query: { "cid-codec": "raw", mhtype: "sha2-256", mhlen: "32", pin: "false" },
      },
      { method: "POST", command: "pin/add", query: { arg: c } },
      { method: "POST", command: "block/get", query: { arg: c, timeout: "15000ms" } },
      { method: "POST", command: "block/stat", query: { arg: c, offline: "true" } },
      { method: "POST", command: "pin/rm", query: { arg: c } },
      { method: "POST", command: "block/rm", query: { arg: c, force: "true" } },
    ]);
  });

  it("offline: true asks block/get offline, and a miss is BlobNotFoundError", async () => {
    const store = new KuboBlobStore({ url: kubo.url, offline: true });
    const missing = await cidOf(utf8("not in the repo"));
    const error = await rejection(store.get(missing));
    expect(error).toBeInstanceOf(BlobNotFoundError);
    expect((error as BlobNotFoundError).details).toBe(`cid=${missing}`);
    expect(kubo.calls.at(-1)).toEqual({
      method: "POST",
      command: "block/get",
      query: { arg: missing.toString(), offline: "true" },
    });
  });

  it("fetchTimeoutMs is passed as Kubo's timeout, and Kubo's deadline error is BlobNotFoundError", async () => {
    const store = new KuboBlobStore({ url: kubo.url, fetchTimeoutMs: 2_500 });
    const missing = await cidOf(utf8("nobody has it"));
    expect(await rejection(store.get(missing))).toBeInstanceOf(BlobNotFoundError);
    expect(kubo.calls.at(-1)?.query.timeout).toBe("2500ms");
  });

  it("blobs over 1 MiB are put with allow-big-block=true (Kubo refuses them otherwise)", async () => {
    const store = new KuboBlobStore({ url: kubo.url });
    const big = new Uint8Array(1_048_577).fill(7);
    const cid = await store.put(big);
    expect(kubo.calls[0]?.query["allow-big-block"]).toBe("true");
    expect((await store.get(cid)).length).toBe(big.length);
    await store.put(new Uint8Array(1_048_576).fill(8));
    expect(kubo.calls.at(-2)?.query["allow-big-block"]).toBeUndefined();
  });

  it("pin: false never calls pin/add or pin/rm", async () => {
    const store = new KuboBlobStore({ url: kubo.url, pin: false });
    const cid = await store.put(utf8("unpinned"));
    await store.delete(cid);
    expect(kubo.calls.map((c) => c.command)).toEqual(["block/put", "block/rm"]);
    expect(kubo.calls[0]?.query.pin).toBe("false");
  });

  it("a blob pinned by someone else cannot be deleted: StoreUnavailableError naming Kubo's reason", async () => {
    const store = new KuboBlobStore({ url: kubo.url, pin: false });
    const cid = await store.put(utf8("pinned elsewhere"));
    kubo.pins.add(cid.toString());
    const error = await rejection(store.delete(cid));
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as StoreUnavailableError).details).toContain("pinned: direct");
    kubo.pins.delete(cid.toString());
  });
});

describe("KuboBlobStore never trusts the daemon", () => {
  it.each([
    { name: "one flipped bit", alter: (b: Uint8Array) => Uint8Array.from(b, (x, i) => (i === 0 ? x ^ 1 : x)) },
    { name: "other bytes", alter: () => utf8("forged") },
    { name: "truncated", alter: (b: Uint8Array) => b.slice(0, -1) },
    { name: "empty", alter: () => new Uint8Array(0) },
  ])("a daemon returning altered bytes ($name) → IntegrityError", async ({ alter }) => {
    const kubo = await new FakeKubo({ alter }).start();
    try {
      const store = new KuboBlobStore({ url: kubo.url });
      const cid = await store.put(utf8("genuine bytes"));
      const error = await rejection(store.get(cid));
      expect(error).toBeInstanceOf(IntegrityError);
      expect((error as IntegrityError).code).toBe("INTEGRITY");
      expect((error as IntegrityError).details).toBe(`cid=${cid}`);
    } finally {
      await kubo.stop();
    }
  });

  it("a daemon acknowledging the put under another CID → IntegrityError", async () => {
    const kubo = await new FakeKubo({
      putKey: () => "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku",
    }).start();
    try {
      const error = await rejection(new KuboBlobStore({ url: kubo.url }).put(utf8("x")));
      expect(error).toBeInstanceOf(IntegrityError);
      expect((error as IntegrityError).shortMessage).toBe("The store acknowledged the blob under a different CID.");
    } finally {
      await kubo.stop();
    }
  });
});

describe("KuboBlobStore when the daemon is unreachable or misbehaves → StoreUnavailableError", () => {
  it("a closed port: every operation fails with STORE_UNAVAILABLE naming the URL and ECONNREFUSED", async () => {
    const url = await closedPortUrl();
    const store = new KuboBlobStore({ url });
    const cid = await cidOf(utf8("x"));
    for (const attempt of [
      () => store.put(utf8("x")),
      () => store.get(cid),
      () => store.has(cid),
      () => store.delete(cid),
    ]) {
      const error = await rejection(attempt());
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as StoreUnavailableError).code).toBe("STORE_UNAVAILABLE");
      expect((error as StoreUnavailableError).shortMessage).toBe("The IPFS node cannot be reached.");
      expect((error as StoreUnavailableError).details).toContain(url);
      expect((error as StoreUnavailableError).details).toContain("ECONNREFUSED");
      expect((error as StoreUnavailableError).cause).toBeDefined();
    }
  });

  it("a hung daemon: the request deadline turns into StoreUnavailableError 'did not answer in time'", async () => {
    const kubo = await new FakeKubo({ hang: true }).start();
    try {
      const store = new KuboBlobStore({ url: kubo.url, requestTimeoutMs: 200 });
      const error = await rejection(store.get(await cidOf(utf8("x"))));
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as StoreUnavailableError).shortMessage).toBe("The IPFS node did not answer in time.");
    } finally {
      await kubo.stop();
    }
  });

  it.each([
    {
      name: "HTTP 500 with an unrelated Kubo error",
      status: 500,
      body: JSON.stringify({ Message: "repo is locked", Code: 0, Type: "error" }),
    },
    { name: "HTTP 403 (RPC authorization)", status: 403, body: "403 - Forbidden" },
    { name: "HTTP 502 from a proxy", status: 502, body: "<html>bad gateway</html>" },
  ])("$name → StoreUnavailableError with the status and message, for get and has", async ({ status, body }) => {
    const kubo = await new FakeKubo({ override: { status, body } }).start();
    try {
      const store = new KuboBlobStore({ url: kubo.url });
      const cid = await cidOf(utf8("x"));
      for (const attempt of [() => store.get(cid), () => store.has(cid), () => store.put(utf8("x"))]) {
        const error = await rejection(attempt());
        expect(error).toBeInstanceOf(StoreUnavailableError);
        expect((error as StoreUnavailableError).shortMessage).toMatch(new RegExp(`HTTP ${status}\\.$`));
      }
    } finally {
      await kubo.stop();
    }
  });

  it("a 200 reply to block/put that is not JSON → StoreUnavailableError", async () => {
    const kubo = await new FakeKubo({ override: { status: 200, body: "not json" } }).start();
    try {
      const error = await rejection(new KuboBlobStore({ url: kubo.url }).put(utf8("x")));
      expect(error).toBeInstanceOf(StoreUnavailableError);
    } finally {
      await kubo.stop();
    }
  });
});

describe("KuboBlobStore options", () => {
  it("defaults to Kubo's RPC address (without connecting) and rejects non-http URLs and bad timeouts", () => {
    expect(DEFAULT_KUBO_RPC_URL).toBe("http://127.0.0.1:5001");
    expect(new KuboBlobStore().url).toBe("http://127.0.0.1:5001");
    expect(() => new KuboBlobStore({ url: "ftp://127.0.0.1:5001" })).toThrow(TypeError);
    expect(() => new KuboBlobStore({ url: "not a url" })).toThrow(TypeError);
    expect(() => new KuboBlobStore({ fetchTimeoutMs: 0 })).toThrow(TypeError);
    expect(() => new KuboBlobStore({ requestTimeoutMs: -1 })).toThrow(TypeError);
  });

  it("sends the configured headers (Kubo's API.Authorizations)", async () => {
    const kubo = await new FakeKubo({ authorization: "Bearer s3cret" }).start();
    try {
      const denied = await rejection(new KuboBlobStore({ url: kubo.url }).put(utf8("x")));
      expect(denied).toBeInstanceOf(StoreUnavailableError);
      const store = new KuboBlobStore({ url: kubo.url, headers: { authorization: "Bearer s3cret" } });
      const cid = await store.put(utf8("authorised"));
      expect(await store.get(cid)).toEqual(utf8("authorised"));
    } finally {
      await kubo.stop();
    }
  });
});
