/**
 * The patient's ExplanationOfBenefit, built from the Claim and the ClaimResponse the insurer anchored: what was
 * billed, what the plan allowed, what it paid, what the patient owes, and why, line by line.
 */
import type { Claim, ClaimResponse, ExplanationOfBenefit, ExplanationOfBenefitItem } from "@medplum/fhirtypes";

import { ClaimFormatError } from "../errors/claims.js";

/**
 * Builds the ExplanationOfBenefit for the patient from a Claim and its ClaimResponse (items matched by sequence).
 * @param claim - The FHIR R4 Claim.
 * @param response - The ClaimResponse that adjudicated it (see {@link adjudicateClaim}).
 * @param coverageDisplay - How the EOB names the member's coverage (e.g. the plan's name).
 * @returns A FHIR R4 ExplanationOfBenefit.
 * @throws {ClaimFormatError} When the response adjudicates a line the claim does not have.
 */
export function explanationOfBenefit(
  claim: Claim,
  response: ClaimResponse,
  coverageDisplay: string,
): ExplanationOfBenefit {
  const bySequence = new Map((claim.item ?? []).map((item) => [item.sequence, item]));
  const item = (response.item ?? []).map((adjudicated, i): ExplanationOfBenefitItem => {
    const line = bySequence.get(adjudicated.itemSequence);
    if (!line)
      throw new ClaimFormatError(
        `response.item[${i}].itemSequence`,
        `names no line of the claim (${adjudicated.itemSequence})`,
      );
    return {
      sequence: line.sequence,
      productOrService: line.productOrService,
      ...(line.servicedDate ? { servicedDate: line.servicedDate } : {}),
      ...(line.servicedPeriod ? { servicedPeriod: line.servicedPeriod } : {}),
      ...(line.net ? { net: line.net } : {}),
      adjudication: adjudicated.adjudication,
    };
  });
  return {
    resourceType: "ExplanationOfBenefit",
    status: "active",
    type: claim.type,
    use: "claim",
    patient: claim.patient,
    ...(claim.billablePeriod ? { billablePeriod: claim.billablePeriod } : {}),
    created: response.created,
    insurer: response.insurer,
    provider: claim.provider,
    ...(claim.id ? { claim: { reference: `Claim/${claim.id}` } } : {}),
    outcome: response.outcome,
    ...(response.disposition ? { disposition: response.disposition } : {}),
    insurance: [{ focal: true, coverage: { display: coverageDisplay } }],
    item,
    ...(response.total ? { total: response.total } : {}),
    ...(response.payment ? { payment: { type: response.payment.type, amount: response.payment.amount } } : {}),
  };
}
