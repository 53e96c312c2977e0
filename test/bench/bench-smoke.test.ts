/**
 * Smoke test of `npm run bench`: the quick mode runs every section in a child process and writes a valid
 * bench.json. (The full benchmark is not part of the test suite: see docs/performance.md.)
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { run } from "../helpers/processes.js";

interface Metric {
  name: string;
  value: number;
  unit: string;
  baseline?: number;
  ratio?: number;
  note?: string;
}
interface Target {
  metric: string;
  of: "value" | "ratio";
  op: "<=" | ">=";
  limit: number;
  measured?: number;
  met?: boolean;
}
interface Report {
  version: number;
  quick: boolean;
  seconds: number;
  environment: Record<string, unknown>;
  metrics: Metric[];
  targets: Target[];
}

describe("npm run bench -- --quick", () => {
  let dir: string;
  let output: string;
  let report: Report;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "carechain-bench-"));
    output = await run("tsx", ["--conditions=carechain-source", "scripts/bench.ts", "--quick", "--out", dir]);
    report = JSON.parse(await readFile(join(dir, "bench.json"), "utf8")) as Report;
  }, 600_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("prints the table and where bench.json went", () => {
    expect(output).toMatch(/^\| metric +\| +value \| unit/m);
    expect(output).toContain(join(dir, "bench.json"));
  });

  it("writes metrics that each have a name, a finite value and a unit", () => {
    expect(report.version).toBe(1);
    expect(report.quick).toBe(true);
    expect(report.metrics.length).toBeGreaterThan(20);
    const names = report.metrics.map((m) => m.name);
    expect(new Set(names).size).toBe(names.length);
    for (const m of report.metrics) {
      expect(typeof m.name, JSON.stringify(m)).toBe("string");
      expect(Number.isFinite(m.value), m.name).toBe(true);
      expect(typeof m.unit, m.name).toBe("string");
      expect(m.unit.length, m.name).toBeGreaterThan(0);
    }
  });

  it("every ratio is value / baseline, and only metrics with a baseline have one", () => {
    for (const m of report.metrics) {
      expect(m.baseline === undefined, m.name).toBe(m.ratio === undefined);
      if (m.baseline === undefined) continue;
      expect(m.baseline, m.name).toBeGreaterThan(0);
      expect(m.ratio!, m.name).toBeCloseTo(m.value / m.baseline, 9);
    }
  });

  it("measures the metrics the issue names (quick sizes)", () => {
    const names = new Set(report.metrics.map((m) => m.name));
    const expected = [
      "gas.registerPatient",
      "gas.registerProvider",
      "gas.grant",
      "gas.grantBySig",
      "gas.revoke",
      "gas.anchor",
      "gas.amend",
      "gas.logAccess",
      "gas.logAccessBatch.perRead.1",
      "gas.logAccessBatch.perRead.10",
      "gas.logAccessBatch.perRead.100",
      "gas.logBatchAccesses.perRead.1000",
      "gas.batchAnchor.perRecord.1",
      "gas.batchAnchor.perRecord.10",
      "gas.batchAnchor.perRecord.100",
      "gas.batchAnchor.perRecord.1000",
      "gas.logBatchAccess",
      "gas.publishKeyrings.perKeyring.1",
      "gas.publishKeyrings.perKeyring.100",
      "gas.rotatePatientKey",
      "gas.logKeyRelease",
      "crypto.encrypt.1KiB.MBps",
      "crypto.encrypt.64KiB.MBps",
      "crypto.encrypt.1MiB.MBps",
      "cid.sha256.1MiB.MBps",
      "crypto.hpkeWrap.perSec",
      "e2e.addRecord.perSec",
      "e2e.addRecordBatched.perSec",
      "e2e.readRecord.perSec",
      "memory.encrypt16MiB.peakRssMiB",
      "scale.listRecords.ms.others10",
      "scale.listRecords.ms.others300",
      "bundle.fhirDefinitions.gzKiB",
      "fhir.validate.coldStart.ms",
      "bundle.core.gzKiB",
      "fhir.validate.hostile5MB.ms",
      "fhir.validate.atLimits.ms",
    ];
    expect(expected.filter((n) => !names.has(n))).toEqual([]);
    for (const name of expected.filter((n) => n.startsWith("gas."))) {
      const m = report.metrics.find((x) => x.name === name)!;
      expect(m.unit).toBe("gas");
      expect(m.baseline, `${name} has its floor`).toBeGreaterThan(21_000 / 1000);
      // A transaction can't use less than its floor.
      expect(m.ratio!, name).toBeGreaterThanOrEqual(1);
    }
    // Batching shares the transaction and the consent check: per read, 10 and 100 reads cost far less than one.
    const gasOf = (name: string) => report.metrics.find((m) => m.name === name)!.value;
    expect(gasOf("gas.logAccessBatch.perRead.10")).toBeLessThan(gasOf("gas.logAccess") / 3);
    expect(gasOf("gas.logAccessBatch.perRead.100")).toBeLessThan(gasOf("gas.logAccessBatch.perRead.10"));
    // Reads of one batch's records share the batch's entry: cheaper per read than separately anchored records.
    expect(gasOf("gas.logBatchAccesses.perRead.1000")).toBeLessThan(gasOf("gas.logAccessBatch.perRead.100"));
    const rss = report.metrics.find((m) => m.name === "memory.encrypt16MiB.peakRssMiB")!;
    expect(rss.value).toBeGreaterThanOrEqual(rss.baseline!);
    const pack = report.metrics.find((m) => m.name === "bundle.fhirDefinitions.gzKiB")!;
    expect(pack.unit).toBe("KiB");
    expect(pack.value).toBeGreaterThan(50); // it holds the definitions…
    expect(pack.value).toBeLessThanOrEqual(3072); // …in at most 3 MiB gzip
    const coldStart = report.metrics.find((m) => m.name === "fhir.validate.coldStart.ms")!;
    expect(coldStart.unit).toBe("ms");
    expect(coldStart.baseline, "measured against the full definitions").toBeGreaterThan(0);
  });

  it("measures the supply chain: commissioning per unit, transfers by size, on-chain and offline checks", () => {
    const byName = new Map(report.metrics.map((m) => [m.name, m]));
    const get = (name: string) => {
      const m = byName.get(name);
      expect(m, name).toBeDefined();
      return m!;
    };
    const commission = get("supplychain.commission.gasPerUnit.units1000");
    const transfers = [1, 10, 100].map((n) => get(`supplychain.transfer.gas.units${n}`));
    const onChain = get("supplychain.verify.onChainGas");
    for (const m of [commission, ...transfers, onChain]) {
      expect(m.unit, m.name).toBe("gas");
      expect(m.ratio!, `${m.name} is at least its floor`).toBeGreaterThanOrEqual(1);
      expect(m.ratio!, `${m.name} is within twice its floor`).toBeLessThan(2);
    }
    // One transaction for the lot: its gas, spread over 1,000 units, is a few dozen gas each (one root, not units).
    expect(commission.value * 1000).toBeGreaterThan(21_000);
    expect(commission.value).toBeLessThan(200);
    // A transfer anchors a root: the same gas (to a few bytes of calldata) for 1, 10 or 100 units.
    for (const t of transfers) expect(Math.abs(t.value - transfers[0]!.value), t.name).toBeLessThan(100);
    expect(onChain.value).toBeGreaterThan(21_000);
    expect(onChain.value).toBeLessThan(100_000);
    const rate = get("supplychain.verify.perSec");
    expect(rate.unit).toBe("checks/s");
    expect(rate.value).toBeGreaterThan(100);
    // The SDK's check hashes at least what the bare proof verification does, and parses and checks more.
    expect(rate.ratio!).toBeLessThan(1);
  });

  it("checks the targets against the measured figures", () => {
    const byName = new Map(report.metrics.map((m) => [m.name, m]));
    expect(report.targets.length).toBeGreaterThan(10);
    for (const t of report.targets) {
      const m = byName.get(t.metric);
      expect(m, t.metric).toBeDefined();
      expect(t.measured).toBe(t.of === "ratio" ? m!.ratio : m!.value);
      expect(t.met).toBe(t.op === "<=" ? t.measured! <= t.limit : t.measured! >= t.limit);
    }
  });
});
