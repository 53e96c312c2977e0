import { describe, expect, it } from "vitest";

import {
  Category,
  RecordAlreadyAmendedError,
  RecordAmendmentMismatchError,
  RecordReadConsentRequiredError,
  RecordWriteConsentRequiredError,
} from "./_sdk.js";
import { heartRate, penicillinAllergy, registeredFixture } from "../helpers/fixtures.js";

describe("versions and amendments", () => {
  it("an amendment links to the version it corrects; history lists every version; nothing is overwritten", async () => {
    const f = await registeredFixture();
    const [patient, hospital] = [await f.patient.address(), await f.hospital.address()];
    await f.patient.grant(hospital, {
      read: ["VitalSigns", "Allergies"],
      write: ["VitalSigns", "Allergies"],
      expiresAt: (await f.now()) + 3600,
    });
    const v1 = await f.hospital.addRecord(patient, heartRate(120));
    const v2 = await f.hospital.amendRecord(v1.recordId, heartRate(72));
    const v3 = await f.patient.amendRecord(v2.recordId, heartRate(73));
    await expect(f.hospital.amendRecord(v1.recordId, heartRate(74))).rejects.toBeInstanceOf(RecordAlreadyAmendedError);
    await expect(f.hospital.amendRecord(v3.recordId, penicillinAllergy())).rejects.toBeInstanceOf(
      RecordAmendmentMismatchError,
    );

    const history = await f.patient.history(v2.recordId);
    expect(history.map((r) => [r.recordId, r.version, r.author, r.amended])).toEqual([
      [v1.recordId, 1, hospital, true],
      [v2.recordId, 2, hospital, true],
      [v3.recordId, 3, patient, false],
    ]);
    expect(history[1]!.previous).toBe(v1.recordId);
    // The corrected value is still there, readable, exactly as first written.
    expect((await f.hospital.readRecord(v1.recordId)).resource).toEqual(heartRate(120));
    expect((await f.hospital.readRecord(v3.recordId)).resource).toEqual(heartRate(73));
  });
});

describe("batch anchoring", () => {
  it("many records in one transaction under one Merkle root; each proof verifies on chain and reads back", async () => {
    const f = await registeredFixture();
    const [patient, hospital] = [await f.patient.address(), await f.hospital.address()];
    await f.patient.grant(hospital, {
      read: ["VitalSigns", "Allergies"],
      write: ["VitalSigns", "Allergies"],
      expiresAt: (await f.now()) + 3600,
    });
    const resources = [...Array.from({ length: 9 }, (_, i) => heartRate(60 + i)), penicillinAllergy()];
    const batch = await f.hospital.addRecords(patient, resources);
    expect(batch.records).toHaveLength(10);
    const onChain = await f.hospital.contracts.records.batch(batch.batchId);
    expect(onChain.count).toBe(10n);
    expect(onChain.categories).toBe((1n << BigInt(Category.VitalSigns)) | (1n << BigInt(Category.Allergies)));

    for (const [i, record] of batch.records.entries()) {
      const { verifiedOnChain, proof } = await f.hospital.proveBatchRecord(batch.batchId, record.recordId);
      expect(verifiedOnChain).toBe(true);
      expect(proof.length).toBeGreaterThan(0);
      const read = await f.hospital.readRecord(record.recordId, { batch: batch.batchId });
      expect(read.resource).toEqual(resources[i]);
      expect(read.anchor.batch).toBe(batch.batchId);
    }
    const trail = await f.patient.auditTrail(patient);
    expect(trail.filter((e) => e.kind === "RecordAccessed")).toHaveLength(10);

    const listed = await f.patient.listRecords(patient);
    expect(listed.map((r) => r.recordId).sort()).toEqual(batch.records.map((r) => r.recordId).sort());
    await expect(f.lab.readRecord(batch.records[0]!.recordId, { batch: batch.batchId })).rejects.toBeInstanceOf(
      RecordReadConsentRequiredError,
    );
    await expect(f.lab.addRecords(patient, [heartRate(1)])).rejects.toBeInstanceOf(RecordWriteConsentRequiredError);
  });
});

describe("real-time feed and provenance", () => {
  it("watch yields grants, anchors, amendments and revokes as they happen, and resumes from a block", async () => {
    const f = await registeredFixture();
    const [patient, hospital] = [await f.patient.address(), await f.hospital.address()];
    const controller = new AbortController();
    const seen: string[] = [];
    const start = (await f.connection.ethers.provider.getBlockNumber()) + 1;
    const feed = (async () => {
      for await (const entry of f.patient.watch(patient, { intervalMs: 50, signal: controller.signal })) {
        seen.push(entry.kind);
        if (seen.length === 4) controller.abort();
      }
    })();
    await f.patient.grant(hospital, { read: ["VitalSigns"], write: ["VitalSigns"], expiresAt: (await f.now()) + 3600 });
    const v1 = await f.hospital.addRecord(patient, heartRate(90));
    await f.hospital.amendRecord(v1.recordId, heartRate(91));
    await f.patient.revoke(hospital);
    await feed;
    expect(seen).toEqual(["ConsentGranted", "RecordAnchored", "RecordAnchored", "ConsentRevoked"]);

    // Resuming from a block replays what was missed, in order.
    const resumed: string[] = [];
    const again = new AbortController();
    for await (const entry of f.patient.watch(patient, {
      fromBlock: start + 2,
      intervalMs: 10,
      signal: again.signal,
    })) {
      resumed.push(entry.kind);
      if (resumed.length === 2) again.abort();
    }
    expect(resumed).toEqual(["RecordAnchored", "ConsentRevoked"]);
  });

  it("each anchored version exports as a valid FHIR R4 Provenance with its revision chain", async () => {
    const f = await registeredFixture();
    const patient = await f.patient.address();
    const v1 = await f.patient.addRecord(patient, heartRate(50));
    const v2 = await f.patient.amendRecord(v1.recordId, heartRate(51));
    const { anchorToProvenance } = await import("./_sdk.js");
    for (const [version, added] of [v1, v2].entries()) {
      const anchor = await f.patient.getRecord(added.recordId);
      const provenance = anchorToProvenance(
        { ...anchor, anchorTx: added.hash, contentCid: added.contentCid.toString() },
        { chainId: f.deployment.chainId, registry: f.deployment.recordRegistry },
      );
      expect(() => f.validator.validate(provenance)).not.toThrow();
      expect(provenance.entity?.some((e) => e.role === "revision")).toBe(version === 1);
      expect(provenance.recorded).toBe(new Date(anchor.anchoredAt * 1000).toISOString());
    }
  });
});
