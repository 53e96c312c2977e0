/**
 * `npm run bench -- [--out DIR] [--quick] [--only SECTIONS]`: measures gas, crypto throughput, end-to-end rates,
 * memory and scaling on the in-process chain, prints a table and writes bench.json. See docs/performance.md.
 *
 * Options:
 *   --out DIR        where bench.json goes (default: reports, which git ignores)
 *   --quick          small sizes and few repetitions (a smoke run of a minute or so; the smoke test uses it)
 *   --only SECTIONS  comma-separated subset of crypto,gas,e2e,memory,scale,fhir,package,custody,supplychain
 *                    (default: all), or indexer (opt-in: indexer catch-up over a generated history of a
 *                    million events, PGlite and PostgreSQL; needs `npm run indexer:install`), or portal (opt-in: runs
 *                    the portal's browser test and records its initial JS and first-record time; needs
 *                    `npm run portal:install`), or scale-indexer (opt-in: one patient's auditTrail and listRecords
 *                    through the limiting proxy, with and without the indexer, with 10 and 100,000 other patients'
 *                    events on chain; needs `npm run indexer:install`)
 */
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";

import { getChunkCipher } from "../sdk/index.js";
import "../sdk/node.js";
import { instrumented } from "./bench/chain.js";
import { cryptoMetricsInChild } from "./bench/crypto.js";
import { custodyMetrics } from "./bench/custody.js";
import { e2eMetrics } from "./bench/e2e.js";
import { fhirMetrics } from "./bench/fhir.js";
import { hostileFhirMetrics } from "./bench/fhir-hostile.js";
import { gasMetrics } from "./bench/gas.js";
import { indexerMetrics } from "./bench/indexer.js";
import { memoryMetrics } from "./bench/memory.js";
import { packageMetrics } from "./bench/package.js";
import { portalMetrics } from "./bench/portal.js";
import { checkTargets, formatNumber, metricsTable, writeReport, type Metric, type Target } from "./bench/metrics.js";
import { scaleMetrics } from "./bench/scale.js";
import { scaleIndexerMetrics } from "./bench/scale-indexer.js";
import { supplyChainMetrics } from "./bench/supplychain.js";

/** Run in this order: crypto (in a child process of its own) first, before any chain runs in this one. */
const SECTIONS = ["crypto", "gas", "e2e", "memory", "scale", "fhir", "package", "custody", "supplychain"] as const;
/** Sections that run only when named in --only. */
const OPT_IN = ["indexer", "portal", "scale-indexer"] as const;
type Section = (typeof SECTIONS)[number] | (typeof OPT_IN)[number];

const { values } = parseArgs({
  options: {
    out: { type: "string", default: "reports" },
    quick: { type: "boolean", default: false },
    only: { type: "string" },
  },
});
const only = new Set((values.only ?? SECTIONS.join(",")).split(",").map((s) => s.trim()));
for (const s of only) {
  if (![...SECTIONS, ...OPT_IN].includes(s as Section)) {
    throw new RangeError(`--only: unknown section ${s} (use ${[...SECTIONS, ...OPT_IN].join(",")})`);
  }
}
const quick = values.quick;

/** What each section measures, full and quick. */
const config = quick
  ? {
      gas: { batchSizes: [1, 10, 100, 1000], readBatchSizes: [1, 10, 100] },
      crypto: {
        encryptSizes: ["1KiB", "64KiB", "1MiB"],
        decryptSizes: ["1MiB"],
        cidSizes: ["1MiB"],
        rounds: 3,
        minMs: 30,
        hpkeMs: 200,
      },
      e2e: { perRound: 3, rounds: 2, batch: 20, reads: 3 },
      memory: { bytes: 16 * 2 ** 20, label: "16MiB" },
      scale: { ownRecords: 5, othersSmall: 10, othersLarge: 300, runs: 7 },
      scaleIndexer: { ownRecords: 5, othersSmall: 10, othersLarge: 1_000, recordsPerOther: 1, runs: 5 },
      fhir: { runs: 1 },
      // npm pack (whose prepack rebuilds dist/) and an install take a minute or more: a quick run bundles the sources.
      package: { install: false },
      indexer: { events: 20_000, patients: 500 },
      custody: { rounds: 3 },
      // A quick run commissions a lot of 1,000 units (the metric's name says so); a full run 100,000.
      supplychain: { lotUnits: 1_000, transferSizes: [1, 10, 100], verifyUnits: 20, rounds: 3, minMs: 30 },
    }
  : {
      gas: { batchSizes: [1, 10, 100, 1000], readBatchSizes: [1, 10, 100] },
      crypto: {
        encryptSizes: ["1KiB", "64KiB", "1MiB", "64MiB"],
        decryptSizes: ["1MiB", "64MiB"],
        cidSizes: ["1MiB", "64MiB"],
        rounds: 21,
        minMs: 80,
        hpkeMs: 1000,
      },
      e2e: { perRound: 10, rounds: 4, batch: 200, reads: 20 },
      memory: { bytes: 2 ** 30, label: "1GiB" },
      scale: { ownRecords: 20, othersSmall: 10, othersLarge: 10_000, runs: 15 },
      scaleIndexer: { ownRecords: 20, othersSmall: 10, othersLarge: 100_000, recordsPerOther: 1, runs: 11 },
      fhir: { runs: 5 },
      package: { install: true },
      indexer: { events: 1_000_000, patients: 10_000 },
      custody: { rounds: 10 },
      supplychain: {
        lotUnits: 100_000,
        transferSizes: [1, 100, 1000, 10_000],
        verifyUnits: 100,
        rounds: 11,
        minMs: 200,
      },
    };

/** Gas figures measured for capacity planning (docs/scale.md), shown against their floor without a target. */
const INFORMATIONAL_GAS = /^gas\.(logBatchAccess$|publishKeyrings\.|rotatePatientKey|logKeyRelease)/;

/** The issue's targets, for the sizes this run measures. */
function targets(metrics: readonly Metric[]): Target[] {
  const list: Target[] = metrics
    .filter((m) => m.name.startsWith("gas.") && m.ratio !== undefined && !INFORMATIONAL_GAS.test(m.name))
    .map((m) => ({ metric: m.name, of: "ratio", op: "<=", limit: 1.3 }));
  list.push({ metric: "gas.batchAnchor.perRecord.1000", of: "value", op: "<=", limit: 1000 });
  for (const m of metrics) {
    const big = /^(crypto\.(encrypt|decrypt)|cid\.sha256)\.(1MiB|64MiB)\.MBps$/.test(m.name);
    if (big && m.ratio !== undefined) list.push({ metric: m.name, of: "ratio", op: ">=", limit: 0.9 });
  }
  list.push({ metric: "e2e.addRecord.perSec", of: "ratio", op: ">=", limit: 0.8 });
  list.push({ metric: "e2e.addRecordBatched.perSec", of: "value", op: ">=", limit: 2000 });
  list.push({ metric: `memory.encrypt${config.memory.label}.peakRssMiB`, of: "value", op: "<=", limit: 256 });
  list.push({ metric: `scale.listRecords.ms.others${config.scale.othersLarge}`, of: "ratio", op: "<=", limit: 1.5 });
  for (const read of ["auditTrail", "listRecords"]) {
    const metric = `scale.${read}.ms.indexer.others${config.scaleIndexer.othersLarge}`;
    list.push({ metric, of: "ratio", op: "<=", limit: 1.5 });
  }
  list.push({ metric: "bundle.fhirDefinitions.gzKiB", of: "value", op: "<=", limit: 3072 });
  if (config.package.install) {
    list.push({ metric: "package.install.packages", of: "value", op: "<=", limit: 60 });
    list.push({ metric: "package.install.MiB", of: "value", op: "<=", limit: 40 });
  }
  list.push({ metric: "bundle.core.gzKiB", of: "value", op: "<=", limit: 100 });
  list.push({ metric: "fhir.validate.hostile5MB.ms", of: "value", op: "<=", limit: 1000 });
  // Issue 16's target is at 100,000 units: a quick run's smaller lot pays the fixed cost over fewer units.
  if (config.supplychain.lotUnits >= 100_000) {
    const metric = `supplychain.commission.gasPerUnit.units${config.supplychain.lotUnits}`;
    list.push({ metric, of: "value", op: "<=", limit: 5 });
  }
  list.push({ metric: "portal.initialJs.gzKiB", of: "value", op: "<=", limit: 300 });
  return list;
}

// A quick run is a smoke run: it measures coverage-instrumented contracts too (and says so); a full run refuses them.
instrumented.policy = quick ? "warn" : "refuse";

const startedAt = new Date();
const loadBefore = loadavg()[0]!;
console.log(
  `Carechain bench${quick ? " (quick)" : ""} — Node ${process.version}, ${cpus().length} CPUs, ` +
    `load ${loadBefore.toFixed(2)}, envelope chunk cipher ${getChunkCipher().name}`,
);

const metrics: Metric[] = [];
const sections: Record<Section, () => Promise<Metric[]>> = {
  gas: () => gasMetrics(config.gas),
  crypto: () => cryptoMetricsInChild(config.crypto),
  e2e: () => e2eMetrics(config.e2e),
  memory: () => memoryMetrics(config.memory),
  scale: () => scaleMetrics(config.scale),
  fhir: async () => [...(await fhirMetrics(config.fhir)), ...hostileFhirMetrics(config.fhir)],
  package: () => packageMetrics(config.package),
  indexer: () => indexerMetrics(config.indexer),
  custody: () => custodyMetrics(config.custody),
  supplychain: () => supplyChainMetrics(config.supplychain),
  portal: () => Promise.resolve(portalMetrics()),
  "scale-indexer": () => scaleIndexerMetrics(config.scaleIndexer),
};
for (const section of [...SECTIONS, ...OPT_IN]) {
  if (!only.has(section)) continue;
  const start = performance.now();
  const measured = await sections[section]();
  metrics.push(...measured);
  console.log(`  ${section}: ${measured.length} metrics in ${((performance.now() - start) / 1000).toFixed(1)} s`);
}

// Report in the issues' order (gas, crypto, e2e, memory, scale, package, bundle, fhir, custody, supplychain,
// indexer, portal), whatever order the sections ran in.
const ORDER = [
  "gas",
  "crypto",
  "cid",
  "e2e",
  "memory",
  "scale",
  "package",
  "bundle",
  "fhir",
  "custody",
  "supplychain",
  "indexer",
  "portal",
];
const rank = (m: Metric) => ORDER.indexOf(m.name.split(".")[0]!);
metrics.sort((a, b) => rank(a) - rank(b));

/**
 * The section a metric belongs to (cid.* is measured with crypto, bundle.fhirDefinitions.* with fhir, bundle.core.*
 * with package).
 */
const sectionOf = (name: string) =>
  /^scale\.(auditTrail|listRecords)\.ms\.(rpc|indexer)\./.test(name)
    ? "scale-indexer"
    : name.startsWith("cid.")
      ? "crypto"
      : name.startsWith("bundle.fhirDefinitions.")
        ? "fhir"
        : name.startsWith("bundle.core.")
          ? "package"
          : name.split(".")[0]!;
const results = checkTargets(metrics, targets(metrics)).filter((t) => only.has(sectionOf(t.metric)));
const seconds = (Date.now() - startedAt.getTime()) / 1000;
const path = await writeReport(values.out, {
  version: 1,
  startedAt: startedAt.toISOString(),
  seconds,
  quick,
  environment: {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? "unknown",
    loadAverageStart: Number(loadBefore.toFixed(2)),
    loadAverageEnd: Number(loadavg()[0]!.toFixed(2)),
    chunkCipher: getChunkCipher().name,
    instrumentedContracts: instrumented.seen ? 1 : 0,
  },
  metrics,
  targets: results,
});

console.log(`\n${metricsTable(metrics, results)}\n`);
const unmet = results.filter((t) => t.met === false);
console.log(
  `Targets: ${results.filter((t) => t.met).length} met, ${unmet.length} not met` +
    (unmet.length
      ? `: ${unmet.map((t) => `${t.metric} ${t.of} ${formatNumber(t.measured!)} (target ${t.op} ${formatNumber(t.limit)})`).join("; ")}`
      : ""),
);
for (const name of new Set(unmet.map((t) => t.metric))) {
  const note = metrics.find((m) => m.name === name)?.note;
  if (note) console.log(`  ${name}: ${note}`);
}
console.log(`Wrote ${path} (${seconds.toFixed(0)} s); docs/performance.md explains the targets not met.`);
