/**
 * The client with an index source (the indexer on PGlite against a hardhat node): its reads equal a client's
 * without one on the same chain; a lying index is caught (no key wrapped for a reader the chain does not allow, an
 * anchor with other CIDs or categories refused with IndexContradictedError); an index that is down or behind leaves
 * the answers unchanged (the RPC path answers).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChildProcess } from "node:child_process";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  Carechain,
  createFhirValidator,
  decodeKeyring,
  generateIdentity,
  HttpIndexSource,
  IndexBehindError,
  MemoryBlobStore,
  IndexContradictedError,
  toHex,
  type IndexedBatch,
  type IndexSource,
} from "../e2e/_sdk.js";
import { loadFhirDefinitions } from "../../sdk/node.js";
import { heartRate, penicillinAllergy } from "../helpers/fixtures.js";
import { indexerMissing, waitForBlock, type RunningIndexer } from "../helpers/indexer.js";
import { freePort, startHardhatNode, stop } from "../helpers/processes.js";
import { deployOnNode, indexWorld, runScenario, type World } from "./_scenario.js";
import { ifAssigned } from "../helpers/teardown.js";

const missing = indexerMissing();
if (missing) console.warn(`skipping the client-with-index tests: ${missing}`);

const METHODS = [
  "info",
  "grants",
  "readers",
  "records",
  "batches",
  "record",
  "history",
  "auditTrail",
  "keyrings",
] as const;

/** An index source that answers as `real` does, except for `overrides` (a hostile or broken indexer). */
function lying(real: IndexSource, overrides: Partial<IndexSource>): IndexSource {
  const base = Object.fromEntries(METHODS.map((m) => [m, (real[m] as (...a: unknown[]) => unknown).bind(real)]));
  return { ...base, ...overrides } as IndexSource;
}

describe.skipIf(missing !== undefined)("the client with an index source", () => {
  let node: ChildProcess;
  let world: World;
  let indexer: RunningIndexer;
  let index: HttpIndexSource;
  let pgliteDir: string;
  let patients: string[];
  const validator = createFhirValidator(loadFhirDefinitions());

  /** A client of node account `i` with `client`'s identity and store, reading through `source`. */
  const withIndex = async (client: Carechain, i: number, source: IndexSource) =>
    Carechain.connect({
      deployment: world.deployment,
      signer: await world.provider.getSigner(i),
      identity: client.identity,
      store: client.store,
      validator,
      index: source,
    });

  beforeAll(async () => {
    const rpcUrl = `http://127.0.0.1:${await freePort()}`;
    node = await startHardhatNode(Number(new URL(rpcUrl).port));
    world = await deployOnNode(rpcUrl);
    ({ patients } = await runScenario(world));
    pgliteDir = await mkdtemp(join(tmpdir(), "carechain-indexer-"));
    indexer = await indexWorld(world, rpcUrl, pgliteDir);
    index = new HttpIndexSource(indexer.url, { deployment: world.deployment });
    await waitForBlock(indexer, await world.provider.getBlockNumber());
  });

  afterAll(async () => {
    ifAssigned(world)?.provider.destroy();
    if (ifAssigned(indexer)) await indexer.stop();
    if (ifAssigned(node)) await stop(node);
    if (pgliteDir) await rm(pgliteDir, { recursive: true, force: true });
  });

  it("answers listGrants, auditTrail, listRecords and history as a client without an index, from the index", async () => {
    const indexed = await withIndex(world.patient, 3, index);
    for (const patient of patients) {
      expect(await indexed.listGrants(patient)).toEqual(await world.patient.listGrants(patient));
      expect(await indexed.auditTrail(patient)).toEqual(await world.patient.auditTrail(patient));
      const list = await indexed.listRecords(patient);
      expect(list).toEqual(await world.patient.listRecords(patient));
      expect(list.skipped).toEqual([]);
      for (const r of list.filter((a) => !a.batch)) {
        expect(await indexed.history(r.recordId)).toEqual(await world.patient.history(r.recordId));
      }
    }
    expect((await indexed.listRecords(patients[0]!)).filter((r) => r.batch)).toHaveLength(3); // from the index's entries
    const usage = indexed.indexUsage()!;
    expect(usage.rpc).toEqual({
      listGrants: 0,
      auditTrail: 0,
      listRecords: 0,
      history: 0,
      readers: 0,
      anchor: 0,
      keyrings: 0,
    });
    expect(usage.index).toMatchObject({ listGrants: 2, auditTrail: 2, listRecords: 3 });
    expect(usage.index.history).toBeGreaterThanOrEqual(5);
    expect(world.patient.indexUsage()).toBeUndefined();
  });

  it("writes and reads through the index: readers and anchors confirmed on chain, its own writes read back", async () => {
    const patient = patients[0]!;
    const hospital = await withIndex(world.hospital, 1, index);
    await waitForBlock(indexer, await world.provider.getBlockNumber());
    const added = await hospital.addRecord(patient, heartRate(99));
    // Read your writes: right after the write the index may be behind it; the answer holds the record either way.
    expect((await hospital.listRecords(patient)).map((r) => r.recordId)).toContain(added.recordId);
    const usage = hospital.indexUsage()!;
    expect(usage.index.readers).toBe(1);
    // The readers the RPC path computes got the key: the patient (and the hospital itself) read it.
    expect((await world.patient.readRecord(added.recordId)).resource).toMatchObject({ resourceType: "Observation" });
    await waitForBlock(indexer, await world.provider.getBlockNumber());
    const read = await hospital.readRecord(added.recordId);
    expect(read.anchor.recordId).toBe(added.recordId);
    expect(hospital.indexUsage()!.index.anchor).toBe(1);
    expect(await hospital.verifyRecord(added.recordId)).toEqual(await world.hospital.verifyRecord(added.recordId));
  });

  it("a lying index: no key wrapped for a reader the chain does not allow, nor for a key the Directory does not hold", async () => {
    const patient = patients[0]!;
    const [lab, proxy] = [await world.lab.address(), await world.proxy.address()];
    const fakeKey = generateIdentity().publicKey;
    const attacker = generateIdentity();
    const attackerAddress = (await world.provider.getSigner(9)).address;
    const liar = lying(index, {
      readers: async (p, categories, options) => [
        ...(await index.readers(p, categories, options)).filter((r) => r.account !== proxy),
        { account: attackerAddress, publicKey: attacker.publicKey, role: "grantee" }, // never granted
        { account: lab, publicKey: world.lab.identity.publicKey, role: "grantee" }, // revoked
        { account: proxy, publicKey: fakeKey, role: "grantee" }, // granted Allergies, but not this key
      ],
    });
    const me = await withIndex(world.patient, 3, liar);
    await waitForBlock(indexer, await world.provider.getBlockNumber()); // readers come from an index at the chain's head
    // New content: the same content by the same author would be the same record (idempotent writes), keyring and all.
    const added = await me.addRecord(patient, {
      ...penicillinAllergy(),
      note: [{ text: "written through a lying index" }],
    });
    const keyring = decodeKeyring(await world.patient.store.get(added.keyringCid));
    const recipients = keyring.recipients.map((r) => r.key);
    expect(recipients).not.toContain(toHex(attacker.publicKey));
    expect(recipients).not.toContain(toHex(world.lab.identity.publicKey));
    expect(recipients).not.toContain(toHex(fakeKey));
    // The proxy may read Allergies: it gets the key the Directory holds for it.
    expect(recipients).toContain(toHex(world.proxy.identity.publicKey));
    expect(me.indexUsage()!.refusedReaders).toBe(3);
    expect((await world.proxy.readRecord(added.recordId)).resource).toMatchObject({
      resourceType: "AllergyIntolerance",
    });
    await expect(world.lab.readRecord(added.recordId)).rejects.toMatchObject({
      name: "RecordReadConsentRequiredError",
    });
  });

  it("a lying index: an anchor with other CIDs or categories is refused with IndexContradictedError", async () => {
    const patient = patients[0]!;
    const [first, second] = (await index.records(patient)).slice(0, 2);
    const otherCids = lying(index, {
      record: async (id, options) => {
        const real = await index.record(id, options);
        return real && { ...real, keyringCid: second!.keyringCid };
      },
    });
    const hospital = await withIndex(world.hospital, 1, otherCids);
    await expect(hospital.readRecord(first!.recordId)).rejects.toBeInstanceOf(IndexContradictedError);
    await expect(hospital.verifyRecord(first!.recordId)).rejects.toMatchObject({ code: "INDEX_CONTRADICTED" });
    expect(hospital.indexUsage()!.index.anchor).toBe(0);

    const otherCategories = lying(index, {
      records: async (p, options) =>
        (await index.records(p, options)).map((a, i) =>
          i === 0 ? { ...a, categoryMask: 1n << 5n, categories: [5] } : a,
        ),
      history: async (id, options) => (await index.history(id, options)).map((a) => ({ ...a, author: patient })),
    });
    const reader = await withIndex(world.patient, 3, otherCategories);
    await expect(reader.listRecords(patient)).rejects.toBeInstanceOf(IndexContradictedError);
    await expect(reader.history(second!.recordId)).rejects.toBeInstanceOf(IndexContradictedError);
    // A keyring list is not trusted either: a bogus published keyring is only passed over. (The hospital was granted
    // after the allergy was written: its key is in a keyring the patient published, not in the anchored one.)
    const bogus = lying(index, {
      keyrings: async (id, options) => [
        ...(await index.keyrings(id, options)),
        {
          recordId: id,
          patient,
          publisher: patient,
          keyringCid: second!.contentCid,
          source: "published",
          block: 1,
          tx: `0x${"11".repeat(32)}`,
        },
      ],
    });
    const reading = await withIndex(world.hospital, 1, bogus);
    const read = await reading.readRecord(first!.recordId);
    expect(read.resource).toMatchObject({ resourceType: "AllergyIntolerance" });
    expect(read.skipped.map((s) => s.keyringCid)).toEqual([second!.contentCid.toString()]);
    expect(reading.indexUsage()!.index.keyrings).toBe(1);
  });

  it("lists batch records from the index's entries without the manifest; entries that are not the anchored ones are refused", async () => {
    const patient = patients[0]!;
    // The index must hold every record of the patient (the hospital wrote one above), or the chain answers.
    await waitForBlock(indexer, await world.provider.getBlockNumber());
    // A client whose store holds nothing: the batch's records can only come from the index's entries.
    const bare = async (source: IndexSource) =>
      Carechain.connect({
        deployment: world.deployment,
        signer: await world.provider.getSigner(3),
        identity: world.patient.identity,
        store: new MemoryBlobStore(),
        validator,
        index: source,
      });
    const client = await bare(index);
    const list = await client.listRecords(patient);
    expect(list).toEqual(await world.patient.listRecords(patient));
    expect(client.indexUsage()!.index.listRecords).toBe(1);
    expect(list.filter((r) => r.batch)).toHaveLength(3);
    expect(list.skipped).toEqual([]);

    const withEntries = (change: (entries: NonNullable<IndexedBatch["entries"]>) => IndexedBatch["entries"]) =>
      lying(index, {
        batches: async (p, options) =>
          (await index.batches(p, options)).map((b) => (b.entries ? { ...b, entries: change(b.entries) } : b)),
      });
    const attacks = {
      // an entry left out (the count and root no longer match)
      dropped: withEntries((e) => e.slice(1)),
      // another entry's keyring (a leaf not in the tree)
      otherKeyring: withEntries((e) => e.map((x, i) => (i === 0 ? { ...x, keyringCid: e[1]!.keyringCid } : x))),
      // wider categories (a leaf not in the tree)
      otherCategories: withEntries((e) => e.map((x, i) => (i === 0 ? { ...x, categories: [1, 5] } : x))),
      // a content CID that is not the record id's
      otherContent: withEntries((e) => e.map((x, i) => (i === 0 ? { ...x, contentCid: e[1]!.contentCid } : x))),
    };
    for (const [name, source] of Object.entries(attacks)) {
      await expect((await bare(source)).listRecords(patient), name).rejects.toBeInstanceOf(IndexContradictedError);
    }
  });

  it("an index that is down or behind: the same answers, from the chain", async () => {
    const down = new HttpIndexSource(`http://127.0.0.1:${await freePort()}`, { timeoutMs: 2_000 });
    const behind = lying(index, {
      grants: async () => Promise.reject(new IndexBehindError(1, 2)),
    });
    for (const source of [down, behind]) {
      const client = await withIndex(world.patient, 3, source);
      const patient = patients[0]!;
      expect(await client.listGrants(patient)).toEqual(await world.patient.listGrants(patient));
      if (source === down) {
        expect(await client.auditTrail(patient)).toEqual(await world.patient.auditTrail(patient));
        expect(await client.listRecords(patient)).toEqual(await world.patient.listRecords(patient));
        const single = (await world.patient.listRecords(patient)).find(
          (r) => !r.batch && r.version === 1 && r.amended,
        )!;
        expect(await client.history(single.recordId)).toEqual(await world.patient.history(single.recordId));
        const added = await client.addRecord(patient, heartRate(77));
        expect((await world.hospital.readRecord(added.recordId)).anchor.recordId).toBe(added.recordId);
        const usage = client.indexUsage()!;
        expect(usage.index).toEqual({
          listGrants: 0,
          auditTrail: 0,
          listRecords: 0,
          history: 0,
          readers: 0,
          anchor: 0,
          keyrings: 0,
        });
        expect(usage.rpc).toMatchObject({ listGrants: 1, auditTrail: 1, readers: 1 });
        expect(usage.lastFallback?.reason).toBe("INDEX_UNAVAILABLE");
      } else {
        expect(client.indexUsage()!.lastFallback).toEqual({ query: "listGrants", reason: "INDEX_BEHIND" });
      }
    }
  });
});
