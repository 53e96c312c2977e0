/**
 * `carechain/claims`: insurance claims that settle by contract — coverage policies by CID, the deterministic
 * adjudicator, the patient's ExplanationOfBenefit, claim commitments, and the client for the claim contracts.
 * @packageDocumentation
 */
export {
  ADJUDICATION_REASON_SYSTEM,
  ADJUDICATION_SYSTEM,
  adjudicateClaim,
  adjudicationInputsOf,
  claimResponseBytes,
  DEDUCTIBLE_MET_EXTENSION,
  POLICY_HASH_EXTENSION,
  type AdjudicatedLine,
  type Adjudication,
  type AdjudicationInput,
  type AdjudicationReason,
  type ClaimDecision,
} from "./claims/adjudicate.js";
export {
  appealCommitment,
  CLAIM_SALT_SYSTEM,
  claimCommitment,
  claimSaltOf,
  responseCommitment,
} from "./claims/commitment.js";
export { explanationOfBenefit } from "./claims/eob.js";
export { fromCents, MINOR_UNITS, percentOf, toCents } from "./claims/money.js";
export {
  parsePolicy,
  POLICY_FORMAT,
  policyBytes,
  policyHash,
  ruleFor,
  type CoveragePolicy,
  type ServiceRule,
} from "./claims/policy.js";
export {
  AdjudicationMismatchError,
  ClaimConsentRequiredError,
  ClaimFormatError,
  ClaimsRevertError,
  PolicyFormatError,
} from "./errors/claims.js";
export {
  CLAIM_STATES,
  ClaimsClient,
  type AnchoredAdjudication,
  type ClaimState,
  type ClaimStatus,
  type SubmittedClaim,
} from "./claims/client.js";
export {
  claimsErrorOf,
  connectClaims,
  connectSettlementToken,
  deployClaims,
  deployPilotStablecoin,
  type ClaimsContracts,
  type ClaimsDeployment,
  type SettlementToken,
} from "./claims/contracts.js";
export {
  loadPolicy,
  publishPolicy,
  publishPolicyVersion,
  type ClaimsContext,
  type PolicySettlement,
  type PublishedPolicy,
} from "./claims/policies.js";
