import type { ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { JsonRpcProvider, type Signer } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  BlobNotFoundError,
  Carechain,
  connectContracts,
  createFhirValidator,
  generateIdentity,
  MemoryBlobStore,
  RecordAlreadyAmendedError,
  RecordWriteConsentRequiredError,
  StoreUnavailableError,
  TransactionError,
  WriteError,
  type BlobStore,
  type CarechainDeployment,
} from "./_sdk.js";
import { FileJournal, loadFhirDefinitions } from "../../sdk/node.js";
import {
  ConsentRegistry__factory,
  Directory__factory,
  RecordRegistry__factory,
} from "../../sdk/contracts/typechain/index.js";
import { heartRate } from "../helpers/fixtures.js";
import { freePort, startHardhatNode, stop } from "../helpers/processes.js";
import { RpcProxy } from "../helpers/proxy.js";
import { ifAssigned } from "../helpers/teardown.js";

/** A store that runs a hook after each put: where a test injects a fault between storing and anchoring. */
class HookedStore extends MemoryBlobStore {
  afterPut: (() => Promise<void>) | undefined;
  failPuts = false;
  override async put(bytes: Uint8Array) {
    if (this.failPuts) throw new StoreUnavailableError("The store is unreachable (injected).");
    const cid = await super.put(bytes);
    await this.afterPut?.();
    return cid;
  }
}

describe("faults without loss, against a real hardhat node", () => {
  let node: ChildProcess;
  let proxy: RpcProxy;
  let direct: JsonRpcProvider;
  let deployment: CarechainDeployment;
  const validator = createFhirValidator(loadFhirDefinitions());
  let journalDir: string;

  beforeAll(async () => {
    const nodePort = await freePort();
    node = await startHardhatNode(nodePort);
    proxy = new RpcProxy(await freePort(), nodePort);
    await proxy.start();
    direct = new JsonRpcProvider(`http://127.0.0.1:${nodePort}`, undefined, {
      staticNetwork: true,
      polling: true,
      pollingInterval: 50,
    });
    const admin = await direct.getSigner(0);
    const directory = await new Directory__factory(admin).deploy(await admin.getAddress(), await admin.getAddress());
    const consent = await new ConsentRegistry__factory(admin).deploy(await directory.getAddress());
    const records = await new RecordRegistry__factory(admin).deploy(await consent.getAddress());
    await records.waitForDeployment();
    deployment = {
      chainId: 31337n,
      directory: await directory.getAddress(),
      consentRegistry: await consent.getAddress(),
      recordRegistry: await records.getAddress(),
    };
    journalDir = await mkdtemp(join(tmpdir(), "carechain-journal-"));
  });

  afterAll(async () => {
    await ifAssigned(proxy)?.stop();
    ifAssigned(direct)?.destroy();
    if (ifAssigned(node)) await stop(node);
    if (journalDir) await rm(journalDir, { recursive: true, force: true });
  });

  /** One identity per account for the whole file: the Directory keeps the key an account registered first. */
  const identities = new Map<number, ReturnType<typeof generateIdentity>>();
  const identityOf = (index: number) => identities.get(index) ?? identities.set(index, generateIdentity()).get(index)!;

  /** A client over the proxy (so the test can cut its RPC) with a journal on disk. */
  async function client(
    index: number,
    store: BlobStore,
    identity = identityOf(index),
    journal = new FileJournal(join(journalDir, String(index))),
  ) {
    const provider = new JsonRpcProvider(proxy.url, undefined, {
      staticNetwork: true,
      polling: true,
      pollingInterval: 50,
    });
    const signer: Signer = await provider.getSigner(index);
    return new Carechain({
      contracts: await connectContracts(deployment, signer),
      signer,
      identity,
      store,
      validator,
      journal,
      retry: { attempts: 3, baseDelayMs: 50, minedTimeoutMs: 2_000 },
    });
  }

  async function setup(store: BlobStore) {
    const admin = await client(0, store);
    const hospital = await client(1, store);
    const patient = await client(2, store);
    await admin
      .registerProvider(await hospital.address(), "hospital", hospital.identity.publicKey)
      .catch(() => undefined);
    await patient.registerPatient().catch(() => undefined);
    const now = (await direct.getBlock("latest"))!.timestamp;
    await patient.grant(await hospital.address(), {
      read: ["VitalSigns"],
      write: ["VitalSigns"],
      expiresAt: now + 86_400,
    });
    return { admin, hospital, patient, patientAddress: await patient.address() };
  }

  it("the RPC node goes away mid-write and comes back: resume() anchors once, nothing lost or duplicated", async () => {
    const store = new HookedStore();
    const { hospital, patient, patientAddress } = await setup(store);
    const before = (await patient.listRecords(patientAddress)).length;
    let puts = 0;
    store.afterPut = async () => {
      if (++puts === 2) await proxy.stop(); // after the keyring is stored, before the anchor
    };
    const error = await hospital.addRecord(patientAddress, heartRate(101)).catch((e: unknown) => e);
    store.afterPut = undefined;
    // A typed write error naming the record, whose cause is the failed anchor transaction.
    expect(error).toBeInstanceOf(WriteError);
    expect((error as WriteError).stage).toBe("anchor");
    expect((error as WriteError).cause).toBeInstanceOf(TransactionError);
    const pending = await hospital.pendingWrites();
    expect(pending).toHaveLength(1);
    expect((error as WriteError).recordId).toBe(pending[0]!.recordId);
    expect(pending[0]!.lastError).toBeTruthy();
    expect(await store.has((await import("multiformats/cid")).CID.parse(pending[0]!.contentCid))).toBe(true);

    await proxy.start();
    // ethers keeps a failed request's answer for 250 ms: the last failed gas estimate would be answered again.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const resumed = await hospital.resume();
    expect(resumed.anchored).toEqual([pending[0]!.recordId]);
    expect(await hospital.pendingWrites()).toEqual([]);
    expect((await hospital.resume()).anchored).toEqual([]);
    const after = await patient.listRecords(patientAddress);
    expect(after.length - before).toBe(1);
    expect((await patient.readRecord(pending[0]!.recordId)).resource).toEqual(heartRate(101));
  });

  it("a process killed between storing and anchoring: a new process resumes from the journal on disk", async () => {
    const store = new HookedStore();
    const { hospital, patientAddress } = await setup(store);
    const journal = join(journalDir, "crash");
    /** Dies right after the pending write is on disk, before anything is sent to the chain. */
    class CrashingJournal extends FileJournal {
      override async put(write: Parameters<FileJournal["put"]>[0]) {
        await super.put(write);
        throw new Error("process killed");
      }
    }
    const doomed = await client(1, store, hospital.identity, new CrashingJournal(journal));
    await expect(doomed.addRecord(patientAddress, heartRate(103))).rejects.toThrow("process killed");
    const restarted = await client(1, store, hospital.identity, new FileJournal(journal));
    const [entry] = await restarted.pendingWrites();
    expect(entry).toBeDefined();
    await expect(restarted.getRecord(entry!.recordId)).rejects.toThrow(); // not on chain yet
    const resumed = await restarted.resume();
    expect(resumed.anchored).toEqual([entry!.recordId]);
    expect((await restarted.getRecord(entry!.recordId)).patient).toBe(patientAddress);
    expect(await restarted.pendingWrites()).toEqual([]);
  });

  it("a dropped transaction is sent again after the mined-timeout, and lands once", async () => {
    const store = new HookedStore();
    const { hospital, patient, patientAddress } = await setup(store);
    const before = (await patient.listRecords(patientAddress)).length;
    await direct.send("evm_setAutomine", [false]);
    const writing = hospital.addRecord(patientAddress, heartRate(107));
    let dropped: string | undefined;
    for (let i = 0; i < 200 && !dropped; i++) {
      const pending = (await direct.send("eth_getBlockByNumber", ["pending", false])) as { transactions: string[] };
      dropped = pending.transactions[0];
      if (!dropped) await new Promise((r) => setTimeout(r, 25));
    }
    expect(dropped).toBeDefined();
    expect(await direct.send("hardhat_dropTransaction", [dropped])).toBe(true);
    await direct.send("evm_setAutomine", [true]);
    const added = await writing;
    // Re-sent with the nonce the drop freed, it may even have the same hash; what matters is that it is mined now.
    expect((await direct.getTransactionReceipt(added.hash))?.status).toBe(1);
    expect((await patient.listRecords(patientAddress)).length - before).toBe(1);
    expect(await hospital.pendingWrites()).toEqual([]);
  });

  it("the store unreachable: nothing is anchored and nothing is journaled; a missing blob is a typed error", async () => {
    const store = new HookedStore();
    const { hospital, patient, patientAddress } = await setup(store);
    const before = (await patient.listRecords(patientAddress)).length;
    store.failPuts = true;
    const failed = await hospital.addRecord(patientAddress, heartRate(104)).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(WriteError);
    expect(failed).toMatchObject({
      stage: "store",
      mayHaveLanded: false,
      recordId: expect.stringMatching(/^0x[0-9a-f]{64}$/) as unknown,
    });
    expect((failed as WriteError).cause).toBeInstanceOf(StoreUnavailableError);
    store.failPuts = false;
    expect(await hospital.pendingWrites()).toEqual([]);
    expect((await patient.listRecords(patientAddress)).length).toBe(before);
    const added = await hospital.addRecord(patientAddress, heartRate(105));
    await store.delete(added.contentCid);
    await expect(patient.readRecord(added.recordId)).rejects.toBeInstanceOf(BlobNotFoundError);
  });

  it("a revert keeps the write when consent may come back, and resume() finishes it after a new grant", async () => {
    const store = new HookedStore();
    const { hospital, patient, patientAddress } = await setup(store);
    let puts = 0;
    store.afterPut = async () => {
      if (++puts === 2) {
        await patient.revoke(await hospital.address()); // consent withdrawn between the check and the anchor
      }
    };
    await expect(hospital.addRecord(patientAddress, heartRate(106))).rejects.toBeInstanceOf(
      RecordWriteConsentRequiredError,
    );
    store.afterPut = undefined;
    const [pending] = await hospital.pendingWrites();
    expect(pending?.lastError).toContain("RecordWriteConsentRequired");
    const refused = await hospital.resume();
    expect(refused.failed.map((f) => f.error)).toEqual([expect.any(RecordWriteConsentRequiredError)]);
    const now = (await direct.getBlock("latest"))!.timestamp;
    await patient.grant(await hospital.address(), {
      read: ["VitalSigns"],
      write: ["VitalSigns"],
      expiresAt: now + 3600,
    });
    expect((await hospital.resume()).anchored).toEqual([pending!.recordId]);
  });

  it("two writers racing for one patient: both land; racing amendments (author and patient): one wins, the other gets a typed error", async () => {
    const store = new HookedStore();
    const { admin, hospital, patient, patientAddress } = await setup(store);
    const lab = await client(3, store);
    await admin.registerProvider(await lab.address(), "lab", lab.identity.publicKey).catch(() => undefined);
    const now = (await direct.getBlock("latest"))!.timestamp;
    await patient.grant(await lab.address(), { read: ["VitalSigns"], write: ["VitalSigns"], expiresAt: now + 3600 });
    const before = (await patient.listRecords(patientAddress)).length;
    const [a, b] = await Promise.all([
      hospital.addRecord(patientAddress, heartRate(110)),
      lab.addRecord(patientAddress, heartRate(111)),
    ]);
    expect((await patient.listRecords(patientAddress)).length - before).toBe(2);
    // Only the original author or the patient may amend (docs/records.md): those two race.
    const outcomes = await Promise.allSettled([
      hospital.amendRecord(a.recordId, heartRate(112)),
      patient.amendRecord(a.recordId, heartRate(113)),
    ]);
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
    const loser = outcomes.find((o) => o.status === "rejected")!;
    expect(loser.reason).toBeInstanceOf(RecordAlreadyAmendedError);
    expect(await hospital.pendingWrites()).toEqual([]);
    expect(await patient.pendingWrites()).toEqual([]);
    expect(await lab.pendingWrites()).toEqual([]);
    expect(b.recordId).not.toBe(a.recordId);
  });
});
