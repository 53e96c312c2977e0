/**
 * `npm run pilot -- [options]`: runs a pilot scenario on a chain, prints each step with its gas, and writes
 * pilot-report.json and pilot-report.md. See docs/pilot.md.
 *
 * Options:
 *   --scenario NAME   scenario in scripts/scenarios (default: consortium)
 *   --network NAME    Hardhat network from hardhat.config.ts (default: the in-process chain)
 *   --out DIR         where the report goes (default: reports)
 *   --store DIR       filesystem blob store (default: .carechain/store)
 *   --patients N      patients for scenarios that scale (default: 1)
 *   --seed N          seed of the synthetic patient generator (default: 1)
 *   --gas-price GWEI  gas price for the cost estimate (default: 20)
 *   --data DIR        patients from real FHIR R4 bundles (e.g. Synthea output) instead of the generator
 */
import { parseArgs } from "node:util";

import { network } from "hardhat";

import { FileSystemBlobStore } from "../sdk/node.js";
import { fhirBundleSource } from "./pilot/data.js";
import { writeReport } from "./pilot/report.js";
import { runPilot } from "./pilot/run.js";
import type { Scenario } from "./pilot/scenario.js";

const { values } = parseArgs({
  options: {
    scenario: { type: "string", default: "consortium" },
    network: { type: "string" },
    out: { type: "string", default: "reports" },
    store: { type: "string", default: ".carechain/store" },
    patients: { type: "string", default: "1" },
    seed: { type: "string", default: "1" },
    "gas-price": { type: "string", default: "20" },
    data: { type: "string" },
  },
});

const positiveInteger = (name: string, text: string): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`--${name}: expected a positive integer, got ${text}`);
  return n;
};
if (!/^[a-z0-9-]+$/.test(values.scenario)) throw new RangeError(`--scenario: not a scenario name: ${values.scenario}`);
const scenario = ((await import(`./scenarios/${values.scenario}.ts`)) as { default: Scenario }).default;
const connection = await network.connect(values.network ? { network: values.network } : undefined);
const chainId = (await connection.ethers.provider.getNetwork()).chainId;
console.log(`Carechain pilot — scenario "${scenario.name}" on ${connection.networkName} (chain ${chainId})`);
console.log(`  ${scenario.description}\n`);

const source = values.data ? await fhirBundleSource(values.data) : undefined;
if (source) console.log(`  patients from ${values.data}: ${source.size} FHIR bundles\n`);
const { report, failure, passed } = await runPilot({
  source,
  scenario,
  connection,
  store: new FileSystemBlobStore(values.store),
  patients: positiveInteger("patients", values.patients),
  seed: positiveInteger("seed", values.seed),
  gasPriceGwei: Number(values["gas-price"]),
});
const paths = await writeReport(values.out, report);
const failedSteps = report.steps.filter((s) => !s.ok).length;
console.log(
  `\nSummary: ${report.steps.length - failedSteps}/${report.steps.length} steps as expected · ${report.records} records · ` +
    `${report.totals.transactions} transactions · ${report.totals.gasUsed.toLocaleString("en-US")} gas · ` +
    `privacy findings ${report.privacy.findings.length} (${report.privacy.scannedBytes.toLocaleString("en-US")} bytes scanned) · ` +
    `integrity failures ${report.integrity.failures.length}/${report.integrity.checked}`,
);
console.log(`Report: ${paths.json}, ${paths.markdown}`);
await connection.close();
if (!passed) {
  if (failure) console.error(failure);
  process.exitCode = 1;
}
