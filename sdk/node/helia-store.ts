/**
 * A {@link BlobStore} on a real in-process IPFS node (Helia), and a loopback-only node factory.
 *
 * Blobs are stored as single raw blocks (CIDv1, raw codec, sha2-256) in Helia's blockstore, pinned so
 * `helia.gc()` keeps them, and announced over bitswap: any peer connected to this node can fetch them by CID.
 * Reads never trust the node: every blob is verified against its CID before it is returned.
 */
import type { CreateLibp2pOptions, HeliaWithLibp2p } from "@helia/libp2p";
import type { Identify } from "@libp2p/identify";
import type { ConnectionGater, ContentRouting, MultiaddrConnection } from "@libp2p/interface";
import { multiaddr, type Multiaddr } from "@multiformats/multiaddr";
import type { Helia } from "helia";
import type { Blockstore } from "interface-blockstore";
import type { Datastore } from "interface-datastore";
import type { CID } from "multiformats/cid";

import type { BlobStore } from "../content/blob-store.js";
import { cidOf, verifyCid } from "../content/cid.js";
import { concatBytes } from "../crypto/bytes.js";
import { BlobNotFoundError } from "../errors/data.js";

/** Helia with the libp2p services {@link createHeliaNode} configures. */
export type CarechainHelia = Helia & HeliaWithLibp2p<{ identify: Identify }>;

/** Options of {@link createHeliaNode}. */
export interface HeliaNodeOptions {
  /** Loopback multiaddrs to listen on (default `["/ip4/127.0.0.1/tcp/0"]`: a free port on 127.0.0.1). */
  listen?: string[];
  /** Where blocks live (default: in memory). Any interface-blockstore, e.g. blockstore-fs's `FsBlockstore`. */
  blockstore?: Blockstore;
  /** Where pins and the node's key live (default: in memory). */
  datastore?: Datastore;
  /** Start the node before returning it (default true). */
  start?: boolean;
}

const LOOPBACK_IP4 = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
const LOOPBACK_IP6 = new Set(["::1", "0:0:0:0:0:0:0:1"]);

/**
 * Whether every network address inside `address` is a loopback IP (127.0.0.0/8 or ::1). DNS names (even
 * `localhost`) and addresses without any IP are refused: they would need resolution or a relay.
 * @param address - A multiaddr or its string form.
 */
export function isLoopbackMultiaddr(address: Multiaddr | string): boolean {
  let components;
  try {
    components = (typeof address === "string" ? multiaddr(address) : address).getComponents();
  } catch {
    return false;
  }
  let sawIp = false;
  for (const { name, value } of components) {
    if (name === "ip4") {
      if (!LOOPBACK_IP4.test(value ?? "")) return false;
      sawIp = true;
    } else if (name === "ip6") {
      if (!LOOPBACK_IP6.has(value ?? "")) return false;
      sawIp = true;
    } else if (name.startsWith("dns") || name === "ip6zone" || name === "ipcidr" || name === "p2p-circuit") {
      return false;
    }
  }
  return sawIp;
}

/**
 * A libp2p connection gater that allows only loopback peers: no dial to, and no connection from, any other
 * address. A second fence behind the configuration (no bootstrap, discovery, DHT, relay, AutoNAT or UPnP).
 */
export const LOOPBACK_ONLY_GATER: ConnectionGater = Object.freeze({
  denyDialMultiaddr: (address: Multiaddr) => !isLoopbackMultiaddr(address),
  denyInboundConnection: (connection: MultiaddrConnection) => !isLoopbackMultiaddr(connection.remoteAddr),
});

/** Reads an async iterable to its end: Helia's pin operations proceed as their iterator is read. */
async function drain(iterable: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of iterable) {
    // nothing to keep
  }
}

/**
 * A libp2p content router that knows nothing and tells nobody: providers are the peers already connected
 * (bitswap asks them directly). It exists because Helia's blockstore calls `cancelReprovide` on delete, which
 * libp2p rejects (NoContentRoutersError) when no content router is configured at all.
 */
function localOnlyContentRouting(): ContentRouting {
  return {
    provide: async () => {},
    cancelReprovide: async () => {},
    findProviders: async function* () {
      // no provider records: bitswap asks the connected peers directly
    },
    put: async () => {},
    get: async (key) => {
      throw Object.assign(new Error(`no routing record for ${String(key)} (local-only routing)`), {
        name: "NotFoundError",
      });
    },
  };
}

/**
 * Creates (and by default starts) a Helia node that talks to loopback peers only.
 *
 * What it has: TCP on the given loopback addresses, Noise encryption, Yamux, identify, bitswap, and Helia's
 * libp2p router over a local-only content router (no DHT: bitswap asks the connected peers directly). What it
 * does not have, on purpose: a bootstrap list, mDNS or any peer discovery, the public DHT, circuit relay,
 * AutoNAT, UPnP, delegated HTTP routing and trustless HTTP gateways. So the node never dials the internet: peers are added
 * by dialling their multiaddr explicitly (`node.libp2p.dial(addr)`), and {@link LOOPBACK_ONLY_GATER} refuses any
 * non-loopback address in either direction.
 *
 * Stop it with `await node.stop()`.
 * @param options - Listen addresses, block/datastore, whether to start.
 * @returns The Helia node.
 * @throws {TypeError} When a listen address is not a loopback address.
 */
export async function createHeliaNode(options: HeliaNodeOptions = {}): Promise<CarechainHelia> {
  const listen = options.listen ?? ["/ip4/127.0.0.1/tcp/0"];
  for (const address of listen) {
    if (!isLoopbackMultiaddr(address)) {
      throw new TypeError(
        `helia: refusing to listen on ${address}: only loopback addresses (127.0.0.0/8, ::1) are allowed`,
      );
    }
  }
  // Loaded on first use: the `helia` package pulls in libp2p's whole default stack (WebRTC, DHT, HTTP…) at import
  // time, which costs seconds; none of it is configured below, but importing carechain/node must stay cheap.
  const [{ noise }, { yamux }, { withBitswap }, { withLibp2pLight }, { identify }, { tcp }, { createHeliaLight }] =
    await Promise.all([
      import("@chainsafe/libp2p-noise"),
      import("@chainsafe/libp2p-yamux"),
      import("@helia/bitswap"),
      import("@helia/libp2p"),
      import("@libp2p/identify"),
      import("@libp2p/tcp"),
      import("helia"),
    ]);
  const libp2p: CreateLibp2pOptions<{ identify: Identify }> = {
    addresses: { listen },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery: [],
    contentRouters: [localOnlyContentRouting],
    peerRouters: [],
    services: { identify: identify() },
    connectionGater: LOOPBACK_ONLY_GATER,
  };
  const light = createHeliaLight({
    ...(options.blockstore ? { blockstore: options.blockstore } : {}),
    ...(options.datastore ? { datastore: options.datastore } : {}),
    // No routers and no block brokers beyond what the two mixins below add (libp2p router, bitswap):
    // in particular none of createHelia's HTTP defaults (delegated routing, public trustless gateways).
    routers: [],
    blockBrokers: [],
  });
  const helia = withBitswap(withLibp2pLight(light, libp2p)) as CarechainHelia;
  if (options.start ?? true) await helia.start();
  return helia;
}

/** Options of {@link HeliaBlobStore}. */
export interface HeliaBlobStoreOptions {
  /** Pin each blob on put (default true), so `helia.gc()` keeps it; delete unpins. */
  pin?: boolean;
  /**
   * How long a get may wait for connected peers to provide a blob this node lacks, in ms (default 15,000).
   * Then it fails with BlobNotFoundError.
   */
  fetchTimeoutMs?: number;
  /** Never ask peers: a blob missing locally is BlobNotFoundError at once (default false). */
  offline?: boolean;
}

/** Per-call options of {@link HeliaBlobStore.get}. */
export interface HeliaGetOptions {
  /** Aborts the fetch; the abort reason is thrown as is. */
  signal?: AbortSignal;
  /** Overrides the store's fetchTimeoutMs for this call. */
  fetchTimeoutMs?: number;
  /** Overrides the store's offline setting for this call. */
  offline?: boolean;
}

/** Errors that mean "nobody had the block" (local miss offline, all retrievers failed, our deadline passed). */
const NOT_FOUND_ERRORS = new Set([
  "NotFoundError",
  "BlockNotFoundWhileOfflineError",
  "LoadBlockFailedError",
  "AbortError",
  "TimeoutError",
]);

/**
 * A {@link BlobStore} backed by a Helia node (see {@link createHeliaNode}, or pass any Helia you configured).
 * Same CIDs as every other store (`cidOf(bytes)`); `get` verifies the bytes against the CID whether they came
 * from the local blockstore or from a peer.
 *
 * Size note: a blob is one block. Bitswap peers accept blocks up to 2 MiB (Helia's default maxSize) and
 * Kubo refuses blocks over 1 MiB without `--allow-big-block`; larger blobs are stored and read locally
 * but cannot be fetched by other nodes. Use `importUnixfs` for large files meant to travel.
 */
export class HeliaBlobStore implements BlobStore {
  /** The node. */
  readonly helia: Helia;
  readonly #pin: boolean;
  readonly #fetchTimeoutMs: number;
  readonly #offline: boolean;

  /**
   * @param helia - A started Helia node.
   * @param options - Pinning, fetch timeout, offline mode.
   */
  constructor(helia: Helia, options: HeliaBlobStoreOptions = {}) {
    const timeout = options.fetchTimeoutMs ?? 15_000;
    if (!Number.isFinite(timeout) || timeout <= 0)
      throw new TypeError("helia: fetchTimeoutMs must be a positive number");
    this.helia = helia;
    this.#pin = options.pin ?? true;
    this.#fetchTimeoutMs = timeout;
    this.#offline = options.offline ?? false;
  }

  /** @inheritDoc */
  async put(bytes: Uint8Array): Promise<CID> {
    const copy = bytes.slice();
    const cid = await cidOf(copy);
    await this.helia.blockstore.put(cid, copy);
    if (this.#pin && !(await this.helia.pins.isPinned(cid))) {
      try {
        await drain(this.helia.pins.add(cid));
      } catch (error) {
        // A concurrent put of the same bytes pinned it first: the outcome we wanted.
        if ((error as Error).name !== "AlreadyPinnedError") throw error;
      }
    }
    return cid;
  }

  /**
   * Fetches the blob: from the local blockstore, else (unless offline) from connected peers over bitswap,
   * waiting at most `fetchTimeoutMs`. Verified against `cid` either way.
   * @throws {BlobNotFoundError} When neither this node nor a connected peer provides it in time.
   * @throws {IntegrityError} When the bytes do not hash to `cid`.
   */
  async get(cid: CID, options: HeliaGetOptions = {}): Promise<Uint8Array> {
    const local = await this.helia.blockstore.has(cid);
    const offline = local || (options.offline ?? this.#offline);
    const timeout = options.fetchTimeoutMs ?? this.#fetchTimeoutMs;
    const deadline = AbortSignal.timeout(timeout);
    const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
    const chunks: Uint8Array[] = [];
    try {
      for await (const chunk of this.helia.blockstore.get(cid, { signal, offline })) chunks.push(chunk);
    } catch (cause) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (NOT_FOUND_ERRORS.has((cause as Error).name) || deadline.aborted) {
        const how = offline
          ? "this node holds no blob for this CID"
          : `no connected peer provided this CID within ${timeout} ms`;
        throw new BlobNotFoundError(`The store holds no blob for this CID (${how}).`, { details: `cid=${cid}`, cause });
      }
      throw cause;
    }
    return verifyCid(cid, concatBytes(...chunks));
  }

  /** Whether this node holds the blob locally (peers are not asked; not verified). */
  async has(cid: CID): Promise<boolean> {
    return this.helia.blockstore.has(cid);
  }

  /** Unpins (if pinned) and deletes the local block. Peers that fetched a copy keep theirs. */
  async delete(cid: CID): Promise<void> {
    if (await this.helia.pins.isPinned(cid)) {
      try {
        await drain(this.helia.pins.rm(cid));
      } catch (error) {
        if ((error as Error).name !== "NotFoundError") throw error;
      }
    }
    try {
      await this.helia.blockstore.delete(cid);
    } catch (error) {
      // A Helia whose libp2p has no content router at all fails `cancelReprovide` before deleting (nothing is
      // being provided then): delete below the routing layer instead. Nodes from createHeliaNode never get here.
      if ((error as Error).name !== "NoContentRoutersError") throw error;
      const inner = (this.helia.blockstore as { unwrap?(): Pick<Blockstore, "delete"> }).unwrap?.();
      if (!inner) throw error;
      await inner.delete(cid);
    }
  }
}
