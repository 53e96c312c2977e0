/**
 * The deterministic adjudicator: Claim + Coverage + policy version → ClaimResponse with per-item adjudication, in
 * exact integer cents, serialised as canonical JSON. The insurer runs it and anchors its commitment; the provider
 * and the patient re-run it on the same inputs and get the same bytes, so a dispute is about inputs, not arithmetic.
 */
import type {
  Claim,
  ClaimItem,
  ClaimResponse,
  ClaimResponseItem,
  CodeableConcept,
  Coverage,
  Reference,
} from "@medplum/fhirtypes";

import { utf8 } from "../crypto/bytes.js";
import { ClaimFormatError } from "../errors/claims.js";
import { canonicalJson } from "../fhir/canonical.js";
import { fromCents, percentOf, toCents } from "./money.js";
import { parsePolicy, policyHash, ruleFor, type CoveragePolicy, type ServiceRule } from "./policy.js";

/** Code system of the adjudication categories (FHIR R4). */
export const ADJUDICATION_SYSTEM = "http://terminology.hl7.org/CodeSystem/adjudication";
/** Code system of Carechain's reasons for denying or reducing a line. */
export const ADJUDICATION_REASON_SYSTEM = "https://carechain.dev/fhir/CodeSystem/adjudication-reason";
/** Extension on the ClaimResponse naming the SHA-256 of the policy document it applied. */
export const POLICY_HASH_EXTENSION = "https://carechain.dev/fhir/StructureDefinition/policy-hash";
/** Extension on the ClaimResponse stating the deductible already met before this claim (an input of the re-run). */
export const DEDUCTIBLE_MET_EXTENSION = "https://carechain.dev/fhir/StructureDefinition/deductible-met";

/** Why a line was denied or reduced. */
export type AdjudicationReason =
  | "not-covered"
  | "allowed-limit"
  | "prior-authorization"
  | "filing-deadline"
  | "coverage-inactive"
  | "coverage-mismatch";

/** The whole claim's outcome, as the claim contract records it. */
export type ClaimDecision = "approved" | "partial" | "denied";

/** What the adjudicator needs; every field is an input that a re-run must reproduce. */
export interface AdjudicationInput {
  /** The FHIR R4 Claim. */
  readonly claim: Claim;
  /** The member's FHIR R4 Coverage. */
  readonly coverage: Coverage;
  /** The policy version the claim was filed under. */
  readonly policy: CoveragePolicy;
  /** ClaimResponse.created: the adjudication date (`YYYY-MM-DD`), fixed by the insurer and part of the inputs. */
  readonly created: string;
  /** Deductible the member already met in this period, in cents (default 0). */
  readonly deductibleMet?: number;
}

/** Per-line figures in cents, as adjudicated. */
export interface AdjudicatedLine {
  readonly sequence: number;
  readonly submitted: number;
  readonly eligible: number;
  readonly deductible: number;
  readonly coinsurance: number;
  readonly benefit: number;
  /** Why the line was denied or reduced, if it was. */
  readonly reason?: AdjudicationReason;
  /** Whether the line was priced at all (a line with no amount adjudicates to zero and does not decide). */
  readonly priced: boolean;
}

/** The adjudicator's result: the ClaimResponse, its canonical bytes, and the figures behind it. */
export interface Adjudication {
  readonly response: ClaimResponse;
  /** Canonical JSON of `response` (RFC 8785): the bytes that are encrypted and committed to. */
  readonly bytes: Uint8Array;
  readonly decision: ClaimDecision;
  readonly lines: readonly AdjudicatedLine[];
  /** Totals in cents. */
  readonly totals: {
    readonly submitted: number;
    readonly eligible: number;
    readonly deductible: number;
    readonly benefit: number;
  };
}

const DAY_MS = 86_400_000;

/**
 * Adjudicates a claim under a policy. Pure and deterministic: no clock, no randomness, integer cents with
 * round-half-even co-insurance, lines in `sequence` order.
 *
 * Rules, per line: the amount is `net`, else `unitPrice × quantity`, else zero (an unpriced line adjudicates to
 * zero); the first coding with a policy rule decides; an uncovered service is denied (`not-covered`); a service that
 * needs prior authorisation is denied without a `preAuthRef` on the focal insurance (`prior-authorization`); the
 * eligible amount is capped at the rule's `allowed` (`allowed-limit`); the deductible left is taken first, then the
 * co-insurance share; the rest is the benefit. The whole claim is denied when the Coverage is not active or not of
 * the policy's type, or the claim was created more than `filingDays` after its billable period.
 * @param input - Claim, Coverage, policy, adjudication date, deductible already met.
 * @returns The ClaimResponse, its canonical bytes, the decision and the figures.
 * @throws {ClaimFormatError} When the claim lacks what adjudication needs (items, sequences, codings, amounts).
 * @throws {PolicyFormatError} When the policy is malformed.
 */
export function adjudicateClaim(input: AdjudicationInput): Adjudication {
  const policy = parsePolicy(input.policy);
  const { claim, coverage } = input;
  // Inputs come from decrypted records and files: checked here, whatever their static type says.
  if (!isResource(claim, "Claim")) throw new ClaimFormatError("claim", "is not a FHIR Claim");
  if (!isResource(coverage, "Coverage")) throw new ClaimFormatError("coverage", "is not a FHIR Coverage");
  if (!/^\d{4}-\d{2}-\d{2}$/.test(input.created)) throw new ClaimFormatError("created", "is not a YYYY-MM-DD date");
  const items = [...(claim.item ?? [])].sort((a, b) => a.sequence - b.sequence);
  if (items.length === 0) throw new ClaimFormatError("claim.item", "is empty");
  const claimReason = wholeClaimReason(claim, coverage, policy);
  const preAuthorized = (claim.insurance.find((i) => i.focal)?.preAuthRef ?? []).length > 0;
  const met = input.deductibleMet ?? 0;
  if (!Number.isSafeInteger(met) || met < 0) throw new ClaimFormatError("deductibleMet", "is not whole cents ≥ 0");
  let deductibleLeft = Math.max(0, policy.deductible - met);
  const lines = items.map((item, i): AdjudicatedLine => {
    const path = `claim.item[${i}]`;
    if (!Number.isInteger(item.sequence) || item.sequence < 1)
      throw new ClaimFormatError(`${path}.sequence`, "is not a positive integer");
    const submitted = lineAmount(item, path);
    const zero = { sequence: item.sequence, submitted, eligible: 0, deductible: 0, coinsurance: 0, benefit: 0 };
    if (submitted === 0) return { ...zero, priced: false };
    if (claimReason) return { ...zero, priced: true, reason: claimReason };
    const rule = lineRule(item, policy, path);
    if (!rule?.covered) return { ...zero, priced: true, reason: "not-covered" };
    if (rule.priorAuthorization && !preAuthorized) return { ...zero, priced: true, reason: "prior-authorization" };
    const eligible = rule.allowed === undefined ? submitted : Math.min(submitted, rule.allowed);
    const deductible = Math.min(eligible, deductibleLeft);
    deductibleLeft -= deductible;
    const coinsurance = percentOf(eligible - deductible, rule.coinsuranceBps ?? policy.coinsuranceBps);
    const benefit = eligible - deductible - coinsurance;
    return {
      sequence: item.sequence,
      submitted,
      eligible,
      deductible,
      coinsurance,
      benefit,
      priced: true,
      ...(eligible < submitted ? { reason: "allowed-limit" as const } : {}),
    };
  });
  const sum = (key: "submitted" | "eligible" | "deductible" | "benefit") => lines.reduce((n, l) => n + l[key], 0);
  const totals = {
    submitted: sum("submitted"),
    eligible: sum("eligible"),
    deductible: sum("deductible"),
    benefit: sum("benefit"),
  };
  const priced = lines.filter((l) => l.priced);
  const decision: ClaimDecision =
    totals.benefit === 0 ? "denied" : priced.every((l) => l.reason === undefined) ? "approved" : "partial";
  const response = claimResponse(claim, policy, input, lines, totals, decision);
  return { response, bytes: utf8(canonicalJson(response)), decision, lines, totals };
}

/**
 * The inputs a ClaimResponse was adjudicated with besides the Claim, Coverage and policy: its date and the
 * deductible met before it (both stated in the response, so anyone who can read it can re-run it).
 * @param response - A ClaimResponse made by {@link adjudicateClaim}.
 * @returns `created` and `deductibleMet` (cents).
 * @throws {ClaimFormatError} When the response lacks them.
 */
export function adjudicationInputsOf(response: ClaimResponse): { created: string; deductibleMet: number } {
  const met = response.extension?.find((e) => e.url === DEDUCTIBLE_MET_EXTENSION)?.valueMoney?.value;
  if (met === undefined || !response.created)
    throw new ClaimFormatError("response", "does not state its adjudication inputs");
  return { created: response.created, deductibleMet: toCents(met, "response.extension[deductible-met]") };
}

/**
 * The canonical bytes of a ClaimResponse (what is encrypted, stored and committed to).
 * @param response - A ClaimResponse.
 * @returns Its RFC 8785 canonical JSON, UTF-8.
 */
export function claimResponseBytes(response: ClaimResponse): Uint8Array {
  return utf8(canonicalJson(response));
}

function isResource(value: unknown, resourceType: string): boolean {
  return (
    typeof value === "object" && value !== null && (value as { resourceType?: unknown }).resourceType === resourceType
  );
}

function wholeClaimReason(claim: Claim, coverage: Coverage, policy: CoveragePolicy): AdjudicationReason | undefined {
  if (coverage.status !== "active") return "coverage-inactive";
  const types = [coverage.type?.text, ...(coverage.type?.coding ?? []).map((c) => c.code)];
  if (!types.includes(policy.coverageType)) return "coverage-mismatch";
  const served = claim.billablePeriod?.start ?? claim.billablePeriod?.end;
  const periodStart = coverage.period?.start ? Date.parse(coverage.period.start) : -Infinity;
  const periodEnd = coverage.period?.end ? Date.parse(coverage.period.end) : Infinity;
  if (served !== undefined && (Date.parse(served) < periodStart || Date.parse(served) > periodEnd))
    return "coverage-inactive";
  const end = claim.billablePeriod?.end ?? claim.billablePeriod?.start;
  if (end === undefined || !claim.created)
    throw new ClaimFormatError("claim.billablePeriod", "and claim.created are required");
  const late = Date.parse(claim.created) - Date.parse(end);
  if (Number.isNaN(late))
    throw new ClaimFormatError("claim.created", "or claim.billablePeriod is not a valid dateTime");
  return late > policy.filingDays * DAY_MS ? "filing-deadline" : undefined;
}

function lineAmount(item: ClaimItem, path: string): number {
  if (item.net !== undefined) return toCents(item.net.value, `${path}.net.value`);
  if (item.unitPrice === undefined) return 0;
  const unit = toCents(item.unitPrice.value, `${path}.unitPrice.value`);
  const quantity = item.quantity?.value ?? 1;
  if (!Number.isSafeInteger(quantity) || quantity < 0)
    throw new ClaimFormatError(`${path}.quantity.value`, "is not a whole number");
  return unit * quantity;
}

function lineRule(item: ClaimItem, policy: CoveragePolicy, path: string): ServiceRule | undefined {
  const codings = (item.productOrService as ClaimItem["productOrService"] | undefined)?.coding ?? [];
  if (codings.length === 0) throw new ClaimFormatError(`${path}.productOrService.coding`, "is empty");
  for (const coding of codings) {
    if (!coding.system || !coding.code) continue;
    const rule = ruleFor(policy, coding.system, coding.code);
    if (rule) return rule;
  }
  return undefined;
}

function claimResponse(
  claim: Claim,
  policy: CoveragePolicy,
  input: AdjudicationInput,
  lines: readonly AdjudicatedLine[],
  totals: Adjudication["totals"],
  decision: ClaimDecision,
): ClaimResponse {
  const money = (cents: number) => ({ value: fromCents(cents), currency: policy.currency as "USD" });
  const category = (code: string): CodeableConcept => ({ coding: [{ system: ADJUDICATION_SYSTEM, code }] });
  const item = lines.map((line): ClaimResponseItem => ({
    itemSequence: line.sequence,
    adjudication: [
      { category: category("submitted"), amount: money(line.submitted) },
      { category: category("eligible"), amount: money(line.eligible) },
      { category: category("deductible"), amount: money(line.deductible) },
      {
        category: category("benefit"),
        amount: money(line.benefit),
        ...(line.reason ? { reason: { coding: [{ system: ADJUDICATION_REASON_SYSTEM, code: line.reason }] } } : {}),
      },
    ],
  }));
  const request: Reference<Claim> | undefined = claim.id ? { reference: `Claim/${claim.id}` } : undefined;
  return {
    resourceType: "ClaimResponse",
    extension: [
      { url: POLICY_HASH_EXTENSION, valueString: policyHash(policy) },
      { url: DEDUCTIBLE_MET_EXTENSION, valueMoney: money(input.deductibleMet ?? 0) },
    ],
    status: "active",
    type: claim.type,
    use: "claim",
    patient: claim.patient,
    created: input.created,
    insurer: { display: policy.name },
    requestor: claim.provider,
    ...(request ? { request } : {}),
    outcome: "complete",
    disposition: DISPOSITION[decision],
    item,
    total: [
      { category: category("submitted"), amount: money(totals.submitted) },
      { category: category("eligible"), amount: money(totals.eligible) },
      { category: category("deductible"), amount: money(totals.deductible) },
      { category: category("benefit"), amount: money(totals.benefit) },
    ],
    payment: {
      type: { coding: [{ system: "http://terminology.hl7.org/CodeSystem/ex-paymenttype", code: "complete" }] },
      amount: money(totals.benefit),
    },
  };
}

const DISPOSITION: Record<ClaimDecision, string> = {
  approved: "Claim approved",
  partial: "Claim partially approved",
  denied: "Claim denied: nothing payable",
};
