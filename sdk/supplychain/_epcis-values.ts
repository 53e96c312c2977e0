/**
 * Value canonicalisation of the EPCIS Event Hash ID (CBV 2.0 §8.9): timestamps in UTC at millisecond
 * precision, numbers without trailing zeros, CBV URNs as Web URIs, GS1 identifiers as canonical
 * Digital Link URIs; numbers are written as the reference implementation (Python) writes them.
 */
import { normaliseGs1Uri } from "./_dl-normaliser.js";

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * A timestamp in UTC with exactly three fraction digits and `Z` (steps 8–9); the fourth to sixth
 * fraction digits round half to even, as the reference does. A value that is not an ISO 8601
 * date-time is returned unchanged; one without an offset is read as UTC.
 * @param text - The timestamp as written in the document.
 * @returns The canonical timestamp, e.g. `2020-03-04T10:00:30.000Z`.
 */
export function canonicalTimestamp(text: string): string {
  const m = DATE_TIME.exec(text);
  if (!m) return text;
  const [, y, mo, d, h, mi, s = "0", frac = "", zone] = m;
  const micros = Number((frac + "000000").slice(0, 6));
  let millis = Math.floor(micros / 1000);
  const rest = micros % 1000;
  if (rest > 500 || (rest === 500 && millis % 2 === 1)) millis += 1;
  let offsetMinutes = 0;
  if (zone && zone !== "Z" && zone !== "z") {
    const sign = zone.startsWith("-") ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || "0"));
  }
  const utc =
    Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) + millis - offsetMinutes * 60_000;
  if (Number.isNaN(utc)) return text;
  const iso = new Date(utc).toISOString();
  return iso.startsWith("+") || iso.startsWith("-") ? text : iso;
}

/** Python's `float()` syntax (underscores between digits, optional sign, exponent). */
const PY_FLOAT = /^[+-]?(?:\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?$/;

/**
 * Python's `repr(float)`: shortest round-trip digits, positional for decimal exponents −4…15,
 * scientific (`1e-05`, `1.5e+16`) otherwise.
 * @param x - A finite number.
 * @returns The text Python prints for `x`.
 */
export function pythonFloatRepr(x: number): string {
  if (Object.is(x, -0)) return "-0.0";
  const [mantissa, expText] = x.toExponential().split("e") as [string, string];
  const exp = Number(expText);
  const negative = mantissa.startsWith("-");
  const digits = mantissa.replace("-", "").replace(".", "");
  const sign = negative ? "-" : "";
  if (exp >= -4 && exp < 16) {
    if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
    const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
    const fracPart = digits.slice(exp + 1) || "0";
    return `${sign}${intPart}.${fracPart}`;
  }
  const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${sign}${m}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
}

/**
 * The text Python's `str()` gives a JSON scalar (`True`, `None`, `1.5`, `1e-05`).
 * @param value - A JSON scalar.
 * @returns Its Python string form.
 */
export function pythonStr(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === true) return "True";
  if (value === false) return "False";
  if (value === null || value === undefined) return "None";
  if (typeof value === "number") return Number.isInteger(value) ? BigInt(value).toString() : pythonFloatRepr(value);
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- an object where the standard has a scalar (hostile input) keeps its JavaScript text, as the hash always did; it matches no reference hash either way
  return String(value);
}

/** Step 6: a number without leading `+`, leading or trailing zeros; other text unchanged. */
function canonicalNumber(text: string): string {
  if (!PY_FLOAT.test(text)) return text;
  const n = Number(text.replaceAll("_", ""));
  if (!Number.isFinite(n)) return text;
  return Number.isInteger(n) ? BigInt(n).toString() : pythonFloatRepr(n);
}

/** Step 14: CBV 1.x URNs of standard vocabularies as CBV 2.0 Web URIs. */
function webVocabulary(text: string): string {
  return text
    .replaceAll("urn:epcglobal:cbv:bizstep:", "https://ref.gs1.org/cbv/BizStep-")
    .replaceAll("urn:epcglobal:cbv:disp:", "https://ref.gs1.org/cbv/Disp-")
    .replaceAll("urn:epcglobal:cbv:btt:", "https://ref.gs1.org/cbv/BTT-")
    .replaceAll("urn:epcglobal:cbv:sdt:", "https://ref.gs1.org/cbv/SDT-")
    .replaceAll("urn:epcglobal:cbv:er:", "https://ref.gs1.org/cbv/ER-");
}

/**
 * Runs a (non-timestamp) value through every canonicalisation: CBV Web URI, number, Digital Link.
 * @param text - A trimmed value.
 * @returns The canonical value.
 */
export function canonicalValue(text: string): string {
  const value = canonicalNumber(webVocabulary(text));
  return normaliseGs1Uri(value) ?? value;
}
