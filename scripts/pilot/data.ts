import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

import type { FhirBundle, PatientSource } from "./scenario.js";
import type { SyntheticPatient } from "./synthetic.js";

/** The kinds of record a pilot patient gets, in order (the same as the synthetic generator's). */
const KINDS: { label: string; match: (r: Record<string, unknown>) => boolean }[] = [
  { label: "Encounter", match: (r) => r.resourceType === "Encounter" },
  {
    label: "Observation",
    match: (r) => r.resourceType === "Observation" && JSON.stringify(r.category ?? "").includes("vital-signs"),
  },
  { label: "Condition", match: (r) => r.resourceType === "Condition" },
  { label: "MedicationRequest", match: (r) => r.resourceType === "MedicationRequest" },
  { label: "AllergyIntolerance", match: (r) => r.resourceType === "AllergyIntolerance" },
  { label: "Immunization", match: (r) => r.resourceType === "Immunization" },
  {
    label: "lab Observation",
    match: (r) => r.resourceType === "Observation" && JSON.stringify(r.category ?? "").includes("laboratory"),
  },
  { label: "DiagnosticReport", match: (r) => r.resourceType === "DiagnosticReport" },
];

/**
 * Patients from real FHIR R4 bundles (e.g. Synthea output): each `*.json` file in `dir` that is a Bundle with a
 * Patient. Each patient gets the first resource of each kind the pilot uses; patients with every kind come first
 * (the scenario's story patient needs all of them). `bundle(index)` is that patient's whole Bundle (bulk import).
 * @throws {Error} When the folder holds no usable bundle.
 */
export async function fhirBundleSource(dir: string): Promise<PatientSource> {
  const files = (await readdir(dir)).filter((f) => f.endsWith(".json")).sort();
  const patients: (SyntheticPatient & { bundle: FhirBundle })[] = [];
  for (const file of files) {
    const bundle = JSON.parse(await readFile(join(dir, file), "utf8")) as Partial<FhirBundle>;
    if (bundle.resourceType !== "Bundle") continue;
    const resources = (bundle.entry ?? []).map((e) => e.resource).filter((r): r is Record<string, unknown> => !!r);
    const patient = resources.find((r) => r.resourceType === "Patient");
    if (!patient) continue;
    const records = KINDS.map((k) => resources.find(k.match)).filter((r): r is Record<string, unknown> => !!r);
    patients.push({ patient, records, bundle: bundle as FhirBundle });
  }
  if (patients.length === 0) throw new Error(`--data: no FHIR Bundle with a Patient in ${dir}`);
  patients.sort((a, b) => b.records.length - a.records.length);
  const at = (index: number) => {
    const p = patients[index];
    if (!p) throw new RangeError(`--data: ${dir} has ${patients.length} patients; patient ${index + 1} was asked for`);
    return p;
  };
  return {
    size: patients.length,
    patient: (index: number): SyntheticPatient => ({ patient: at(index).patient, records: at(index).records }),
    bundle: (index: number) => at(index).bundle,
  };
}
