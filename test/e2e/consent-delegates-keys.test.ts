import { describe, expect, it } from "vitest";

import {
  auditEntryToFhir,
  Category,
  ConsentUnauthorizedActorError,
  decodeKeyring,
  grantToConsent,
  RecordReadConsentRequiredError,
  toHex,
} from "./_sdk.js";
import { extraClients, heartRate, registeredFixture } from "../helpers/fixtures.js";

describe("delegates", () => {
  it("a guardian manages a minor's consent, and every act is attributed to the guardian", async () => {
    const f = await registeredFixture();
    const [guardian] = await extraClients(f, 1);
    const [minor, hospital, guardianAddress] = [
      await f.patient.address(),
      await f.hospital.address(),
      await guardian!.address(),
    ];
    await expect(
      guardian!.grant(hospital, { read: ["VitalSigns"], expiresAt: (await f.now()) + 600 }, { patient: minor }),
    ).rejects.toBeInstanceOf(ConsentUnauthorizedActorError);

    await f.patient.addDelegate(guardianAddress, "guardian");
    await guardian!.grant(
      hospital,
      { read: ["VitalSigns"], write: ["VitalSigns"], expiresAt: (await f.now()) + 600 },
      { patient: minor },
    );
    expect(await f.patient.canAccess(minor, hospital, "VitalSigns", "write")).toBe(true);
    await f.hospital.addRecord(minor, heartRate(95));
    await guardian!.revoke(hospital, { patient: minor });
    expect(await f.patient.canAccess(minor, hospital, "VitalSigns", "read")).toBe(false);

    const trail = await f.patient.auditTrail(minor);
    const consentActs = trail.filter((e) => e.kind === "ConsentGranted" || e.kind === "ConsentRevoked");
    expect(consentActs.map((e) => [e.kind, e.actor, e.counterpart])).toEqual([
      ["ConsentGranted", guardianAddress, hospital],
      ["ConsentRevoked", guardianAddress, hospital],
    ]);
    expect(trail.find((e) => e.kind === "DelegateAdded")).toMatchObject({ actor: minor, counterpart: guardianAddress });

    await f.patient.removeDelegate(guardianAddress);
    await expect(
      guardian!.grant(hospital, { read: ["VitalSigns"], expiresAt: (await f.now()) + 600 }, { patient: minor }),
    ).rejects.toBeInstanceOf(ConsentUnauthorizedActorError);
  });
});

describe("keys follow consent", () => {
  it("a new grantee can read records written before its grant; a revoked one is left out of new records", async () => {
    const f = await registeredFixture();
    const [patient, hospital, lab] = [await f.patient.address(), await f.hospital.address(), await f.lab.address()];
    const old = await f.patient.addRecord(patient, heartRate(64));
    const grant = await f.patient.grant(lab, { read: ["VitalSigns"], expiresAt: (await f.now()) + 3600 });
    expect(grant.shared).toBe(1);
    expect(grant.shareTx?.gasUsed).toBeGreaterThan(0n);
    expect((await f.lab.readRecord(old.recordId)).resource).toEqual(heartRate(64));
    expect(decodeKeyring(await f.store.get(old.keyringCid)).recipients).toHaveLength(1); // the anchored one is unchanged

    await f.patient.grant(hospital, { read: ["VitalSigns"], expiresAt: (await f.now()) + 3600 });
    await f.patient.revoke(lab);
    const fresh = await f.patient.addRecord(patient, heartRate(66));
    const recipients = decodeKeyring(await f.store.get(fresh.keyringCid)).recipients.map((r) => r.key);
    expect(recipients).toContain(toHex(f.hospital.identity.publicKey));
    expect(recipients).not.toContain(toHex(f.lab.identity.publicKey));
    await expect(f.lab.readRecord(fresh.recordId)).rejects.toBeInstanceOf(RecordReadConsentRequiredError);
  });

  it("a patient's key rotation re-wraps everything the patient can read", async () => {
    const f = await registeredFixture();
    const patient = await f.patient.address();
    const hospital = await f.hospital.address();
    await f.patient.grant(hospital, { read: ["VitalSigns"], write: ["VitalSigns"], expiresAt: (await f.now()) + 3600 });
    const byHospital = await f.hospital.addRecord(patient, heartRate(70));
    const byPatient = await f.patient.addRecord(patient, heartRate(71));
    const { generateIdentity } = await import("./_sdk.js");
    const { client, rewrapped } = await f.patient.rotatePatientKey(generateIdentity());
    expect(rewrapped).toBe(2);
    expect(toHex(client.identity.publicKey)).toBe(await f.registrar.contracts.directory.encryptionKeyOf(patient));
    expect((await client.readRecord(byHospital.recordId)).resource).toEqual(heartRate(70));
    expect((await client.readRecord(byPatient.recordId)).resource).toEqual(heartRate(71));
    const after = await f.hospital.addRecord(patient, heartRate(72));
    expect((await client.readRecord(after.recordId)).resource).toEqual(heartRate(72));
  });
});

describe("provider key rotation", () => {
  it("a provider rotates its key and keeps reading what it may read; the old key stays for what it held", async () => {
    const f = await registeredFixture();
    const [patient, hospital] = [await f.patient.address(), await f.hospital.address()];
    await f.patient.grant(hospital, { read: ["VitalSigns"], write: ["VitalSigns"], expiresAt: (await f.now()) + 3600 });
    const before = await f.hospital.addRecord(patient, heartRate(81));
    const { generateIdentity } = await import("./_sdk.js");
    const { client, rewrapped, shareTx } = await f.hospital.rotateProviderKey(generateIdentity(), [patient]);
    expect(rewrapped).toBe(1);
    expect(shareTx?.gasUsed).toBeGreaterThan(0n);
    expect(toHex(client.identity.publicKey)).toBe(await f.registrar.contracts.directory.encryptionKeyOf(hospital));
    expect((await client.readRecord(before.recordId)).resource).toEqual(heartRate(81));
    const after = await f.patient.addRecord(patient, heartRate(82));
    expect((await client.readRecord(after.recordId)).resource).toEqual(heartRate(82)); // new records use the new key
  });
});

describe("FHIR exports", () => {
  it("every grant is a valid R4 Consent and every audit entry a valid R4 AuditEvent", async () => {
    const f = await registeredFixture();
    const [patient, hospital] = [await f.patient.address(), await f.hospital.address()];
    await f.patient.grant(hospital, {
      read: ["VitalSigns", "Problems"],
      write: ["VitalSigns"],
      purposes: ["TREAT", "HPAYMT"],
      expiresAt: (await f.now()) + 3600,
    });
    const added = await f.hospital.addRecord(patient, heartRate(80));
    await f.hospital.readRecord(added.recordId);
    await f.patient.revoke(hospital);

    const chainId = f.deployment.chainId;
    const grants = await f.patient.listGrants(patient);
    expect(grants).toHaveLength(1);
    expect(grants[0]).toMatchObject({ grantee: hospital, active: false, purposes: ["TREAT", "HPAYMT"] });
    expect(grants[0]!.read).toEqual([Category.Problems, Category.VitalSigns]);
    const consent = grantToConsent(grants[0]!, { chainId, registry: f.deployment.consentRegistry });
    expect(() => f.validator.validate(consent)).not.toThrow();
    expect(consent.provision?.purpose?.map((p) => p.code)).toEqual(["TREAT", "HPAYMT"]);
    expect(consent.provision?.class?.map((c) => c.code)).toEqual(expect.arrayContaining(["Condition", "Observation"]));
    expect(consent.status).toBe("inactive");

    const trail = await f.patient.auditTrail(patient);
    expect(trail.map((e) => e.kind)).toEqual(["ConsentGranted", "RecordAnchored", "RecordAccessed", "ConsentRevoked"]);
    expect(trail[2]).toMatchObject({ actor: hospital, purpose: "TREAT", recordId: added.recordId });
    for (const entry of trail) {
      const event = auditEntryToFhir(entry, chainId);
      expect(() => f.validator.validate(event)).not.toThrow();
    }
  });
});
