/** Errors of the claims module (sdk/claims/): bad policies and claims, missing consent, disputed adjudications. */
import { CarechainError, type CarechainErrorOptions } from "./base.js";
import { ContractRevertError } from "./contract.js";

/** A coverage policy document is malformed (code `POLICY_FORMAT`); `path` names the offending field. */
export class PolicyFormatError extends CarechainError {
  /** Where in the document, e.g. `services[2].allowed`. */
  readonly path: string;

  constructor(path: string, problem: string, options?: CarechainErrorOptions) {
    super("POLICY_FORMAT", `Invalid coverage policy at ${path}: ${problem}.`, options);
    this.path = path;
  }
}

/** A Claim or Coverage cannot be adjudicated as given (code `CLAIM_FORMAT`); `path` names the field. */
export class ClaimFormatError extends CarechainError {
  /** Where in the input, e.g. `claim.item[0].net.value`. */
  readonly path: string;

  constructor(path: string, problem: string, options?: CarechainErrorOptions) {
    super("CLAIM_FORMAT", `Cannot adjudicate: ${path} ${problem}.`, options);
    this.path = path;
  }
}

/**
 * The patient has not consented to share Financial records with the insurer for payment (HPAYMT), or the
 * provider may not write them (code `CLAIM_CONSENT_REQUIRED`). Nothing was stored or sent.
 */
export class ClaimConsentRequiredError extends CarechainError {
  /** The patient, the party without consent, and what it lacks. */
  readonly patient: string;
  readonly party: string;
  readonly lacks: "read" | "write";

  constructor(patient: string, party: string, lacks: "read" | "write") {
    super(
      "CLAIM_CONSENT_REQUIRED",
      `${party} has no ${lacks} consent for ${patient}'s Financial records for payment (HPAYMT).`,
    );
    this.patient = patient;
    this.party = party;
    this.lacks = lacks;
  }
}

/**
 * Re-running the adjudication on the same inputs does not give what is anchored (code `ADJUDICATION_MISMATCH`):
 * the ClaimResponse differs, or its commitment does not match the chain's.
 */
export class AdjudicationMismatchError extends CarechainError {
  /** The claim (its on-chain id). */
  readonly claimId: string;

  constructor(claimId: string, details: string) {
    super("ADJUDICATION_MISMATCH", `The adjudication of claim ${claimId} does not re-run to what is anchored.`, {
      details,
    });
    this.claimId = claimId;
  }
}

/** A revert of a claim contract, named after its Solidity error in `errorName` (e.g. `ClaimAdjudicationDeadlinePassed`). */
export class ClaimsRevertError extends ContractRevertError {}
