import type { Pilot } from "./runner.js";
import type { SyntheticPatient } from "./synthetic.js";

/** Where a scenario's patients come from: the seeded generator, or real FHIR bundles (`--data DIR`). */
export interface PatientSource {
  /** Patient number `index` (a Patient resource and records about them). */
  patient(index: number): SyntheticPatient;
  /** How many patients the source has (Infinity for the generator). */
  readonly size: number;
  /**
   * The whole FHIR Bundle of patient `index`, when the source has one (`--data`: the file as read, every entry);
   * absent for the generator, whose patients are just `patient(index)`.
   */
  bundle?(index: number): FhirBundle;
}

/** A FHIR R4 Bundle, as far as the pilot needs it. */
export interface FhirBundle {
  readonly resourceType: "Bundle";
  readonly type?: string;
  readonly entry?: readonly { readonly resource?: Record<string, unknown> }[];
}

/** A pilot scenario: a file a dApp developer copies and edits. */
export interface Scenario {
  /** Short name, used by `--scenario`. */
  readonly name: string;
  /** One paragraph on what it shows. */
  readonly description: string;
  /** Runs the scenario's steps. */
  run(pilot: Pilot, data: PatientSource, options: { patients: number }): Promise<void>;
}

/** Identity function that types a scenario object. */
export function defineScenario(scenario: Scenario): Scenario {
  return scenario;
}
