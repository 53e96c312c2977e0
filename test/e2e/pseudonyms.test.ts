/**
 * One pseudonym per care relationship (issue 15, item 1), end to end on the in-process chain: pseudonyms registered
 * and granted without ETH through a relayer, recovered from the root on a new device, the patient's view merged
 * across them, records shared between relationships by re-anchoring, and a hostile relayer refused.
 */
import { randomBytes } from "node:crypto";

import { Wallet } from "ethers";
import { describe, expect, it } from "vitest";

import {
  Carechain,
  derivePseudonym,
  generateIdentity,
  DirectoryAlreadyRegisteredError,
  DirectoryInvalidSignatureError,
  DirectorySignatureExpiredError,
  findPseudonyms,
  PseudonymError,
  PseudonymousPatient,
  RecordReadConsentRequiredError,
  type PseudonymousPatientOptions,
  type SignedRegistration,
} from "./_sdk.js";
import { emergencyFixture, heartRate, penicillinAllergy, registeredFixture } from "../helpers/fixtures.js";

type Fixture = Awaited<ReturnType<typeof registeredFixture>>;

const CARE = { read: ["VitalSigns" as const], write: ["VitalSigns" as const], purposes: ["TREAT" as const] };

/** Options of a pseudonymous patient on fixture `f`: the hospital relays, the test chain funds. */
function patientOptions(f: Fixture, root: Uint8Array): PseudonymousPatientOptions {
  return {
    root,
    deployment: f.deployment,
    provider: f.connection.ethers.provider,
    relayer: f.hospital,
    store: f.store,
    validator: f.validator,
    fund: (address) => f.connection.networkHelpers.setBalance(address, 10n ** 18n),
  };
}

async function setup() {
  const f = await registeredFixture();
  const root = new Uint8Array(randomBytes(32));
  const options = (extra: Partial<PseudonymousPatientOptions> = {}): PseudonymousPatientOptions => ({
    ...patientOptions(f, root),
    ...extra,
  });
  const patient = await PseudonymousPatient.connect(options());
  const expiresAt = (await f.now()) + 86_400 * 30;
  const hospital = await f.hospital.address();
  const lab = await f.lab.address();
  return { f, root, options, patient, expiresAt, hospital, lab };
}

/** Opens a hospital and a lab relationship; the hospital adds one record about its pseudonym. */
async function twoRelationships(s: Awaited<ReturnType<typeof setup>>) {
  const h = await s.patient.openRelationship(s.hospital, { ...CARE, expiresAt: s.expiresAt });
  const l = await s.patient.openRelationship(s.lab, { ...CARE, expiresAt: s.expiresAt }, { relayer: s.f.lab });
  const record = await s.f.hospital.addRecord(h.relationship.address, heartRate(64));
  return { h, l, record };
}

describe("PseudonymousPatient", () => {
  it("pseudonyms re-derive identically from the root on a new device", async () => {
    const s = await setup();
    const { h, l, record } = await twoRelationships(s);

    // A new device: a new client from the same root, sharing nothing with the first but the chain and the store.
    const device = await PseudonymousPatient.connect(s.options());
    expect(device.relationships.map((r) => [r.index, r.address, r.providers])).toEqual([
      [0, h.relationship.address, [s.hospital]],
      [1, l.relationship.address, [s.lab]],
    ]);
    for (const r of device.relationships) {
      const again = derivePseudonym(s.root, s.f.deployment, r.index);
      expect(r.address).toBe(again.address);
      expect(await s.f.registrar.contracts.directory.encryptionKeyOf(r.address)).toBe(
        "0x" + Buffer.from(again.identity.publicKey).toString("hex"),
      );
    }
    const read = await device.readRecord(record.recordId);
    expect(read.resource).toMatchObject({ resourceType: "Observation", valueQuantity: { value: 64 } });
    expect(device.relationshipWith(s.lab)?.index).toBe(1);

    // The next relationship takes the next index, on either device.
    const next = await device.openRelationship(s.hospital, {
      read: ["Laboratory"],
      expiresAt: s.expiresAt,
    });
    expect(next.relationship.index).toBe(2);
  });

  it("registers and grants without the pseudonym ever holding ETH or sending a transaction", async () => {
    const s = await setup();
    const provider = s.f.connection.ethers.provider;
    const { h, l } = await twoRelationships(s);
    for (const { relationship, registration, grant } of [h, l]) {
      expect(await provider.getBalance(relationship.address)).toBe(0n);
      expect(await provider.getTransactionCount(relationship.address)).toBe(0);
      expect((await provider.getTransaction(registration.hash))?.from).not.toBe(relationship.address);
      expect((await provider.getTransaction(grant.hash))?.from).not.toBe(relationship.address);
    }
    expect((await provider.getTransaction(l.registration.hash))?.from).toBe(s.lab);
    expect(h.relationship.address).not.toBe(l.relationship.address);
    const directory = s.f.registrar.contracts.directory;
    expect(await directory.encryptionKeyOf(h.relationship.address)).not.toBe(
      await directory.encryptionKeyOf(l.relationship.address),
    );
    // Each provider holds a grant from its own pseudonym only.
    expect(await s.f.hospital.canAccess(h.relationship.address, s.hospital, "VitalSigns", "read")).toBe(true);
    expect(await s.f.hospital.canAccess(l.relationship.address, s.hospital, "VitalSigns", "read")).toBe(false);
  });

  it("merges records, grants and the audit trail across its pseudonyms", async () => {
    const s = await setup();
    const { h, l, record } = await twoRelationships(s);
    const labRecord = await s.f.lab.addRecord(l.relationship.address, heartRate(70));
    const records = await s.patient.listRecords();
    expect(records.map((r) => r.recordId).sort()).toEqual([record.recordId, labRecord.recordId].sort());
    const grants = await s.patient.listGrants();
    expect(grants.map((g) => [g.patient, g.grantee])).toEqual([
      [h.relationship.address, s.hospital],
      [l.relationship.address, s.lab],
    ]);
    const trail = await s.patient.auditTrail();
    expect(new Set(trail.map((e) => e.patient))).toEqual(new Set([h.relationship.address, l.relationship.address]));
    expect(trail.map((e) => e.block)).toEqual([...trail.map((e) => e.block)].sort((a, b) => a - b));
  });

  it("shares a record by re-encrypting and re-anchoring it under the target pseudonym, the patient as author", async () => {
    const s = await setup();
    const { h, l, record } = await twoRelationships(s);
    // Before sharing, the lab cannot read the hospital relationship's record.
    await expect(s.f.lab.readRecord(record.recordId)).rejects.toBeInstanceOf(RecordReadConsentRequiredError);

    const shared = await s.patient.shareRecord(record.recordId, s.lab);
    expect(shared).toMatchObject({ from: h.relationship.address, to: l.relationship.address });
    const anchor = await s.f.lab.getRecord(shared.recordId);
    expect(anchor).toMatchObject({ patient: l.relationship.address, author: l.relationship.address, version: 1 });
    const read = await s.f.lab.readRecord(shared.recordId);
    expect(read.resource).toMatchObject({ valueQuantity: { value: 64 } });
    expect(shared.contentCid.toString()).not.toBe(record.contentCid.toString());

    // No grant links the two pseudonyms: the lab still cannot read the original.
    await expect(s.f.lab.readRecord(record.recordId)).rejects.toBeInstanceOf(RecordReadConsentRequiredError);
    expect((await s.patient.listGrants()).every((g) => g.grantee !== l.relationship.address)).toBe(true);
  });

  it("refuses to share what is not its own, into a relationship it does not have, or unfunded", async () => {
    const s = await setup();
    const { record } = await twoRelationships(s);
    const other = await s.f.patient.addRecord(await s.f.patient.address(), heartRate(80));
    await expect(s.patient.shareRecord(other.recordId, s.lab)).rejects.toBeInstanceOf(PseudonymError);
    await expect(s.patient.shareRecord(record.recordId, await s.f.stranger.address())).rejects.toBeInstanceOf(
      PseudonymError,
    );
    await expect(s.patient.shareRecord(record.recordId, s.hospital)).rejects.toBeInstanceOf(PseudonymError);
    // A relationship object forged to point at another account is refused, not anchored for.
    const forged = { ...s.patient.relationshipWith(s.lab)!, address: await s.f.stranger.address() };
    await expect(s.patient.shareRecord(record.recordId, forged)).rejects.toBeInstanceOf(PseudonymError);

    const unfunded = await PseudonymousPatient.connect(s.options({ fund: undefined }));
    await expect(unfunded.shareRecord(record.recordId, s.lab)).rejects.toBeInstanceOf(PseudonymError);
  });
});

describe("registerPatientBySig from a hostile relayer", () => {
  /** A registration signed by a fresh account that holds no ETH. */
  async function signed(f: Fixture, deadline?: number) {
    const wallet = Wallet.createRandom().connect(f.connection.ethers.provider);
    const client = await Carechain.connect({
      deployment: f.deployment,
      signer: wallet,
      identity: generateIdentity(),
      store: f.store,
      validator: f.validator,
    });
    return { wallet, signed: await client.signPatientRegistration(deadline === undefined ? {} : { deadline }) };
  }

  it("refuses a changed key, a changed account, an expired signature and a replay", async () => {
    const f = await registeredFixture();
    const { wallet, signed: good } = await signed(f);
    const otherKey =
      "0x" + Buffer.from(derivePseudonym(new Uint8Array(32), f.deployment, 0).identity.publicKey).toString("hex");
    const tamper = (request: Partial<SignedRegistration["request"]>): SignedRegistration => ({
      ...good,
      request: { ...good.request, ...request },
    });
    await expect(f.stranger.relayPatientRegistration(tamper({ encryptionKey: otherKey }))).rejects.toBeInstanceOf(
      DirectoryInvalidSignatureError,
    );
    await expect(
      f.stranger.relayPatientRegistration(tamper({ patient: await f.stranger.address() })),
    ).rejects.toBeInstanceOf(DirectoryInvalidSignatureError);
    await expect(
      f.stranger.relayPatientRegistration(tamper({ deadline: good.request.deadline + 1n })),
    ).rejects.toBeInstanceOf(DirectoryInvalidSignatureError);
    await expect(
      f.stranger.relayPatientRegistration(tamper({ directory: f.deployment.consentRegistry })),
    ).rejects.toBeInstanceOf(RangeError);

    await f.stranger.relayPatientRegistration(good);
    expect(await f.registrar.contracts.directory.isPatient(wallet.address)).toBe(true);
    await expect(f.hospital.relayPatientRegistration(good)).rejects.toBeInstanceOf(DirectoryAlreadyRegisteredError);

    const late = await signed(f, (await f.now()) + 60);
    await f.advanceTime(120);
    await expect(f.stranger.relayPatientRegistration(late.signed)).rejects.toBeInstanceOf(
      DirectorySignatureExpiredError,
    );
  });
});

describe("break-glass through the emergency locator", () => {
  it("an emergency provider finds the pseudonyms through custody, never through a public index", async () => {
    const { f, er, service } = await emergencyFixture();
    try {
      const patient = await PseudonymousPatient.connect(patientOptions(f, new Uint8Array(randomBytes(32))));
      const expiresAt = (await f.now()) + 86_400;
      const terms = { read: ["Allergies" as const], write: ["Allergies" as const], expiresAt };
      const h = (await patient.openRelationship(await f.hospital.address(), terms)).relationship;
      const l = (await patient.openRelationship(await f.lab.address(), terms)).relationship;
      const allergy = await f.hospital.addRecord(h.address, penicillinAllergy());

      const placed = await patient.placeLocatorInCustody();
      expect(placed.locator).toBe(patient.emergencyLocator);
      expect(patient.relationships.map((r) => r.address)).not.toContain(placed.locator);
      // Without break-glass on the locator, nobody but the patient reads it: not the ER, not a relationship's provider.
      await expect(findPseudonyms(er, placed.locator)).rejects.toBeInstanceOf(RecordReadConsentRequiredError);
      await expect(findPseudonyms(f.hospital, placed.locator)).rejects.toBeInstanceOf(RecordReadConsentRequiredError);

      const justification = "Unconscious on arrival; emergency card names a Carechain locator";
      await er.openBreakGlass(placed.locator, { justification, durationSeconds: 3600 });
      expect(await findPseudonyms(er, placed.locator)).toEqual([h.address, l.address]);
      await expect(er.readRecord(allergy.recordId, { purpose: "BTG" })).rejects.toBeInstanceOf(
        RecordReadConsentRequiredError,
      );
      await er.openBreakGlass(h.address, { justification, durationSeconds: 3600 });
      expect((await er.readRecord(allergy.recordId, { purpose: "BTG" })).resource).toEqual(penicillinAllergy());

      // A later relationship: placing again amends the locator, and the ER sees the new list.
      const c = (await patient.openRelationship(await f.hospital.address(), terms)).relationship;
      const again = await patient.placeLocatorInCustody();
      expect(again.registration).toBeUndefined();
      expect(again.categories).toBeUndefined();
      expect(await findPseudonyms(er, placed.locator)).toEqual([h.address, l.address, c.address]);
    } finally {
      await service.close();
    }
  });
});
