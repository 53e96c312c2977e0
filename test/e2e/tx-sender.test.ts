import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";

import {
  BrowserProvider,
  JsonRpcProvider,
  NonceManager,
  parseEther,
  Wallet,
  type Eip1193Provider,
  type Signer,
} from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  Carechain,
  CarechainError,
  createFhirValidator,
  deployCarechain,
  generateIdentity,
  MemoryBlobStore,
  nonceSourceOf,
  queuedSigner,
  TransactionError,
  type CarechainDeployment,
} from "./_sdk.js";
import { loadFhirDefinitions } from "../../sdk/node.js";
import { heartRate } from "../helpers/fixtures.js";
import { CuttingProxy } from "../helpers/cutting-proxy.js";
import { childEnv, freePort, ROOT, startHardhatNode, stop } from "../helpers/processes.js";
import { ifAssigned } from "../helpers/teardown.js";
import { createChain } from "../helpers/chain.js";

const SCRIPT = join(ROOT, "test", "e2e", "scripts", "wallet-roundtrip.mjs");
const RUNS = 20;

/** Runs the roundtrip script on Node 22 (node_modules/.bin first on PATH) as a new user would, unhandled rejections fatal. */
async function runScript(url: string, keys: string[]): Promise<{ code: number | null; output: string; ms: number }> {
  const started = Date.now();
  const child = spawn(
    "node",
    ["--conditions=carechain-source", "--unhandled-rejections=strict", "--import", "tsx", SCRIPT],
    {
      cwd: ROOT,
      env: childEnv({ CARECHAIN_RPC_URL: url, DEPLOYER_KEY: keys[0]!, HOSPITAL_KEY: keys[1]!, PATIENT_KEY: keys[2]! }),
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr.on("data", (c: Buffer) => (output += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  return { code, output, ms: Date.now() - started };
}

describe("transactions from ethers Wallets on a default JsonRpcProvider, against a hardhat node", () => {
  let node: ChildProcess;
  let nodePort: number;
  let url: string;
  /** Hardhat's unlocked account 0, the faucet; a static-network provider of the test's own. */
  let direct: JsonRpcProvider;
  const providers: JsonRpcProvider[] = [];
  const validator = createFhirValidator(loadFhirDefinitions());

  beforeAll(async () => {
    nodePort = await freePort();
    url = `http://127.0.0.1:${nodePort}`;
    node = await startHardhatNode(nodePort);
    direct = new JsonRpcProvider(url, undefined, { staticNetwork: true });
  });

  afterAll(async () => {
    for (const p of providers) p.destroy();
    ifAssigned(direct)?.destroy();
    if (ifAssigned(node)) await stop(node);
  });

  /** A default JsonRpcProvider, as a dApp makes one (no options), destroyed after the file. */
  function defaultProvider(): JsonRpcProvider {
    const provider = new JsonRpcProvider(url);
    providers.push(provider);
    return provider;
  }

  /** Fresh private keys, each funded with 10 ETH from hardhat's account 0. */
  async function fundedKeys(count: number): Promise<string[]> {
    const faucet = await direct.getSigner(0);
    const keys: string[] = [];
    for (let i = 0; i < count; i++) {
      const wallet = Wallet.createRandom();
      await (await faucet.sendTransaction({ to: wallet.address, value: parseEther("10") })).wait();
      keys.push(wallet.privateKey);
    }
    return keys;
  }

  async function client(signer: Signer, deployment: CarechainDeployment, store = new MemoryBlobStore()) {
    return Carechain.connect({ deployment, signer, identity: generateIdentity(), store, validator });
  }

  /** The nonces of mined transactions, sorted. */
  async function noncesOf(hashes: string[]): Promise<number[]> {
    const txs = await Promise.all(hashes.map((h) => direct.getTransaction(h)));
    return txs.map((tx) => tx!.nonce).sort((a, b) => a - b);
  }

  it(`${RUNS} runs of a Node script (deploy, register, grant, add, read back, revoke) from fresh Wallets: ${RUNS} × exit 0, nothing unhandled`, async () => {
    const results: { code: number | null; output: string; ms: number }[] = [];
    for (let i = 0; i < RUNS; i++) results.push(await runScript(url, await fundedKeys(3)));
    const total = results.reduce((sum, r) => sum + r.ms, 0);
    console.log(`${RUNS} script runs: ${total} ms in all (${Math.round(total / RUNS)} ms each)`);
    for (const r of results) {
      expect(r.output).not.toMatch(/unhandled|uncaught|ECONNRESET|socket hang up/i);
      expect(r.output).toContain("roundtrip ok");
      expect(r.code).toBe(0);
    }
  }, 600_000);

  it("Promise.all of 5 writes from one Wallet lands them all, with 5 consecutive nonces; two clients of one account share the queue", async () => {
    const [deployerKey, patientKey] = await fundedKeys(2);
    const deployer = new Wallet(deployerKey!, defaultProvider());
    const deployment = await deployCarechain(deployer);
    const store = new MemoryBlobStore();
    const registrar = await client(deployer, deployment, store);
    const clinics = await Promise.all(
      [0, 1, 2, 3, 4].map(() => client(Wallet.createRandom().connect(deployer.provider), deployment, store)),
    );
    // 5 concurrent registrations from the registrar's one Wallet.
    const registered = await Promise.all(
      clinics.map(async (p) => registrar.registerProvider(await p.address(), "hospital", p.identity.publicKey)),
    );
    // Nonces 0-3 went to the deployments: the three contracts and, on this local chain, Multicall3.
    expect(await noncesOf(registered.map((r) => r.hash))).toEqual([4, 5, 6, 7, 8]);

    // The patient's account behind two clients (two Wallet objects, two providers): one queue, no nonce race.
    const patientA = await client(new Wallet(patientKey!, defaultProvider()), deployment, store);
    const patientB = await client(new Wallet(patientKey!, defaultProvider()), deployment, store);
    await patientA.registerPatient();
    const expiresAt = Math.floor(Date.now() / 1000) + 86_400;
    const grants = await Promise.all(
      clinics.map(async (p, i) =>
        (i % 2 === 0 ? patientA : patientB).grant(await p.address(), {
          read: ["VitalSigns"],
          write: ["VitalSigns"],
          expiresAt,
        }),
      ),
    );
    const grantNonces = await noncesOf(grants.map((g) => g.hash));
    expect(grantNonces).toEqual([1, 2, 3, 4, 5]);

    // 5 concurrent record writes by one provider (each: store, wrap, anchor).
    const hospital = clinics[0]!;
    await (
      await (await direct.getSigner(0)).sendTransaction({ to: await hospital.address(), value: parseEther("1") })
    ).wait();
    const patient = await patientA.address();
    const added = await Promise.all([60, 61, 62, 63, 64].map((bpm) => hospital.addRecord(patient, heartRate(bpm))));
    expect(new Set(added.map((a) => a.recordId)).size).toBe(5);
    expect(await noncesOf(added.map((a) => a.hash))).toEqual([0, 1, 2, 3, 4]);
    // 5 concurrent reads, each logging the access on chain from the patient's account.
    const read = await Promise.all(added.map((a) => patientA.readRecord(a.recordId)));
    expect(read.map((r) => (r.resource as { valueQuantity: { value: number } }).valueQuantity.value)).toEqual([
      60, 61, 62, 63, 64,
    ]);
  });

  it("a nonce used behind the SDK's back: the client reads the count again and sends once more", async () => {
    const [deployerKey, patientKey] = await fundedKeys(2);
    const deployment = await deployCarechain(new Wallet(deployerKey!, defaultProvider()));
    const patient = await client(new Wallet(patientKey!, defaultProvider()), deployment);
    await patient.registerPatient(); // the client now counts this account's nonces itself (next: 1)
    // Another program sends from the same key, outside any Carechain queue, and takes nonce 1.
    const outsider = new Wallet(patientKey!, new JsonRpcProvider(url, undefined, { staticNetwork: true }));
    await (await outsider.sendTransaction({ to: outsider.address, value: 1n, nonce: 1 })).wait();
    (outsider.provider as JsonRpcProvider).destroy();
    const registrar = await client(new Wallet(deployerKey!, defaultProvider()), deployment);
    const grantee = Wallet.createRandom();
    await registrar.registerProvider(grantee.address, "lab", generateIdentity().publicKey);
    const granted = await patient.grant(grantee.address, {
      read: ["Laboratory"],
      expiresAt: Math.floor(Date.now() / 1000) + 3600,
    });
    expect((await direct.getTransaction(granted.hash))!.nonce).toBe(2);
    expect(await patient.canAccess(await patient.address(), grantee.address, "Laboratory", "read")).toBe(true);
  });

  it("a Wallet with no ETH: the send fails as a TransactionError with INSUFFICIENT_FUNDS, the node's message and the operation", async () => {
    const [deployerKey] = await fundedKeys(1);
    const deployment = await deployCarechain(new Wallet(deployerKey!, defaultProvider()));
    const broke = Wallet.createRandom().connect(defaultProvider());
    const patient = await client(broke, deployment);
    const error = await patient.registerPatient().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TransactionError);
    const failure = error as TransactionError;
    expect(failure).toBeInstanceOf(CarechainError);
    expect(failure.code).toBe("CHAIN");
    expect(failure.causeCode).toBe("INSUFFICIENT_FUNDS");
    expect(failure.nodeMessage).toMatch(/insufficient funds|doesn't have enough funds/i);
    expect(failure.action).toBe("registerPatient");
    expect(failure.message).toContain('"registerPatient"');
    expect(failure.message).toContain("INSUFFICIENT_FUNDS");
    expect(failure.mayHaveLanded).toBe(false);
    expect(failure.from).toBe(broke.address);
    // Funded, the same client's next send goes through (the failed send left no nonce gap).
    await (await (await direct.getSigner(0)).sendTransaction({ to: broke.address, value: parseEther("1") })).wait();
    const tx = await patient.registerPatient();
    expect((await direct.getTransaction(tx.hash))!.nonce).toBe(0);
  });

  it("signers that choose their own nonces are passed through: a BrowserProvider wallet's eth_sendTransaction carries none", async () => {
    const requests: { method: string; params: unknown[] }[] = [];
    const wallet: Eip1193Provider = {
      request: async ({ method, params }) => {
        const list = (params as unknown[] | undefined) ?? [];
        requests.push({ method, params: list });
        return (await direct.send(method, list)) as unknown;
      },
    };
    const browser = new BrowserProvider(wallet);
    const account = (await direct.listAccounts())[7]!.address;
    const signer = await browser.getSigner(account);
    expect(nonceSourceOf(signer)).toBe("signer");
    expect(nonceSourceOf(new Wallet(Wallet.createRandom().privateKey))).toBe("local");
    expect(nonceSourceOf(new NonceManager(new Wallet(Wallet.createRandom().privateKey, direct)))).toBe("signer");
    const connection = await createChain();
    try {
      expect(nonceSourceOf((await connection.ethers.getSigners())[0]!)).toBe("signer"); // Hardhat's signers
    } finally {
      await connection.close();
    }

    const [deployerKey] = await fundedKeys(1);
    const deployment = await deployCarechain(new Wallet(deployerKey!, defaultProvider()));
    const registrar = await client(new Wallet(deployerKey!, defaultProvider()), deployment);
    const grantees = [Wallet.createRandom(), Wallet.createRandom(), Wallet.createRandom()];
    await Promise.all(
      grantees.map((g) => registrar.registerProvider(g.address, "clinic", generateIdentity().publicKey)),
    );
    const patient = await client(signer, deployment);
    await patient.registerPatient();
    const expiresAt = Math.floor(Date.now() / 1000) + 3600;
    const grants = await Promise.all(grantees.map((g) => patient.grant(g.address, { read: ["Problems"], expiresAt })));
    expect(grants).toHaveLength(3);
    const sent = requests.filter((r) => r.method === "eth_sendTransaction");
    expect(sent).toHaveLength(4);
    for (const r of sent) expect(r.params[0]).not.toHaveProperty("nonce");
    browser.destroy();
  });

  it("queuedSigner(signer) shares the account's queue with the clients and returns a queued signer as it is", async () => {
    const [key] = await fundedKeys(1);
    const wallet = new Wallet(key!, defaultProvider());
    const queued = queuedSigner(wallet);
    expect(queuedSigner(queued)).toBe(queued);
    const deployment = await deployCarechain(queued);
    const registrar = await client(wallet, deployment);
    // Raw sends of the caller's own and the client's sends, all at once from one account.
    const [transfer, registered] = await Promise.all([
      queued.sendTransaction({ to: wallet.address, value: 1n }),
      registrar.registerProvider(Wallet.createRandom().address, "pharmacy", generateIdentity().publicKey),
    ]);
    await transfer.wait();
    // Nonces 0-3 went to the deployments (the three contracts and, on this local chain, Multicall3).
    expect(await noncesOf([transfer.hash, registered.hash])).toEqual([4, 5]);
  });

  it.each(["request", "response"] as const)(
    "a connection cut while broadcasting (the %s lost): the same signed transaction is sent again and lands once",
    async (cut) => {
      const proxy = new CuttingProxy(await freePort(), nodePort, { method: "eth_sendRawTransaction", every: 2, cut });
      await proxy.start();
      try {
        const [deployerKey, patientKey] = await fundedKeys(2);
        const deployment = await deployCarechain(new Wallet(deployerKey!, defaultProvider()));
        const registrar = await client(new Wallet(deployerKey!, defaultProvider()), deployment);
        const grantees = [0, 1, 2].map(() => Wallet.createRandom());
        await Promise.all(
          grantees.map((g) => registrar.registerProvider(g.address, "clinic", generateIdentity().publicKey)),
        );
        // One JSON-RPC call per HTTP request, so a cut hits the broadcast alone.
        const flaky = new JsonRpcProvider(proxy.url, undefined, { batchMaxCount: 1 });
        providers.push(flaky);
        const patient = await client(new Wallet(patientKey!, flaky), deployment);
        await patient.registerPatient();
        const expiresAt = Math.floor(Date.now() / 1000) + 3600;
        const grants = await Promise.all(
          grantees.map((g) => patient.grant(g.address, { read: ["Problems"], expiresAt })),
        );
        expect(proxy.stats.cuts).toBe(3);
        // Nothing lost, nothing sent twice: four transactions from the account, the grants on nonces 1-3.
        expect(await direct.getTransactionCount(await patient.address())).toBe(4);
        expect(await noncesOf(grants.map((g) => g.hash))).toEqual([1, 2, 3]);
        for (const g of grantees)
          expect(await patient.canAccess(await patient.address(), g.address, "Problems", "read")).toBe(true);
      } finally {
        await proxy.stop();
      }
    },
  );

  it("a node that can't be reached during connect is a CarechainError CHAIN, not a raw socket error nor a 'not wired' verdict", async () => {
    const [deployerKey] = await fundedKeys(1);
    const deployment = await deployCarechain(new Wallet(deployerKey!, defaultProvider()));
    for (const method of ["eth_getCode", "eth_call"]) {
      const proxy = new CuttingProxy(await freePort(), nodePort, { method, every: 1 });
      await proxy.start();
      const flaky = new JsonRpcProvider(proxy.url, undefined, { staticNetwork: true, batchMaxCount: 1 });
      try {
        const error = await client(Wallet.createRandom().connect(flaky), deployment).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(CarechainError);
        expect((error as CarechainError).code).toBe("CHAIN");
        expect((error as CarechainError).details).toMatch(/ECONNRESET|socket hang up/i);
      } finally {
        flaky.destroy();
        await proxy.stop();
      }
    }
  });

  it("a connection cut while the client waits for a receipt is read again, not left behind as an unhandled rejection", async () => {
    // Blocks every 300 ms instead of one per transaction: receipts are not there at the first look, so the client
    // polls for them; the proxy resets every second eth_getTransactionReceipt request.
    const proxy = new CuttingProxy(await freePort(), nodePort, { method: "eth_getTransactionReceipt", every: 2 });
    await proxy.start();
    await direct.send("evm_setAutomine", [false]);
    await direct.send("evm_setIntervalMining", [300]);
    try {
      const keys = await fundedKeys(3);
      const run = await runScript(proxy.url, keys);
      expect(run.output).not.toMatch(/unhandled|uncaught/i);
      expect(run.output).toContain("roundtrip ok");
      expect(run.code).toBe(0);
      expect(proxy.stats.cuts).toBeGreaterThan(0);
    } finally {
      await direct.send("evm_setIntervalMining", [0]);
      await direct.send("evm_setAutomine", [true]);
      await proxy.stop();
    }
  }, 300_000);
});
