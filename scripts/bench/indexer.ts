/**
 * Indexer catch-up (`npm run bench -- --only indexer`, opt-in): builds a history of at least a million Carechain
 * events on a `hardhat node` — logs encoded from the contracts' generated ABIs and emitted by a bench-only
 * LogEmitter deployed at the three addresses the indexer watches — then times the indexer (indexer/, Ponder)
 * from start to caught up, with PGlite and with PostgreSQL, and measures its storage.
 */
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { ContractFactory, Interface, JsonRpcProvider, getAddress, keccak256, toBeHex, type ParamType } from "ethers";

import { CONSENT_REGISTRY_ABI, DIRECTORY_ABI, RECORD_REGISTRY_ABI } from "../../sdk/contracts/generated/abi.js";
import {
  indexerMissing,
  postgresMissing,
  startIndexer,
  startPostgres,
  waitForBlock,
} from "../../test/helpers/indexer.js";
import { freePort, startHardhatNode, stop } from "../../test/helpers/processes.js";
import { metric, type Metric } from "./metrics.js";
import { compileBenchContract } from "./solc.js";

export interface IndexerBenchOptions {
  /** Events in the generated history (at least this many). */
  readonly events: number;
  /** Patients the events are spread over. */
  readonly patients: number;
}

interface Encoded {
  topics: string[];
  data: string;
}

/** Calldata of LogEmitter: [uint8 topicCount][topics][uint16 dataLength][data] per log. */
function packLogs(logs: Encoded[]): string {
  const parts: string[] = [];
  for (const log of logs) {
    const data = log.data.slice(2);
    if (data.length / 2 > 0xffff) throw new RangeError("log data too long for LogEmitter");
    parts.push(
      toBeHex(log.topics.length, 1).slice(2),
      ...log.topics.map((t) => t.slice(2)),
      toBeHex(data.length / 2, 2).slice(2),
      data,
    );
  }
  return `0x${parts.join("")}`;
}

/** A CIDv1 (raw, sha2-256) with the digest `n` (the bench needs distinct CIDs, not real ones). */
const cid = (n: number) => `0x01551220${n.toString(16).padStart(64, "0")}`;

/** 32-byte ABI word of an address, uint or bytes32 value. */
function word(type: string, value: unknown): string {
  if (type === "address") return (value as string).slice(2).toLowerCase().padStart(64, "0");
  if (type === "bytes32") return (value as string).slice(2);
  if (/^u?int\d+$/.test(type) || type === "bool")
    return BigInt(value as bigint | number)
      .toString(16)
      .padStart(64, "0");
  throw new TypeError(`bench indexer: no fast encoding for ${type}`);
}

/**
 * Encodes event logs from an ABI much faster than ethers' encodeEventLog (which takes ~0.5 ms a log): indexed
 * parameters become topics, the others ABI-encoded data; supports the static types, static tuples and `bytes`,
 * which is all the Carechain events use. Values are given by parameter name, so an ABI change is caught
 * (a missing value throws) rather than encoded wrongly.
 */
class FastEventEncoder {
  readonly #events = new Map<string, { topic: string; inputs: readonly ParamType[] }>();

  constructor(iface: Interface) {
    iface.forEachEvent((event) => this.#events.set(event.name, { topic: event.topicHash, inputs: event.inputs }));
  }

  topic(name: string): string {
    return this.#events.get(name)!.topic;
  }

  encode(name: string, values: Record<string, unknown>): Encoded {
    const event = this.#events.get(name);
    if (!event) throw new Error(`bench indexer: no event ${name} in the ABI`);
    const topics = [event.topic];
    const head: string[] = [];
    const tails: string[] = [];
    const dataParams = event.inputs.filter((p) => !p.indexed);
    let tailOffset = dataParams.reduce((n, p) => n + (p.baseType === "tuple" ? p.components!.length : 1) * 32, 0);
    for (const param of event.inputs) {
      if (!(param.name in values))
        throw new Error(`bench indexer: no value for ${name}.${param.name} (the ABI changed?)`);
      const value = values[param.name];
      if (param.indexed) {
        topics.push(`0x${word(param.type, value)}`);
      } else if (param.baseType === "tuple") {
        const tuple = value as Record<string, unknown>;
        for (const c of param.components!) head.push(word(c.type, tuple[c.name]));
      } else if (param.type === "bytes") {
        const hex = (value as string).slice(2);
        const padded = hex.padEnd(Math.ceil(hex.length / 64) * 64, "0");
        head.push(tailOffset.toString(16).padStart(64, "0"));
        tails.push((hex.length / 2).toString(16).padStart(64, "0") + padded);
        tailOffset += 32 + padded.length / 2;
      } else {
        head.push(word(param.type, value));
      }
    }
    return { topics, data: `0x${head.join("")}${tails.join("")}` };
  }
}

/** The generated history, as logs per watched contract. */
function* history(
  options: IndexerBenchOptions,
  enc: { directory: FastEventEncoder; consent: FastEventEncoder; records: FastEventEncoder },
) {
  const patients = Array.from({ length: options.patients }, (_, i) =>
    getAddress(keccak256(toBeHex(i + 1, 32)).slice(0, 42)),
  );
  const authors = Array.from({ length: 50 }, (_, i) => getAddress(keccak256(toBeHex(1_000_000 + i, 32)).slice(0, 42)));
  for (const [i, patient] of patients.entries()) {
    yield {
      to: "directory" as const,
      log: enc.directory.encode("PatientRegistered", { patient, encryptionKey: keccak256(toBeHex(i, 32)) }),
    };
  }
  const zero = `0x${"00".repeat(32)}`;
  let recordId = zero;
  for (let i = 0; i < options.events - options.patients; i++) {
    const patient = patients[i % patients.length]!;
    const author = authors[i % authors.length]!;
    const k = i % 20;
    if (k < 8) {
      const contentCid = cid(i + 1);
      recordId = `0x${contentCid.slice(10)}`;
      yield {
        to: "records" as const,
        log: enc.records.encode("RecordAnchored", {
          recordId,
          patient,
          author,
          categories: 1n << BigInt(i % 16),
          version: 1,
          previous: zero,
          contentCid,
          keyringCid: cid(2 ** 40 + i),
        }),
      };
    } else if (k < 16) {
      yield {
        to: "records" as const,
        log: enc.records.encode("RecordAccessed", { recordId, patient, accessor: author, purpose: 0 }),
      };
    } else if (k < 19) {
      yield {
        to: "records" as const,
        log: enc.records.encode("KeyringPublished", {
          recordId,
          patient,
          publisher: patient,
          keyringCid: cid(2 ** 41 + i),
        }),
      };
    } else {
      const terms = { readMask: 0b1100000n, writeMask: 0b100000n, purposes: 1, expiresAt: 4_000_000_000n };
      yield {
        to: "consent" as const,
        log: enc.consent.encode("ConsentGranted", { patient, grantee: author, actor: patient, terms }),
      };
    }
  }
}

/** Compares the fast encoder with ethers' encodeEventLog on one RecordAnchored log. */
function checkEncoder(fast: FastEventEncoder, iface: Interface): void {
  const patient = getAddress(`0x${"12".repeat(20)}`);
  const values = {
    recordId: `0x${"ab".repeat(32)}`,
    patient,
    author: patient,
    categories: 0b100001n,
    version: 2,
    previous: `0x${"cd".repeat(32)}`,
    contentCid: cid(7),
    keyringCid: cid(8),
  };
  const event = iface.getEvent("RecordAnchored")!;
  const reference = iface.encodeEventLog(
    event,
    event.inputs.map((p) => (values as Record<string, unknown>)[p.name]),
  );
  const got = fast.encode("RecordAnchored", values);
  if (JSON.stringify(got) !== JSON.stringify({ topics: reference.topics, data: reference.data })) {
    throw new Error("bench indexer: the fast event encoder disagrees with ethers on RecordAnchored");
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
    for (const key of Object.keys(deployed) as (keyof typeof deployed)[]) {
      const contract = await factory.deploy({ nonce: nonce++ });
      await contract.waitForDeployment();
      deployed[key] = getAddress(await contract.getAddress());
    }
    const startBlock = await provider.getBlockNumber();
    const encoders = {
      directory: new FastEventEncoder(new Interface(DIRECTORY_ABI)),
      consent: new FastEventEncoder(new Interface(CONSENT_REGISTRY_ABI)),
      records: new FastEventEncoder(new Interface(RECORD_REGISTRY_ABI)),
    };
    // The fast encoder must agree with ethers' (the reference) on every event kind it makes.
    checkEncoder(encoders.records, new Interface(RECORD_REGISTRY_ABI));

    // Emit: one transaction per ~96 KB of packed logs per emitter, sent back to back (the node automines).
    const generating = performance.now();
    const pending: Record<string, Encoded[]> = { directory: [], consent: [], records: [] };
    const sizes: Record<string, number> = { directory: 0, consent: 0, records: 0 };
    const counts = new Map<string, number>();
    const from = await signer.getAddress();
    let lastHash = "";
    const flush = async (to: keyof typeof deployed) => {
      if (pending[to]!.length === 0) return;
      const data = packLogs(pending[to]!);
      pending[to] = [];
      sizes[to] = 0;
      // Raw eth_sendTransaction (the node holds the key and automines): no per-transaction polling.
      lastHash = (await provider.send("eth_sendTransaction", [
        { from, to: deployed[to], data, gas: toBeHex(16_000_000), nonce: toBeHex(nonce++) },
      ])) as string;
    };
    let events = 0;
    for (const item of history(options, encoders)) {
      const topic0 = item.log.topics[0]!;
      counts.set(topic0, (counts.get(topic0) ?? 0) + 1);
      pending[item.to]!.push(item.log);
      sizes[item.to] = sizes[item.to]! + item.log.data.length / 2 + 32 * item.log.topics.length;
      events++;
      if (sizes[item.to]! > 96_000) await flush(item.to);
    }
    for (const to of Object.keys(deployed) as (keyof typeof deployed)[]) await flush(to);
    const receipt = await provider.waitForTransaction(lastHash);
    if (receipt?.status !== 1) throw new Error("bench indexer: an emitting transaction failed");
    const head = await provider.getBlockNumber();
    const generatedSec = (performance.now() - generating) / 1000;
    const anchored = counts.get(encoders.records.topic("RecordAnchored")) ?? 0;
    console.log(
      `  indexer: ${events} events (${anchored} records) in ${head - startBlock} blocks, generated in ${generatedSec.toFixed(0)} s`,
    );

    const deployment = {
      chainId: 31337n,
      directory: deployed.directory,
      consentRegistry: deployed.consent,
      recordRegistry: deployed.records,
    };
    const catchUp = async (database: { pgliteDir?: string; databaseUrl?: string; schema?: string }) => {
      const started = performance.now();
      const indexer = await startIndexer({
        deployment,
        rpcUrl,
        startBlock,
        getLogsRange: 100,
        pollingMs: 1000,
        ...database,
      });
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
      metrics.push(
        metric("indexer.catchUp.eventsPerSec.pglite", events / seconds, "events/s", undefined, note("PGlite")),
      );
      metrics.push(
        metric(
          "indexer.storage.perMillionRecords.pglite",
          perMillion(bytes),
          "MiB",
          undefined,
          `PGlite data directory after indexing (${(bytes / 2 ** 20).toFixed(0)} MiB for ${anchored} records and their share of the other events)`,
        ),
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
        metrics.push(
          metric(
            "indexer.catchUp.eventsPerSec.postgres",
            events / seconds,
            "events/s",
            undefined,
            note("PostgreSQL (local, fsync off)"),
          ),
        );
        metrics.push(
          metric(
            "indexer.storage.perMillionRecords.postgres",
            perMillion(tables),
            "MiB",
            undefined,
            `tables and indexes of the indexer's schema (${(tables / 2 ** 20).toFixed(0)} MiB); Ponder's RPC cache (ponder_sync, off for local chains) another ${(sync / 2 ** 20).toFixed(0)} MiB`,
          ),
        );
        console.log(
          `  indexer: PostgreSQL caught up in ${seconds.toFixed(1)} s, schema ${(tables / 2 ** 20).toFixed(0)} MiB`,
        );
      } finally {
        await postgres.stop();
      }
    }
    metrics.push(
      metric("indexer.history.events", events, "events", undefined, `generated in ${generatedSec.toFixed(0)} s`),
    );
    return metrics;
  } finally {
    provider.destroy();
    await stop(node);
  }
}
