/**
 * Hostile sizes against the FHIR validator (issue 11, item 13): a 5 MB record built to make validation slow (tens of
 * thousands of contained resources and dangling local references) is refused with FhirSizeLimitError before it is
 * validated; each limit (bytes, JSON values, resources, nesting, narrative markup) refuses what passes it, on JSON
 * (the reader) and on objects (the writer) alike, at the same boundary; and contained references are checked in one
 * pass (every dangling reference is still reported). The time it takes is measured by `npm run bench` (fhir
 * section), not here.
 */
import { describe, expect, it } from "vitest";

import {
  createFhirValidator,
  FHIR_LIMITS,
  FhirSizeLimitError,
  FhirValidationError,
  MAX_FHIR_JSON_BYTES,
  MAX_FHIR_JSON_VALUES,
  MAX_FHIR_RESOURCES,
  MAX_NARRATIVE_TAGS,
  parseFhirJson,
  sanitizeNarrative,
} from "../../../sdk/index.js";
import { loadFhirDefinitions } from "../../../sdk/node.js";
import { atLimitsRecord, hostileContainedRecord } from "../../../scripts/bench/fhir-hostile.js";

const validator = createFhirValidator(loadFhirDefinitions());
const XHTML = "http://www.w3.org/1999/xhtml";

function sizeLimit(fn: () => unknown): FhirSizeLimitError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(FhirSizeLimitError);
    return error as FhirSizeLimitError;
  }
  throw new Error("expected a FhirSizeLimitError, but the record was accepted");
}

/** Whether `fn` passes the size limits (it may still be invalid FHIR). */
function withinLimits(fn: () => unknown): boolean {
  try {
    fn();
    return true;
  } catch (error) {
    if (error instanceof FhirSizeLimitError) return false;
    expect(error).toBeInstanceOf(FhirValidationError);
    return true;
  }
}

/** A Patient with exactly `values` JSON values: the object, "resourceType", the array, then {value} pairs (and one string). */
function patientWithValues(values: number): Record<string, unknown> {
  const pairs = Math.floor((values - 3) / 2);
  const identifier: unknown[] = Array.from({ length: pairs }, (_, i) => ({ value: `v${i}` }));
  if ((values - 3) % 2 === 1) identifier.push("odd"); // one more value (invalid FHIR, but a JSON value)
  return { resourceType: "Patient", identifier };
}

describe("a 5 MB hostile record", () => {
  it("(thousands of contained resources and as many dangling references) is refused with FhirSizeLimitError, from JSON and as an object", () => {
    const record = hostileContainedRecord(5_000_000);
    const text = JSON.stringify(record);
    expect(text.length).toBeGreaterThanOrEqual(5_000_000);
    // Its 1,001st resource comes before its 50,001st value: refused there, a fifth of the way in.
    const fromJson = sizeLimit(() => validator.validateJson(new TextEncoder().encode(text)));
    expect(fromJson.limit).toBe("fhirResources");
    expect(fromJson.max).toBe(MAX_FHIR_RESOURCES);
    expect(fromJson.code).toBe("FHIR_INVALID");
    expect(fromJson.issues).toEqual([
      { path: "$", message: `fhirResources: ${MAX_FHIR_RESOURCES + 1} > ${MAX_FHIR_RESOURCES}` },
    ]);
    // The writer's walk refuses a container with more children than values are left before walking it, so it may
    // name the value limit where the reader, parsing in order, meets the resource limit first: both refuse.
    expect(["fhirResources", "fhirJsonValues"]).toContain(sizeLimit(() => validator.validate(record)).limit);
    // Without contained resources, its 48,000 references alone pass the value limit.
    const references = { ...record, contained: undefined };
    expect(sizeLimit(() => validator.validateJson(JSON.stringify(references))).limit).toBe("fhirJsonValues");
    expect(sizeLimit(() => validator.validate(references)).limit).toBe("fhirJsonValues");
  });

  it("over the byte limit: refused before parsing (even text that is not JSON at all)", () => {
    const junk = `{${"x".repeat(MAX_FHIR_JSON_BYTES)}`;
    for (const input of [junk, new TextEncoder().encode(junk)]) {
      const error = sizeLimit(() => validator.validateJson(input));
      expect([error.limit, error.actual]).toEqual(["fhirJsonBytes", MAX_FHIR_JSON_BYTES + 1]);
    }
    // Multi-byte characters count as their UTF-8 bytes, not as UTF-16 code units.
    const accents = `"${"é".repeat(MAX_FHIR_JSON_BYTES / 2)}"`;
    expect(sizeLimit(() => parseFhirJson(accents)).limit).toBe("fhirJsonBytes");
  });
});

describe("each limit, the same for the writer (validate) and the reader (validateJson)", () => {
  it(`JSON values: ${MAX_FHIR_JSON_VALUES} pass, one more is refused`, () => {
    const at = patientWithValues(MAX_FHIR_JSON_VALUES);
    const over = patientWithValues(MAX_FHIR_JSON_VALUES + 1);
    expect(withinLimits(() => validator.validate(at))).toBe(true);
    expect(withinLimits(() => validator.validateJson(JSON.stringify(at)))).toBe(true);
    expect(sizeLimit(() => validator.validate(over)).limit).toBe("fhirJsonValues");
    expect(sizeLimit(() => validator.validateJson(JSON.stringify(over))).limit).toBe("fhirJsonValues");
  });

  it(`bytes: a record of exactly ${MAX_FHIR_JSON_BYTES} bytes of JSON passes, one more byte is refused`, () => {
    const sized = (bytes: number) => {
      const base = JSON.stringify({ resourceType: "Patient", identifier: [] as unknown[] }).length;
      const chunk = 900_000; // under @medplum/core's 1 MB string limit
      const identifier: unknown[] = [];
      let length = base;
      while (length < bytes) {
        const overhead = identifier.length === 0 ? '{"value":""}'.length : ',{"value":""}'.length;
        const take = Math.min(chunk, bytes - length - overhead);
        identifier.push({ value: "a".repeat(Math.max(1, take)) });
        length = JSON.stringify({ resourceType: "Patient", identifier }).length;
      }
      const record = { resourceType: "Patient", identifier };
      expect(JSON.stringify(record).length).toBe(bytes);
      return record;
    };
    const at = sized(MAX_FHIR_JSON_BYTES);
    const over = sized(MAX_FHIR_JSON_BYTES + 1);
    expect(withinLimits(() => validator.validate(at))).toBe(true);
    expect(withinLimits(() => validator.validateJson(JSON.stringify(at)))).toBe(true);
    expect(sizeLimit(() => validator.validate(over)).limit).toBe("fhirJsonBytes");
    expect(sizeLimit(() => validator.validateJson(JSON.stringify(over))).limit).toBe("fhirJsonBytes");
  });

  it(`resources: ${MAX_FHIR_RESOURCES} in a record pass, one more is refused (contained and Bundle entries)`, () => {
    const obs = (id: string) => ({ resourceType: "Observation", id, status: "final", code: { text: "x" } });
    const containedRecord = (n: number) => {
      const contained = Array.from({ length: n - 1 }, (_, i) => obs(`o${i}`));
      return { ...obs("root"), contained, hasMember: contained.map((c) => ({ reference: `#${c.id}` })) };
    };
    const bundle = (n: number) => ({
      resourceType: "Bundle",
      type: "collection",
      entry: Array.from({ length: n - 1 }, (_, i) => ({ resource: obs(`o${i}`) })),
    });
    for (const make of [containedRecord, bundle]) {
      expect(validator.validate(make(MAX_FHIR_RESOURCES))).toBeTruthy();
      expect(validator.validateJson(JSON.stringify(make(MAX_FHIR_RESOURCES)))).toBeTruthy();
      expect(sizeLimit(() => validator.validate(make(MAX_FHIR_RESOURCES + 1))).limit).toBe("fhirResources");
      expect(sizeLimit(() => validator.validateJson(JSON.stringify(make(MAX_FHIR_RESOURCES + 1)))).limit).toBe(
        "fhirResources",
      );
    }
  });

  it("nesting: 256 levels pass the limit, 257 are refused (writer and reader)", () => {
    const nested = (levels: number) => {
      let value: unknown = [];
      for (let i = 2; i < levels; i++) value = [value];
      return { resourceType: "Patient", extension: value };
    };
    expect(withinLimits(() => validator.validate(nested(256)))).toBe(true);
    expect(withinLimits(() => validator.validateJson(JSON.stringify(nested(256))))).toBe(true);
    expect(sizeLimit(() => validator.validate(nested(257))).limit).toBe("fhirJsonDepth");
    expect(() => validator.validateJson(JSON.stringify(nested(257)))).toThrow(FhirValidationError);
  });

  it(`narratives: ${MAX_NARRATIVE_TAGS} tags in a record's narratives pass the limit, one more is refused`, () => {
    const withTags = (tags: number) => {
      // The root div is 2 tags (<div> and </div>); each <br/> is one; split over two resources' narratives.
      const half = (n: number) => `<div xmlns="${XHTML}">x${"<br/>".repeat(n - 2)}</div>`;
      const first = Math.floor(tags / 2);
      return {
        resourceType: "Observation",
        status: "final",
        code: { text: "x" },
        text: { status: "generated", div: half(first) },
        contained: [
          {
            resourceType: "Observation",
            id: "a",
            status: "final",
            code: { text: "y" },
            text: { status: "generated", div: half(tags - first) },
          },
        ],
        hasMember: [{ reference: "#a" }],
      };
    };
    expect(validator.validate(withTags(MAX_NARRATIVE_TAGS))).toBeTruthy();
    expect(validator.validateJson(JSON.stringify(withTags(MAX_NARRATIVE_TAGS)))).toBeTruthy();
    expect(sizeLimit(() => validator.validate(withTags(MAX_NARRATIVE_TAGS + 1))).limit).toBe("narrativeTags");
    expect(sizeLimit(() => validator.validateJson(JSON.stringify(withTags(MAX_NARRATIVE_TAGS + 1)))).limit).toBe(
      "narrativeTags",
    );
    const long = `<div xmlns="${XHTML}">${"x".repeat(FHIR_LIMITS.narrativeChars)}</div>`;
    expect(sizeLimit(() => sanitizeNarrative(long)).limit).toBe("narrativeChars");
    expect(
      sizeLimit(() => sanitizeNarrative(`<div xmlns="${XHTML}">${"<br/>".repeat(MAX_NARRATIVE_TAGS)}</div>`)).limit,
    ).toBe("narrativeTags");
  });
});

describe("the benchmark's records", () => {
  it("the worst shape at the limits is a valid record exactly at the value limit", () => {
    const record = atLimitsRecord();
    expect(validator.validate(record)).toBe(record);
    expect(withinLimits(() => validator.validate({ ...record, extra: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] }))).toBe(false);
  });
});

describe("contained references are checked in one pass", () => {
  it("every dangling local reference and every unreferenced contained resource is still reported", () => {
    const record = hostileContainedRecord(100_000); // under the limits
    const contained = record.contained as { id: string }[];
    expect(contained.length).toBeGreaterThan(100);
    const error = (() => {
      try {
        validator.validate(record);
      } catch (e) {
        return e as FhirValidationError;
      }
      throw new Error("accepted");
    })();
    expect(error).not.toBeInstanceOf(FhirSizeLimitError);
    expect(error.issues.filter((i) => i.message.includes("does not name a contained resource"))).toHaveLength(
      contained.length,
    );
    expect(error.issues.filter((i) => i.message.includes("is not referenced"))).toHaveLength(contained.length);
    // Pointing the references at the contained resources makes the same record valid.
    const fixed = { ...record, hasMember: contained.map((c) => ({ reference: `#${c.id}` })) };
    expect(validator.validate(fixed)).toBe(fixed);
  });
});
