/**
 * `npm run pilot -- [options]`: runs a pilot scenario on a chain, prints each step with its gas, and writes
 * pilot-report.json and pilot-report.md. See docs/pilot.md.
 *
 * Options:
 *   --scenario NAME   scenario in scripts/scenarios (default: foundation)
 *   --network NAME    Hardhat network from hardhat.config.ts (default: the in-process chain)
 *   --out DIR         where the report goes (default: reports)
 *   --store DIR       filesystem blob store (default: .carechain/store)
 *   --patients N      patients for scenarios that scale (default: 1)
 *   --seed N          seed of the synthetic patient generator (default: 1)
 *   --gas-price GWEI  gas price for the cost estimate (default: 20)
 */
import { parseArgs } from "node:util";

import { network } from "hardhat";

import { createFhirValidator } from "../sdk/index.js";
import { deployCarechain, FileSystemBlobStore, loadFhirDefinitions } from "../sdk/node.js";
import { auditEvents } from "./pilot/audit.js";
import { privacyScan } from "./pilot/privacy.js";
import { summarise, writeReport } from "./pilot/report.js";
import { Pilot } from "./pilot/runner.js";
import type { PatientSource, Scenario } from "./pilot/scenario.js";
import { identifyingStrings, syntheticPatient } from "./pilot/synthetic.js";

const { values } = parseArgs({
  options: {
    scenario: { type: "string", default: "foundation" },
    network: { type: "string" },
    out: { type: "string", default: "reports" },
    store: { type: "string", default: ".carechain/store" },
    patients: { type: "string", default: "1" },
    seed: { type: "string", default: "1" },
    "gas-price": { type: "string", default: "20" },
  },
});

const scenarioName = values.scenario;
if (!/^[a-z0-9-]+$/.test(scenarioName)) throw new RangeError(`--scenario: not a scenario name: ${scenarioName}`);
const patients = Number(values.patients);
if (!Number.isInteger(patients) || patients < 1) throw new RangeError(`--patients: expected a positive integer`);
const seed = Number(values.seed);

const scenario = ((await import(`./scenarios/${scenarioName}.ts`)) as { default: Scenario }).default;
const connection = await network.connect(values.network ? { network: values.network } : undefined);
const chainId = (await connection.ethers.provider.getNetwork()).chainId;
console.log(`Carechain pilot — scenario "${scenario.name}" on ${connection.networkName} (chain ${chainId})`);
console.log(`  ${scenario.description}\n`);

const started = performance.now();
const deployment = await deployCarechain(connection);
const firstBlock = 0;
console.log(`  ✓ deployed Directory ${deployment.directory}, ConsentRegistry ${deployment.consentRegistry}, RecordRegistry ${deployment.recordRegistry}`);
const store = new FileSystemBlobStore(values.store);
const validator = createFhirValidator(loadFhirDefinitions());
const pilot = new Pilot({ connection, deployment, store, validator });
const source: PatientSource = { patient: (i) => syntheticPatient(seed, i), size: Infinity };

let failure: unknown;
try {
  await scenario.run(pilot, source, { patients });
} catch (error) {
  failure = error;
}

const registrar = await pilot.registrar();
const integrityFailures: string[] = [];
for (const id of pilot.anchored) {
  try {
    await registrar.client.verifyRecord(id);
  } catch (error) {
    integrityFailures.push(`${id}: ${(error as Error).message.split("\n")[0]}`);
  }
}
const privacy = await privacyScan(connection.ethers.provider, identifyingStrings(pilot.inputs), firstBlock);
const audit = await auditEvents(registrar.client.contracts, firstBlock);
const { totals, costs } = summarise(pilot.steps, Number(values["gas-price"]), patients);
const report = {
  scenario: scenario.name,
  network: connection.networkName,
  chainId: chainId.toString(),
  patients,
  records: pilot.anchored.length,
  steps: pilot.steps,
  totals: { ...totals, ms: Math.round(performance.now() - started) },
  costs,
  privacy,
  integrity: { checked: pilot.anchored.length, failures: integrityFailures },
  audit,
};
const paths = await writeReport(values.out, report);

const failedSteps = pilot.steps.filter((s) => !s.ok).length;
console.log(
  `\nSummary: ${pilot.steps.length - failedSteps}/${pilot.steps.length} steps as expected · ${report.records} records · ` +
    `${totals.transactions} transactions · ${totals.gasUsed.toLocaleString("en-US")} gas · ` +
    `privacy findings ${privacy.findings.length} (${privacy.scannedBytes.toLocaleString("en-US")} bytes scanned) · ` +
    `integrity failures ${integrityFailures.length}/${report.integrity.checked}`,
);
console.log(`Report: ${paths.json}, ${paths.markdown}`);
await connection.close();
if (failure || failedSteps > 0 || privacy.findings.length > 0 || integrityFailures.length > 0) {
  if (failure) console.error(failure);
  process.exitCode = 1;
}
