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
 *   --indexer         start the indexer against the chain and let every actor read through it (needs a JSON-RPC
 *                     node: --network localhost, or a hardhat node this run starts)
 *   --rpc-limits      put an RPC proxy with hosted providers' limits in front of the node (starts one when no
 *                     --network is given) over 10,000 blocks of history
 *   --pseudonyms      pseudonym mode: every patient keeps one pseudonym per care relationship. The scenario first
 *                     runs once in single-address mode (quietly, on its own deployment) and the report gains
 *                     privacy.pseudonymOverhead: gas and time of the two runs compared
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";

import { network } from "hardhat";

import { FileSystemBlobStore } from "../sdk/node.js";
import { preparePilotChain, type PilotChain } from "./pilot/chain.js";
import { fhirBundleSource } from "./pilot/data.js";
import { describeIndexUsage, describeLinkability, writeReport } from "./pilot/report.js";
import { pseudonymOverhead } from "./pilot/pseudonym-overhead.js";
import { runPilot, type RunPilotOptions } from "./pilot/run.js";
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
    indexer: { type: "boolean", default: false },
    "rpc-limits": { type: "boolean", default: false },
    pseudonyms: { type: "boolean", default: false },
  },
});

const positiveInteger = (name: string, text: string): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`--${name}: expected a positive integer, got ${text}`);
  return n;
};
if (!/^[a-z0-9-]+$/.test(values.scenario)) throw new RangeError(`--scenario: not a scenario name: ${values.scenario}`);
const scenario = ((await import(`./scenarios/${values.scenario}.ts`)) as { default: Scenario }).default;
// --indexer and --rpc-limits need a JSON-RPC node: the one of --network localhost, or one started here.
let chain: PilotChain | undefined;
if (values.indexer || values["rpc-limits"]) {
  if (values.network && values.network !== "localhost") {
    throw new RangeError("--indexer and --rpc-limits run on a local node: use --network localhost or no --network");
  }
  const nodeUrl = values.network ? (process.env.CARECHAIN_LOCALHOST_URL ?? "http://127.0.0.1:8545") : undefined;
  chain = await preparePilotChain({ nodeUrl, rpcLimits: values["rpc-limits"] });
  console.log(
    `Node ${chain.nodeUrl}${nodeUrl ? "" : " (started for this run)"}` +
      (chain.proxy ? `, clients through the limiting proxy ${chain.rpcUrl} (10,000 blocks of history)` : ""),
  );
}
let outcome: Awaited<ReturnType<typeof runPilot>>;
const deploymentId = `pilot-${Date.now()}`;
try {
  const connection = await network.create(
    chain
      ? { network: "localhost", override: { url: chain.rpcUrl } }
      : values.network
        ? { network: values.network }
        : undefined,
  );
  const chainId = (await connection.ethers.provider.getNetwork()).chainId;
  console.log(`Carechain pilot — scenario "${scenario.name}" on ${connection.networkName} (chain ${chainId})`);
  console.log(`  ${scenario.description}\n`);

  const source = values.data ? await fhirBundleSource(values.data) : undefined;
  if (source) console.log(`  patients from ${values.data}: ${source.size} FHIR bundles\n`);
  const patients = positiveInteger("patients", values.patients);
  const runOptions: RunPilotOptions = {
    deploymentId,
    ...(values.indexer
      ? { index: (deployment, startBlock, head) => chain!.indexFor(deployment, startBlock, head) }
      : {}),
    source,
    scenario,
    connection,
    store: new FileSystemBlobStore(values.store),
    patients,
    seed: positiveInteger("seed", values.seed),
    gasPriceGwei: Number(values["gas-price"]),
    // Through the limiting proxy the clients read from block 0 (the SDK's default), so their reads page over the
    // history under the proxy's range cap.
    ...(chain?.proxy ? { fromBlock: 0 } : {}),
  };
  if (values.pseudonyms) {
    console.log("  single-address baseline run (for privacy.pseudonymOverhead)…");
    const baseline = await runPilot({ ...runOptions, deploymentId: `${deploymentId}-single`, log: () => undefined });
    if (!baseline.passed) throw new Error("the single-address baseline run did not pass", { cause: baseline.failure });
    console.log("  pseudonym run:\n");
    const run = await runPilot({ ...runOptions, pseudonyms: true });
    const overhead = pseudonymOverhead(
      patients,
      { treatment: baseline.phases.get("treatment"), totals: baseline.report.totals },
      { treatment: run.phases.get("treatment"), totals: run.report.totals },
    );
    outcome = { ...run, report: { ...run.report, privacy: { ...run.report.privacy, pseudonymOverhead: overhead } } };
  } else {
    outcome = await runPilot(runOptions);
  }
  const { report } = outcome;
  const paths = await writeReport(values.out, report);
  const failedSteps = report.steps.filter((s) => !s.ok).length;
  console.log(
    `\nSummary: ${report.steps.length - failedSteps}/${report.steps.length} steps as expected · ${report.records} records · ` +
      `${report.totals.transactions} transactions · ${report.totals.gasUsed.toLocaleString("en-US")} gas · ` +
      `privacy findings ${report.privacy.findings.length} (${report.privacy.scannedBytes.toLocaleString("en-US")} bytes scanned) · ` +
      `integrity failures ${report.integrity.failures.length}/${report.integrity.checked}`,
  );
  console.log(`Linkability: ${describeLinkability(report.privacy.linkability)}`);
  if (report.index) console.log(`Index: ${describeIndexUsage(report.index)}`);
  if (chain?.proxy) {
    const s = chain.proxy.stats;
    console.log(
      `RPC limits: ${s.requests} requests through the proxy, ${s.getLogs} eth_getLogs, ${s.rangeRefusals} range and ` +
        `${s.resultRefusals} result-count refusals, ${s.tooMany} answered 429, ${s.held} held`,
    );
  }
  console.log(`Report: ${paths.json}, ${paths.markdown}`);
  await connection.close();
} finally {
  if (chain) {
    await chain.stop();
    // A node this run started is gone, and its Ignition deployment with it.
    if (!values.network) {
      for (const id of [deploymentId, `${deploymentId}-single`]) {
        await rm(join(import.meta.dirname, "..", "ignition", "deployments", id), { recursive: true, force: true });
      }
    }
  }
}
const { passed, failure } = outcome;
if (!passed) {
  if (failure) console.error(failure);
  process.exitCode = 1;
}
