/** Errors of the trials module (sdk/trials/). */
import { ContractRevertError } from "./contract.js";

/** A revert of the StudyRegistry, named after its Solidity error in `errorName` (e.g. `StudySubjectWithdrawn`). */
export class TrialsRevertError extends ContractRevertError {}
