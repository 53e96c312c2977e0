/**
 * Carechain SDK — Node-only entry point (`carechain/node`): the filesystem store, the file journal, FHIR definitions
 * from disk, deployment files and the emergency custodian service. IPFS stores are in `carechain/ipfs`, Hardhat
 * helpers in `carechain/hardhat`. Importing it changes nothing global. Everything browser-safe is in the main entry point (sdk/index.ts).
 * @packageDocumentation
 */
export {
  startCustodianService,
  type CustodianRateLimit,
  type CustodianService,
  type CustodianServiceOptions,
} from "./node/custodian-service.js";
export {
  decideShareRequest,
  parseShareRequest,
  type ShareDecision,
  type ShareHolderOptions,
  type ShareRefusal,
} from "./node/custodian-share.js";
export { NODE_CHUNK_CIPHER, nodeChunkCipherAvailable } from "./node/fast-aead.js";
export { useNodeChunkCipher } from "./node/use-chunk-cipher.js";
export { FileJournal } from "./node/file-journal.js";
export { loadFhirDefinitions } from "./node/fhir-definitions.js";
export { FileSystemBlobStore } from "./node/fs-store.js";
export { loadDeploymentFile, loadIgnitionDeployment } from "./node/ignition.js";
