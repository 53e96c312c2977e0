/**
 * Errors of consent input handled off chain (SMART scopes).
 * @module
 */
import { CarechainError } from "./base.js";

/** A malformed or unsupported SMART scope. Code `SCOPE_INVALID`. */
export class ScopeError extends CarechainError {
  /** The scope as given. */
  readonly scope: string;
  /**
   * @param scope - The scope as given.
   * @param problem - What is wrong with it.
   */
  constructor(scope: string, problem: string) {
    super("SCOPE_INVALID", `Invalid SMART scope "${scope}": ${problem}.`);
    this.scope = scope;
  }
}
