/**
 * Writes exactly once over a faulty network (issue 13, item 5), tested the way the outside fault test did: writers
 * behind a seeded chaos proxy (connection resets, 502s, delays, dropped answers, and the dropped answer of a
 * transaction the node mined) in front of a `hardhat node`, each caller retrying the same addRecord on any error;
 * then one writer process killed with SIGKILL mid-write and a new process resuming from the same journal on disk.
 * Afterwards the chain is counted: every record exactly once, nothing lost, and every error the callers saw typed.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { JsonRpcProvider, parseEther, Wallet } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  Carechain,
  CarechainError,
  createFhirValidator,
  generateIdentity,
  MemoryJournal,
  toHex,
  WriteError,
  type BlobStore,
  type CarechainDeployment,
  type IdentityKeyPair,
} from "./_sdk.js";
import { FileSystemBlobStore, loadFhirDefinitions } from "../../sdk/node.js";
import {
  ConsentRegistry__factory,
  Directory__factory,
  RecordRegistry__factory,
} from "../../sdk/contracts/typechain/index.js";
import { ChaosRpcProxy, type ChaosRates } from "../helpers/chaos-proxy.js";
import { heartRate } from "../helpers/fixtures.js";
import { childEnv, freePort, ROOT, startHardhatNode, stop } from "../helpers/processes.js";
import { ifAssigned } from "../helpers/teardown.js";

const SEEDS = [11, 23, 37, 41];
const RECORDS_PER_SEED = 30;
const KILL_RECORDS = 16;
const RATES: ChaosRates = {
  reset: 0.025,
  badGateway: 0.025,
  delay: 0.05,
  maxDelayMs: 60,
  dropAnswer: 0.015,
  dropMinedSend: 0.3,
};
/** A caller's pause before trying again: 100 ms more each time, at most 1 s. */
const pause = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.min(100 * attempt, 1_000)));
const SCRIPT = join(ROOT, "test", "e2e", "scripts", "chaos-writer.ts");

describe("writes exactly once behind a chaos proxy, against a hardhat node", () => {
  let node: ChildProcess;
  let url: string;
  let direct: JsonRpcProvider;
  let deployment: CarechainDeployment;
  let admin: Carechain;
  let dir: string;
  let store: FileSystemBlobStore;
  const validator = createFhirValidator(loadFhirDefinitions());
  const providers: JsonRpcProvider[] = [];

  beforeAll(async () => {
    const port = await freePort();
    node = await startHardhatNode(port);
    url = `http://127.0.0.1:${port}`;
    direct = new JsonRpcProvider(url, undefined, {
      staticNetwork: true,
      polling: true,
      pollingInterval: 50,
    });
    const deployer = await direct.getSigner(0);
    const directory = await new Directory__factory(deployer).deploy(
      await deployer.getAddress(),
      await deployer.getAddress(),
    );
    const consent = await new ConsentRegistry__factory(deployer).deploy(await directory.getAddress());
    const records = await new RecordRegistry__factory(deployer).deploy(await consent.getAddress());
    await records.waitForDeployment();
    deployment = {
      chainId: 31337n,
      directory: await directory.getAddress(),
      consentRegistry: await consent.getAddress(),
      recordRegistry: await records.getAddress(),
    };
    dir = await mkdtemp(join(tmpdir(), "carechain-exactly-once-"));
    store = new FileSystemBlobStore(join(dir, "store"));
    admin = await clientOf(deployer, generateIdentity());
  });

  afterAll(async () => {
    for (const p of providers) p.destroy();
    ifAssigned(direct)?.destroy();
    if (ifAssigned(node)) await stop(node);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** A client; connecting (which reads the chain) is retried like any call over a faulty network. */
  async function clientOf(
    signer: Wallet | Awaited<ReturnType<JsonRpcProvider["getSigner"]>>,
    identity: IdentityKeyPair,
    blobs: BlobStore = store,
  ) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await connectOnce(signer, identity, blobs);
      } catch (error) {
        if (!(error instanceof CarechainError) || attempt >= 20) throw error;
        await pause(attempt); // ethers keeps a failed read's answer for 250 ms
      }
    }
  }

  function connectOnce(
    signer: Wallet | Awaited<ReturnType<JsonRpcProvider["getSigner"]>>,
    identity: IdentityKeyPair,
    blobs: BlobStore,
  ) {
    return Carechain.connect({
      deployment,
      signer,
      identity,
      store: blobs,
      validator,
      journal: new MemoryJournal(),
      logAccess: false,
      retry: { attempts: 3, baseDelayMs: 20, minedTimeoutMs: 5_000 },
      logs: { baseDelayMs: 20, maxDelayMs: 200 },
    });
  }

  /** A funded fresh account. */
  async function account(): Promise<Wallet> {
    const wallet = Wallet.createRandom().connect(direct);
    const faucet = await direct.getSigner(0);
    await (
      await faucet.sendTransaction({
        to: wallet.address,
        value: parseEther("100"),
      })
    ).wait();
    return new Wallet(wallet.privateKey, direct);
  }

  /** A registered patient and a registered hospital with read and write consent for vital signs, on the direct node. */
  async function patientAndWriter() {
    const [patientWallet, writerWallet] = [await account(), await account()];
    const patient = await clientOf(patientWallet, generateIdentity());
    const writerIdentity = generateIdentity();
    await patient.registerPatient();
    await admin.registerProvider(writerWallet.address, "hospital", writerIdentity.publicKey);
    const now = (await direct.getBlock("latest"))!.timestamp;
    await patient.grant(writerWallet.address, {
      read: ["VitalSigns"],
      write: ["VitalSigns"],
      expiresAt: now + 86_400,
    });
    return {
      patient,
      patientAddress: patientWallet.address,
      writerWallet,
      writerIdentity,
    };
  }

  /** The heart rates anchored for `patient`, read back and decrypted by the patient over the direct node. */
  async function onChain(patient: Carechain, patientAddress: string) {
    const records = await patient.listRecords(patientAddress);
    const values: number[] = [];
    for (const r of records) {
      const { resource } = await patient.readRecord(r.recordId);
      values.push((resource as unknown as { valueQuantity: { value: number } }).valueQuantity.value);
    }
    return {
      ids: records.map((r) => r.recordId),
      values: values.sort((a, b) => a - b),
    };
  }

  const range = (from: number, count: number) => Array.from({ length: count }, (_, k) => from + k);

  it(`${SEEDS.length} seeds × ${RECORDS_PER_SEED} records: each on chain exactly once, every error typed`, async () => {
    const started = Date.now();
    const outcomes = await Promise.all(
      SEEDS.map(async (seed) => {
        const { patient, patientAddress, writerWallet, writerIdentity } = await patientAndWriter();
        const proxy = new ChaosRpcProxy(url, RATES, seed);
        await proxy.start();
        const provider = new JsonRpcProvider(proxy.url, undefined, {
          staticNetwork: true,
          polling: true,
          pollingInterval: 50,
        });
        providers.push(provider);
        const writer = await clientOf(new Wallet(writerWallet.privateKey, provider), writerIdentity);
        const returned: string[] = [];
        const errors: unknown[] = [];
        for (const i of range(0, RECORDS_PER_SEED)) {
          // The natural caller: the same addRecord again on any error.
          for (let attempt = 1; ; attempt++) {
            try {
              returned.push((await writer.addRecord(patientAddress, heartRate(seed * 1000 + i))).recordId);
              break;
            } catch (error) {
              errors.push(error);
              if (attempt >= 40) throw error;
              await pause(attempt);
            }
          }
        }
        await proxy.stop();
        return {
          seed,
          patient,
          patientAddress,
          returned,
          errors,
          stats: proxy.stats,
          pending: await writer.pendingWrites(),
        };
      }),
    );
    const seconds = (Date.now() - started) / 1000;

    for (const { seed, patient, patientAddress, returned, errors, pending } of outcomes) {
      const chain = await onChain(patient, patientAddress);
      expect(chain.values).toEqual(range(seed * 1000, RECORDS_PER_SEED)); // each once, none lost
      expect([...chain.ids].sort()).toEqual([...returned].sort()); // the ids the caller got are the ones on chain
      expect(pending).toEqual([]);
      for (const error of errors) expect(error).toBeInstanceOf(CarechainError);
    }
    const errors = outcomes.flatMap((o) => o.errors);
    const stats = outcomes.map((o) => o.stats);
    const total = (key: keyof (typeof stats)[number]) => stats.reduce((n, s) => n + s[key], 0);
    // The faults really happened, and some errors were about writes that had landed (the duplicate-making case).
    expect(total("droppedMinedSends")).toBeGreaterThan(10);
    expect(total("resets") + total("badGateways")).toBeGreaterThan(20);
    expect(errors.some((e) => e instanceof WriteError && e.mayHaveLanded)).toBe(true);
    console.log(
      `exactly-once: ${SEEDS.length * RECORDS_PER_SEED} records in ${seconds.toFixed(1)} s; ${
        errors.length
      } errors seen by the callers ` +
        `(${errors.filter((e) => e instanceof WriteError).length} WriteError, ${
          errors.filter((e) => e instanceof WriteError && e.mayHaveLanded).length
        } may have landed); ` +
        `proxy: ${JSON.stringify({
          requests: total("requests"),
          resets: total("resets"),
          badGateways: total("badGateways"),
          delays: total("delays"),
          droppedAnswers: total("droppedAnswers"),
          droppedMinedSends: total("droppedMinedSends"),
        })}`,
    );
  });

  it("a writer process killed with SIGKILL mid-write; a new process resumes from the same journal: each record once", async () => {
    const { patient, patientAddress, writerWallet, writerIdentity } = await patientAndWriter();
    const proxy = new ChaosRpcProxy(url, RATES, 7);
    await proxy.start();
    const journalDir = join(dir, "journal-kill");
    const base = 7000;
    const common = {
      RPC_URL: proxy.url,
      DEPLOYMENT: JSON.stringify(deployment, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v)),
      WRITER_KEY: writerWallet.privateKey,
      IDENTITY_SECRET: toHex(writerIdentity.secretKey),
      STORE_DIR: store.root,
      JOURNAL_DIR: journalDir,
      PATIENT: patientAddress,
      VALUE_BASE: String(base),
    };
    const spawnWriter = (extra: Record<string, string>) => {
      const child = spawn(
        "node",
        ["--conditions=carechain-source", "--unhandled-rejections=strict", "--import", "tsx", SCRIPT],
        {
          cwd: ROOT,
          env: childEnv({ ...common, ...extra }),
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      const lines: string[] = [];
      let stderr = "";
      let partial = "";
      child.stdout.on("data", (c: Buffer) => {
        const text = partial + c.toString();
        const parts = text.split("\n");
        partial = parts.pop()!;
        lines.push(...parts);
      });
      child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      return { child, lines, exited, stderr: () => stderr };
    };
    const confirmed = (lines: string[]) =>
      new Map(lines.filter((l) => l.startsWith("ok ")).map((l) => [Number(l.split(" ")[1]), l.split(" ")[2]!]));
    const journalFiles = async () =>
      (await readdir(journalDir).catch(() => [] as string[])).filter((n) => n.endsWith(".json"));

    // 1. Write; once a few records are confirmed, kill -9 while a write is journaled and not yet confirmed.
    const first = spawnWriter({
      MODE: "write",
      FROM: "0",
      COUNT: String(KILL_RECORDS),
    });
    let killedMidWrite = false;
    while (first.child.exitCode === null) {
      if (confirmed(first.lines).size >= 5 && (await journalFiles()).length > 0) {
        first.child.kill("SIGKILL");
        killedMidWrite = true;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(await first.exited, first.stderr()).toBe(null); // killed by the signal
    expect(killedMidWrite).toBe(true);
    const before = confirmed(first.lines);
    expect(before.size).toBeLessThan(KILL_RECORDS);

    // 2. A new process: resume() from the journal on disk, then (the caller's natural re-run) every unconfirmed record.
    const todo = range(0, KILL_RECORDS).filter((i) => !before.has(i));
    const second = spawnWriter({ MODE: "resume", TODO: todo.join(",") });
    expect(await second.exited, second.stderr()).toBe(0);
    const resumed = JSON.parse(second.lines.find((l) => l.startsWith("resumed "))!.slice("resumed ".length)) as {
      anchored: string[];
      alreadyAnchored: string[];
      failed: string[];
    };
    expect(resumed.anchored.length + resumed.alreadyAnchored.length + resumed.failed.length).toBeGreaterThanOrEqual(1);
    expect(await journalFiles()).toEqual([]);
    await proxy.stop();

    // 3. Count: each record exactly once, the confirmed ids are the ones on chain, and every error was typed.
    const after = confirmed(second.lines);
    const chain = await onChain(patient, patientAddress);
    expect(chain.values).toEqual(range(base, KILL_RECORDS));
    expect([...chain.ids].sort()).toEqual([...before.values(), ...after.values()].sort());
    const errors = [...first.lines, ...second.lines].filter((l) => l.startsWith("err "));
    for (const line of errors) expect(line.split(" ")[2], line).toBe("true");
    console.log(
      `exactly-once kill -9: ${before.size} confirmed before the kill, resume ${JSON.stringify(resumed)}, ${
        errors.length
      } typed errors`,
    );
  });
});
