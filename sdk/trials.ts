/**
 * `carechain/trials`: clinical studies whose protocol and consent can't be rewritten — pre-registration with
 * endpoints, amendments with reasons, pseudonymous enrolment with study-bound research consent and withdrawal, visit
 * data anchored in batches, outcome-switching detection, and eligibility evaluated on the patient's device
 * (FHIRPath; needs the `fhirpath` package).
 * @packageDocumentation
 */
export { TrialsClient, WITHDRAWAL_SCOPES, type LoadedStudyVersion, type StudyProtocol } from "./trials/client.js";
export { connectStudyRegistry, deployStudyRegistry, trialsErrorOf } from "./trials/contracts.js";
export { TrialsRevertError } from "./errors/trials.js";
export {
  ELIGIBILITY_FORMAT,
  evaluateEligibility,
  type EligibilityCriteria,
  type EligibilityCriterion,
  type EligibilityResult,
} from "./trials/eligibility.js";
export {
  documentDigest,
  ENDPOINTS_FORMAT,
  parseEndpoints,
  RESULTS_FORMAT,
  type Endpoint,
  type StudyEndpoints,
  type StudyResults,
} from "./trials/endpoints.js";
export { detectOutcomeSwitching, type AmendmentRecord, type OutcomeSwitch } from "./trials/outcome-switching.js";
export { studyPseudonym } from "./trials/pseudonym.js";
