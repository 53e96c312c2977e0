/**
 * Carechain SDK — IPFS entry point (`carechain/ipfs`): UnixFS CIDs exactly as Kubo's `ipfs add` prints them, the
 * Helia store (an in-process IPFS node; Node, TCP) and the Kubo RPC store (an external IPFS daemon or IPFS Cluster).
 * Its packages (helia, libp2p, ipfs-unixfs-importer, …) are optional peer dependencies: install them to use this
 * entry, e.g. `npm install helia @helia/bitswap @helia/libp2p libp2p @libp2p/tcp @chainsafe/libp2p-noise
 * @chainsafe/libp2p-yamux @libp2p/identify @multiformats/multiaddr blockstore-core ipfs-unixfs-importer`.
 * @packageDocumentation
 */
export {
  DEFAULT_UNIXFS_PROFILE,
  importUnixfs,
  UNIXFS_PROFILES,
  unixfsCid,
  unixfsParams,
  type UnixfsBlockSink,
  type UnixfsImportOptions,
  type UnixfsImportResult,
  type UnixfsParams,
  type UnixfsProfileName,
  type UnixfsSource,
} from "./content/unixfs.js";
export {
  createHeliaNode,
  HeliaBlobStore,
  isLoopbackMultiaddr,
  LOOPBACK_ONLY_GATER,
  type CarechainHelia,
  type HeliaBlobStoreOptions,
  type HeliaGetOptions,
  type HeliaNodeOptions,
} from "./node/helia-store.js";
export { DEFAULT_KUBO_RPC_URL, KuboBlobStore, type KuboBlobStoreOptions } from "./node/kubo-store.js";
