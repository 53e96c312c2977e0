/**
 * Study documents that are public and pre-registered: the endpoints document (primary and secondary endpoints, each
 * with a stable id, a measure and a time frame), the reasons of an amendment, and the results report. Each is
 * canonical JSON, published by CID and SHA-256.
 */
import { sha256 } from "@noble/hashes/sha2.js";

import { toHex, utf8 } from "../crypto/bytes.js";
import { FormatError } from "../errors/data.js";
import { canonicalJson } from "../fhir/canonical.js";

/** The format tag of an endpoints document. */
export const ENDPOINTS_FORMAT = "carechain.study-endpoints/1";
/** The format tag of a results report. */
export const RESULTS_FORMAT = "carechain.study-results/1";

/** One pre-specified endpoint. */
export interface Endpoint {
  /** Stable id across versions, e.g. `"E1"`. */
  readonly id: string;
  /** What is measured, e.g. `"Change in HbA1c (LOINC 4548-4) from baseline"`. */
  readonly measure: string;
  /** When, e.g. `"week 24"`. */
  readonly timeFrame: string;
}

/** A study's pre-specified endpoints (one version). */
export interface StudyEndpoints {
  readonly format: typeof ENDPOINTS_FORMAT;
  readonly primary: readonly Endpoint[];
  readonly secondary: readonly Endpoint[];
}

/** A results report: the endpoints it reports on, and a summary per endpoint. */
export interface StudyResults {
  readonly format: typeof RESULTS_FORMAT;
  readonly endpoints: StudyEndpoints;
  readonly summary: Readonly<Record<string, string>>;
}

/**
 * Checks an endpoints document: the format tag, endpoint ids unique across primary and secondary, non-empty fields.
 * @param value - The parsed document.
 * @returns It, typed.
 * @throws {FormatError} Naming the problem.
 */
export function parseEndpoints(value: unknown): StudyEndpoints {
  const doc = value as { format?: unknown; primary?: unknown; secondary?: unknown } | null;
  if (doc?.format !== ENDPOINTS_FORMAT)
    throw new FormatError(`An endpoints document must have format "${ENDPOINTS_FORMAT}".`);
  if (!Array.isArray(doc.primary) || doc.primary.length === 0)
    throw new FormatError("An endpoints document needs at least one primary endpoint.");
  if (!Array.isArray(doc.secondary))
    throw new FormatError("An endpoints document's secondary endpoints must be an array.");
  const seen = new Set<string>();
  for (const e of [...(doc.primary as unknown[]), ...(doc.secondary as unknown[])]) {
    const endpoint = (e ?? {}) as Record<string, unknown>;
    for (const key of ["id", "measure", "timeFrame"] as const) {
      const field = endpoint[key];
      if (typeof field !== "string" || field.length === 0) {
        throw new FormatError(`An endpoint's ${key} must be a non-empty string.`);
      }
    }
    const id = endpoint.id as string;
    if (seen.has(id)) throw new FormatError(`Endpoint id ${id} is used twice.`);
    seen.add(id);
  }
  return doc as StudyEndpoints;
}

/**
 * The canonical bytes and SHA-256 of a public study document (protocol, endpoints, reasons, results).
 * @param document - A JSON value.
 * @returns Its RFC 8785 canonical JSON and the 0x SHA-256 of it.
 */
export function documentDigest(document: unknown): { bytes: Uint8Array; hash: string } {
  const bytes = utf8(canonicalJson(document));
  return { bytes, hash: toHex(sha256(bytes)) };
}
