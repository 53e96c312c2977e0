/**
 * Hostile FHIR records shared by the size tests (test/sdk/fhir-limits.test.ts) and the benchmark
 * (scripts/bench/fhir-hostile.ts).
 */

/**
 * An Observation of about `bytes` bytes of JSON whose cost grew with the square of its size before validation was
 * made linear: as many contained Observations as fit, and as many local references (`hasMember`) that name none of
 * them (each one used to scan the whole `contained` list, and each contained resource is then unreferenced).
 * @param bytes - The approximate JSON size wanted.
 * @returns The record (a JSON object).
 */
export function hostileContainedRecord(bytes: number): Record<string, unknown> {
  const per = JSON.stringify({ resourceType: "Observation", id: "o00000", status: "final", code: { text: "x" } }).length +
    JSON.stringify({ reference: "#z-o00000" }).length + 2;
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
