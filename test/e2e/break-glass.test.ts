import { describe, expect, it } from "vitest";

import {
  ConsentBreakGlassAlreadyOpenError,
  ConsentBreakGlassInvalidDurationError,
  ConsentNotEmergencyProviderError,
  KeyReleaseError,
  NotARecipientError,
  RecordReadConsentRequiredError,
  toHex,
  decodeKeyring,
  Carechain,
} from "./_sdk.js";
import { emergencyFixture, penicillinAllergy } from "../helpers/fixtures.js";

describe("break-glass", () => {
  it("delivers the emergency categories through the custodian, loudly, and the patient closes it", async () => {
    const { f, custodian, er, service, patient, allergy, vitals } = await emergencyFixture();
    try {
      const erAddress = await er.address();
      // Emergency-category records are wrapped for the custodian too; others are not.
      expect(decodeKeyring(await f.store.get(allergy.keyringCid)).recipients.map((r) => r.key)).toContain(
        toHex(custodian.identity.publicKey),
      );
      expect(decodeKeyring(await f.store.get(vitals.keyringCid)).recipients.map((r) => r.key)).not.toContain(
        toHex(custodian.identity.publicKey),
      );

      await expect(er.readRecord(allergy.recordId, { purpose: "BTG" })).rejects.toBeInstanceOf(
        RecordReadConsentRequiredError,
      );
      const opened = await er.openBreakGlass(patient, {
        justification: "Unconscious on arrival, no relatives reachable",
        durationSeconds: 3600,
      });
      expect(opened.expiresAt).toBe((await f.now()) + 3600);
      await expect(er.openBreakGlass(patient, { justification: "again", durationSeconds: 60 })).rejects.toBeInstanceOf(
        ConsentBreakGlassAlreadyOpenError,
      );

      const read = await er.readRecord(allergy.recordId, { purpose: "BTG" });
      expect(read.resource).toEqual(penicillinAllergy());
      await expect(er.readRecord(allergy.recordId, { purpose: "TREAT" })).rejects.toBeInstanceOf(
        RecordReadConsentRequiredError,
      );
      await expect(er.readRecord(vitals.recordId, { purpose: "BTG" })).rejects.toBeInstanceOf(
        RecordReadConsentRequiredError,
      );

      const trail = await f.patient.auditTrail(patient);
      expect(trail.map((e) => e.kind)).toEqual(
        expect.arrayContaining(["BreakGlassOpened", "EmergencyKeyReleased", "RecordAccessed"]),
      );
      expect(trail.find((e) => e.kind === "EmergencyKeyReleased")).toMatchObject({
        counterpart: erAddress,
        recordId: allergy.recordId,
      });
      expect(trail.find((e) => e.kind === "RecordAccessed")).toMatchObject({ actor: erAddress, purpose: "BTG" });

      await f.patient.closeBreakGlass(erAddress);
      await expect(er.readRecord(allergy.recordId, { purpose: "BTG" })).rejects.toBeInstanceOf(
        RecordReadConsentRequiredError,
      );
      expect((await f.patient.auditTrail(patient)).at(-1)).toMatchObject({
        kind: "BreakGlassClosed",
        actor: patient,
        counterpart: erAddress,
      });
    } finally {
      await service.close();
    }
  });

  it("the custodian refuses a provider without open break-glass, and only emergency providers can open it", async () => {
    const { f, er, service, patient, allergy } = await emergencyFixture();
    try {
      await expect(
        f.hospital.openBreakGlass(patient, { justification: "x", durationSeconds: 60 }),
      ).rejects.toBeInstanceOf(ConsentNotEmergencyProviderError);
      await expect(
        er.openBreakGlass(patient, { justification: "x", durationSeconds: 25 * 3600 }),
      ).rejects.toBeInstanceOf(ConsentBreakGlassInvalidDurationError);
      // Bypass the SDK's own consent check: ask the custodian directly, as a modified client would.
      const { requestKeyRelease, keyReleaseMessage } = await import("./_sdk.js");
      const signer = (await f.connection.ethers.getSigners())[6]!;
      const registry = await f.patient.contracts.records.getAddress();
      const unsigned = {
        chainId: "31337",
        registry,
        recordId: allergy.recordId,
        provider: await er.address(),
        issuedAt: Math.floor(Date.now() / 1000),
      };
      const error = await requestKeyRelease(service.url, {
        ...unsigned,
        signature: await signer.signMessage(keyReleaseMessage(unsigned)),
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(KeyReleaseError);
      expect((error as InstanceType<typeof KeyReleaseError>).status).toBe(403);
      expect((error as Error).message).toContain("RecordBreakGlassRequired");
      // A request signed by someone else for the ER's address is refused before the chain is asked.
      const strangerSigner = (await f.connection.ethers.getSigners())[4]!;
      const forgedSignature = await strangerSigner.signMessage(keyReleaseMessage(unsigned));
      const forged = await requestKeyRelease(service.url, { ...unsigned, signature: forgedSignature }).catch(
        (e: unknown) => e,
      );
      expect((forged as InstanceType<typeof KeyReleaseError>).status).toBe(401);
      // A used request can't be replayed, not even once break-glass is open.
      await er.openBreakGlass(patient, { justification: "Anaphylaxis suspected", durationSeconds: 600 });
      const fresh = { ...unsigned, issuedAt: unsigned.issuedAt + 1 };
      const signed = { ...fresh, signature: await signer.signMessage(keyReleaseMessage(fresh)) };
      expect((await requestKeyRelease(service.url, signed)).length).toBeGreaterThan(0);
      const replay = await requestKeyRelease(service.url, signed).catch((e: unknown) => e);
      expect((replay as InstanceType<typeof KeyReleaseError>).status).toBe(409);
      // Without a custodian URL the provider simply is not a recipient.
      const noCustodian = new Carechain({
        contracts: er.contracts,
        signer,
        identity: er.identity,
        store: f.store,
        validator: f.validator,
      });
      await expect(noCustodian.readRecord(allergy.recordId, { purpose: "ETREAT" })).rejects.toBeInstanceOf(
        NotARecipientError,
      );
    } finally {
      await service.close();
    }
  });
});
