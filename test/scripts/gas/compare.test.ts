// scripts/gas/compare.ts: the gas check fails on a rise above the tolerance and on a snapshot that no longer lists
// the measured operations, passes otherwise, and says which is which; run against the committed snapshot, doctored.
import { readFileSync } from "node:fs";

import { describe, expect, it } from "vitest";

import { compareGas, DEFAULT_TOLERANCE, formatGasComparison, type GasFigures } from "../../../scripts/gas/compare.js";

const committed = JSON.parse(
  readFileSync(new URL("../../../gas/snapshot.json", import.meta.url), "utf8"),
) as GasFigures;
const doctored = (changes: Record<string, (gas: number) => number>): GasFigures =>
  Object.fromEntries(Object.entries(committed).map(([op, gas]) => [op, changes[op]?.(gas) ?? gas]));

describe("the committed snapshot", () => {
  it("lists the public operations of the three contracts, each with a plausible figure", () => {
    const operations = Object.keys(committed);
    expect(operations.length).toBeGreaterThanOrEqual(40);
    for (const op of [
      "ConsentRegistry.grant.first",
      "RecordRegistry.anchor",
      "RecordRegistry.logKeyRelease",
      "Directory.registerPatient",
    ]) {
      expect(operations).toContain(op);
    }
    for (const [op, gas] of Object.entries(committed)) {
      expect(Number.isSafeInteger(gas) && gas >= 21_000, op).toBe(true);
    }
    expect(operations).toEqual([...operations].sort((a, b) => a.localeCompare(b)));
  });
});

describe("compareGas", () => {
  it("passes on the snapshot itself", () => {
    const result = compareGas(committed, committed);
    expect(result.ok).toBe(true);
    expect(formatGasComparison(result)).toBe("gas:check passed.");
  });

  it("fails when one operation rises by more than 1 %, and names it with both figures", () => {
    const op = "RecordRegistry.anchor";
    const before = committed[op]!;
    const after = Math.ceil(before * 1.011);
    const result = compareGas(committed, doctored({ [op]: () => after }));
    expect(result.ok).toBe(false);
    expect(result.regressions).toEqual([
      { operation: op, snapshot: before, current: after, ratio: (after - before) / before },
    ]);
    const report = formatGasComparison(result);
    expect(report).toContain(`✗ ${op}: ${before} → ${after} (+${after - before} gas, +1.`);
    expect(report.split("\n").at(-1)).toBe("gas:check FAILED.");
  });

  it("passes a rise within the tolerance, and reports it", () => {
    const op = "ConsentRegistry.grant.first";
    const result = compareGas(committed, doctored({ [op]: (gas) => Math.floor(gas * (1 + DEFAULT_TOLERANCE)) }));
    expect(result.ok).toBe(true);
    expect(result.withinTolerance.map((c) => c.operation)).toEqual([op]);
    expect(formatGasComparison(result)).toContain("~ ConsentRegistry.grant.first");
  });

  it("the boundary: exactly the tolerance passes, one gas more fails (tolerance as given)", () => {
    const snapshot = { "A.f": 100_000 };
    expect(compareGas(snapshot, { "A.f": 101_000 }).ok).toBe(true);
    expect(compareGas(snapshot, { "A.f": 101_001 }).ok).toBe(false);
    expect(compareGas(snapshot, { "A.f": 101_001 }, 0.02).ok).toBe(true);
    expect(compareGas(snapshot, { "A.f": 100_001 }, 0).ok).toBe(false);
  });

  it("passes a decrease but asks for a refresh of the snapshot", () => {
    const op = "RecordRegistry.logAccess";
    const result = compareGas(committed, doctored({ [op]: (gas) => gas - 500 }));
    expect(result.ok).toBe(true);
    expect(result.improvements.map((c) => c.operation)).toEqual([op]);
    expect(formatGasComparison(result)).toContain("refresh the snapshot with `npm run gas:snapshot`");
  });

  it("fails when an operation is new or gone, until the snapshot is refreshed", () => {
    const withNew = compareGas(committed, { ...committed, "RecordRegistry.newOperation": 50_000 });
    expect(withNew.ok).toBe(false);
    expect(withNew.added).toEqual(["RecordRegistry.newOperation"]);
    const { ["RecordRegistry.logAccess"]: _gone, ...rest } = committed;
    const withoutOne = compareGas(committed, rest);
    expect(withoutOne.ok).toBe(false);
    expect(withoutOne.removed).toEqual(["RecordRegistry.logAccess"]);
    expect(formatGasComparison(withoutOne)).toContain("  - RecordRegistry.logAccess");
  });

  it("refuses a bad tolerance or figure", () => {
    expect(() => compareGas(committed, committed, -0.01)).toThrow(
      new RangeError("tolerance: expected a ratio ≥ 0, got -0.01"),
    );
    expect(() => compareGas(committed, committed, Number.NaN)).toThrow(RangeError);
    expect(() => compareGas({ "A.f": 1.5 }, { "A.f": 1 })).toThrow(
      new RangeError("snapshot: A.f should be a non-negative integer amount of gas, got 1.5"),
    );
  });
});
