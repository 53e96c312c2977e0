/**
 * Hostile FHIR records against the validator (issue 11, item 13): how long a 5 MB record built to be slow takes to
 * be refused, and how long the worst shape found within the size limits (sdk/fhir/limits.ts) takes to validate.
 * The records are shared with test/sdk/fhir/limits.test.ts, which checks the refusals themselves.
 */
import { createFhirValidator, FhirSizeLimitError, MAX_FHIR_JSON_VALUES, type FhirValidator } from "../../sdk/index.js";
import { loadFhirDefinitions } from "../../sdk/node.js";
import { metric, type Metric } from "./metrics.js";

/**
 * An Observation of about `bytes` bytes of JSON whose cost grew with the square of its size before validation was
 * made linear: as many contained Observations as fit, and as many local references (`hasMember`) that name none of
 * them (each one used to scan the whole `contained` list, and each contained resource is then unreferenced).
 * @param bytes - The approximate JSON size wanted.
 * @returns The record (a JSON object).
 */
export function hostileContainedRecord(bytes: number): Record<string, unknown> {
  const per =
    JSON.stringify({ resourceType: "Observation", id: "o00000", status: "final", code: { text: "x" } }).length +
    JSON.stringify({ reference: "#z-o00000" }).length +
    2;
  const count = Math.max(1, Math.ceil(bytes / per));
  const contained = Array.from({ length: count }, (_, i) => ({
    resourceType: "Observation",
    id: `o${String(i).padStart(5, "0")}`,
    status: "final",
    code: { text: "x" },
  }));
  return {
    resourceType: "Observation",
    status: "final",
    code: { text: "x" },
    contained,
    hasMember: contained.map((c) => ({ reference: `#z-${c.id}` })),
  };
}

/**
 * The most expensive shape found within the limits: one Observation whose `component` list brings it to
 * {@link MAX_FHIR_JSON_VALUES} values (many small elements, each validated by @medplum/core and the strict rules).
 * @returns The record (valid FHIR).
 */
export function atLimitsRecord(): Record<string, unknown> {
  const components = Math.floor((MAX_FHIR_JSON_VALUES - 10) / 3);
  return {
    resourceType: "Observation",
    status: "final",
    code: { text: "x" },
    component: Array.from({ length: components }, (_, i) => ({ code: { text: `c${i}` } })),
  };
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Median milliseconds of `runs` calls of `fn` (after one warm-up call). */
function time(runs: number, fn: () => void): number {
  fn();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    ms.push(performance.now() - start);
  }
  return median(ms);
}

/**
 * `fhir.validate.hostile5MB.ms` (target: under 1,000 ms) and `fhir.validate.atLimits.ms`.
 * @param options - How many timed runs (the median is reported).
 * @param validator - The validator to time (default: one over the Node definitions pack).
 */
export function hostileFhirMetrics(options: { runs: number }, validator?: FhirValidator): Metric[] {
  const v = validator ?? createFhirValidator(loadFhirDefinitions());
  const hostile = new TextEncoder().encode(JSON.stringify(hostileContainedRecord(5_000_000)));
  let refusal: FhirSizeLimitError | undefined;
  const hostileMs = time(options.runs, () => {
    try {
      v.validateJson(hostile);
    } catch (error) {
      if (!(error instanceof FhirSizeLimitError)) throw error;
      refusal = error;
      return;
    }
    throw new Error("the 5 MB hostile record was accepted");
  });
  const atLimits = new TextEncoder().encode(JSON.stringify(atLimitsRecord()));
  const atLimitsMs = time(options.runs, () => v.validateJson(atLimits));
  const contained = (hostileContainedRecord(5_000_000).contained as unknown[]).length;
  return [
    metric(
      "fhir.validate.hostile5MB.ms",
      hostileMs,
      "ms",
      undefined,
      `validateJson of a ${(hostile.length / 1e6).toFixed(1)} MB Observation with ${contained} contained resources and as ` +
        `many dangling local references (86 s to reject before the fix); refused with FhirSizeLimitError ` +
        `(${refusal?.limit}) while parsing; median of ${options.runs}`,
    ),
    metric(
      "fhir.validate.atLimits.ms",
      atLimitsMs,
      "ms",
      undefined,
      `validateJson of the worst shape found within the limits: a ${(atLimits.length / 1e6).toFixed(2)} MB Observation ` +
        `of ${MAX_FHIR_JSON_VALUES} JSON values (small components), valid; median of ${options.runs}`,
    ),
  ];
}
