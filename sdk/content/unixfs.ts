/**
 * UnixFS import: the CID that Kubo's `ipfs add` prints for a file, and the blocks behind it.
 *
 * Browser-safe (no Node built-ins). Built on ipfs-unixfs-importer (the importer Helia uses), with the file
 * layout pinned explicitly per profile instead of relying on library defaults, so a library upgrade cannot
 * silently change which CID a profile produces.
 */
import { importFile, type ImporterOptions, type WritableStorage } from "ipfs-unixfs-importer";
import { fixedSize } from "ipfs-unixfs-importer/chunker";
import { balanced } from "ipfs-unixfs-importer/layout";
import type { CID } from "multiformats/cid";

/**
 * Named UnixFS import profiles. Each fixes every parameter that changes a file's CID.
 *
 * | profile          | `ipfs add` equivalent                                  | CID | leaves | chunk    | links/node |
 * |------------------|--------------------------------------------------------|-----|--------|----------|------------|
 * | `kubo-classic`   | `ipfs add --cid-version=1` (Kubo's default chunker)    | v1  | raw    | 256 KiB  | 174        |
 * | `unixfs-v1-2025` | `ipfs add` on a node with `--profile=unixfs-v1-2025` (IPIP-499) | v1 | raw | 1 MiB | 1024   |
 * | `unixfs-v0-2015` | plain `ipfs add` (Kubo's legacy default, IPIP-499 `unixfs-v0-2015`) | v0 | dag-pb | 256 KiB | 174 |
 *
 * All use sha2-256, fixed-size chunking and the balanced layout. A file that fits in one chunk is a single
 * block: with raw leaves its CID is then the raw CID of the bytes (equal to `cidOf(bytes)`).
 */
export type UnixfsProfileName = "kubo-classic" | "unixfs-v1-2025" | "unixfs-v0-2015";

/** The parameters of a UnixFS file import (what a profile fixes). */
export interface UnixfsParams {
  /** CID version of the dag-pb nodes (raw leaves are always CIDv1). */
  readonly cidVersion: 0 | 1;
  /** Leaves as raw blocks (codec 0x55) instead of dag-pb nodes wrapping UnixFS data. */
  readonly rawLeaves: boolean;
  /** Fixed chunk size in bytes (Kubo's `--chunker=size-N`). */
  readonly chunkSize: number;
  /** Maximum links per dag-pb node of the balanced layout (Kubo's `Import.UnixFSFileMaxLinks`). */
  readonly maxChildrenPerNode: number;
}

/** The parameters of each named profile (see {@link UnixfsProfileName}). */
export const UNIXFS_PROFILES: Readonly<Record<UnixfsProfileName, UnixfsParams>> = Object.freeze({
  "kubo-classic": Object.freeze({ cidVersion: 1, rawLeaves: true, chunkSize: 262_144, maxChildrenPerNode: 174 }),
  "unixfs-v1-2025": Object.freeze({ cidVersion: 1, rawLeaves: true, chunkSize: 1_048_576, maxChildrenPerNode: 1024 }),
  "unixfs-v0-2015": Object.freeze({ cidVersion: 0, rawLeaves: false, chunkSize: 262_144, maxChildrenPerNode: 174 }),
});

/** The profile used when none is given: `kubo-classic` (`ipfs add --cid-version=1`). */
export const DEFAULT_UNIXFS_PROFILE: UnixfsProfileName = "kubo-classic";

/**
 * File content: the whole bytes, or a stream of chunks of any size. Streams are consumed once and never held
 * in memory whole; do not reuse or mutate a chunk after yielding it.
 */
export type UnixfsSource = Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

/** Where {@link importUnixfs} writes blocks: any interface-blockstore `Blockstore` (Helia's included) fits. */
export interface UnixfsBlockSink {
  put(cid: CID, block: Uint8Array, options?: { signal?: AbortSignal }): unknown;
}

/** Options of {@link unixfsCid} and {@link importUnixfs}. */
export interface UnixfsImportOptions {
  /** Aborts the import. */
  signal?: AbortSignal;
  /**
   * How many chunks may be hashed and written concurrently (default 8). Bounds memory: at most this many
   * chunks (8 MiB with the 1 MiB profile) are in flight at once.
   */
  blockWriteConcurrency?: number;
}

/** What {@link importUnixfs} produced. */
export interface UnixfsImportResult {
  /** The file's root CID (what `ipfs add` prints). */
  cid: CID;
  /** The file's length in bytes. */
  fileSize: bigint;
  /** How many blocks were written (leaves and dag-pb nodes; a single-block file writes one). */
  blocks: number;
  /** Total bytes of those blocks. */
  blockBytes: bigint;
}

/**
 * Resolves a profile name or explicit parameters to validated parameters.
 * @throws {TypeError} On an unknown profile name or out-of-range parameters.
 */
export function unixfsParams(profile: UnixfsProfileName | UnixfsParams = DEFAULT_UNIXFS_PROFILE): UnixfsParams {
  // Unknown until checked: JavaScript callers may pass an unknown profile name or a non-object.
  const params: unknown = typeof profile === "string" ? UNIXFS_PROFILES[profile] : profile;
  if (params === undefined || params === null || typeof params !== "object") {
    throw new TypeError(
      `unixfs: unknown profile ${JSON.stringify(profile)} (expected ${Object.keys(UNIXFS_PROFILES).join(", ")})`,
    );
  }
  const { cidVersion, rawLeaves, chunkSize, maxChildrenPerNode } = params as UnixfsParams;
  if (![0, 1].includes(cidVersion)) throw new TypeError(`unixfs: cidVersion must be 0 or 1, got ${String(cidVersion)}`);
  if (typeof rawLeaves !== "boolean") throw new TypeError("unixfs: rawLeaves must be a boolean");
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1 || chunkSize > 4 * 1_048_576) {
    throw new TypeError(`unixfs: chunkSize must be an integer in 1..4194304, got ${String(chunkSize)}`);
  }
  if (!Number.isSafeInteger(maxChildrenPerNode) || maxChildrenPerNode < 2) {
    throw new TypeError(`unixfs: maxChildrenPerNode must be an integer >= 2, got ${String(maxChildrenPerNode)}`);
  }
  return { cidVersion, rawLeaves, chunkSize, maxChildrenPerNode };
}

function importerOptions(params: UnixfsParams, options: UnixfsImportOptions): ImporterOptions {
  const concurrency = options.blockWriteConcurrency ?? 8;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
    throw new TypeError(`unixfs: blockWriteConcurrency must be a positive integer, got ${String(concurrency)}`);
  }
  return {
    cidVersion: params.cidVersion,
    rawLeaves: params.rawLeaves,
    // Kubo's defaults for the remaining knobs, stated so a library default change cannot alter CIDs.
    leafType: "file",
    reduceSingleLeafToSelf: true,
    fieldOrder: "links-first",
    wrapWithDirectory: false,
    chunker: fixedSize({ chunkSize: params.chunkSize }),
    layout: balanced({ maxChildrenPerNode: params.maxChildrenPerNode }),
    blockWriteConcurrency: concurrency,
    fileImportConcurrency: 1,
  };
}

function checkSource(source: unknown): void {
  const ok =
    source instanceof Uint8Array ||
    (source !== null && typeof source === "object" && (Symbol.asyncIterator in source || Symbol.iterator in source));
  if (!ok) throw new TypeError("unixfs: expected a Uint8Array or an (async) iterable of Uint8Array chunks");
}

/**
 * Imports one file as UnixFS and writes every block to `blockstore` (leaves as they are produced, parents
 * after their children). Use it to put a file into Helia's blockstore so any IPFS node can fetch it by the
 * CID `ipfs add` would print.
 * @param source - The file's bytes or a stream of chunks.
 * @param profile - A profile name or explicit parameters (default `kubo-classic`).
 * @param blockstore - Receives each block under its CID.
 * @param options - Abort signal and write concurrency.
 * @returns The root CID, file size and block counts.
 * @throws {TypeError} On a bad source, profile or option.
 * @example
 * const { cid } = await importUnixfs(bytes, "unixfs-v1-2025", helia.blockstore);
 */
export async function importUnixfs(
  source: UnixfsSource,
  profile: UnixfsProfileName | UnixfsParams,
  blockstore: UnixfsBlockSink,
  options: UnixfsImportOptions = {},
): Promise<UnixfsImportResult> {
  checkSource(source);
  const params = unixfsParams(profile);
  const opts = importerOptions(params, options);
  let blocks = 0;
  let blockBytes = 0n;
  const sink: WritableStorage = {
    put: async (cid, block, putOptions) => {
      options.signal?.throwIfAborted();
      // The importer only ever writes whole blocks (Uint8Array); anything else is a library change.
      if (!(block instanceof Uint8Array)) throw new TypeError("unixfs: importer produced a non-Uint8Array block");
      blocks += 1;
      blockBytes += BigInt(block.byteLength);
      await blockstore.put(cid, block, { signal: putOptions?.signal ?? options.signal });
      return cid;
    },
  };
  options.signal?.throwIfAborted();
  const entry = await importFile({ content: source }, sink, { ...opts, signal: options.signal } as ImporterOptions);
  options.signal?.throwIfAborted();
  const fileSize = entry.unixfs ? entry.unixfs.fileSize() : entry.size;
  return { cid: entry.cid, fileSize, blocks, blockBytes };
}

/** A sink that keeps nothing: computing a CID only needs the hashes. */
const DISCARD: UnixfsBlockSink = { put: () => undefined };

/**
 * The CID Kubo's `ipfs add` prints for this file under `profile`, computed locally without storing anything
 * (blocks are hashed and dropped; a stream is never held in memory whole).
 * @param source - The file's bytes or a stream of chunks.
 * @param profile - A profile name or explicit parameters (default `kubo-classic`, i.e. `ipfs add --cid-version=1`).
 * @param options - Abort signal and write concurrency.
 * @returns The root CID.
 * @throws {TypeError} On a bad source, profile or option.
 * @example
 * (await unixfsCid(new TextEncoder().encode("hello world"))).toString();
 * // "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e" (one raw block)
 */
export async function unixfsCid(
  source: UnixfsSource,
  profile: UnixfsProfileName | UnixfsParams = DEFAULT_UNIXFS_PROFILE,
  options: UnixfsImportOptions = {},
): Promise<CID> {
  return (await importUnixfs(source, profile, DISCARD, options)).cid;
}
