/**
 * The size limits (sdk/fhir/limits.ts) of a record given as an object, measured as a reader measures its
 * JSON — values and nesting in one iterative walk that stops at the first value over a limit, then the UTF-8 bytes
 * of its JSON text.
 * @internal
 */
import { FhirSizeLimitError } from "../../errors/data.js";
import { utf8Length } from "../../crypto/bytes.js";
import {
  MAX_FHIR_JSON_BYTES,
  MAX_FHIR_JSON_DEPTH,
  MAX_FHIR_JSON_VALUES,
  MAX_FHIR_RESOURCES,
  NarrativeBudget,
} from "../limits.js";

/** `JSON.stringify` typed as it behaves: undefined for undefined, a function or a symbol. */
const stringify: (value: unknown) => string | undefined = JSON.stringify;

/**
 * Checks a record object against the limits.
 * @throws {FhirSizeLimitError} Over {@link MAX_FHIR_JSON_VALUES} values, {@link MAX_FHIR_RESOURCES} resources,
 *   {@link MAX_FHIR_JSON_DEPTH} levels, {@link MAX_FHIR_JSON_BYTES} bytes of JSON, or narratives over
 *   `MAX_NARRATIVE_TAGS` tags or `MAX_NARRATIVE_CHARS` characters.
 */
export function checkSizeLimits(value: unknown): void {
  let values = 0;
  let resources = 0;
  const narratives = new NarrativeBudget();
  const stack: (readonly [unknown, number])[] = [[value, 0]];
  for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
    const [v, depth] = entry;
    if (++values > MAX_FHIR_JSON_VALUES) throw new FhirSizeLimitError("fhirJsonValues", values, MAX_FHIR_JSON_VALUES);
    if (typeof v !== "object" || v === null) continue;
    const level = depth + 1;
    if (level > MAX_FHIR_JSON_DEPTH) throw new FhirSizeLimitError("fhirJsonDepth", level, MAX_FHIR_JSON_DEPTH);
    // Every child is a value to come: a container with more than the limit allows is refused before it is walked.
    const children = Array.isArray(v) ? v.length : Object.keys(v).length;
    if (values + stack.length + children > MAX_FHIR_JSON_VALUES) {
      throw new FhirSizeLimitError("fhirJsonValues", MAX_FHIR_JSON_VALUES + 1, MAX_FHIR_JSON_VALUES);
    }
    // Children are pushed last first, so they are visited in document order (as a reader parses them).
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], level]);
    } else {
      if (
        Object.hasOwn(v, "resourceType") &&
        (v as { resourceType?: unknown }).resourceType !== undefined &&
        ++resources > MAX_FHIR_RESOURCES
      ) {
        throw new FhirSizeLimitError("fhirResources", resources, MAX_FHIR_RESOURCES);
      }
      for (const key of Object.keys(v).reverse()) {
        const item = (v as Record<string, unknown>)[key];
        // What JSON.stringify leaves out of an object is not a value of the record.
        if (item !== undefined && typeof item !== "function" && typeof item !== "symbol") stack.push([item, level]);
        if (key === "div" && typeof item === "string") narratives.add(item);
      }
    }
  }
  let text: string | undefined;
  try {
    text = stringify(value);
  } catch {
    return; // not JSON (a bigint, a getter that throws): the validation reports what is wrong
  }
  const bytes = text === undefined ? 0 : utf8Length(text, MAX_FHIR_JSON_BYTES);
  if (bytes > MAX_FHIR_JSON_BYTES) throw new FhirSizeLimitError("fhirJsonBytes", bytes, MAX_FHIR_JSON_BYTES);
}
