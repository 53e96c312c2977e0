/**
 * `npm run gas:snapshot` measures the gas of every contract operation (scripts/gas/operations.ts) and writes
 * gas/snapshot.json; `npm run gas:check` measures again and fails when an operation's gas rose by more than the
 * tolerance (1 %, or `--tolerance 0.02`), printing the differences. See docs/performance.md.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";

import { compareGas, DEFAULT_TOLERANCE, formatGasComparison, type GasFigures } from "./gas/compare.js";
import { measureGas } from "./gas/operations.js";

const SNAPSHOT = new URL("../gas/snapshot.json", import.meta.url);

const { values } = parseArgs({
  options: { check: { type: "boolean", default: false }, tolerance: { type: "string" } },
});
const tolerance = values.tolerance === undefined ? DEFAULT_TOLERANCE : Number(values.tolerance);

const current = await measureGas();
if (values.check) {
  const snapshot = JSON.parse(readFileSync(SNAPSHOT, "utf8")) as GasFigures;
  const comparison = compareGas(snapshot, current, tolerance);
  console.log(formatGasComparison(comparison, tolerance));
  process.exitCode = comparison.ok ? 0 : 1;
} else {
  writeFileSync(SNAPSHOT, `${JSON.stringify(current, null, 2)}\n`);
  console.log(`gas:snapshot: ${Object.keys(current).length} operations → gas/snapshot.json`);
}
