/**
 * Synthea claims for the `claims` scenario: the Claims, their Coverage type and their ExplanationOfBenefit in each
 * bundle, the four pilot policies (one per Synthea coverage type, derived from the data: every SNOMED CT and CVX
 * service covered, 20 % co-insurance, no deductible), and the comparison of adjudicated totals with the EOBs.
 */
import type { Claim, Coverage, ExplanationOfBenefit } from "@medplum/fhirtypes";

import { toCents, type Adjudication, type CoveragePolicy } from "../../sdk/claims.js";
import type { FhirBundle } from "../pilot/scenario.js";

/** The Synthea coverage types, each with its own pilot policy. */
export const COVERAGE_TYPES = ["private", "medicaid", "medicare", "dual_eligible"] as const;

/** One claim of a bundle, with its coverage type and its EOB (Synthea writes none for pharmacy claims). */
export interface SyntheaClaim {
  readonly claim: Claim;
  readonly coverageType: string;
  readonly eob?: ExplanationOfBenefit;
}

/**
 * The claims of a bundle, in bundle order.
 * @param bundle - A Synthea patient bundle.
 * @returns Its claims with coverage type and EOB.
 */
export function claimsOf(bundle: FhirBundle): SyntheaClaim[] {
  const resources = (bundle.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : []));
  const eobs = new Map<string, ExplanationOfBenefit>();
  for (const r of resources) {
    if (r.resourceType !== "ExplanationOfBenefit") continue;
    const eob = r as unknown as ExplanationOfBenefit;
    const id = eob.claim?.reference?.replace(/^urn:uuid:|^Claim\//, "");
    if (id) eobs.set(id, eob);
  }
  return resources
    .filter((r) => r.resourceType === "Claim")
    .map((r) => {
      const claim = r as unknown as Claim;
      const coverageType = claim.insurance.find((i) => i.focal)?.coverage.display ?? "private";
      const eob = claim.id ? eobs.get(claim.id) : undefined;
      return { claim, coverageType, ...(eob ? { eob } : {}) };
    });
}

/**
 * The pilot's policy for a Synthea coverage type: what Synthea's EOBs show for every type (each priced line paid at
 * 80 % of its charge, no deductible), with a 365-day filing deadline.
 * @param coverageType - One of {@link COVERAGE_TYPES}.
 */
export function pilotPolicy(coverageType: string): CoveragePolicy {
  return {
    format: "carechain.coverage-policy/1",
    name: `Pilot Health ${coverageType}`,
    coverageType,
    currency: "USD",
    deductible: 0,
    coinsuranceBps: 2000,
    filingDays: 365,
    adjudicationDays: 30,
    appealDays: 14,
    services: [
      { system: "http://snomed.info/sct", code: "*", covered: true },
      { system: "http://hl7.org/fhir/sid/cvx", code: "*", covered: true },
    ],
  };
}

/**
 * The member's Coverage for a patient and a Synthea coverage type (Synthea's EOBs contain one like it).
 * @param patientReference - The patient's reference as the bundle writes it.
 * @param coverageType - The coverage type.
 */
export function pilotCoverage(patientReference: string, coverageType: string): Coverage {
  return {
    resourceType: "Coverage",
    status: "active",
    type: { text: coverageType },
    beneficiary: { reference: patientReference },
    payor: [{ display: `Pilot Health ${coverageType}` }],
  };
}

/** How one adjudication compares with its Synthea EOB. */
export type Comparison =
  | { readonly kind: "exact" }
  | { readonly kind: "rounding"; readonly diffMills: number }
  | { readonly kind: "differs"; readonly diffMills: number; readonly cause: string }
  | { readonly kind: "no-eob" };

/**
 * Compares the adjudicated benefit with the EOB's payment (Synthea keeps fractions of a cent; the adjudicator pays
 * whole cents, co-insurance rounded half-even per line, so up to half a cent per priced line is rounding).
 * @param adjudication - The adjudication.
 * @param eob - The bundle's EOB for the claim, if any.
 */
export function compareWithEob(adjudication: Adjudication, eob: ExplanationOfBenefit | undefined): Comparison {
  if (!eob) return { kind: "no-eob" };
  const paid = eob.payment?.amount?.value ?? 0;
  // Mills (tenths of a cent): Synthea's payments carry fractions of a cent.
  const diffMills = Math.round(adjudication.totals.benefit * 10 - paid * 1000);
  if (diffMills === 0) return { kind: "exact" };
  const priced = adjudication.lines.filter((l) => l.priced).length;
  if (Math.abs(diffMills) <= 5 * priced) return { kind: "rounding", diffMills };
  const reasons = [...new Set(adjudication.lines.flatMap((l) => (l.reason ? [l.reason] : [])))];
  return { kind: "differs", diffMills, cause: reasons.length > 0 ? `policy: ${reasons.join(", ")}` : "unexplained" };
}

/**
 * The bundle's submitted total for a claim (Claim.total) in cents, next to the sum of its priced lines: Synthea's
 * total includes the encounter's base charge, which no line prices.
 * @param claim - The claim.
 * @returns Cents of the claim's total.
 */
export function claimTotalCents(claim: Claim): number {
  return claim.total?.value === undefined ? 0 : toCents(claim.total.value, "claim.total.value");
}
