/**
 * Batches on the in-process chain: v3 keyrings (one HPKE wrap per reader per batch) readable by the patient, the
 * author and each grantee of the record's categories and by no one else; batches of v1 keyrings still readable; the
 * readers checked through the Multicall3 that `deployCarechain` put on this local chain.
 */
import { CID } from "multiformats/cid";
import { describe, expect, it } from "vitest";

import { decodeManifest } from "../../sdk/client/batch.js";
import {
  decodeKeyringV3,
  holdsBatchKey,
  isKeyringV3,
  NotARecipientError,
  RecordReadConsentRequiredError,
  type Carechain,
} from "./_sdk.js";
import { extraClients, heartRate, penicillinAllergy, registeredFixture } from "../helpers/fixtures.js";

async function setting() {
  const f = await registeredFixture();
  const [patient, hospital, lab] = [await f.patient.address(), await f.hospital.address(), await f.lab.address()];
  const expiresAt = (await f.now()) + 3600;
  await f.patient.grant(hospital, { read: ["VitalSigns", "Allergies"], write: ["VitalSigns", "Allergies"], expiresAt });
  await f.patient.grant(lab, { read: ["VitalSigns"], expiresAt });
  const resources = [heartRate(61), heartRate(62), penicillinAllergy(), heartRate(63)];
  return { f, patient, resources };
}

/** The batch's record keyrings (from its manifest) and the batch-key keyrings they name. */
async function keyringsOf(client: Carechain, manifestCid: CID) {
  const manifest = decodeManifest(await client.store.get(manifestCid));
  const records = await Promise.all(manifest.records.map(async (e) => client.store.get(CID.parse(e.keyring))));
  return { manifest, records };
}

describe("batch keyrings v3", () => {
  it("each reader of a record's categories opens it, with one wrap per reader per reader set", async () => {
    const { f, patient, resources } = await setting();
    const batch = await f.hospital.addRecords(patient, resources);
    expect(f.hospital.context.views.stats().aggregated).toBeGreaterThan(0); // checked through Multicall3

    const { manifest, records } = await keyringsOf(f.hospital, batch.manifestCid);
    expect(records.every(isKeyringV3)).toBe(true);
    const batchRings = new Set(records.map((b) => decodeKeyringV3(b, "record").batchKeyring));
    // Vital signs (patient, hospital, lab) and the allergy (patient, hospital): two reader sets, two batch keys.
    expect(batchRings.size).toBe(2);
    for (const cid of batchRings) {
      const ring = decodeKeyringV3(await f.store.get(CID.parse(cid)), "batch-key");
      expect(holdsBatchKey(ring, f.stranger.identity.publicKey)).toBe(false);
    }

    for (const [i, record] of batch.records.entries()) {
      for (const reader of [f.hospital, f.patient]) {
        expect((await reader.readRecord(record.recordId, { batch: batch.batchId })).resource).toEqual(resources[i]);
      }
    }
    const vitals = batch.records.filter((_, i) => i !== 2);
    for (const record of vitals) {
      const read = await f.lab.readRecord(record.recordId, { batch: batch.batchId });
      expect(read.resource).toEqual(resources[batch.records.indexOf(record)]);
    }
    // The lab may not read allergies: refused on chain, and its key is in no keyring of that record anyway.
    const allergy = manifest.records[2]!;
    const allergyRing = decodeKeyringV3(await f.store.get(CID.parse(allergy.keyring)), "record");
    const allergyKeys = decodeKeyringV3(await f.store.get(CID.parse(allergyRing.batchKeyring)), "batch-key");
    expect(holdsBatchKey(allergyKeys, f.lab.identity.publicKey)).toBe(false);
    expect(holdsBatchKey(allergyKeys, f.patient.identity.publicKey)).toBe(true);
    await expect(f.lab.readRecord(batch.records[2]!.recordId, { batch: batch.batchId })).rejects.toBeInstanceOf(
      RecordReadConsentRequiredError,
    );
  });

  it("a reader granted after the batch (not in its keyrings) gets no key from it; a new batch wraps for it", async () => {
    const { f, patient, resources } = await setting();
    const before = await f.hospital.addRecords(patient, resources.slice(0, 1));
    const [late] = await extraClients(f, 1);
    await f.registrar.registerProvider(await late!.address(), "lab", late!.identity.publicKey);
    await f.patient.grant(await late!.address(), { read: ["VitalSigns"], expiresAt: (await f.now()) + 3600 });
    await expect(late!.readRecord(before.records[0]!.recordId, { batch: before.batchId })).rejects.toBeInstanceOf(
      NotARecipientError,
    );
    // The hospital's reader index reads only the blocks since its last write, and finds the new grantee.
    const after = await f.hospital.addRecords(patient, [heartRate(99)]);
    expect(f.hospital.context.readerIndex.stats().builds).toBe(1);
    const read = await late!.readRecord(after.records[0]!.recordId, { batch: after.batchId });
    expect(read.resource).toEqual(heartRate(99));
  });

  it("batches of v1 keyrings (one wrap per reader per record) are still written on request and read", async () => {
    const { f, patient, resources } = await setting();
    const batch = await f.hospital.addRecords(patient, resources, { keyringVersion: 1 });
    const { records } = await keyringsOf(f.hospital, batch.manifestCid);
    expect(records.some(isKeyringV3)).toBe(false);
    for (const [i, record] of batch.records.entries()) {
      expect((await f.patient.readRecord(record.recordId, { batch: batch.batchId })).resource).toEqual(resources[i]);
    }
    const read = await f.lab.readRecord(batch.records[0]!.recordId, { batch: batch.batchId });
    expect(read.resource).toEqual(resources[0]);
  });
});
