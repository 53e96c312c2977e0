/**
 * `Carechain.logReads`: many reads logged in one `logAccessBatch` transaction, each checked on chain as a single
 * `logAccess` is, seen in the audit trail exactly like single reads; a reader can't get an unconsented read logged
 * (or a consented one slipped past the check) by batching it.
 */
import { describe, expect, it } from "vitest";

import {
  IntegrityError,
  RecordBatchNotFoundError,
  RecordNotFoundError,
  RecordReadConsentRequiredError,
} from "../../sdk/index.js";
import { extraClients, heartRate, registeredFixture } from "../helpers/fixtures.js";

async function twoPatients() {
  const f = await registeredFixture();
  const [second] = await extraClients(f, 1);
  await second!.registerPatient();
  const patient = await f.patient.address();
  const patient2 = await second!.address();
  const hospital = await f.hospital.address();
  const expiresAt = (await f.now()) + 3600;
  await f.patient.grant(hospital, {
    read: ["VitalSigns"],
    write: ["VitalSigns"],
    purposes: ["TREAT", "HPAYMT"],
    expiresAt,
  });
  await second!.grant(hospital, { read: ["VitalSigns"], write: ["VitalSigns"], purposes: ["TREAT"], expiresAt });
  const r1 = (await f.hospital.addRecord(patient, heartRate(71))).recordId;
  const r2 = (await f.hospital.addRecord(patient, heartRate(72))).recordId;
  const s1 = (await f.hospital.addRecord(patient2, heartRate(73))).recordId;
  return { f, second: second!, patient, patient2, hospital, r1, r2, s1 };
}

const reads = (trail: { kind: string; actor: string; recordId?: string; purpose?: string; tx: string }[]) =>
  trail
    .filter((e) => e.kind === "RecordAccessed")
    .map(({ actor, recordId, purpose, tx }) => ({ actor, recordId, purpose, tx }));

describe("logReads", () => {
  it("logs reads of several patients and purposes in one transaction, one audit entry per read, in order", async () => {
    const { f, second, patient, patient2, hospital, r1, r2, s1 } = await twoPatients();
    // Read without logging, then log the three reads at once.
    for (const id of [r1, r2, s1]) {
      const read = await f.hospital.readRecord(id, { logAccess: false });
      expect(read.accessLog).toBeUndefined();
    }
    expect(reads(await f.patient.auditTrail(patient))).toEqual([]);

    const tx = await f.hospital.logReads([
      { recordId: r1, purpose: "TREAT" },
      { recordId: s1 },
      { recordId: r2, purpose: "HPAYMT" },
    ]);
    expect(tx).toBeDefined();
    expect(reads(await f.patient.auditTrail(patient))).toEqual([
      { actor: hospital, recordId: r1, purpose: "TREAT", tx: tx!.hash },
      { actor: hospital, recordId: r2, purpose: "HPAYMT", tx: tx!.hash },
    ]);
    expect(reads(await second.auditTrail(patient2))).toEqual([
      { actor: hospital, recordId: s1, purpose: "TREAT", tx: tx!.hash },
    ]);

    // The same audit entry as a single logged read, for less gas than three single logAccess transactions.
    const single = await f.hospital.readRecord(r1);
    const trail = reads(await f.patient.auditTrail(patient));
    expect(trail.at(-1)).toEqual({ actor: hospital, recordId: r1, purpose: "TREAT", tx: single.accessLog!.hash });
    expect(tx!.gasUsed).toBeLessThan(3n * single.accessLog!.gasUsed);
  });

  it("a reader can't get an unconsented read logged by putting it among consented ones: nothing is logged", async () => {
    const { f, second, patient, patient2, hospital, r1, s1 } = await twoPatients();
    const before = (await f.patient.auditTrail(patient)).length;
    // patient2 granted TREAT only: a payment read of its record is refused, and the consented read before it too.
    const error = await f.hospital
      .logReads([{ recordId: r1 }, { recordId: s1, purpose: "HPAYMT" }])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RecordReadConsentRequiredError);
    expect((error as InstanceType<typeof RecordReadConsentRequiredError>).args).toMatchObject({
      patient: patient2,
      reader: hospital,
      purpose: 1n,
    });
    // The lab has no consent at all.
    await expect(f.lab.logReads([{ recordId: r1 }])).rejects.toBeInstanceOf(RecordReadConsentRequiredError);
    // After a revoke the hospital's batch is refused like its single read.
    await second.revoke(hospital);
    await expect(f.hospital.logReads([{ recordId: r1 }, { recordId: s1 }])).rejects.toBeInstanceOf(
      RecordReadConsentRequiredError,
    );
    expect((await f.patient.auditTrail(patient)).length).toBe(before);
    expect(reads(await second.auditTrail(patient2))).toEqual([]);
  });

  it("leaves out the patient's own reads and refuses bad input with typed errors", async () => {
    const { f, patient, r1 } = await twoPatients();
    expect(await f.patient.logReads([{ recordId: r1, purpose: "HRESCH" }])).toBeUndefined();
    expect(reads(await f.patient.auditTrail(patient))).toEqual([]);

    await expect(f.hospital.logReads([])).rejects.toBeInstanceOf(RangeError);
    await expect(f.hospital.logReads([{ recordId: r1, purpose: "NOPE" as "TREAT" }])).rejects.toThrow(
      /reads\[0\]\.purpose/,
    );
    await expect(f.hospital.logReads([{ recordId: "0x1234" }])).rejects.toThrow(/reads\[0\]\.recordId/);
    await expect(f.hospital.logReads([{ recordId: r1 }, { recordId: `0x${"ab".repeat(32)}` }])).rejects.toBeInstanceOf(
      RecordNotFoundError,
    );
    expect(reads(await f.patient.auditTrail(patient))).toEqual([]);
  });

  it("logBatchReads logs reads of a batch's records in one transaction, checked like logBatchAccess", async () => {
    const { f, second, patient, patient2, hospital } = await twoPatients();
    const batch = await f.hospital.addRecords(patient, [heartRate(60), heartRate(61), heartRate(62)]);
    const [b0, b1, b2] = batch.records.map((r) => r.recordId);
    for (const id of [b0!, b2!]) await f.hospital.readRecord(id, { batch: batch.batchId, logAccess: false });

    const tx = await f.hospital.logBatchReads(batch.batchId, [
      { recordId: b2! },
      { recordId: b0!, purpose: "HPAYMT" },
      { recordId: b1! },
    ]);
    expect(reads(await f.patient.auditTrail(patient))).toEqual([
      { actor: hospital, recordId: b2, purpose: "TREAT", tx: tx!.hash },
      { actor: hospital, recordId: b0, purpose: "HPAYMT", tx: tx!.hash },
      { actor: hospital, recordId: b1, purpose: "TREAT", tx: tx!.hash },
    ]);
    // One read in a batch costs less than the single logBatchAccess of a read.
    const single = await f.hospital.readRecord(b1!, { batch: batch.batchId });
    expect(tx!.gasUsed).toBeLessThan(3n * single.accessLog!.gasUsed);

    // The patient's own reads are not logged; a purpose the patient did not grant fails the whole batch; a record
    // that is not in the batch, or a batch that does not exist, is refused before anything is sent.
    expect(await f.patient.logBatchReads(batch.batchId, [{ recordId: b0! }])).toBeUndefined();
    const before = (await f.patient.auditTrail(patient)).length;
    await expect(
      f.hospital.logBatchReads(batch.batchId, [{ recordId: b0! }, { recordId: b1!, purpose: "HRESCH" }]),
    ).rejects.toBeInstanceOf(RecordReadConsentRequiredError);
    await expect(f.lab.logBatchReads(batch.batchId, [{ recordId: b0! }])).rejects.toBeInstanceOf(
      RecordReadConsentRequiredError,
    );
    await expect(
      f.hospital.logBatchReads(batch.batchId, [{ recordId: `0x${"cd".repeat(32)}` }]),
    ).rejects.toBeInstanceOf(IntegrityError);
    await expect(f.hospital.logBatchReads(`0x${"ef".repeat(32)}`, [{ recordId: b0! }])).rejects.toBeInstanceOf(
      RecordBatchNotFoundError,
    );
    await expect(f.hospital.logBatchReads(batch.batchId, [])).rejects.toBeInstanceOf(RangeError);
    expect((await f.patient.auditTrail(patient)).length).toBe(before);
    expect(reads(await second.auditTrail(patient2))).toEqual([]);
  });
});
