/**
 * Indexer catch-up (`npm run bench -- --only indexer`, opt-in): builds a history of at least a million Carechain
 * events on a `hardhat node` — logs encoded from the contracts' generated ABIs and emitted by a bench-only
 * LogEmitter deployed at the three addresses the indexer watches — then times the indexer (indexer/, Ponder)
 * from start to caught up, with PGlite and with PostgreSQL, and measures its storage.
 */
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { ContractFactory, Interface, JsonRpcProvider, getAddress, keccak256, toBeHex } from "ethers";

import { CONSENT_REGISTRY_ABI, DIRECTORY_ABI, RECORD_REGISTRY_ABI } from "../../sdk/contracts/generated/abi.js";
import { indexerMissing, postgresMissing, startIndexer, startPostgres, waitForBlock } from "../../test/helpers/indexer.js";
import { freePort, startHardhatNode, stop } from "../../test/helpers/processes.js";
import { metric, type Metric } from "./metrics.js";
import { compileBenchContract } from "./solc.js";

export interface IndexerBenchOptions {
  /** Events in the generated history (at least this many). */
  readonly events: number;
  /** Patients the events are spread over. */
  readonly patients: number;
}

type Encoded = { topics: string[]; data: string };

/** Calldata of LogEmitter: [uint8 topicCount][topics][uint16 dataLength][data] per log. */
function packLogs(logs: Encoded[]): string {
  const parts: string[] = [];
  for (const log of logs) {
    const data = log.data.slice(2);
    if (data.length / 2 > 0xffff) throw new RangeError("log data too long for LogEmitter");
    parts.push(toBeHex(log.topics.length, 1).slice(2), ...log.topics.map((t) => t.slice(2)), toBeHex(data.length / 2, 2).slice(2), data);
  }
  return `0x${parts.join("")}`;
}

const cid = (seed: string) => `0x01551220${keccak256(seed).slice(2)}`;

/** The generated history, as LogEmitter calls per watched contract. */
function* history(options: IndexerBenchOptions, ifaces: { directory: Interface; consent: Interface; records: Interface }) {
  const patients = Array.from({ length: options.patients }, (_, i) => getAddress(keccak256(toBeHex(i + 1, 32)).slice(0, 42)));
  const authors = Array.from({ length: 50 }, (_, i) => getAddress(keccak256(toBeHex(1_000_000 + i, 32)).slice(0, 42)));
  const encode = (iface: Interface, name: string, values: unknown[]): Encoded => iface.encodeEventLog(name, values);
  for (const [i, patient] of patients.entries()) {
    yield { to: "directory" as const, log: encode(ifaces.directory, "PatientRegistered", [patient, keccak256(toBeHex(i, 32))]) };
  }
  const future = 4_000_000_000n;
  let lastRecord = keccak256("0x00");
  for (let i = 0; i < options.events - options.patients; i++) {
    const patient = patients[i % patients.length]!;
    const author = authors[i % authors.length]!;
    const k = i % 20;
    if (k < 8) {
      const content = cid(toBeHex(i, 32));
      lastRecord = `0x${content.slice(10)}`;
      yield {
        to: "records" as const,
        log: encode(ifaces.records, "RecordAnchored", [lastRecord, patient, author, i % 16, 1, `0x${"00".repeat(32)}`, content, cid(toBeHex(i + 2 ** 40, 32))]),
      };
    } else if (k < 16) {
      yield { to: "records" as const, log: encode(ifaces.records, "RecordAccessed", [lastRecord, patient, author, 0]) };
    } else if (k < 19) {
      yield { to: "records" as const, log: encode(ifaces.records, "KeyringPublished", [lastRecord, patient, patient, cid(toBeHex(i + 2 ** 41, 32))]) };
    } else {
      yield {
        to: "consent" as const,
        log: encode(ifaces.consent, "ConsentGranted", [patient, author, patient, [BigInt(0b1100000), BigInt(0b100000), 1, future]]),
      };
    }
  }
}

/** Size of a directory tree in bytes. */
async function du(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? await du(path) : (await stat(path)).size;
  }
  return total;
}

/**
 * Builds the history and measures catch-up and storage with PGlite, then PostgreSQL.
 * @throws {Error} When the indexer's dependencies are not installed (npm run indexer:install).
 */
export async function indexerMetrics(options: IndexerBenchOptions): Promise<Metric[]> {
  const missing = indexerMissing();
  if (missing) throw new Error(`bench indexer: ${missing}`);
  const port = await freePort();
  const rpcUrl = `http://127.0.0.1:${port}`;
  const node = await startHardhatNode(port);
  const provider = new JsonRpcProvider(rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1 });
  const metrics: Metric[] = [];
  try {
    const signer = await provider.getSigner(0);
    const emitter = await compileBenchContract("LogEmitter.sol", "LogEmitter");
    const factory = new ContractFactory(emitter.abi as never, emitter.bytecode, signer);
    let nonce = await provider.getTransactionCount(await signer.getAddress(), "pending");
    const deployed: Record<"directory" | "consent" | "records", string> = { directory: "", consent: "", records: "" };
    for (const key of Object.keys(deployed) as Array<keyof typeof deployed>) {
      const contract = await factory.deploy({ nonce: nonce++ });
      await contract.waitForDeployment();
      deployed[key] = getAddress(await contract.getAddress());
    }
    const startBlock = await provider.getBlockNumber();
    const ifaces = { directory: new Interface(DIRECTORY_ABI), consent: new Interface(CONSENT_REGISTRY_ABI), records: new Interface(RECORD_REGISTRY_ABI) };

    // Emit: one transaction per ~96 KB of packed logs per emitter, sent back to back (the node automines).
    const generating = performance.now();
    const pending: Record<string, Encoded[]> = { directory: [], consent: [], records: [] };
    const sizes: Record<string, number> = { directory: 0, consent: 0, records: 0 };
    const counts = new Map<string, number>();
    let sent = 0;
    let last: Promise<unknown> = Promise.resolve();
    const flush = async (to: keyof typeof deployed) => {
      if (pending[to]!.length === 0) return;
      const data = packLogs(pending[to]!);
      pending[to] = [];
      sizes[to] = 0;
      const tx = await signer.sendTransaction({ to: deployed[to], data, nonce: nonce++, gasLimit: 25_000_000 });
      last = tx.wait();
      if (++sent % 200 === 0) await last;
    };
    let events = 0;
    for (const item of history(options, ifaces)) {
      const topic0 = item.log.topics[0]!;
      counts.set(topic0, (counts.get(topic0) ?? 0) + 1);
      pending[item.to]!.push(item.log);
      sizes[item.to] = sizes[item.to]! + item.log.data.length / 2 + 32 * item.log.topics.length;
      events++;
      if (sizes[item.to]! > 96_000) await flush(item.to);
    }
    for (const to of Object.keys(deployed) as Array<keyof typeof deployed>) await flush(to);
    const receipt = (await last) as { status?: number } | null;
    if (receipt && receipt.status !== 1) throw new Error("bench indexer: an emitting transaction failed");
    const head = await provider.getBlockNumber();
    const generatedSec = (performance.now() - generating) / 1000;
    const anchored = counts.get(ifaces.records.getEvent("RecordAnchored")!.topicHash) ?? 0;
    console.log(`  indexer: ${events} events (${anchored} records) in ${head - startBlock} blocks, generated in ${generatedSec.toFixed(0)} s`);

    const deployment = {
      chainId: 31337n,
      directory: deployed.directory,
      consentRegistry: deployed.consent,
      recordRegistry: deployed.records,
    };
    const catchUp = async (database: { pgliteDir?: string; databaseUrl?: string; schema?: string }) => {
      const started = performance.now();
      const indexer = await startIndexer({ deployment, rpcUrl, startBlock, getLogsRange: 100, pollingMs: 1000, ...database });
      try {
        await waitForBlock(indexer, head, 3 * 3600_000);
        return (performance.now() - started) / 1000;
      } finally {
        await indexer.stop();
      }
    };
    const perMillion = (bytes: number) => (bytes / 2 ** 20 / anchored) * 1e6;
    const note = (db: string) =>
      `${events} events (${anchored} RecordAnchored, 40% reads, 15% published keyrings, 5% grants, ${options.patients} patients) ` +
      `in ${head - startBlock} blocks of a local hardhat node, ${db}; from process start to caught up (build and startup included)`;

    const pgliteDir = await mkdtemp(join(tmpdir(), "carechain-bench-pglite-"));
    try {
      const seconds = await catchUp({ pgliteDir });
      const bytes = await du(pgliteDir);
      metrics.push(metric("indexer.catchUp.eventsPerSec.pglite", events / seconds, "events/s", undefined, note("PGlite")));
      metrics.push(
        metric("indexer.storage.perMillionRecords.pglite", perMillion(bytes), "MiB", undefined,
          `PGlite data directory after indexing (${(bytes / 2 ** 20).toFixed(0)} MiB for ${anchored} records and their share of the other events)`),
      );
      console.log(`  indexer: PGlite caught up in ${seconds.toFixed(1)} s, ${(bytes / 2 ** 20).toFixed(0)} MiB`);
    } finally {
      await rm(pgliteDir, { recursive: true, force: true });
    }

    const pgMissing = postgresMissing();
    if (pgMissing) {
      console.log(`  indexer: PostgreSQL skipped: ${pgMissing}`);
    } else {
      const postgres = await startPostgres();
      try {
        const schema = "bench";
        const seconds = await catchUp({ databaseUrl: postgres.url, schema });
        const sizeOf = (namespace: string) =>
          Number(
            postgres.query(
              `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace ` +
                `WHERE n.nspname = '${namespace}' AND c.relkind IN ('r', 'm')`,
            ),
          );
        const tables = sizeOf(schema);
        const sync = sizeOf("ponder_sync");
        metrics.push(metric("indexer.catchUp.eventsPerSec.postgres", events / seconds, "events/s", undefined, note("PostgreSQL (local, fsync off)")));
        metrics.push(
          metric("indexer.storage.perMillionRecords.postgres", perMillion(tables), "MiB", undefined,
            `tables and indexes of the indexer's schema (${(tables / 2 ** 20).toFixed(0)} MiB); Ponder's RPC cache (ponder_sync, off for local chains) another ${(sync / 2 ** 20).toFixed(0)} MiB`),
        );
        console.log(`  indexer: PostgreSQL caught up in ${seconds.toFixed(1)} s, schema ${(tables / 2 ** 20).toFixed(0)} MiB`);
      } finally {
        await postgres.stop();
      }
    }
    metrics.push(metric("indexer.history.events", events, "events", undefined, `generated in ${generatedSec.toFixed(0)} s`));
    return metrics;
  } finally {
    provider.destroy();
    await stop(node);
  }
}
