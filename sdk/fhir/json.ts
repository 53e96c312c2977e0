/**
 * The strict JSON (RFC 8259) parser for FHIR input. JSON.parse silently keeps the last of duplicate
 * keys — two `status` values, one seen by a reviewer and the other by the validator — so this parser refuses
 * them, and refuses everything that is not strict JSON: a byte-order mark, invalid UTF-8, comments, trailing
 * commas, single quotes, unquoted keys, NaN/Infinity, numbers that overflow to Infinity, leading zeros,
 * unescaped control characters in strings, trailing content and nesting deeper than 256 levels. Input over the
 * size limits (sdk/fhir/limits.ts) is refused before parsing (bytes) or as soon as the count is passed (values).
 * `__proto__` keys become own properties (never an object's prototype). Public as `parseFhirJson`.
 * @module
 */
import { utf8Length } from "../crypto/bytes.js";
import { JsonError } from "../errors/_signals.js";
import { FhirSizeLimitError, FhirValidationError } from "../errors/data.js";
import {
  MAX_FHIR_JSON_BYTES,
  MAX_FHIR_JSON_DEPTH,
  MAX_FHIR_JSON_VALUES,
  MAX_FHIR_RESOURCES,
  NarrativeBudget,
} from "./limits.js";

/** Maximum nesting of objects and arrays. */
export const MAX_JSON_DEPTH = MAX_FHIR_JSON_DEPTH;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const ESCAPES: ReadonlyMap<string, string> = new Map(
  Object.entries({ '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" }),
);

class Parser {
  private i = 0;
  private values = 0;
  private resources = 0;
  private readonly narratives = new NarrativeBudget();
  private readonly path: (string | number)[] = [];

  constructor(private readonly text: string) {}

  parse(): unknown {
    this.ws();
    const value = this.value(0);
    this.ws();
    if (this.i < this.text.length) this.fail("unexpected content after the JSON value");
    return value;
  }

  private jsonPath(): string {
    let out = "$";
    for (const part of this.path) {
      out += typeof part === "number" ? `[${part}]` : IDENTIFIER.test(part) ? `.${part}` : `[${JSON.stringify(part)}]`;
    }
    return out;
  }

  private fail(message: string, index = this.i): never {
    throw new JsonError(message, index, this.jsonPath());
  }

  private ws(): void {
    const { text } = this;
    while (this.i < text.length) {
      const c = text.charCodeAt(this.i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.i++;
      else break;
    }
  }

  private value(depth: number): unknown {
    if (++this.values > MAX_FHIR_JSON_VALUES) {
      throw new FhirSizeLimitError("fhirJsonValues", this.values, MAX_FHIR_JSON_VALUES, {
        details: `more than ${MAX_FHIR_JSON_VALUES} JSON values (at ${this.jsonPath()})`,
      });
    }
    const c = this.text[this.i];
    switch (c) {
      case "{":
        return this.object(depth + 1);
      case "[":
        return this.array(depth + 1);
      case '"':
        return this.string();
      case "t":
        return this.literal("true", true);
      case "f":
        return this.literal("false", false);
      case "n":
        return this.literal("null", null);
      case undefined:
        return this.fail("unexpected end of input");
      case "/":
        return this.fail("comments are not allowed in JSON");
      case "'":
        return this.fail("strings must use double quotes");
      default:
        if (c === "-" || (c >= "0" && c <= "9")) return this.number();
        if (/^[-+]?(NaN|Infinity)/.test(this.text.slice(this.i, this.i + 9))) {
          return this.fail("NaN and Infinity are not JSON numbers");
        }
        if (c === "\ufeff") return this.fail("a byte-order mark (U+FEFF) is not allowed");
        return this.fail(`unexpected character ${JSON.stringify(c)}`);
    }
  }

  private literal<T>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.i)) this.fail(`unexpected character ${JSON.stringify(this.text[this.i])}`);
    this.i += word.length;
    return value;
  }

  private number(): number {
    const start = this.i;
    NUMBER.lastIndex = start;
    const match = NUMBER.exec(this.text);
    if (!match) {
      if (/^-(NaN|Infinity)/.test(this.text.slice(start, start + 9)))
        this.fail("NaN and Infinity are not JSON numbers");
      return this.fail("invalid number");
    }
    this.i = start + match[0].length;
    const next = this.text[this.i];
    if (next !== undefined && /[0-9.eE+-]/.test(next)) {
      this.fail(
        /^-?0[0-9]/.test(this.text.slice(start, start + 3)) ? "numbers must not have leading zeros" : "invalid number",
        start,
      );
    }
    const value = Number(match[0]);
    if (!Number.isFinite(value)) this.fail(`the number ${match[0]} is out of range`, start);
    return value;
  }

  private string(): string {
    const { text } = this;
    let i = this.i + 1;
    let out = "";
    let chunk = i;
    for (;;) {
      if (i >= text.length) {
        this.i = i;
        this.fail("unterminated string");
      }
      const c = text.charCodeAt(i);
      if (c === 0x22) break;
      if (c < 0x20) {
        this.i = i;
        this.fail("an unescaped control character in a string");
      }
      if (c === 0x5c) {
        out += text.slice(chunk, i);
        const e = text[i + 1];
        if (e === "u") {
          const hex = text.slice(i + 2, i + 6);
          if (!/^[0-9A-Fa-f]{4}$/.test(hex)) {
            this.i = i;
            this.fail("an invalid \\u escape");
          }
          out += String.fromCharCode(parseInt(hex, 16));
          i += 6;
        } else if (e !== undefined && ESCAPES.has(e)) {
          out += ESCAPES.get(e) ?? "";
          i += 2;
        } else {
          this.i = i;
          this.fail(`an invalid escape \\${e ?? ""}`);
        }
        chunk = i;
        continue;
      }
      i++;
    }
    out += text.slice(chunk, i);
    this.i = i + 1;
    return out;
  }

  private object(depth: number): Record<string, unknown> {
    if (depth > MAX_JSON_DEPTH) this.fail(`nested deeper than ${MAX_JSON_DEPTH} levels`);
    this.i++;
    this.ws();
    const obj: Record<string, unknown> = {};
    if (this.text[this.i] === "}") {
      this.i++;
      return obj;
    }
    for (;;) {
      const c = this.text[this.i];
      if (c !== '"') {
        if (c === "}") this.fail("a trailing comma before }");
        if (c === "/") this.fail("comments are not allowed in JSON");
        if (c === "'") this.fail("keys must use double quotes");
        if (c !== undefined && /[A-Za-z_$]/.test(c)) this.fail("keys must be double-quoted strings");
        this.fail(c === undefined ? "unexpected end of input" : `expected a key, found ${JSON.stringify(c)}`);
      }
      const keyAt = this.i;
      const key = this.string();
      this.path.push(key);
      if (Object.hasOwn(obj, key)) this.fail(`duplicate key "${key}"`, keyAt);
      this.ws();
      if (this.text[this.i] !== ":") this.fail("expected : after a key");
      this.i++;
      this.ws();
      const value = this.value(depth);
      this.path.pop();
      if (key === "div" && typeof value === "string") this.narratives.add(value);
      if (key === "resourceType" && ++this.resources > MAX_FHIR_RESOURCES) {
        throw new FhirSizeLimitError("fhirResources", this.resources, MAX_FHIR_RESOURCES, {
          details: `more than ${MAX_FHIR_RESOURCES} resources (at ${this.jsonPath()})`,
        });
      }
      if (key === "__proto__") {
        Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
      } else {
        obj[key] = value;
      }
      this.ws();
      const next = this.text[this.i];
      if (next === ",") {
        this.i++;
        this.ws();
        continue;
      }
      if (next === "}") {
        this.i++;
        return obj;
      }
      this.fail(next === undefined ? "unexpected end of input" : `expected , or } but found ${JSON.stringify(next)}`);
    }
  }

  private array(depth: number): unknown[] {
    if (depth > MAX_JSON_DEPTH) this.fail(`nested deeper than ${MAX_JSON_DEPTH} levels`);
    this.i++;
    this.ws();
    const out: unknown[] = [];
    if (this.text[this.i] === "]") {
      this.i++;
      return out;
    }
    for (;;) {
      if (this.text[this.i] === "]") this.fail("a trailing comma before ]");
      if (this.text[this.i] === ",") this.fail("an empty array item");
      this.path.push(out.length);
      out.push(this.value(depth));
      this.path.pop();
      this.ws();
      const next = this.text[this.i];
      if (next === ",") {
        this.i++;
        this.ws();
        continue;
      }
      if (next === "]") {
        this.i++;
        return out;
      }
      this.fail(next === undefined ? "unexpected end of input" : `expected , or ] but found ${JSON.stringify(next)}`);
    }
  }
}

function lineAndColumn(text: string, index: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < index && i < text.length; i++) {
    if (text.charCodeAt(i) === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return `line ${line}, column ${index - lineStart + 1}`;
}

function notJson(path: string, message: string): FhirValidationError {
  return new FhirValidationError("Not strict JSON.", [{ path, message: `not strict JSON: ${message}` }]);
}

/**
 * Parses FHIR JSON strictly (RFC 8259, no duplicate keys). Accepts text or UTF-8 bytes.
 * @param input - JSON text, or its UTF-8 bytes (Uint8Array or ArrayBuffer).
 * @returns The parsed value (not yet validated as FHIR).
 * @throws {FhirSizeLimitError} Over {@link MAX_FHIR_JSON_BYTES} bytes (checked first), {@link MAX_FHIR_JSON_VALUES}
 *   values or {@link MAX_FHIR_RESOURCES} resources (checked while parsing).
 * @throws {FhirValidationError} With one issue: the JSON path (`$.entry[2].resource`) and what is wrong, with
 *   line and column.
 * @example
 * parseFhirJson('{"resourceType":"Patient","id":"a","id":"b"}'); // throws: $.id: duplicate key "id"
 */
export function parseFhirJson(input: string | Uint8Array | ArrayBuffer): unknown {
  let text: string;
  if (typeof input === "string") {
    const bytes = utf8Length(input, MAX_FHIR_JSON_BYTES);
    if (bytes > MAX_FHIR_JSON_BYTES) throw new FhirSizeLimitError("fhirJsonBytes", bytes, MAX_FHIR_JSON_BYTES);
    text = input;
  } else if (input instanceof Uint8Array || input instanceof ArrayBuffer) {
    const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
    if (bytes.length > MAX_FHIR_JSON_BYTES)
      throw new FhirSizeLimitError("fhirJsonBytes", bytes.length, MAX_FHIR_JSON_BYTES);
    if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
      throw notJson("$", "a UTF-8 byte-order mark is not allowed");
    }
    try {
      text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
    } catch {
      throw notJson("$", "the bytes are not valid UTF-8");
    }
  } else {
    throw notJson("$", "expected JSON text (a string) or its UTF-8 bytes");
  }
  if (text.charCodeAt(0) === 0xfeff) throw notJson("$", "a byte-order mark (U+FEFF) is not allowed");
  try {
    return new Parser(text).parse();
  } catch (error) {
    if (error instanceof JsonError) throw notJson(error.path, `${error.message} (${lineAndColumn(text, error.index)})`);
    throw error;
  }
}
