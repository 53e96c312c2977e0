/**
 * Erasure by crypto-shredding (issue 15, item 4), against a hardhat node and threshold custodian node processes: a
 * patient with single records, an amended record, a batch, a record with an attachment, a custodied record and a
 * grantee. Before erasure everything exports as a FHIR Bundle; a provider or a removed delegate cannot erase; a
 * delegate erases one record line and the rest stays readable; after the patient erases everything, a party holding
 * the whole chain and every blob left in the store, with the keys of every account and of k custodian nodes, finds
 * nothing that opens an erased record, and the nodes refuse even an access logged before the erasure.
 */
import { getBytes, hexlify } from "ethers";
import { CID } from "multiformats/cid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  Carechain,
  combineShares,
  createFhirValidator,
  decodeAnyKeyring,
  decodeCustodyDocument,
  findCustodyDocuments,
  generateIdentity,
  isKeyringV3,
  KeyReleaseError,
  MemoryBlobStore,
  openCustodyShare,
  placeInCustody,
  readCustodiedKey,
  RecordErasedError,
  RecordUnauthorizedEraserError,
  withRevertDecoding,
  type AddedRecord,
  type BatchResult,
  type BlobStore,
  type CustodianSet,
} from "../../sdk/index.js";
import { loadFhirDefinitions } from "../../sdk/node.js";
import { askEveryNode, custodyWorld, startCustodianNodes } from "../helpers/custodian-nodes.js";
import { heartRate } from "../helpers/fixtures.js";
import { ifAssigned } from "../helpers/teardown.js";

/** A memory store that remembers every CID ever put: "every store" of the attacker, minus what was deleted. */
class RecordingStore implements BlobStore {
  readonly inner = new MemoryBlobStore();
  readonly seen = new Map<string, CID>();
  async put(bytes: Uint8Array): Promise<CID> {
    const cid = await this.inner.put(bytes);
    this.seen.set(cid.toString(), cid);
    return cid;
  }
  get(cid: CID): Promise<Uint8Array> {
    return this.inner.get(cid);
  }
  has(cid: CID): Promise<boolean> {
    return this.inner.has(cid);
  }
  delete(cid: CID): Promise<void> {
    return this.inner.delete(cid);
  }
  /** Every blob still held. */
  async left(): Promise<CID[]> {
    const out: CID[] = [];
    for (const cid of this.seen.values()) if (await this.inner.has(cid)) out.push(cid);
    return out;
  }
}

/** The record CID a blob is a keyring of, or undefined when it is no keyring. */
function keyringRecord(bytes: Uint8Array): string | undefined {
  try {
    return decodeAnyKeyring(bytes).record;
  } catch {
    return undefined;
  }
}

/** The record id a blob is a custody document of, or undefined when it is none. */
function custodyRecord(bytes: Uint8Array): string | undefined {
  try {
    return decodeCustodyDocument(bytes).recordId;
  } catch {
    return undefined;
  }
}

describe("erasure by crypto-shredding", () => {
  const store = new RecordingStore();
  let world: Awaited<ReturnType<typeof custodyWorld>>;
  let stopNodes: (() => Promise<void>) | undefined;
  let set: CustodianSet;
  let nodeIdentities: ReturnType<typeof generateIdentity>[];
  let guardian: Carechain;
  let proxy: Carechain;
  let me: string;
  let amended: AddedRecord;
  let batch: BatchResult;
  let document: AddedRecord;
  let keep: AddedRecord;
  let attachmentCid: CID;

  beforeAll(async () => {
    world = await custodyWorld(store);
    const nodes = await startCustodianNodes(world.rpcUrl, world.deployment, 3, 2);
    stopNodes = nodes.stopAll;
    set = nodes.set;
    nodeIdentities = nodes.nodes.map((n) => n.identity);
    const validator = createFhirValidator(loadFhirDefinitions());
    const delegates = await Promise.all(
      [4, 5].map(async (i) =>
        Carechain.connect({
          deployment: world.deployment,
          signer: await world.provider.getSigner(i),
          identity: generateIdentity(),
          store,
          validator,
          logAccess: false,
        }),
      ),
    );
    [guardian, proxy] = delegates as [Carechain, Carechain];
    const { patient, hospital } = world;
    me = await patient.address();
    await patient.addDelegate(await guardian.address(), "guardian");
    await patient.addDelegate(await proxy.address(), "proxy");
    const { dek } = await world.keyOf(patient, world.allergy.recordId);
    await placeInCustody(world.patientCtx, { recordId: world.allergy.recordId, dek, set });
    amended = await patient.amendRecord(world.vitals.recordId, heartRate(62));
    batch = await patient.addRecords(me, [heartRate(70), heartRate(72)]);
    const attachment = await patient.addAttachment(me, new TextEncoder().encode("discharge letter"), {
      contentType: "application/pdf",
    });
    attachmentCid = CID.parse(attachment.url!.slice("ipfs://".length));
    document = await patient.addRecord(me, {
      resourceType: "DocumentReference",
      status: "current",
      subject: { reference: "Patient/example" },
      content: [{ attachment }],
    });
    keep = await patient.addRecord(me, heartRate(99));
    const block = await world.provider.getBlock("latest");
    await patient.grant(await hospital.address(), { read: ["VitalSigns"], expiresAt: block!.timestamp + 3600 });
  }, 180_000);

  afterAll(async () => {
    await stopNodes?.();
    await ifAssigned(world)?.close();
  });

  it("exports every current record as one validated FHIR R4 collection Bundle", async () => {
    const { bundle, recordIds, skipped } = await world.patient.exportBundle({ patient: me });
    expect(bundle.resourceType).toBe("Bundle");
    expect(bundle.type).toBe("collection");
    const expected = [world.allergy, amended, document, keep].map((r) => r.recordId);
    expected.push(...batch.records.map((r) => r.recordId));
    expect([...recordIds].sort()).toEqual(expected.sort());
    // The amended version is replaced by its amendment.
    expect(recordIds).not.toContain(world.vitals.recordId);
    expect(skipped).toEqual([]);
    const values = bundle.entry!.map((e) => (e.resource as { valueQuantity?: { value: number } }).valueQuantity?.value);
    expect(values).toEqual(expect.arrayContaining([62, 70, 72, 99]));
    expect(bundle.entry!.map((e) => e.fullUrl)).toContain(`urn:carechain:record:${keep.recordId}`);
  }, 120_000);

  it("a provider, a removed delegate and a hostile direct call cannot erase", async () => {
    const { hospital, patient } = world;
    const before = await store.left();
    await expect(hospital.erase({ recordId: keep.recordId })).rejects.toBeInstanceOf(RecordUnauthorizedEraserError);
    await expect(hospital.erase({ patient: me })).rejects.toBeInstanceOf(RecordUnauthorizedEraserError);
    // A modified client skips the SDK's check: the contract refuses the marker itself.
    await expect(
      withRevertDecoding("markErased", () => hospital.contracts.records.markErased([keep.recordId], [])),
    ).rejects.toBeInstanceOf(RecordUnauthorizedEraserError);
    await patient.removeDelegate(await guardian.address());
    await expect(guardian.erase({ batchId: batch.batchId })).rejects.toBeInstanceOf(RecordUnauthorizedEraserError);
    expect((await store.left()).length).toBe(before.length);
    expect((await patient.getRecord(keep.recordId)).erased).toBe(false);
    expect((await patient.readRecord(keep.recordId)).resource).toMatchObject({ resourceType: "Observation" });
  }, 120_000);

  it("a delegate erases one record line (both versions); every other record stays readable", async () => {
    const { hospital, patient } = world;
    const erased = await proxy.erase({ recordId: amended.recordId });
    expect([...erased.recordIds].sort()).toEqual([world.vitals.recordId, amended.recordId].sort());
    expect(erased.batchIds).toEqual([]);
    for (const cid of erased.deleted) expect(await store.has(cid)).toBe(false);
    for (const id of erased.recordIds) {
      await expect(patient.readRecord(id)).rejects.toBeInstanceOf(RecordErasedError);
      await expect(hospital.readRecord(id)).rejects.toBeInstanceOf(RecordErasedError);
    }
    const history = await patient.history(amended.recordId);
    expect(history.map((r) => r.erased)).toEqual([true, true]);
    // Keyrings can no longer be published for it (the chain refuses).
    await expect(
      withRevertDecoding("publishKeyrings", () =>
        patient.contracts.records.publishKeyrings([amended.recordId], [erased.deleted[0]!.bytes]),
      ),
    ).rejects.toBeInstanceOf(RecordErasedError);
    // The others: the patient and the grantee still read them.
    expect((await hospital.readRecord(keep.recordId)).resource).toMatchObject({ resourceType: "Observation" });
    expect((await patient.readRecord(world.allergy.recordId)).resource).toMatchObject({
      resourceType: "AllergyIntolerance",
    });
    const first = batch.records[0]!.recordId;
    expect((await patient.readRecord(first, { batch: batch.batchId })).resource).toMatchObject({
      resourceType: "Observation",
    });
  }, 120_000);

  it("after erase, the whole chain, every store and k custodian nodes open nothing of the erased records", async () => {
    const { patient, er, hospital } = world;
    const records = patient.contracts.records;
    // An emergency provider logs an access to the custodied record before the erasure (the read it would replay).
    await er.openBreakGlass(me, { justification: "Unconscious, allergy?", durationSeconds: 600 });
    const logged = await er.contracts.records.logAccess(world.allergy.recordId, 5);
    await logged.wait();
    const [custody] = await findCustodyDocuments(world.erCtx, world.allergy.recordId);
    expect(custody).toBeDefined();
    // Control: before erasure, k = 2 colluding nodes with the custody document rebuild the record key.
    const { dek } = await world.keyOf(patient, world.allergy.recordId);
    const shares = await Promise.all(
      [0, 1].map(async (i) =>
        (await openCustodyShare(nodeIdentities[i]!, world.allergy.recordId, custody!.shares[i]!)).slice(0, 33),
      ),
    );
    expect(hexlify(await combineShares(custody!, shares))).toBe(hexlify(dek));

    const result = await patient.erase({ patient: me });
    expect(result.batchIds).toEqual([batch.batchId]);
    expect(result.recordIds).toContain(keep.recordId);
    expect(result.tx).toBeDefined();

    // The attacker's view of the chain: every CID it ever named for this patient.
    const anchored = await patient.context.logs.query(records, records.filters.RecordAnchored(undefined, me), 0);
    const published = await patient.context.logs.query(records, records.filters.KeyringPublished(undefined, me), 0);
    const batches = await patient.context.logs.query(records, records.filters.BatchAnchored(undefined, me), 0);
    const named = [
      ...anchored.flatMap((e) => [e.args.contentCid, e.args.keyringCid]),
      ...published.map((e) => e.args.keyringCid),
      ...batches.map((e) => e.args.manifestCid),
    ].map((hex) => CID.decode(getBytes(hex)));
    expect(named.length).toBeGreaterThan(10);
    for (const cid of [...named, ...result.deleted, attachmentCid]) expect(await store.has(cid)).toBe(false);
    for (const entry of batch.records) {
      const e = anchored.find((a) => a.args.recordId === entry.recordId);
      expect(e).toBeUndefined(); // batch records are in the manifest only, which is gone
    }

    // Every blob left: none is a keyring or custody document of an erased record, so no key (the patient's, the
    // grantee's, the emergency provider's, a delegate's or k custodians') has anything to open.
    const erasedIds = new Set([...result.recordIds, ...batch.records.map((r) => r.recordId)]);
    const erasedContent = new Set(anchored.map((e) => CID.decode(getBytes(e.args.contentCid)).toString()));
    const left = await Promise.all((await store.left()).map((cid) => store.get(cid)));
    for (const bytes of left) {
      expect(erasedContent.has(keyringRecord(bytes) ?? "")).toBe(false);
      expect(erasedIds.has(custodyRecord(bytes) ?? "")).toBe(false);
      // Nor a batch's key keyring (v3): the batch key is gone with the records it sealed.
      expect(isKeyringV3(bytes)).toBe(false);
    }
    expect(await findCustodyDocuments(world.erCtx, world.allergy.recordId)).toEqual([]);

    // The custodian nodes: the access logged before the erasure releases nothing (410 RECORD_ERASED), ...
    const answers = await askEveryNode(set, custody!, {
      accessTx: logged.hash,
      purpose: "BTG",
      reader: er,
      recordId: world.allergy.recordId,
      signer: world.erCtx.signer,
    });
    expect(answers.map((e) => e instanceof KeyReleaseError && e.reason)).toEqual(Array(3).fill("RECORD_ERASED"));
    // ... and no new access can be logged for it, so no node is even asked.
    await expect(
      readCustodiedKey(world.erCtx, { recordId: world.allergy.recordId, purpose: "BTG", set, document: custody }),
    ).rejects.toBeInstanceOf(RecordErasedError);

    // Honest readers are told, with the typed error.
    await expect(patient.readRecord(world.allergy.recordId)).rejects.toBeInstanceOf(RecordErasedError);
    await expect(hospital.readRecord(keep.recordId)).rejects.toBeInstanceOf(RecordErasedError);
    await expect(patient.readRecord(batch.records[1]!.recordId, { batch: batch.batchId })).rejects.toBeInstanceOf(
      RecordErasedError,
    );
    const list = await patient.listRecords(me);
    expect(list.every((r) => r.erased === true)).toBe(true);
    expect(list.skipped.map((s) => [s.batch, s.error.constructor])).toEqual([[batch.batchId, RecordErasedError]]);
    // The anchors stay.
    expect((await patient.getRecord(document.recordId)).patient).toBe(me);
    const exported = await patient.exportBundle({ patient: me });
    expect(exported.bundle.entry ?? []).toEqual([]);
    expect(exported.skipped.length).toBeGreaterThan(0);

    // Erasing twice is idempotent: nothing left to mark, nothing fails.
    const again = await patient.erase({ patient: me });
    expect(again.tx).toBeUndefined();
    expect([...again.recordIds].sort()).toEqual([...result.recordIds].sort());
  }, 180_000);
});
