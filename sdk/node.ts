/**
 * Carechain SDK — Node-only entry point: the filesystem store, FHIR definitions from disk, deployment files and
 * Hardhat helpers. Everything browser-safe is in the main entry point (sdk/index.ts).
 * @packageDocumentation
 */
export { loadFhirDefinitions } from "./node/fhir-definitions.js";
export { FileSystemBlobStore } from "./node/fs-store.js";
export { deployCarechain } from "./node/hardhat.js";
export { loadDeploymentFile, loadIgnitionDeployment } from "./node/ignition.js";
