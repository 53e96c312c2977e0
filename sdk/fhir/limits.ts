/**
 * The size limits of a FHIR record, checked before any validation work: on JSON text or bytes (a reader's
 * decrypted record, `validateJson`) before and while parsing, on an object (a writer's record, `validate`) in one
 * walk first. Writer and reader measure the same things — the UTF-8 bytes of the record's JSON (the canonical JSON
 * a writer encrypts has exactly the length of `JSON.stringify`) and its number of JSON values — so nothing a
 * conforming writer stores is refused by a reader. Documented in docs/records.md ("Limits").
 */
import { FhirSizeLimitError } from "../errors/data.js";

/**
 * Most UTF-8 bytes of one record's JSON (8 MiB, the same as the record plaintext limit of the SDK's other
 * objects). Large files go in attachments (`addAttachment`), not inline.
 */
export const MAX_FHIR_JSON_BYTES = 8 * 2 ** 20;

/**
 * Most JSON values (objects, arrays, strings, numbers, booleans, nulls) in one record: 50,000. Validation costs
 * up to about 15 µs per value (in the worst shapes: many small elements), so this bounds it well under a second
 * whatever the shape; the largest of the shared Synthea patient bundles (1.3 MB) has 23,169. Bigger Bundles are
 * imported entry by entry (`importBundle`).
 */
export const MAX_FHIR_JSON_VALUES = 50_000;

/**
 * Most resources in one record: 1,000 objects with a `resourceType` (the record itself, contained resources,
 * Bundle entries and what they contain). Validation costs about 100 µs per resource on top of its values; the
 * largest shared Synthea bundle has 454.
 */
export const MAX_FHIR_RESOURCES = 1_000;

/**
 * Most markup in the narratives of one record (every `div` string, i.e. Narrative.div, summed): 10,000 tags
 * (`<`). Each narrative is parsed twice (as XML and as HTML) at up to about 15 µs per tag; the shared HL7 examples
 * have at most 188.
 */
export const MAX_NARRATIVE_TAGS = 10_000;

/** Most characters in the narratives of one record, summed (1 MiB). */
export const MAX_NARRATIVE_CHARS = 2 ** 20;

/** Deepest nesting of JSON objects and arrays in a record. */
export const MAX_FHIR_JSON_DEPTH = 256;

/** The FHIR record limits by name, as {@link FhirSizeLimitError.limit} names them. */
export const FHIR_LIMITS = Object.freeze({
  fhirJsonBytes: MAX_FHIR_JSON_BYTES,
  fhirJsonValues: MAX_FHIR_JSON_VALUES,
  fhirJsonDepth: MAX_FHIR_JSON_DEPTH,
  fhirResources: MAX_FHIR_RESOURCES,
  narrativeTags: MAX_NARRATIVE_TAGS,
  narrativeChars: MAX_NARRATIVE_CHARS,
});

/** Counts what one record's narratives hold and throws once a narrative limit is passed. */
export class NarrativeBudget {
  #chars = 0;
  #tags = 0;

  /**
   * Adds one narrative.
   * @param div - The narrative's XHTML.
   * @throws {FhirSizeLimitError} When the record's narratives pass {@link MAX_NARRATIVE_CHARS} or
   *   {@link MAX_NARRATIVE_TAGS}.
   */
  add(div: string): void {
    this.#chars += div.length;
    if (this.#chars > MAX_NARRATIVE_CHARS)
      throw new FhirSizeLimitError("narrativeChars", this.#chars, MAX_NARRATIVE_CHARS);
    for (let i = div.indexOf("<"); i !== -1; i = div.indexOf("<", i + 1)) {
      if (++this.#tags > MAX_NARRATIVE_TAGS)
        throw new FhirSizeLimitError("narrativeTags", this.#tags, MAX_NARRATIVE_TAGS);
    }
  }
}
