/**
 * The DSCSA product identifier (GTIN, serial number, lot, expiry) as scanned: a GS1 element string from a 2D
 * barcode (`(01)…(21)…(10)…(17)…`, or with FNC1/GS separators) or a GS1 Digital Link URI.
 * @module
 */
import { gs1CheckDigit } from "./_dl-normaliser.js";

/** A product identifier: the four data elements of a serialised pack. */
export interface ProductIdentifier {
  /** GTIN-14 (AI 01), digits with a valid check digit. */
  readonly gtin: string;
  /** Serial number (AI 21), 1–20 GS1 AI encodable characters. */
  readonly serial: string;
  /** Batch or lot number (AI 10), 1–20 characters. */
  readonly lot: string;
  /** Expiry date (AI 17), `YYMMDD`. */
  readonly expiry: string;
}

/** GS1 AI encodable character set 82 (GS1 General Specifications §7.11, figure 7.11-1). */
const CSET82 = /^[!"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}$/;
const GS = "\u001d";
const FIXED_LENGTH: Readonly<Record<string, number>> = { "01": 14, "17": 6 };

function checked(parts: Partial<Record<string, string>>, source: string): ProductIdentifier {
  const { "01": gtin, "21": serial, "10": lot, "17": expiry } = parts;
  if (gtin === undefined || serial === undefined || lot === undefined || expiry === undefined) {
    throw new TypeError(`product identifier: GTIN (01), serial (21), lot (10) and expiry (17) are required: ${source}`);
  }
  if (!/^\d{14}$/.test(gtin) || gs1CheckDigit(gtin.slice(0, 13)) !== Number(gtin[13])) {
    throw new TypeError(`product identifier: GTIN ${gtin} is not 14 digits with a valid check digit`);
  }
  if (!CSET82.test(serial)) throw new TypeError(`product identifier: serial ${JSON.stringify(serial)} is not valid`);
  if (!CSET82.test(lot)) throw new TypeError(`product identifier: lot ${JSON.stringify(lot)} is not valid`);
  const [mm, dd] = [Number(expiry.slice(2, 4)), Number(expiry.slice(4, 6))];
  if (!/^\d{6}$/.test(expiry) || mm < 1 || mm > 12 || dd > 31) {
    throw new TypeError(`product identifier: expiry ${expiry} is not YYMMDD`);
  }
  return { gtin, serial, lot, expiry };
}

/** `(01)…(21)…` with parentheses. */
function parseBracketed(text: string): Record<string, string> {
  const parts: Record<string, string> = {};
  const re = /\((\d{2,4})\)([^(]*)/g;
  let consumed = 0;
  for (const m of text.matchAll(re)) {
    const [, ai, value] = m;
    if (m.index !== consumed || ai === undefined || value === undefined) break;
    parts[ai] = value;
    consumed += m[0].length;
  }
  if (consumed !== text.length) throw new TypeError(`product identifier: malformed element string: ${text}`);
  return parts;
}

/** `]d2`/FNC1-style: AIs back to back, variable-length ones ended by GS (or the end). */
function parseRaw(text: string): Record<string, string> {
  const parts: Record<string, string> = {};
  let rest = text.startsWith("]d2") || text.startsWith("]Q3") ? text.slice(3) : text;
  while (rest.length > 0) {
    if (rest.startsWith(GS)) {
      rest = rest.slice(1);
      continue;
    }
    const ai = rest.slice(0, 2);
    const fixed = FIXED_LENGTH[ai];
    if (fixed !== undefined) {
      parts[ai] = rest.slice(2, 2 + fixed);
      rest = rest.slice(2 + fixed);
    } else if (ai === "21" || ai === "10") {
      const end = rest.indexOf(GS);
      parts[ai] = end < 0 ? rest.slice(2) : rest.slice(2, end);
      rest = end < 0 ? "" : rest.slice(end);
    } else {
      throw new TypeError(`product identifier: unsupported AI ${ai} in element string`);
    }
  }
  return parts;
}

/** A Digital Link URI: `/01/{gtin}[/10/{lot}][/21/{serial}]` path, `17=` (and `10=`) in the query. */
function parseDigitalLink(text: string): Record<string, string> {
  const url = new URL(text);
  const segments = url.pathname.split("/").filter(Boolean);
  const start = segments.findIndex((s) => s === "01" || s === "gtin");
  if (start < 0) throw new TypeError(`product identifier: Digital Link without a GTIN: ${text}`);
  const parts: Record<string, string> = {};
  const names: Record<string, string> = { gtin: "01", lot: "10", ser: "21", exp: "17" };
  for (let i = start; i + 1 < segments.length; i += 2) {
    const [name, value] = segments.slice(i, i + 2);
    if (name === undefined || value === undefined) break;
    parts[names[name] ?? name] = decodeURIComponent(value);
  }
  for (const [key, value] of url.searchParams) parts[names[key] ?? key] = value;
  if (/^\d{13}$/.test(parts["01"] ?? "")) parts["01"] = `0${parts["01"]}`;
  return parts;
}

/**
 * Parses a scanned product identifier.
 * @param scanned - A GS1 element string (`(01)09501101530003(21)S1(10)L1(17)270131`, or FNC1/GS form) or a GS1
 * Digital Link URI (`https://id.gs1.org/01/09501101530003/10/L1/21/S1?17=270131`).
 * @returns The product identifier.
 * @throws {TypeError} When a data element is missing or malformed, or the GTIN's check digit is wrong.
 * @example
 * ```ts
 * parseProductIdentifier("(01)09501101530003(17)270131(10)L1(21)S1").serial; // "S1"
 * ```
 */
export function parseProductIdentifier(scanned: string): ProductIdentifier {
  if (typeof scanned !== "string" || scanned.length === 0 || scanned.length > 512) {
    throw new TypeError("product identifier: expected a non-empty string of at most 512 characters");
  }
  const text = scanned.trim();
  if (/^https?:\/\//i.test(text)) return checked(parseDigitalLink(text), text);
  if (text.startsWith("(")) return checked(parseBracketed(text), text);
  return checked(parseRaw(text), text);
}

/**
 * The canonical GS1 Digital Link URI of a pack (the form EPCIS events carry): serial level, expiry dropped.
 * @param id - The product identifier.
 * @returns `https://id.gs1.org/01/{gtin}/21/{serial}` (the serial percent-encoded).
 */
export function toDigitalLink(id: ProductIdentifier): string {
  return `https://id.gs1.org/01/${id.gtin}/21/${encodeURIComponent(id.serial)}`;
}

/**
 * The lot-level GS1 Digital Link URI (EPCIS class of a lot).
 * @param gtin - GTIN-14.
 * @param lot - Lot number.
 * @returns `https://id.gs1.org/01/{gtin}/10/{lot}`.
 */
export function toLotDigitalLink(gtin: string, lot: string): string {
  return `https://id.gs1.org/01/${gtin}/10/${encodeURIComponent(lot)}`;
}

/**
 * The element string of a pack, as printed in human-readable form under its 2D barcode.
 * @param id - The product identifier.
 * @returns `(01)…(17)…(10)…(21)…`.
 */
export function toElementString(id: ProductIdentifier): string {
  return `(01)${id.gtin}(17)${id.expiry}(10)${id.lot}(21)${id.serial}`;
}

/**
 * The last day a pack may be used, from its `YYMMDD` expiry (DD `00` = the month's last day; years 00–49 are
 * 20xx, 50–99 19xx, a simplification of GS1's sliding window adequate until 2049).
 * @param expiry - `YYMMDD`.
 * @returns The end of that day, UTC, in milliseconds.
 */
export function expiryEnd(expiry: string): number {
  const yy = Number(expiry.slice(0, 2));
  const year = yy < 50 ? 2000 + yy : 1900 + yy;
  const month = Number(expiry.slice(2, 4));
  const day = Number(expiry.slice(4, 6));
  return day === 0 ? Date.UTC(year, month, 1) - 1 : Date.UTC(year, month - 1, day + 1) - 1;
}
