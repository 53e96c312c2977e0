/**
 * Validation of EPCIS 2.0 JSON/JSON-LD documents against GS1's JSON Schema (draft-07) with Ajv,
 * reporting each failure with the document path and the schema path that refused it.
 * @module
 */
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";

// ajv-formats is CommonJS with a default export; under NodeNext the callable is the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** One reason a document was refused. */
export interface EpcisSchemaIssue {
  /** JSON Pointer into the document, e.g. `/epcisBody/eventList/0/action` (`""` for the root). */
  readonly instancePath: string;
  /** JSON Pointer into the whole schema of the rule that failed, e.g. `#/definitions/action/enum`. */
  readonly schemaPath: string;
  /** What the rule requires, e.g. `must be equal to one of the allowed values`. */
  readonly message: string;
}

/** The outcome of validating one document. */
export type EpcisSchemaResult =
  | { readonly valid: true }
  | {
      readonly valid: false;
      /** The most specific issue, the one to show first. */
      readonly reason: EpcisSchemaIssue;
      /** Every issue Ajv reported. */
      readonly issues: readonly EpcisSchemaIssue[];
    };

/** A compiled validator for one schema. */
export type EpcisSchemaValidator = (document: unknown) => EpcisSchemaResult;

/** Combinator keywords whose failure only says that a sub-schema failed. */
const WRAPPERS = new Set(["if", "then", "else", "allOf", "anyOf", "oneOf", "not", "$ref"]);

/** JSON Pointer of every sub-schema object of `schema` (first occurrence wins). */
function pointers(schema: unknown): Map<object, string> {
  const out = new Map<object, string>();
  const walk = (node: unknown, pointer: string): void => {
    if (typeof node !== "object" || node === null || out.has(node)) return;
    out.set(node, pointer);
    for (const [key, value] of Object.entries(node)) {
      walk(value, `${pointer}/${key.replaceAll("~", "~0").replaceAll("/", "~1")}`);
    }
  };
  walk(schema, "#");
  return out;
}

function toIssue(error: ErrorObject, where: ReadonlyMap<object, string>): EpcisSchemaIssue {
  const params = error.params as Record<string, unknown>;
  let message = error.message ?? error.keyword;
  if (error.keyword === "enum" && Array.isArray(params.allowedValues)) {
    message += `: ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`;
  } else if (error.keyword === "additionalProperties" && typeof params.additionalProperty === "string") {
    message += `: ${params.additionalProperty}`;
  }
  // Ajv's schemaPath is relative to the last `$ref` target; locate the failing rule in the whole schema.
  const parent = error.parentSchema === undefined ? undefined : where.get(error.parentSchema);
  const schemaPath = parent === undefined ? error.schemaPath : `${parent}/${error.keyword}`;
  return { instancePath: error.instancePath, schemaPath, message };
}

/** The issue to report first: a leaf keyword at the deepest document path. */
function mostSpecific(issues: readonly ErrorObject[]): ErrorObject {
  const leaves = issues.filter((e) => !WRAPPERS.has(e.keyword));
  const pool = leaves.length > 0 ? leaves : issues;
  return pool.reduce((best, e) => (e.instancePath.split("/").length > best.instancePath.split("/").length ? e : best));
}

/**
 * Compiles GS1's EPCIS 2.0 JSON Schema (`EPCIS-JSON-Schema.json`) into a validator.
 * @param schema - The parsed JSON Schema (draft-07).
 * @returns A function that validates one parsed document.
 * @throws {TypeError} When `schema` is not an object or does not compile.
 * @example
 * ```ts
 * const validate = createEpcisSchemaValidator(JSON.parse(readFileSync("EPCIS-JSON-Schema.json", "utf8")));
 * const result = validate(JSON.parse(document));
 * if (!result.valid) console.log(result.reason.instancePath, result.reason.schemaPath, result.reason.message);
 * ```
 */
export function createEpcisSchemaValidator(schema: unknown): EpcisSchemaValidator {
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) {
    throw new TypeError("createEpcisSchemaValidator: schema must be a JSON Schema object");
  }
  // strict: false — GS1's schema uses annotation keywords (e.g. `$comment` siblings, `example`) that
  // Ajv's strict mode rejects; validation semantics are unchanged.
  const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
  addFormats(ajv);
  let compiled: ValidateFunction;
  try {
    compiled = ajv.compile(schema);
  } catch (cause) {
    throw new TypeError(`createEpcisSchemaValidator: the schema does not compile: ${(cause as Error).message}`, {
      cause,
    });
  }
  const where = pointers(schema);
  return (document: unknown): EpcisSchemaResult => {
    if (compiled(document)) return { valid: true };
    const errors = compiled.errors ?? [];
    return {
      valid: false,
      reason: toIssue(mostSpecific(errors), where),
      issues: errors.map((e) => toIssue(e, where)),
    };
  };
}

/**
 * One line of text for a refused document: `PATH: MESSAGE (schema SCHEMA_PATH)`.
 * @param issue - An issue from a validation result.
 * @returns The reason as one line.
 */
export function formatEpcisSchemaIssue(issue: EpcisSchemaIssue): string {
  return `${issue.instancePath || "/"}: ${issue.message} (schema ${issue.schemaPath})`;
}
