/**
 * Threshold custody and post-quantum keyrings through the public `Carechain` facade (issue 15, wiring): a provider
 * that publishes its X-Wing key gets X-Wing-wrapped records and reads them while version 1 records stay readable;
 * policy `required` refuses a reader without a PQ key before anything is anchored, `never` keeps version 1; an
 * emergency provider reads a custodied record under break-glass through 2 of 3 custodian node processes with one
 * down; a must-log record is readable by a grantee only through the nodes, after an on-chain access log; a store that
 * swaps a reader's key document is refused.
 */
import { getBytes } from "ethers";
import { CID } from "multiformats/cid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  Carechain,
  CustodianSetRequiredError,
  createFhirValidator,
  decodeAnyKeyring,
  deriveXWingKeyPair,
  encodePqKeyDocument,
  generateXWingKeyPair,
  MustLogRecordError,
  NotARecipientError,
  openAnyKeyring,
  PqKeyDocumentError,
  PqKeyRequiredError,
  pqKeyCid,
  RecordReadConsentRequiredError,
  xwingKeyId,
  type BlobStore,
  type CarechainConnectOptions,
  type CustodianSet,
  type FhirValidator,
} from "../../sdk/index.js";
import { loadFhirDefinitions } from "../../sdk/node.js";
import { custodyWorld, startCustodianNodes, type NodeProcess } from "../helpers/custodian-nodes.js";
import { heartRate, penicillinAllergy } from "../helpers/fixtures.js";
import { stop } from "../helpers/processes.js";
import { ifAssigned } from "../helpers/teardown.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("privacy through the facade: X-Wing keyrings and threshold custody", () => {
  let world: Awaited<ReturnType<typeof custodyWorld>>;
  let running: Awaited<ReturnType<typeof startCustodianNodes>> | undefined;
  let nodes: NodeProcess[];
  let set: CustodianSet;
  let validator: FhirValidator;
  let me: string;

  /** Another client of the world's account `index` (same identity and store), with `extra` options. */
  async function client(
    of: Carechain,
    index: number,
    extra: Partial<CarechainConnectOptions> = {},
  ): Promise<Carechain> {
    return Carechain.connect({
      deployment: world.deployment,
      signer: await world.provider.getSigner(index),
      identity: of.identity,
      store: world.store,
      validator,
      logAccess: false,
      ...extra,
    });
  }

  /** The anchored keyring of a record, decoded (either version). */
  async function anchoredKeyring(recordId: string) {
    const records = world.patient.contracts.records;
    const [event] = await world.patient.context.logs.query(records, records.filters.RecordAnchored(recordId), 0);
    const contentCid = CID.decode(getBytes(event!.args.contentCid));
    const keyring = decodeAnyKeyring(await world.store.get(CID.decode(getBytes(event!.args.keyringCid))));
    return { keyring, contentCid };
  }

  /** The `RecordAccessed` transactions of `reader` for a record. */
  async function accessLogs(recordId: string, reader: string): Promise<string[]> {
    const records = world.patient.contracts.records;
    const events = await world.patient.context.logs.query(
      records,
      records.filters.RecordAccessed(recordId, undefined, reader),
      0,
    );
    return events.map((e) => e.transactionHash);
  }

  beforeAll(async () => {
    world = await custodyWorld();
    validator = createFhirValidator(loadFhirDefinitions());
    running = await startCustodianNodes(world.rpcUrl, world.deployment, 3, 2);
    ({ nodes, set } = running);
    me = await world.patient.address();
    await world.patient.grant(await world.hospital.address(), {
      read: ["VitalSigns", "Allergies"],
      expiresAt: Math.floor(Date.now() / 1000) + 3600,
    });
  }, 180_000);

  afterAll(async () => {
    await running?.stopAll();
    await ifAssigned(world)?.close();
  });

  it("a provider that publishes its X-Wing key gets X-Wing entries and reads them; v1 records stay readable", async () => {
    const hospital = await client(world.hospital, 3, { postQuantum: {} });
    const published = await hospital.publishPqKey();
    expect(await world.patient.contracts.directory.pqKeyOf(await hospital.address())).toBe(published.digest);
    expect(published.cid.toString()).toBe(pqKeyCid(published.digest).toString());
    // The key published is the one derived from the X25519 identity (the default).
    const derived = await deriveXWingKeyPair(world.hospital.identity.secretKey);

    // A record written before the key: version 1, still readable by the PQ-configured client.
    const old = await hospital.readRecord(world.vitals.recordId);
    expect(old.resource.resourceType).toBe("Observation");
    expect((await anchoredKeyring(world.vitals.recordId)).keyring.v).toBe(1);

    // The patient's client (default policy auto) wraps for the hospital's X-Wing key, for itself with X25519.
    const added = await world.patient.addRecord(me, heartRate(77));
    expect(added.pqRecipients).toBe(1);
    expect(added.recipients).toBe(2);
    const { keyring, contentCid } = await anchoredKeyring(added.recordId);
    expect(keyring.v).toBe(2);
    const entries = keyring.v === 2 ? keyring.recipients : [];
    expect(entries.map((e) => [e.suite, e.key]).sort()).toEqual(
      [
        ["x25519", `0x${hex(world.patient.identity.publicKey)}`],
        ["xwing", xwingKeyId(derived.publicKey)],
      ].sort(),
    );
    // No classical entry for the hospital: its X25519 secret alone opens nothing.
    await expect(openAnyKeyring(keyring, contentCid, { identity: world.hospital.identity })).rejects.toBeInstanceOf(
      NotARecipientError,
    );

    const read = await hospital.readRecord(added.recordId);
    expect(read.resource).toMatchObject({ resourceType: "Observation", valueQuantity: { value: 77 } });
    expect(read.keySource).toBe("keyring");
    // The patient still reads its own record from its X25519 entry of the v2 keyring.
    expect((await world.patient.readRecord(added.recordId)).resource.resourceType).toBe("Observation");
  }, 120_000);

  it("policy required refuses a reader without a PQ key before anything is anchored; never keeps v1", async () => {
    const strict = await client(world.patient, 1, { postQuantum: { policy: "required" } });
    const before = await world.patient.contracts.records.recordCount(me);
    const error = await strict.addRecord(me, heartRate(90)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PqKeyRequiredError);
    expect((error as PqKeyRequiredError).account).toBe(me); // the patient has no PQ key; the hospital has one
    expect(await world.patient.contracts.records.recordCount(me)).toBe(before);
    expect(await strict.pendingWrites()).toEqual([]);

    const classical = await client(world.patient, 1, { postQuantum: { policy: "never" } });
    const added = await classical.addRecord(me, heartRate(91));
    expect(added.pqRecipients).toBe(0);
    expect((await anchoredKeyring(added.recordId)).keyring.v).toBe(1);
    const hospital = await client(world.hospital, 3, { postQuantum: {} });
    expect((await hospital.readRecord(added.recordId)).resource).toMatchObject({ valueQuantity: { value: 91 } });
  }, 120_000);

  it("hostile: a store that swaps a reader's key document (digest mismatch) is refused, nothing anchored", async () => {
    const digest = await world.patient.contracts.directory.pqKeyOf(await world.hospital.address());
    expect(digest).not.toBe(`0x${"00".repeat(32)}`); // published by the first test
    const forged = encodePqKeyDocument(await world.hospital.address(), (await generateXWingKeyPair()).publicKey);
    const target = pqKeyCid(digest).toString();
    const lying: BlobStore = Object.assign(Object.create(world.store) as BlobStore, {
      get: async (cid: CID) => (cid.toString() === target ? forged : world.store.get(cid)),
    });
    const writer = await client(world.patient, 1, { store: lying });
    const before = await world.patient.contracts.records.recordCount(me);
    const error = await writer.addRecord(me, heartRate(66)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PqKeyDocumentError);
    expect(String((error as PqKeyDocumentError).details)).toContain(digest);
    expect(await world.patient.contracts.records.recordCount(me)).toBe(before);
  }, 120_000);

  it("custody needs a set, and a malformed set is refused when the client is built", async () => {
    await expect(world.patient.addRecord(me, heartRate(50), { custody: "must-log" })).rejects.toBeInstanceOf(
      CustodianSetRequiredError,
    );
    await expect(world.patient.placeInCustody(world.vitals.recordId)).rejects.toBeInstanceOf(CustodianSetRequiredError);
    await expect(client(world.patient, 1, { custodianSet: { ...set, threshold: 1 } })).rejects.toThrow(
      /custodianSet.threshold/,
    );
    await expect(
      client(world.patient, 1, { custodianSet: { threshold: 2, nodes: [set.nodes[0]!, set.nodes[0]!] } }),
    ).rejects.toThrow(/listed twice/);
  }, 60_000);

  it("must-log: a grantee without a keyring entry reads only through the nodes, after an on-chain log", async () => {
    const patient = await client(world.patient, 1, { custodianSet: set });
    const added = await patient.addRecord(me, heartRate(80), { custody: "must-log" });
    expect(added.recipients).toBe(1); // the patient, who is also the author; not the hospital, though it may read
    expect(added.custody?.custodyCid).toBeDefined();
    const hospitalAddress = await world.hospital.address();

    // Without the set: no keyring entry, nothing opens, nothing logged.
    await expect(world.hospital.readRecord(added.recordId)).rejects.toBeInstanceOf(NotARecipientError);
    expect(await accessLogs(added.recordId, hospitalAddress)).toEqual([]);

    // With the set: the access is logged on chain first, then 2 of 3 nodes release their shares.
    const hospital = await client(world.hospital, 3, { custodianSet: set, postQuantum: {} });
    const read = await hospital.readRecord(added.recordId);
    expect(read.resource).toMatchObject({ valueQuantity: { value: 80 } });
    expect(read.keySource).toBe("custody");
    expect(read.accessLog?.hash).toBeDefined();
    expect(await accessLogs(added.recordId, hospitalAddress)).toEqual([read.accessLog!.hash]);

    // A later grant does not re-wrap the must-log record for the grantee: it is reported, and still unreadable
    // without the nodes.
    const granted = await world.patient.grant(hospitalAddress, {
      read: ["VitalSigns", "Allergies"],
      expiresAt: Math.floor(Date.now() / 1000) + 3600,
    });
    const passedOver = granted.skipped.filter((s) => s.error instanceof MustLogRecordError);
    expect(passedOver.map((s) => s.recordId)).toEqual([added.recordId]);
    expect(granted.shared).toBeGreaterThan(0); // the other records are shared as before
    await expect(world.hospital.readRecord(added.recordId)).rejects.toBeInstanceOf(NotARecipientError);
  }, 120_000);

  it("break-glass: an emergency provider reads a custodied record through 2 of 3 nodes with one down", async () => {
    const patient = await client(world.patient, 1, { custodianSet: set });
    const added = await patient.addRecord(me, penicillinAllergy("Patient/other"), { custody: "emergency" });
    expect(added.custody?.custodyCid).toBeDefined();
    const er = await client(world.er, 2, { custodianSet: set });
    // No break-glass yet: the chain refuses before any node is asked.
    await expect(er.readRecord(added.recordId, { purpose: "BTG" })).rejects.toBeInstanceOf(
      RecordReadConsentRequiredError,
    );
    await er.openBreakGlass(me, { justification: "Unconscious, allergies?", durationSeconds: 600 });
    await stop(nodes[0]!.child);
    const read = await er.readRecord(added.recordId, { purpose: "BTG" });
    expect(read.resource.resourceType).toBe("AllergyIntolerance");
    expect(read.keySource).toBe("custody");
    expect(await accessLogs(added.recordId, await er.address())).toEqual([read.accessLog!.hash]);
  }, 120_000);
});
