import { describe, expect, it } from "vitest";

import {
  ConsentBreakGlassCooldownError,
  ConsentBreakGlassJustificationRequiredError,
  ConsentBreakGlassPatientRateLimitedError,
  ConsentBreakGlassProviderRateLimitedError,
  KeyReleaseError,
  keyReleaseMessage,
  requestKeyRelease,
  withRevertDecoding,
  type Carechain,
} from "../e2e/_sdk.js";
import { emergencyFixture, extraClients, heartRate, penicillinAllergy } from "../helpers/fixtures.js";

const ZERO_HASH = `0x${"00".repeat(32)}`;

/** Three more registered patients. */
async function morePatients(f: Awaited<ReturnType<typeof emergencyFixture>>["f"], count: number): Promise<Carechain[]> {
  const clients = await extraClients(f, 2 + count);
  const patients = clients.slice(2); // 5 and 6 are the fixture's custodian and ER
  for (const p of patients) await p.registerPatient();
  return patients;
}

describe("break-glass from a hostile emergency provider", () => {
  it("an all-zero justification is refused on chain, and the SDK refuses an empty one before sending", async () => {
    const { f, er, service, patient } = await emergencyFixture();
    try {
      // A modified client sends the zero hash itself.
      const raw = withRevertDecoding("openBreakGlass", async () =>
        (await er.contracts.consent.openBreakGlass(patient, ZERO_HASH, 3600)).wait(),
      );
      await expect(raw).rejects.toBeInstanceOf(ConsentBreakGlassJustificationRequiredError);
      await expect(er.openBreakGlass(patient, { justification: "   ", durationSeconds: 3600 })).rejects.toBeInstanceOf(
        RangeError,
      );
      await expect(er.openBreakGlass(patient, { justification: "x", durationSeconds: 1.5 })).rejects.toBeInstanceOf(
        RangeError,
      );
      expect(await f.patient.canAccess(patient, await er.address(), "Allergies", "read", "BTG")).toBe(false);
      expect((await f.patient.auditTrail(patient)).some((e) => e.kind === "BreakGlassOpened")).toBe(false);
    } finally {
      await service.close();
    }
  });

  it("can't renew by closing and reopening: the cooldown holds until it has passed", async () => {
    const { f, er, service, patient, allergy } = await emergencyFixture();
    try {
      const erAddress = await er.address();
      await er.openBreakGlass(patient, { justification: "Anaphylaxis", durationSeconds: 24 * 3600 });
      await f.advanceTime(23 * 3600);
      await er.closeBreakGlass(erAddress, { patient });
      const renewal = er.openBreakGlass(patient, { justification: "Anaphylaxis, still", durationSeconds: 24 * 3600 });
      await expect(renewal).rejects.toBeInstanceOf(ConsentBreakGlassCooldownError);
      const error = (await renewal.catch((e: unknown) => e)) as InstanceType<typeof ConsentBreakGlassCooldownError>;
      const { cooldownSeconds } = await er.breakGlassLimits();
      expect(Number(error.args.availableAt)).toBeGreaterThanOrEqual((await f.now()) + cooldownSeconds - 5);
      expect(await f.patient.canAccess(patient, erAddress, "Allergies", "read", "BTG")).toBe(false);
      await expect(er.readRecord(allergy.recordId, { purpose: "BTG" })).rejects.toThrow();

      // After the cooldown, a new, loud episode.
      await f.advanceTime(cooldownSeconds);
      await er.openBreakGlass(patient, { justification: "New admission", durationSeconds: 600 });
      expect((await f.patient.auditTrail(patient)).filter((e) => e.kind === "BreakGlassOpened")).toHaveLength(2);
    } finally {
      await service.close();
    }
  });

  it("can't sweep patients over the provider's rate limit, nor flood one patient over its limit", async () => {
    const { f, er, service, patient } = await emergencyFixture();
    try {
      await f.registrar.setBreakGlassLimits({
        maxPerProvider: 2,
        maxPerPatient: 2,
        windowSeconds: 3600,
        cooldownSeconds: 60,
      });
      expect(await er.breakGlassLimits()).toEqual({
        maxPerProvider: 2,
        maxPerPatient: 2,
        windowSeconds: 3600,
        cooldownSeconds: 60,
      });
      const others = await morePatients(f, 2);
      const [second, third] = await Promise.all(others.map((p) => p.address()));
      const erAddress = await er.address();

      await er.openBreakGlass(patient, { justification: "Case 1", durationSeconds: 600 });
      await er.openBreakGlass(second!, { justification: "Case 2", durationSeconds: 600 });
      await expect(er.openBreakGlass(third!, { justification: "Case 3", durationSeconds: 600 })).rejects.toBeInstanceOf(
        ConsentBreakGlassProviderRateLimitedError,
      );
      expect(await f.patient.canAccess(third!, erAddress, "Allergies", "read", "BTG")).toBe(false);

      // Other emergency providers on one patient: the patient's limit bounds them together.
      const [ems2, ems3] = (await extraClients(f, 6)).slice(4);
      for (const ems of [ems2!, ems3!]) {
        await f.registrar.registerProvider(await ems.address(), "emergency", ems.identity.publicKey);
      }
      await ems2!.openBreakGlass(patient, { justification: "Second team", durationSeconds: 600 });
      await expect(
        ems3!.openBreakGlass(patient, { justification: "Third team", durationSeconds: 600 }),
      ).rejects.toBeInstanceOf(ConsentBreakGlassPatientRateLimitedError);
      expect(await f.patient.canAccess(patient, await ems3!.address(), "Allergies", "read", "BTG")).toBe(false);

      // A window later, the provider may open again.
      await f.advanceTime(3600);
      await er.openBreakGlass(third!, { justification: "Case 3", durationSeconds: 600 });
    } finally {
      await service.close();
    }
  });
});

describe("break-glass reaches batch-imported records", () => {
  it("the custodian releases a batch record's key with its Merkle proof, logged on chain; a forged proof is refused", async () => {
    const { f, er, service, patient } = await emergencyFixture();
    try {
      const batch = await f.patient.addRecords(patient, [penicillinAllergy(), heartRate(61)]);
      const [allergy, vitals] = batch.records;
      expect(allergy!.categories).not.toEqual(vitals!.categories);
      await er.openBreakGlass(patient, {
        justification: "Unconscious, bulk-imported history only",
        durationSeconds: 3600,
      });

      const read = await er.readRecord(allergy!.recordId, { batch: batch.batchId, purpose: "BTG" });
      expect(read.resource).toEqual(penicillinAllergy());
      const trail = await f.patient.auditTrail(patient);
      expect(trail.find((e) => e.kind === "EmergencyKeyReleased")).toMatchObject({
        counterpart: await er.address(),
        recordId: allergy!.recordId,
      });

      // Ask the custodian directly, as a modified client would: a forged proof, and a record outside the
      // emergency categories, are refused by the chain before any key leaves.
      const signer = (await f.connection.ethers.getSigners())[6]!;
      let asked = 0;
      const ask = async (recordId: string, proof: string[]) => {
        const unsigned = {
          chainId: "31337",
          registry: f.deployment.recordRegistry,
          recordId,
          provider: await er.address(),
          // Each a new signed request (a signed request is usable once; the SDK's own was signed moments ago).
          issuedAt: Math.floor(Date.now() / 1000) - 30 - ++asked,
          batch: { batchId: batch.batchId, proof },
        };
        const signature = await signer.signMessage(keyReleaseMessage(unsigned));
        return requestKeyRelease(service.url, { ...unsigned, signature }).catch((e: unknown) => e);
      };
      const { proof } = await er.proveBatchRecord(batch.batchId, allergy!.recordId);
      const forged = await ask(
        allergy!.recordId,
        [...proof].reverse().map((p) => `0x${p.slice(2).replace(/^./, (c) => (c === "0" ? "1" : "0"))}`),
      );
      expect(forged).toBeInstanceOf(KeyReleaseError);
      expect((forged as KeyReleaseError).status).toBe(403);
      expect((forged as Error).message).toContain("RecordNotInBatch");
      const { proof: vitalsProof } = await er.proveBatchRecord(batch.batchId, vitals!.recordId);
      const notEmergency = await ask(vitals!.recordId, vitalsProof);
      expect((notEmergency as KeyReleaseError).status).toBe(403);
      expect((notEmergency as Error).message).toContain("RecordBreakGlassRequired");
      expect((await f.patient.auditTrail(patient)).filter((e) => e.kind === "EmergencyKeyReleased")).toHaveLength(1);
    } finally {
      await service.close();
    }
  });
});
