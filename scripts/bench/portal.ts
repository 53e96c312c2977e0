/**
 * Portal (`npm run bench -- --only portal`, opt-in): runs the portal's browser test (portal/tests/run.ts: the
 * production build, the demo, headless Chromium) and turns the figures it measured into bench metrics — the initial
 * JS of the page (gzip) and the time from Connect to the first record shown, with its stages.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

import { ROOT } from "../package/consumer.mjs";
import { metric, type Metric } from "./metrics.js";

const FIGURES = join(ROOT, "reports", "portal", "figures.json");

/** What portal/tests/run.ts writes to reports/portal/figures.json (the part read here). */
interface PortalFigures {
  readonly "portal.initialJs.gzKiB"?: number;
  readonly firstRecord?: {
    readonly ms: number;
    readonly breakdownMs: Readonly<Record<string, number>>;
    readonly allRecordsMs: number;
    readonly records: number;
  };
}

/**
 * `portal.initialJs.gzKiB`, `portal.firstRecord.ms`, `portal.firstRecord.<stage>.ms` and `portal.allRecords.ms`.
 * @returns The metrics of one run of the portal test.
 * @throws {Error} When the portal is not installed, when a check of the portal test fails, or when it wrote no figures.
 */
export function portalMetrics(): Metric[] {
  if (!existsSync(join(ROOT, "portal", "node_modules", "carechain")))
    throw new Error("portal: not installed (run `npm run portal:install` first)");
  const started = Date.now();
  const tsx = join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");
  const child = spawnSync(process.execPath, [tsx, "--conditions=carechain-source", "portal/tests/run.ts"], {
    cwd: ROOT,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (child.status !== 0) throw new Error(`portal: portal/tests/run.ts exited with ${child.status}:\n${child.stdout}`);
  console.log(`  portal: ${child.stdout.trim().split("\n").at(-1)} (portal/tests/run.ts)`);
  if (!existsSync(FIGURES) || statSync(FIGURES).mtimeMs < started)
    throw new Error(`portal: ${FIGURES} was not written by this run`);
  const figures = JSON.parse(readFileSync(FIGURES, "utf8")) as PortalFigures;
  const gz = figures["portal.initialJs.gzKiB"];
  const first = figures.firstRecord;
  if (gz === undefined || first === undefined) throw new Error(`portal: ${FIGURES} lacks the portal figures`);
  const stages = Object.entries(first.breakdownMs);
  return [
    metric(
      "portal.initialJs.gzKiB",
      gz,
      "KiB",
      undefined,
      "the scripts index.html loads (Preact, ethers, the SDK core), gzip level 9; the FHIR definitions pack is a lazy chunk",
    ),
    metric(
      "portal.firstRecord.ms",
      first.ms,
      "ms",
      undefined,
      `click Connect → first record decrypted and shown (headless Chromium, local node, development wallet); stages: ${stages
        .map(([name, ms]) => `${name} ${ms}`)
        .join(", ")}`,
    ),
    ...stages.map(([name, ms]) =>
      metric(`portal.firstRecord.${name}.ms`, ms, "ms", undefined, "a stage of the first record (User Timing)"),
    ),
    metric(
      "portal.allRecords.ms",
      first.allRecordsMs,
      "ms",
      undefined,
      `click Connect → all ${first.records} records of the demo patient shown`,
    ),
  ];
}
