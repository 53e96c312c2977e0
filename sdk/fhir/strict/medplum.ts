/**
 * @medplum/core's verdict on a resource as FHIR issues: its errors and fatal issues, minus its refusal of
 * line-wrapped base64 that R4 allows. The caller installs its own schemas first (strict/schemas.ts).
 * @internal
 */
import { OperationOutcomeError, validateResource } from "@medplum/core";
import type { OperationOutcomeIssue, Resource } from "@medplum/fhirtypes";

import type { FhirIssue } from "../../errors/data.js";
import { base64Problem } from "./rules/primitives.js";

/**
 * @medplum/core's errors for a resource (minus its refusal of R4-valid line-wrapped base64).
 * @param resource - The resource (an object with a string resourceType).
 * @returns The issues, and @medplum/core's error when it threw one.
 */
export function medplumIssues(resource: Resource): { issues: FhirIssue[]; cause?: unknown } {
  let outcome: OperationOutcomeIssue[];
  let cause: unknown;
  try {
    outcome = validateResource(resource);
  } catch (error) {
    if (!(error instanceof OperationOutcomeError)) {
      return { issues: [{ path: resource.resourceType, message: String(error) }], cause: error };
    }
    // Typed as required, but an outcome built by hand may lack it.
    outcome = Array.isArray(error.outcome.issue) ? error.outcome.issue : [];
    cause = error;
  }
  const errors = outcome.filter(
    (i) => (i.severity === "error" || i.severity === "fatal") && !isValidR4Base64(resource, i),
  );
  return { issues: errors.map(toIssue), cause: errors.length > 0 ? cause : undefined };
}

function diagnostic(issue: { details?: { text?: string }; diagnostics?: string }): string {
  return issue.details?.text ?? issue.diagnostics ?? "invalid";
}

function toIssue(issue: OperationOutcomeIssue): FhirIssue {
  return { path: issue.expression?.[0] ?? "$", message: diagnostic(issue) };
}

/**
 * @medplum/core rejects line-wrapped base64 that the R4 definition allows (HL7's own examples use it). Its
 * "Invalid base64Binary" issue is dropped when the value at its path is valid R4 base64 (whitespace only between
 * groups of four, correct padding).
 */
function isValidR4Base64(resource: object, issue: OperationOutcomeIssue): boolean {
  if (!diagnostic(issue).includes("base64Binary format")) return false;
  const value = valueAt(resource, issue.expression?.[0] ?? "");
  return typeof value === "string" && base64Problem(value) === undefined;
}

/** The value at a @medplum/core element path (`DiagnosticReport.presentedForm[0].data`, `Observation.value[x]`). */
function valueAt(resource: object, path: string): unknown {
  let current: unknown = resource;
  for (const part of path.split(".").slice(1)) {
    const match = /^([A-Za-z0-9_]+)(\[x\])?(?:\[(\d+)\])?$/.exec(part);
    if (!match || typeof current !== "object" || current === null) return undefined;
    const obj = current as Record<string, unknown>;
    const [, name = "", choice, index] = match;
    if (choice) {
      const key = Object.keys(obj).find((k) => k.startsWith(name) && /^[A-Z]/.test(k.slice(name.length)));
      current = key === undefined ? undefined : obj[key];
    } else {
      current = Object.hasOwn(obj, name) ? obj[name] : undefined;
    }
    if (index !== undefined) current = Array.isArray(current) ? current[Number(index)] : undefined;
  }
  return current;
}
