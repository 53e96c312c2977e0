/**
 * Strict rule: primitive formats as FHIR R4 defines them (the `regex` extensions of the primitive
 * types in profiles-types.json), where @medplum/core is looser: a resource id's syntax and length, dateTime
 * with a time but no seconds or timezone, calendar dates that do not exist, line-wrapped base64Binary
 * (allowed by R4, refused by @medplum/core) and badly padded base64, whitespace in uri/url/canonical, uuid and
 * oid syntax, and strings that are not well-formed Unicode (a lone surrogate cannot be encoded in UTF-8).
 * @internal
 */
import type { FhirNode, Report, RuleVisitor, StrictRule } from "../rule.js";

/** The R4 regexes (profiles-types.json, `<type>.value` → `http://hl7.org/fhir/StructureDefinition/regex`). */
export const R4_PATTERNS = {
  id: "[A-Za-z0-9\\-\\.]{1,64}",
  date: "([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1]))?)?",
  dateTime:
    "([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]+)?(Z|(\\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?",
  instant:
    "([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]+)?(Z|(\\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))",
  time: "([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]+)?",
  uri: "\\S*",
  url: "\\S*",
  canonical: "\\S*",
  oid: "urn:oid:[0-2](\\.(0|[1-9][0-9]*))+",
  uuid: "urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
} as const;

type PatternType = keyof typeof R4_PATTERNS;
const ANCHORED = Object.fromEntries(
  Object.entries(R4_PATTERNS).map(([type, source]) => [type, new RegExp(`^(?:${source})$`)]),
) as Record<PatternType, RegExp>;

const FORMAT_HINT: Record<PatternType, string> = {
  id: "1-64 characters from A-Z a-z 0-9 - .",
  date: "YYYY, YYYY-MM or YYYY-MM-DD",
  dateTime: "YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss[.f]+zz:zz (a time needs seconds and a timezone)",
  instant: "YYYY-MM-DDThh:mm:ss[.f]+zz:zz (seconds and timezone required)",
  time: "hh:mm:ss[.f]",
  uri: "no whitespace",
  url: "no whitespace",
  canonical: "no whitespace",
  oid: "urn:oid:<digits and dots>",
  uuid: "urn:uuid:<lower-case 8-4-4-4-12 hex>",
};

/** Whether `text` is well-formed UTF-16 (no lone surrogate). */
export function isWellFormedUnicode(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return false;
    }
  }
  return true;
}

/**
 * Checks an R4 base64Binary in one linear pass (no regex backtracking on megabyte values): the base64 alphabet in
 * groups of four, whitespace only between groups (as the R4 regex allows), and `=` padding only at the end.
 * @returns A problem description, or undefined when valid.
 */
export function base64Problem(value: string): string | undefined {
  let count = 0;
  let padding = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0b || c === 0x0c) {
      if (count % 4 !== 0) return "whitespace is only allowed between groups of four characters";
      continue;
    }
    const alphabet =
      (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2f;
    if (c === 0x3d) {
      padding++;
    } else if (!alphabet) {
      return `"${value[i]}" is not a base64 character`;
    } else if (padding > 0) {
      return "padding (=) is only allowed at the end";
    }
    count++;
  }
  if (count === 0) return "no data";
  if (count % 4 !== 0) return "the length is not a multiple of 4";
  if (padding > 2) return "more than two padding characters";
  return undefined;
}

/** base64Binary without its whitespace (for decoding). */
export function stripBase64Whitespace(value: string): string {
  return value.replace(/[ \t\n\r\v\f]+/g, "");
}

/** Whether the YYYY-MM-DD at the start of `value` (if present) is a real calendar day. */
function calendarDayExists(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(value);
  if (!m) return true;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate(); // day 0 of the next month = last of this one
  return day <= days;
}

/**
 * The format problem of a primitive value of FHIR type `type`, or undefined when it is fine (or not checked
 * here). `value` is the JSON value; non-strings are left to @medplum/core's type checks.
 */
export function primitiveProblem(type: string, value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  if (!isWellFormedUnicode(value)) return "not well-formed Unicode (a lone surrogate)";
  if (type === "base64Binary") {
    const problem = base64Problem(value);
    return problem && `not valid base64Binary: ${problem}`;
  }
  if (!Object.hasOwn(ANCHORED, type)) return undefined;
  const t = type as PatternType;
  if (!ANCHORED[t].test(value)) return `not a valid R4 ${t} (${FORMAT_HINT[t]})`;
  if ((t === "date" || t === "dateTime" || t === "instant") && !calendarDayExists(value)) {
    return `not a valid R4 ${t}: ${value.slice(0, 10)} is not a day of the calendar`;
  }
  return undefined;
}

/** The rule: resource ids (typed `string` in the R4 definitions, but `id` in the specification) and primitives. */
export const primitivesRule: StrictRule = {
  name: "primitive formats",
  start: () => VISITOR,
};

const VISITOR: RuleVisitor = { visit };

function visit(node: FhirNode, report: Report): void {
  if (node.isResource) {
    const id = (node.value as Record<string, unknown>).id;
    if (typeof id === "string" && id !== "" && !ANCHORED.id.test(id)) {
      report(`${node.path}.id`, `not a valid resource id (${FORMAT_HINT.id})`);
    }
    return;
  }
  const problem = primitiveProblem(node.type, node.value);
  if (problem) report(node.path, problem);
}
