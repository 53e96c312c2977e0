import type { NetworkConnection } from "hardhat/types/network";

import { createFhirValidator, type BlobStore, type CarechainDeployment, type IndexSource } from "../../sdk/index.js";
import { loadFhirDefinitions } from "../../sdk/node.js";
import { deployWithIgnition } from "../../sdk/hardhat.js";
import { auditEvents } from "./audit.js";
import { verifyBatchRecords } from "./integrity.js";
import { analyzeLinkability } from "./linkability.js";
import { observeChain } from "./observer.js";
import { privacyScan } from "./privacy.js";
import { summarise, type PilotReport } from "./report.js";
import { Pilot, type PhaseTotals } from "./runner.js";
import type { PatientSource, Scenario } from "./scenario.js";
import { identifyingStrings, syntheticPatient } from "./synthetic.js";

/** What {@link runPilot} needs. */
export interface RunPilotOptions {
  readonly scenario: Scenario;
  readonly connection: NetworkConnection;
  readonly store: BlobStore;
  readonly patients?: number;
  readonly seed?: number;
  readonly gasPriceGwei?: number;
  /** Patients from real FHIR bundles instead of the generator. */
  readonly source?: PatientSource;
  readonly log?: (line: string) => void;
  /**
   * Starts an index of the deployment (from the run's first block) that has indexed `head`, for the actors' clients
   * (`--indexer`; see scripts/pilot/chain.ts).
   */
  /** Ignition deployment id over JSON-RPC (default `pilot-<time>`, a fresh deployment per run). */
  readonly deploymentId?: string;
  readonly index?: (deployment: CarechainDeployment, startBlock: number, head: number) => Promise<IndexSource>;
  /** Pseudonym mode: every patient keeps one pseudonym per care relationship. */
  readonly pseudonyms?: boolean;
  /**
   * The block the actors' clients read events from: default the run's first block (the deployment's); 0 reads the
   * whole chain, as a client not told its deployment block does (the SDK's default).
   */
  readonly fromBlock?: number;
}

/** The report, plus the error that stopped the scenario, if any. */
export interface PilotOutcome {
  readonly report: PilotReport;
  readonly failure?: unknown;
  /** Whether every step went as expected, with no privacy finding and no integrity failure. */
  readonly passed: boolean;
  /** Totals of the run's named phases (e.g. `treatment`). */
  readonly phases: ReadonlyMap<string, PhaseTotals>;
  /** Pseudonym mode's ground truth (for the linkability analysis only): patient name → its pseudonym accounts. */
  readonly pseudonymAccounts: ReadonlyMap<string, readonly string[]>;
}

/**
 * Deploys Carechain on `connection`, runs `scenario`, re-verifies every anchored record (single and batch), scans
 * the chain for the input's identifying strings, analyses what an outside observer can link of each patient's
 * relationships (scored against the accounts the scenario gave each patient), and builds the report.
 */
export async function runPilot(options: RunPilotOptions): Promise<PilotOutcome> {
  const { scenario, connection, store } = options;
  const log = options.log ?? console.log;
  const patients = options.patients ?? 1;
  const seed = options.seed ?? 1;
  const started = performance.now();
  const provider = connection.ethers.provider;
  const chainId = (await provider.getNetwork()).chainId;
  const firstBlock = (await provider.getBlockNumber()) + 1;
  // Over JSON-RPC, Ignition keeps deployments on disk: a fresh id per run gives each run its own contracts.
  const deploymentId =
    connection.networkConfig.type === "http" ? (options.deploymentId ?? `pilot-${Date.now()}`) : undefined;
  const deployment = await deployWithIgnition(connection, { deploymentId });
  log(
    `  ✓ deployed Directory ${deployment.directory}, ConsentRegistry ${deployment.consentRegistry}, ` +
      `RecordRegistry ${deployment.recordRegistry}`,
  );
  const validator = createFhirValidator(loadFhirDefinitions());
  let index: IndexSource | undefined;
  if (options.index) {
    index = await options.index(deployment, firstBlock, await provider.getBlockNumber());
    log("  ✓ indexer started and caught up: the actors read through it");
  }
  const pilot = new Pilot({
    connection,
    deployment,
    store,
    validator,
    log,
    index,
    pseudonyms: options.pseudonyms,
    fromBlock: options.fromBlock ?? firstBlock,
  });
  const source = options.source ?? { patient: (i: number) => syntheticPatient(seed, i), size: Infinity };

  let failure: unknown;
  try {
    await scenario.run(pilot, source, { patients });
  } catch (error) {
    failure = error;
  }

  const registrar = await pilot.registrar();
  const failures: string[] = [];
  for (const id of pilot.anchored) {
    try {
      await registrar.client.verifyRecord(id);
    } catch (error) {
      failures.push(`${id}: ${(error as Error).message.split("\n")[0]}`);
    }
  }
  failures.push(...(await verifyBatchRecords(registrar.client, pilot.batched, firstBlock)));
  const records = pilot.anchored.length + pilot.batched.length;
  const privacy = await privacyScan(provider, identifyingStrings(pilot.inputs), firstBlock);
  const audit = await auditEvents(registrar.client.contracts, firstBlock);
  // An outside observer's view of the same blocks and store; the ground truth only scores what it links.
  const linkability = analyzeLinkability(
    await observeChain(provider, registrar.client.contracts, store, firstBlock),
    pilot.groundTruth(),
  );
  const { totals, costs } = summarise(pilot.steps, options.gasPriceGwei ?? 20, patients);
  const report: PilotReport = {
    scenario: scenario.name,
    network: connection.networkName,
    chainId: chainId.toString(),
    patients,
    records,
    steps: pilot.steps,
    totals: { ...totals, ms: Math.round(performance.now() - started) },
    costs,
    privacy: { ...privacy, linkability },
    integrity: { checked: records, failures, tamperCaught: pilot.tampered.length },
    audit,
    ...(index ? { index: pilot.indexUsage() } : {}),
    ...(pilot.sections.length > 0 ? { sections: pilot.sections } : {}),
  };
  const passed =
    failure === undefined && pilot.steps.every((s) => s.ok) && privacy.findings.length === 0 && failures.length === 0;
  return { report, failure, passed, phases: pilot.phases, pseudonymAccounts: pilot.pseudonymAccounts };
}
