/**
 * Eligibility evaluated on the patient's own device: a study publishes its criteria as FHIRPath expressions over a
 * Bundle of the patient's resources; the patient's client evaluates them locally (the `fhirpath` package, FHIR R4
 * model) and nothing about the answer leaves the device unless the patient chooses to answer.
 */
import { evaluate } from "fhirpath";
import r4 from "fhirpath/fhir-context/r4";

import { FormatError } from "../errors/data.js";

/** The format tag of an eligibility document. */
export const ELIGIBILITY_FORMAT = "carechain.study-eligibility/1";

/** One criterion: met when its FHIRPath expression, over the patient's Bundle, gives exactly `true`. */
export interface EligibilityCriterion {
  readonly id: string;
  readonly description: string;
  /** FHIRPath over a `Bundle` (type collection) of the patient's resources. */
  readonly expression: string;
  /** `inclusion` must be met, `exclusion` must not be. */
  readonly kind: "inclusion" | "exclusion";
}

/** A study's published eligibility criteria. */
export interface EligibilityCriteria {
  readonly format: typeof ELIGIBILITY_FORMAT;
  readonly criteria: readonly EligibilityCriterion[];
}

/** The local answer: eligible or not, and each criterion's outcome (for the patient's eyes). */
export interface EligibilityResult {
  readonly eligible: boolean;
  readonly criteria: readonly {
    readonly id: string;
    readonly kind: EligibilityCriterion["kind"];
    readonly met: boolean;
  }[];
}

/**
 * Evaluates a study's criteria over the patient's own resources, locally. No network, no chain.
 * @param criteria - The study's published criteria.
 * @param resources - The patient's FHIR resources (as decrypted on the device).
 * @returns Whether every inclusion criterion is met and no exclusion criterion is.
 * @throws {FormatError} When the document is malformed or an expression does not evaluate (named by id).
 */
export function evaluateEligibility(criteria: EligibilityCriteria, resources: readonly unknown[]): EligibilityResult {
  const doc = criteria as { format?: unknown; criteria?: unknown } | null;
  if (doc?.format !== ELIGIBILITY_FORMAT || !Array.isArray(doc.criteria)) {
    throw new FormatError(`Eligibility criteria must have format "${ELIGIBILITY_FORMAT}" and a criteria array.`);
  }
  const bundle = { resourceType: "Bundle", type: "collection", entry: resources.map((resource) => ({ resource })) };
  const results = criteria.criteria.map((c) => {
    let value: unknown[];
    try {
      value = evaluate(bundle, c.expression, undefined, r4) as unknown[];
    } catch (cause) {
      throw new FormatError(`Eligibility criterion ${c.id} does not evaluate.`, { cause, details: c.expression });
    }
    return { id: c.id, kind: c.kind, met: value.length === 1 && value[0] === true };
  });
  const eligible = results.every((r) => (r.kind === "inclusion" ? r.met : !r.met));
  return { eligible, criteria: results };
}
