/**
 * HeliaBlobStore on real in-process Helia nodes talking over loopback TCP only (127.0.0.1). Nothing here dials
 * any other address: the nodes have no bootstrap list, discovery, DHT, relay, AutoNAT, UPnP or HTTP routing,
 * peers are connected explicitly, and the loopback-only connection gater is checked as a pure function (no
 * dial attempt to a non-loopback address is ever made).
 */
import { randomBytes } from "node:crypto";

import { multiaddr } from "@multiformats/multiaddr";
import { MemoryBlockstore } from "blockstore-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { BlobNotFoundError, cidOf, verifyCid } from "../../../sdk/index.js";
import {
  importUnixfs,
  unixfsCid,
  createHeliaNode,
  HeliaBlobStore,
  isLoopbackMultiaddr,
  LOOPBACK_ONLY_GATER,
  type CarechainHelia,
} from "../../../sdk/ipfs.js";
import { describeBlobStoreContract, rejection } from "../_store-contract.js";
import { utf8 } from "../_support.js";
import { ifAssigned } from "../../helpers/teardown.js";

const randomBlob = (length: number) => new Uint8Array(randomBytes(length));

// The shared BlobStore contract, one fresh single node per case. With no peer connected, a missing blob is
// BlobNotFoundError once the (short) fetch timeout passes.
describeBlobStoreContract("HeliaBlobStore (in-process Helia node)", async () => {
  const blockstore = new MemoryBlockstore();
  const node = await createHeliaNode({ blockstore });
  return {
    store: new HeliaBlobStore(node, { fetchTimeoutMs: 250 }),
    // Overwrite the block in the node's own blockstore, behind Helia's back.
    tamper: async (cid, bytes) => {
      await blockstore.put(cid, bytes);
    },
    cleanup: async () => {
      await node.stop();
    },
  };
});

describe("two Helia nodes on loopback exchange blobs over bitswap", () => {
  let blockstoreA: MemoryBlockstore;
  let a: CarechainHelia;
  let b: CarechainHelia;
  let storeA: HeliaBlobStore;
  let storeB: HeliaBlobStore;

  beforeAll(async () => {
    blockstoreA = new MemoryBlockstore();
    [a, b] = await Promise.all([createHeliaNode({ blockstore: blockstoreA }), createHeliaNode()]);
    storeA = new HeliaBlobStore(a);
    storeB = new HeliaBlobStore(b, { fetchTimeoutMs: 5_000 });
    // Node B connects to node A's (loopback) multiaddr: the only way these nodes ever meet a peer.
    await b.libp2p.dial(a.libp2p.getMultiaddrs()[0]!);
  });
  afterAll(async () => {
    await Promise.all([ifAssigned(a)?.stop(), ifAssigned(b)?.stop()]);
  });

  it("both listen on 127.0.0.1 only, with identify as the only libp2p service, bitswap as the only block broker", () => {
    for (const node of [a, b]) {
      const addrs = node.libp2p.getMultiaddrs().map(String);
      expect(addrs.length).toBeGreaterThan(0);
      for (const addr of addrs) expect(addr).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/12D3KooW/);
      expect(Object.keys(node.libp2p.services)).toEqual(["identify"]);
      const brokers = (node as unknown as { blockBrokers: { name: string }[] }).blockBrokers;
      expect(brokers.map((broker) => broker.name)).toEqual(["bitswap"]);
      expect(node.hasRouter("libp2p-router")).toBe(true);
      expect(node.hasRouter("delegated-http-routing")).toBe(false);
    }
    expect(a.libp2p.getConnections().every((c) => isLoopbackMultiaddr(c.remoteAddr))).toBe(true);
    expect(b.libp2p.getPeers().map(String)).toEqual([a.libp2p.peerId.toString()]);
  });

  it("a blob put in A is fetched by CID from B, verified, and then cached by B", async () => {
    const bytes = utf8("an encrypted FHIR bundle, allegedly");
    const cid = await storeA.put(bytes);
    expect(cid.equals(await cidOf(bytes))).toBe(true);
    expect(await storeB.has(cid)).toBe(false);
    const got = await storeB.get(cid);
    expect(got).toEqual(bytes);
    await expect(verifyCid(cid, got)).resolves.toBe(got);
    expect(await storeB.has(cid)).toBe(true);
    // B can now serve it offline.
    expect(await storeB.get(cid, { offline: true })).toEqual(bytes);
  });

  it("1.5 MiB and 3 MB blobs (over Kubo's 1 MiB block limit) still cross between Helia nodes", async () => {
    for (const size of [1_572_864, 3_000_000]) {
      const bytes = randomBlob(size);
      const cid = await storeA.put(bytes);
      const got = await storeB.get(cid);
      expect(got.length).toBe(size);
      expect(Buffer.from(got).equals(Buffer.from(bytes))).toBe(true);
    }
  });

  it("a blob over bitswap's 4 MiB message limit is stored by A but not transferable: BlobNotFoundError at B", async () => {
    const bytes = randomBlob(5 * 1024 * 1024);
    const cid = await storeA.put(bytes);
    expect(Buffer.from(await storeA.get(cid)).equals(bytes)).toBe(true);
    const error = await rejection(storeB.get(cid, { fetchTimeoutMs: 1_500 }));
    expect(error).toBeInstanceOf(BlobNotFoundError);
  });

  it("offline: a blob only A holds is BlobNotFoundError at B at once, without asking A", async () => {
    const cid = await storeA.put(utf8("only in A"));
    const started = Date.now();
    const error = await rejection(storeB.get(cid, { offline: true }));
    expect(error).toBeInstanceOf(BlobNotFoundError);
    expect((error as BlobNotFoundError).details).toBe(`cid=${cid}`);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await storeB.has(cid)).toBe(false);
  });

  it("a CID no peer has → BlobNotFoundError after the bounded fetch timeout", async () => {
    const missing = await cidOf(utf8("nobody has this"));
    const started = Date.now();
    const error = await rejection(storeB.get(missing, { fetchTimeoutMs: 400 }));
    expect(error).toBeInstanceOf(BlobNotFoundError);
    expect((error as BlobNotFoundError).details).toBe(`cid=${missing}`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it("the caller's abort signal wins: its reason is thrown, not BlobNotFoundError", async () => {
    const missing = await cidOf(utf8("aborted fetch"));
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("user gave up")), 100);
    const error = await rejection(storeB.get(missing, { signal: controller.signal }));
    expect(error).toEqual(new Error("user gave up"));
  });

  it("a peer serving forged bytes is never believed: B rejects them and reports BlobNotFoundError", async () => {
    const genuine = utf8("genuine ciphertext held by A");
    const cid = await storeA.put(genuine);
    await blockstoreA.put(cid, utf8("forged ciphertext served by A"));
    const error = await rejection(storeB.get(cid, { fetchTimeoutMs: 600 }));
    expect(error).toBeInstanceOf(BlobNotFoundError);
    expect(await storeB.has(cid)).toBe(false);
  });

  it("a UnixFS file imported into A's blockstore under kubo-classic is fetched block by block from B", async () => {
    const bytes = randomBlob(600 * 1024);
    const { cid, blocks } = await importUnixfs(bytes, "kubo-classic", a.blockstore);
    expect(cid.equals(await unixfsCid(bytes, "kubo-classic"))).toBe(true);
    expect(blocks).toBe(4);
    // B walks the DAG: root first, then its three raw leaves, each fetched and verified over bitswap.
    const { decode } = await import("@ipld/dag-pb");
    const rootBytes = await storeB.get(cid);
    const leaves = await Promise.all(decode(rootBytes).Links.map((link) => storeB.get(link.Hash)));
    expect(Buffer.concat(leaves).equals(Buffer.from(bytes))).toBe(true);
  });
});

describe("HeliaBlobStore pinning", () => {
  let node: CarechainHelia;
  beforeAll(async () => {
    node = await createHeliaNode();
  });
  afterAll(async () => {
    await ifAssigned(node)?.stop();
  });

  it("pins on put so helia.gc() keeps the blob; delete unpins and removes it", async () => {
    const store = new HeliaBlobStore(node, { fetchTimeoutMs: 200 });
    const cid = await store.put(utf8("keep me"));
    expect(await node.pins.isPinned(cid)).toBe(true);
    await node.gc();
    expect(await store.get(cid)).toEqual(utf8("keep me"));
    await store.delete(cid);
    expect(await node.pins.isPinned(cid)).toBe(false);
    expect(await store.has(cid)).toBe(false);
  });

  it("with pin: false, the blob is not pinned and helia.gc() collects it", async () => {
    const store = new HeliaBlobStore(node, { pin: false, offline: true });
    const cid = await store.put(utf8("collect me"));
    expect(await node.pins.isPinned(cid)).toBe(false);
    await node.gc();
    expect(await store.has(cid)).toBe(false);
    expect(await rejection(store.get(cid))).toBeInstanceOf(BlobNotFoundError);
  });

  it("rejects a non-positive fetch timeout", () => {
    expect(() => new HeliaBlobStore(node, { fetchTimeoutMs: 0 })).toThrow(TypeError);
  });
});

describe("loopback only", () => {
  it.each([
    ["/ip4/127.0.0.1/tcp/4001", true],
    ["/ip4/127.8.9.10/tcp/0", true],
    ["/ip6/::1/tcp/4001", true],
    ["/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWMyFNvkNQKRZXmkdgTNe1oLUbDVVtCWRgABQoprQffCS2", true],
    ["/ip4/0.0.0.0/tcp/0", false],
    ["/ip4/10.0.0.1/tcp/4001", false],
    ["/ip4/192.168.1.2/tcp/4001", false],
    ["/ip4/104.131.131.82/tcp/4001", false],
    ["/ip6/::/tcp/0", false],
    ["/ip6/2604:a880:1:20::203:d001/tcp/4001", false],
    ["/dns4/localhost/tcp/4001", false],
    ["/dnsaddr/bootstrap.libp2p.io", false],
    ["/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWMyFNvkNQKRZXmkdgTNe1oLUbDVVtCWRgABQoprQffCS2/p2p-circuit", false],
    ["not a multiaddr", false],
  ] as const)("isLoopbackMultiaddr(%s) → %s, and the gater agrees", async (address, loopback) => {
    expect(isLoopbackMultiaddr(address)).toBe(loopback);
    if (address !== "not a multiaddr") {
      expect(await LOOPBACK_ONLY_GATER.denyDialMultiaddr!(multiaddr(address))).toBe(!loopback);
      expect(await LOOPBACK_ONLY_GATER.denyInboundConnection!({ remoteAddr: multiaddr(address) } as never)).toBe(
        !loopback,
      );
    }
  });

  it.each(["/ip4/0.0.0.0/tcp/0", "/ip4/192.168.1.2/tcp/0", "/ip6/::/tcp/0", "/dns4/localhost/tcp/0"])(
    "createHeliaNode refuses to listen on %s (before any socket is opened)",
    async (address) => {
      await expect(createHeliaNode({ listen: [address] })).rejects.toThrow(/only loopback addresses/);
    },
  );
});
