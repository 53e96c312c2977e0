/**
 * Scaling with and without the indexer (`npm run bench -- --only scale-indexer`, opt-in): one patient's audit trail
 * and record list, read through the limiting proxy (a hosted provider's eth_getLogs caps), by a client on the RPC
 * path and by a client with the indexer, on two chains alike but for other patients' events (a few on one, a hundred
 * thousand on the other), timed alternately. Other patients are made in bulk through the real contracts by the bench-only factory of
 * BenchPatients.sol (each registers in the Directory and anchors records through RecordRegistry.anchor: the same
 * events a patient's own transactions emit), in transactions of many patients each.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { ContractFactory, JsonRpcProvider, hexlify, type JsonRpcSigner } from "ethers";

import {
  Carechain,
  Category,
  cidOf,
  deployCarechain,
  generateIdentity,
  HttpIndexSource,
  MemoryBlobStore,
  recordIdOf,
  type CategoryName,
  type IdentityKeyPair,
  type IndexSource,
} from "../../sdk/index.js";
import { indexerMissing, startIndexer, waitForBlock } from "../../test/helpers/indexer.js";
import { LimitingRpcProxy, type ProviderLimits } from "../../test/helpers/limiting-proxy.js";
import { freePort, startHardhatNode, stop } from "../../test/helpers/processes.js";
import { sharedValidator, ZERO_HASH } from "./chain.js";
import { metric, type Metric } from "./metrics.js";
import { compileBenchContract } from "./solc.js";
import { median } from "./timing.js";

export interface ScaleIndexerOptions {
  /** Records of the patient whose trail and records are read (each also read once, a logged read). */
  readonly ownRecords: number;
  /** Other patients' events at the two measurements (e.g. 10 and 100,000). */
  readonly othersSmall: number;
  readonly othersLarge: number;
  /** Records of each other patient: each other patient makes `1 + recordsPerOther` events. */
  readonly recordsPerOther: number;
  /** Timed runs per read, path and size (the median is reported). */
  readonly runs: number;
}

/**
 * The provider the clients read through: a 2,000-block eth_getLogs range and 200 results per call (no 429s or held
 * requests here: their waits would swamp the figures; test/e2e/provider-limits.test.ts covers them).
 */
export const SCALE_RPC_LIMITS: ProviderLimits = { maxBlockRange: 2_000, maxResults: 200 };

/** The patient's world on a `hardhat node`: deployment, the patient's identity and records, and the factory. */
async function setUp(nodeUrl: string, ownRecords: number) {
  const provider = new JsonRpcProvider(nodeUrl, undefined, { staticNetwork: true, cacheTimeout: -1 });
  const signers: JsonRpcSigner[] = await Promise.all([0, 1, 3].map((i) => provider.getSigner(i)));
  const [registrarSigner, hospitalSigner, patientSigner] = signers as [JsonRpcSigner, JsonRpcSigner, JsonRpcSigner];
  const deployment = await deployCarechain(registrarSigner);
  const startBlock = Math.max(0, (await provider.getBlockNumber()) - 2);
  const store = new MemoryBlobStore();
  const connect = (signer: JsonRpcSigner, identity: IdentityKeyPair) =>
    Carechain.connect({ deployment, signer, identity, store, validator: sharedValidator() });
  const patientIdentity = generateIdentity();
  const [registrar, hospital, patient] = await Promise.all([
    connect(registrarSigner, generateIdentity()),
    connect(hospitalSigner, generateIdentity()),
    connect(patientSigner, patientIdentity),
  ]);
  const hospitalAddress = await hospital.address();
  await registrar.registerProvider(hospitalAddress, "hospital", hospital.identity.publicKey);
  await patient.registerPatient();
  const all = Object.keys(Category) as CategoryName[];
  const patientAddress = await patient.address();
  await patient.grant(hospitalAddress, {
    read: all,
    write: all,
    expiresAt: new Date(Date.now() + 365 * 24 * 3600 * 1000),
  });
  const records = hospital.contracts.records;
  for (let i = 0; i < ownRecords; i++) {
    const content = await cidOf(randomBytes(32));
    const keyring = await cidOf(randomBytes(32));
    await (await records.anchor(patientAddress, 1n << BigInt(i % 16), content.bytes, keyring.bytes, ZERO_HASH)).wait();
    await (await records.logAccess(recordIdOf(patientAddress, hospitalAddress, content), 0)).wait();
  }
  const compiled = await compileBenchContract("BenchPatients.sol", "BenchPatientFactory");
  const factory = await new ContractFactory(compiled.abi as never, compiled.bytecode, registrarSigner).deploy();
  await factory.waitForDeployment();
  return {
    provider,
    deployment,
    startBlock,
    store,
    patientAddress,
    patientIdentity,
    factory,
    from: await registrarSigner.getAddress(),
    /** The patient's audit trail: its grant, and an anchor and a logged read per record (registration is not in it). */
    auditEntries: 1 + 2 * ownRecords,
  };
}

type World = Awaited<ReturnType<typeof setUp>>;

/**
 * Adds other patients (`recordsPerOther` records each) until their events reach `targetEvents`, in transactions of
 * up to 60 patients (a transaction stays under the 2^24 gas cap of EIP-7825).
 * @returns The other patients' events now on chain.
 */
async function grow(world: World, events: number, targetEvents: number, recordsPerOther: number) {
  const perPatient = 1 + recordsPerOther;
  // Gas given, not estimated (estimating a transaction that creates contracts which call out is unreliable).
  const gasPerPatient = 120_000 + recordsPerOther * 130_000;
  const PATIENTS_PER_TX = Math.max(1, Math.min(60, Math.floor(16_000_000 / gasPerPatient)));
  const data = world.factory.interface;
  const to = await world.factory.getAddress();
  while (events < targetEvents) {
    const count = Math.min(PATIENTS_PER_TX, Math.ceil((targetEvents - events) / perPatient));
    const salt = hexlify(crypto.getRandomValues(new Uint8Array(32)));
    const calldata = data.encodeFunctionData("spawn", [
      world.deployment.directory,
      world.deployment.recordRegistry,
      count,
      recordsPerOther,
      salt,
    ]);
    const gas = 100_000 + count * gasPerPatient;
    // Straight to the node, without ethers' receipt polling: with automine the call returns once mined.
    const hash = (await world.provider.send("eth_sendTransaction", [
      { from: world.from, to, data: calldata, gas: `0x${gas.toString(16)}` },
    ])) as string;
    const receipt = (await world.provider.send("eth_getTransactionReceipt", [hash])) as {
      status: string;
      logs: unknown[];
    };
    if (receipt.status !== "0x1") throw new Error(`scale-indexer: spawn transaction ${hash} failed`);
    if (receipt.logs.length !== count * perPatient)
      throw new Error(`scale-indexer: ${receipt.logs.length} events for ${count} patients`);
    events += count * perPatient;
  }
  return events;
}

/** The patient's reads on one path, timed. */
interface Reader {
  auditTrail(): Promise<number>;
  listRecords(): Promise<number>;
  close(): void;
}

/** A client of the patient reading through `rpcUrl` (and `index` when given); each read checks its answer. */
async function reader(world: World, rpcUrl: string, ownRecords: number, index?: IndexSource): Promise<Reader> {
  const provider = new JsonRpcProvider(rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1 });
  const client = await Carechain.connect({
    deployment: world.deployment,
    signer: await provider.getSigner(3),
    identity: world.patientIdentity,
    store: world.store,
    validator: sharedValidator(),
    ...(index ? { index } : {}),
  });
  const answered = (query: Read, before: number) => {
    // With an index, every timed read must have been answered by it (a fallback would time the RPC path).
    if (index && client.indexUsage()!.index[query] !== before + 1)
      throw new Error(`scale-indexer: ${query} fell back to the chain (${JSON.stringify(client.indexUsage())})`);
  };
  const timed = async <T>(query: Read, read: () => Promise<T[]>, expected: number) => {
    const before = index ? client.indexUsage()!.index[query] : 0;
    const start = performance.now();
    const items = await read();
    const ms = performance.now() - start;
    if (items.length !== expected) throw new Error(`scale-indexer: ${query} gave ${items.length}, not ${expected}`);
    answered(query, before);
    return ms;
  };
  return {
    auditTrail: () => timed("auditTrail", () => client.auditTrail(world.patientAddress), world.auditEntries),
    listRecords: () => timed("listRecords", () => client.listRecords(world.patientAddress), ownRecords),
    close: () => provider.destroy(),
  };
}

type Read = "auditTrail" | "listRecords";
type Path = "rpc" | "indexer";
const READS: readonly Read[] = ["auditTrail", "listRecords"];
const PATHS: readonly Path[] = ["rpc", "indexer"];

/** One chain of the comparison: a node, the patient's world grown to `others` events, the proxy, the indexer. */
interface Side {
  readonly others: number;
  readonly growSeconds: number;
  readonly indexSeconds: number;
  readonly blocks: number;
  /** The patient's audit-trail entries. */
  readonly auditEntries: number;
  readonly paths: Record<Path, Reader>;
}

/**
 * Starts a node, sets the patient up, adds other patients' events up to `others`, then starts the limiting proxy
 * and the indexer (PGlite; started after the growth, so it catches up as it would on a long chain) and waits until
 * it has indexed the head. `cleanup` collects what to stop.
 */
async function side(options: ScaleIndexerOptions, others: number, cleanup: (() => Promise<void>)[]): Promise<Side> {
  const port = await freePort();
  const nodeUrl = `http://127.0.0.1:${port}`;
  const node = await startHardhatNode(port);
  cleanup.push(() => stop(node));
  const world = await setUp(nodeUrl, options.ownRecords);
  cleanup.push(() => {
    world.provider.destroy();
    return Promise.resolve();
  });
  const growStart = performance.now();
  const made = await grow(world, 0, others, options.recordsPerOther);
  const growSeconds = (performance.now() - growStart) / 1000;
  const proxy = new LimitingRpcProxy(nodeUrl, SCALE_RPC_LIMITS);
  await proxy.start();
  cleanup.push(() => proxy.stop());
  const pgliteDir = await mkdtemp(join(tmpdir(), "carechain-scale-indexer-"));
  cleanup.push(() => rm(pgliteDir, { recursive: true, force: true }));
  const indexStart = performance.now();
  const indexer = await startIndexer({
    deployment: world.deployment,
    rpcUrl: nodeUrl,
    startBlock: world.startBlock,
    pgliteDir,
  });
  cleanup.push(() => indexer.stop());
  const blocks = await world.provider.getBlockNumber();
  await waitForBlock(indexer, blocks, 1_800_000);
  const indexSeconds = (performance.now() - indexStart) / 1000;
  const index = new HttpIndexSource(indexer.url, { deployment: world.deployment });
  const paths = {
    rpc: await reader(world, proxy.url, options.ownRecords),
    indexer: await reader(world, proxy.url, options.ownRecords, index),
  };
  cleanup.push(() => {
    paths.rpc.close();
    paths.indexer.close();
    return Promise.resolve();
  });
  return { others: made, growSeconds, indexSeconds, blocks, paths, auditEntries: world.auditEntries };
}

/**
 * Times every read on every path on both sides in alternating runs (so both sides see the same machine load);
 * returns the medians, side by side.
 */
async function measure(sides: readonly Side[], runs: number): Promise<Record<Read, Record<Path, number>>[]> {
  const samples = sides.map(() => ({
    auditTrail: { rpc: [] as number[], indexer: [] as number[] },
    listRecords: { rpc: [] as number[], indexer: [] as number[] },
  }));
  for (let i = -1; i < runs; i++) {
    for (const [n, s] of sides.entries()) {
      for (const path of PATHS) {
        for (const read of READS) {
          const ms = await s.paths[path][read]();
          if (i >= 0) samples[n]![read][path].push(ms); // run -1 warms up
        }
      }
    }
  }
  return samples.map((by) => ({
    auditTrail: { rpc: median(by.auditTrail.rpc), indexer: median(by.auditTrail.indexer) },
    listRecords: { rpc: median(by.listRecords.rpc), indexer: median(by.listRecords.indexer) },
  }));
}

/**
 * Two chains alike but for the other patients' events (`othersSmall` on one, `othersLarge` on the other), each with
 * its limiting proxy and its indexer caught up; the patient's `auditTrail` and `listRecords` are timed on both, on
 * the RPC path and with the indexer, alternately; medians, the larger side with its ratio to the smaller.
 */
export async function scaleIndexerMetrics(options: ScaleIndexerOptions): Promise<Metric[]> {
  const missing = indexerMissing();
  if (missing) throw new Error(`--only scale-indexer: ${missing}`);
  const cleanup: (() => Promise<void>)[] = [];
  try {
    const small = await side(options, options.othersSmall, cleanup);
    const large = await side(options, options.othersLarge, cleanup);
    const [smallMs, largeMs] = await measure([small, large], options.runs);
    const what = {
      auditTrail: `auditTrail of a patient with ${small.auditEntries} entries`,
      listRecords: `listRecords of a patient with ${options.ownRecords} records`,
    };
    const out: Metric[] = [];
    for (const read of READS) {
      for (const path of PATHS) {
        const via = path === "rpc" ? "on the RPC path" : "with the indexer (PGlite)";
        const name = `scale.${read}.ms.${path}`;
        const base = smallMs![read][path];
        out.push(
          metric(
            `${name}.others${options.othersSmall}`,
            base,
            "ms",
            undefined,
            `${what[read]} ${via}, through the limiting proxy, ${small.others} other patients' events on chain ` +
              `(median of ${options.runs})`,
          ),
          metric(
            `${name}.others${options.othersLarge}`,
            largeMs![read][path],
            "ms",
            base,
            `the same on a chain with ${large.others} other patients' events (made in ${large.growSeconds.toFixed(0)} s; ` +
              `${large.blocks} blocks; indexed in ${large.indexSeconds.toFixed(0)} s), timed alternately with the ` +
              `others${options.othersSmall} chain; baseline: others${options.othersSmall}`,
          ),
        );
      }
    }
    return out;
  } finally {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  }
}
