/**
 * Carechain SDK — Node-only entry point: the filesystem, Helia (in-process IPFS) and Kubo RPC stores, FHIR
 * definitions from disk, deployment files and Hardhat helpers. Everything browser-safe is in the main entry point (sdk/index.ts).
 * @packageDocumentation
 */
import { useNodeChunkCipher } from "./node/fast-aead.js";

export { startCustodianService, type CustodianService, type CustodianServiceOptions } from "./node/custodian-service.js";
export { NODE_CHUNK_CIPHER, nodeChunkCipherAvailable, useNodeChunkCipher } from "./node/fast-aead.js";
export { FileJournal } from "./node/file-journal.js";
export { loadFhirDefinitions } from "./node/fhir-definitions.js";
export { FileSystemBlobStore } from "./node/fs-store.js";
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
export { loadDeploymentFile, loadIgnitionDeployment } from "./node/ignition.js";

// Envelopes encrypted in Node use OpenSSL's ChaCha20-Poly1305 from here on (same bytes as the portable backend).
useNodeChunkCipher();
