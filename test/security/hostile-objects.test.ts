/**
 * Issue 11, items 1, 4, 7, 8 and 13 (client side), attacked the way an adversary would: a hostile batch writer, a
 * hostile keyring publisher, a hostile writer planting objects that can't be read, a reader with a small-order
 * Directory key, and a writer of oversized objects. Each test asserts the attacker did not get what it wanted.
 */
import { describe, expect, it, vi } from "vitest";

import {
  BatchCategoryNotDeclaredError,
  Carechain,
  Category,
  CarechainError,
  createKeyring,
  DecryptionError,
  decryptEnvelope,
  encodeKeyring,
  FormatError,
  generateDek,
  generateIdentity,
  IntegrityError,
  InvalidPublicKeyError,
  MAX_KEYRING_BYTES,
  MAX_MANIFEST_BYTES,
  MAX_RECORD_BYTES,
  MAX_RECORD_ENVELOPE_BYTES,
  openKeyring,
  RecordUnauthorizedPublisherError,
  SizeLimitError,
  toHex,
  withRevertDecoding,
  wrapKey,
  type SkippedObject,
} from "../e2e/_sdk.js";
import { encodeManifest } from "../../sdk/client/batch.js";
import { extraClients, heartRate, penicillinAllergy, registeredFixture } from "../helpers/fixtures.js";
import {
  anchorBatchWithManifest,
  anchorRaw,
  anchorRawBatch,
  missingCid,
  plantDirectoryKey,
  publishRaw,
  recordContext,
  sealRecord,
} from "../e2e/_hostile.js";

const utf8 = (text: string) => new TextEncoder().encode(text);
const HOUR = 3600;
/** An X25519 point of order 8 (libsodium's blocklist), canonical: a key anyone can "decrypt" for. */
const SMALL_ORDER = Uint8Array.from(
  Buffer.from("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800", "hex"),
);

type Fixture = Awaited<ReturnType<typeof registeredFixture>>;

/** A second client of the hospital's account and key, with access logging off. */
async function quietHospital(f: Fixture): Promise<Carechain> {
  const signers = await f.connection.ethers.getSigners();
  return Carechain.connect({
    deployment: f.deployment,
    signer: signers[1]!,
    identity: f.hospital.identity,
    store: f.store,
    validator: f.validator,
    logAccess: false,
  });
}

/** What a skipped list says, in a comparable shape. */
function describeSkipped(skipped: readonly SkippedObject[]) {
  return skipped.map((s) => ({
    ...(s.recordId ? { recordId: s.recordId } : {}),
    ...(s.batch ? { batch: s.batch } : {}),
    ...(s.keyringCid ? { keyringCid: s.keyringCid } : {}),
    ...(s.recipientKey ? { recipientKey: s.recipientKey } : {}),
    error: s.error.constructor.name,
  }));
}

/** The ids of `patient`'s RecordAccessed events. */
async function accessedIds(f: Fixture, patient: string): Promise<string[]> {
  return (await f.patient.auditTrail(patient)).filter((e) => e.kind === "RecordAccessed").map((e) => e.recordId!);
}

describe("issue 11.1: a hostile batch writer lists an entry in a category the batch did not declare", () => {
  it("the patient, a grantee with logging off and a grantee with logging on all refuse it; the declared entry reads", async () => {
    const f = await registeredFixture();
    const [patient, hospital] = [await f.patient.address(), await f.hospital.address()];
    // The hospital may read allergies but only write vital signs.
    await f.patient.grant(hospital, {
      read: ["VitalSigns", "Allergies"],
      write: ["VitalSigns"],
      expiresAt: (await f.now()) + HOUR,
    });
    const readers = [f.patient.identity.publicKey, f.hospital.identity.publicKey];
    const good = await sealRecord(f.store, patient, hospital, [Category.VitalSigns], heartRate(70), readers);
    const planted = await sealRecord(f.store, patient, hospital, [Category.Allergies], penicillinAllergy(), readers);
    // On chain only VitalSigns is declared, so only that write consent is checked: the anchor goes through.
    const root = await anchorRawBatch(f.hospital, f.store, patient, [good.entry, planted.entry], [Category.VitalSigns]);
    const quiet = await quietHospital(f);

    for (const [who, reader] of [
      ["patient", f.patient],
      ["grantee, logging off", quiet],
      ["grantee, logging on", f.hospital],
    ] as const) {
      const error = await reader.readRecord(planted.entry.recordId, { batch: root }).catch((e: unknown) => e);
      expect(error, who).toBeInstanceOf(BatchCategoryNotDeclaredError);
      expect((error as CarechainError).code, who).toBe("BATCH_CATEGORY_NOT_DECLARED");
    }
    // Nothing was logged for the planted entry (the logging reader stopped before any transaction).
    expect(await accessedIds(f, patient)).not.toContain(planted.entry.recordId);
    // Its inclusion proof is refused too.
    await expect(f.patient.proveBatchRecord(root, planted.entry.recordId)).rejects.toBeInstanceOf(IntegrityError);

    // The declared entry is a record of the batch for everyone.
    expect((await f.patient.readRecord(good.entry.recordId, { batch: root })).resource).toEqual(heartRate(70));
    expect((await quiet.readRecord(good.entry.recordId, { batch: root })).resource).toEqual(heartRate(70));
    expect((await f.hospital.readRecord(good.entry.recordId, { batch: root })).accessLog).toBeDefined();

    // Listing shows the declared entry and reports the planted one.
    const listed = await f.patient.listRecords(patient);
    expect(listed.map((r) => r.recordId)).toEqual([good.entry.recordId]);
    expect(describeSkipped(listed.skipped)).toEqual([
      { recordId: planted.entry.recordId, batch: root, error: "BatchCategoryNotDeclaredError" },
    ]);
  });
});

describe("issue 11.4: keyrings can't lock readers out", () => {
  it("a consented reader publishes a wrong-key, a garbage and a missing keyring: the grantee still reads, all three reported", async () => {
    const f = await registeredFixture();
    const [clinic] = await extraClients(f, 1);
    const [patient, hospital, lab, clinicAddress] = (await Promise.all(
      [f.patient, f.hospital, f.lab, clinic!].map((c) => c.address()),
    )) as [string, string, string, string];
    await f.registrar.registerProvider(clinicAddress, "clinic", clinic!.identity.publicKey);
    const expiresAt = (await f.now()) + HOUR;
    await f.patient.grant(hospital, { read: ["VitalSigns"], write: ["VitalSigns"], expiresAt });
    const record = await f.hospital.addRecord(patient, heartRate(88));
    // The lab is granted later, by a signed grant it relays itself: its key reaches it through a keyring the lab
    // published (so the patient's own keyrings, tried first, don't hold it).
    const granted = await f.lab.relayGrant(await f.patient.signGrant(lab, { read: ["VitalSigns"], expiresAt }));
    expect(granted.shared).toBe(1);
    // The clinic, a consented reader (so a publisher on chain), turns hostile.
    await f.patient.grant(clinicAddress, { read: ["VitalSigns"], expiresAt });

    // A keyring whose entry for the lab opens under HPKE but holds another key.
    const wrong = await createKeyring(record.contentCid, generateDek(), [f.lab.identity.publicKey]);
    const wrongCid = await f.store.put(encodeKeyring(wrong));
    const garbageCid = await f.store.put(utf8("{not a keyring"));
    const goneCid = await missingCid("keyring");
    for (const cid of [wrongCid, garbageCid, goneCid]) await publishRaw(clinic!, record.recordId, cid);

    // What the attack relied on: the wrong key opens, and does not decrypt.
    const bogus = await openKeyring(wrong, record.contentCid, f.lab.identity);
    const envelope = await f.store.get(record.contentCid);
    expect(() => decryptEnvelope(bogus, envelope, recordContext(patient, hospital, [Category.VitalSigns]))).toThrow(
      DecryptionError,
    );

    // The lab checks each candidate against the envelope (newest keyring first) and falls through to its own.
    // (The clinic's keyrings are not the patient's, so they are tried among the others', newest first.)
    const read = await f.lab.readRecord(record.recordId);
    expect(read.resource).toEqual(heartRate(88));
    expect(describeSkipped(read.skipped)).toEqual([
      { recordId: record.recordId, keyringCid: goneCid.toString(), error: "BlobNotFoundError" },
      { recordId: record.recordId, keyringCid: garbageCid.toString(), error: "FormatError" },
      { recordId: record.recordId, keyringCid: wrongCid.toString(), error: "DecryptionError" },
    ]);
    // Readers whose anchored keyring holds their key are not even slowed down; nor are those the patient shared with.
    expect((await f.hospital.readRecord(record.recordId)).skipped).toEqual([]);
    const [late] = await extraClients(f, 2).then((c) => c.slice(1));
    await f.registrar.registerProvider(await late!.address(), "clinic", late!.identity.publicKey);
    await f.patient.grant(await late!.address(), { read: ["VitalSigns"], expiresAt });
    await publishRaw(
      clinic!,
      record.recordId,
      await f.store.put(
        encodeKeyring(await createKeyring(record.contentCid, generateDek(), [late!.identity.publicKey])),
      ),
    );
    expect((await late!.readRecord(record.recordId)).skipped).toEqual([]);
  });

  it("a break-glass reader can't publish keyrings on chain (RecordUnauthorizedPublisher)", async () => {
    const f = await registeredFixture();
    const [ems] = await extraClients(f, 1);
    const [patient, emsAddress] = [await f.patient.address(), await ems!.address()];
    await f.registrar.registerProvider(emsAddress, "emergency", ems!.identity.publicKey);
    const allergy = await f.patient.addRecord(patient, penicillinAllergy());
    await ems!.openBreakGlass(patient, { justification: "unconscious, suspected anaphylaxis", durationSeconds: HOUR });
    expect(await ems!.canAccess(patient, emsAddress, "Allergies", "read", "BTG")).toBe(true);

    const bogus = await f.store.put(
      encodeKeyring(await createKeyring(allergy.contentCid, generateDek(), [f.patient.identity.publicKey])),
    );
    const error = await withRevertDecoding("publishKeyrings", () =>
      ems!.contracts.records.publishKeyrings([allergy.recordId], [bogus.bytes]),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RecordUnauthorizedPublisherError);
    expect((await f.patient.readRecord(allergy.recordId)).skipped).toEqual([]);
  });
});

describe("issue 11.7: one bad object never blocks a patient", () => {
  it("missing and garbage manifests, a garbage keyring, a wrong-key keyring: list, history, grant and key rotation work and report them", async () => {
    const f = await registeredFixture();
    const [patient, hospital, lab] = (await Promise.all([f.patient, f.hospital, f.lab].map((c) => c.address()))) as [
      string,
      string,
      string,
    ];
    const expiresAt = (await f.now()) + HOUR;
    await f.patient.grant(hospital, { read: ["VitalSigns"], write: ["VitalSigns"], expiresAt });
    const v1 = await f.hospital.addRecord(patient, heartRate(70));
    const v2 = await f.hospital.amendRecord(v1.recordId, heartRate(71));
    const batch = await f.hospital.addRecords(patient, [heartRate(80)]);

    // The hospital turns hostile and plants objects nobody can read.
    const goneManifest = await anchorBatchWithManifest(
      f.hospital,
      patient,
      [Category.VitalSigns],
      1,
      await missingCid("manifest"),
    );
    const garbageManifest = await anchorBatchWithManifest(
      f.hospital,
      patient,
      [Category.VitalSigns],
      1,
      await f.store.put(utf8("[]")),
    );
    const readers = [f.patient.identity.publicKey, f.hospital.identity.publicKey];
    const garbageKeyring = await sealRecord(f.store, patient, hospital, [Category.VitalSigns], heartRate(90), readers);
    const garbageId = await anchorRaw(
      f.hospital,
      patient,
      [Category.VitalSigns],
      garbageKeyring.contentCid,
      await f.store.put(utf8("\u0000garbage")),
    );
    const wrongKey = await sealRecord(f.store, patient, hospital, [Category.VitalSigns], heartRate(91), readers);
    const wrongKeyring = await f.store.put(
      encodeKeyring(await createKeyring(wrongKey.contentCid, generateDek(), readers)),
    );
    const wrongId = await anchorRaw(f.hospital, patient, [Category.VitalSigns], wrongKey.contentCid, wrongKeyring);

    const badBatches = [
      { batch: goneManifest, error: "BlobNotFoundError" },
      { batch: garbageManifest, error: "FormatError" },
    ];
    const badRecords = [
      { recordId: garbageId, error: "FormatError" },
      { recordId: wrongId, error: "DecryptionError" },
    ];

    // listRecords: everything readable on chain is listed; the two bad batches are reported.
    const listed = await f.patient.listRecords(patient);
    expect(new Set(listed.map((r) => r.recordId))).toEqual(
      new Set([v1.recordId, v2.recordId, batch.records[0]!.recordId, garbageId, wrongId]),
    );
    expect(describeSkipped(listed.skipped)).toEqual(badBatches);
    // The report does not change what the list is: an array of anchors.
    expect(Object.keys(listed)).toHaveLength(5);

    // history
    const history = await f.patient.history(v2.recordId);
    expect(history.map((r) => r.recordId)).toEqual([v1.recordId, v2.recordId]);
    expect(describeSkipped(history.skipped)).toEqual(badBatches);

    // Reading a planted record fails with a typed error, and only that record.
    await expect(f.patient.readRecord(garbageId)).rejects.toBeInstanceOf(FormatError);
    await expect(f.patient.readRecord(wrongId)).rejects.toBeInstanceOf(DecryptionError);

    // grant: the sharing step shares what it can and reports the rest.
    const grant = await f.patient.grant(lab, { read: ["VitalSigns"], expiresAt });
    expect(grant.shared).toBe(2);
    expect(describeSkipped(grant.skipped)).toEqual([...badBatches, ...badRecords]);
    expect((await f.lab.readRecord(v1.recordId)).resource).toEqual(heartRate(70));

    // rotatePatientKey after a compromise: goes through, re-wraps every good record, reports the bad ones.
    const rotation = await f.patient.rotatePatientKey(generateIdentity());
    expect(rotation.rewrapped).toBe(2);
    expect(describeSkipped(rotation.skipped)).toEqual([...badBatches, ...badRecords]);
    for (const skipped of rotation.skipped) expect(skipped.error).toBeInstanceOf(CarechainError);
    expect(toHex(rotation.client.identity.publicKey)).toBe(
      await f.patient.contracts.directory.encryptionKeyOf(patient),
    );
    expect((await rotation.client.readRecord(v1.recordId)).resource).toEqual(heartRate(70));
    expect((await rotation.client.readRecord(v2.recordId)).resource).toEqual(heartRate(71));
  });
});

describe("issue 11.8: a reader with a small-order Directory key", () => {
  it("writes succeed for everyone else and list the skipped reader; sharing with such a grantee reports it", async () => {
    const f = await registeredFixture();
    const [clinic] = await extraClients(f, 1);
    const [patient, hospital, lab, clinicAddress] = (await Promise.all(
      [f.patient, f.hospital, f.lab, clinic!].map((c) => c.address()),
    )) as [string, string, string, string];
    await f.registrar.registerProvider(clinicAddress, "clinic", clinic!.identity.publicKey);
    const expiresAt = (await f.now()) + HOUR;
    await f.patient.grant(hospital, { read: ["VitalSigns"], write: ["VitalSigns"], expiresAt });
    await f.patient.grant(lab, { read: ["VitalSigns"], expiresAt });
    // The lab's key becomes a point of order 8 (written to storage: the Directory may refuse to register it).
    await plantDirectoryKey(f, lab, SMALL_ORDER);
    // What used to make every write fail: HPKE refuses to seal for it.
    await expect(wrapKey(SMALL_ORDER, generateDek(), utf8("info"))).rejects.toThrow();

    const record = await f.hospital.addRecord(patient, heartRate(64));
    expect(record.recipients).toBe(2);
    expect(record.skippedRecipients.map((s) => [s.key, s.error.constructor])).toEqual([
      [toHex(SMALL_ORDER), InvalidPublicKeyError],
    ]);
    expect((await f.patient.readRecord(record.recordId)).resource).toEqual(heartRate(64));
    expect((await f.hospital.readRecord(record.recordId)).resource).toEqual(heartRate(64));

    const batch = await f.hospital.addRecords(patient, [heartRate(65), heartRate(66)]);
    expect(batch.skippedRecipients.map((s) => s.key)).toEqual([toHex(SMALL_ORDER)]);
    expect((await f.patient.readRecord(batch.records[1]!.recordId, { batch: batch.batchId })).resource).toEqual(
      heartRate(66),
    );

    // A grantee whose key is not canonical: the grant stands, sharing reports the key. The Directory's key slot
    // can't hold a key with bit 255 set (that bit marks providers), so the key is u = p + 2 >= p = 2^255 - 19
    // (little-endian: 0xef, then 30 × 0xff, then 0x7f), the other kind of non-canonical encoding.
    const nonCanonical = new Uint8Array(32).fill(0xff);
    nonCanonical[0] = 0xef;
    nonCanonical[31] = 0x7f;
    await plantDirectoryKey(f, clinicAddress, nonCanonical);
    const grant = await f.patient.grant(clinicAddress, { read: ["VitalSigns"], expiresAt });
    expect(grant.shared).toBe(0);
    expect(describeSkipped(grant.skipped)).toEqual([
      { recipientKey: toHex(nonCanonical), error: "InvalidPublicKeyError" },
    ]);
    expect(await f.patient.canAccess(patient, clinicAddress, "VitalSigns", "read")).toBe(true);
  });
});

describe("issue 11.13: hostile sizes, refused before parsing; the writer refuses to make them", () => {
  it("an oversized keyring, record envelope and manifest from a hostile writer are refused with SizeLimitError", async () => {
    const f = await registeredFixture();
    const [patient, hospital] = [await f.patient.address(), await f.hospital.address()];
    await f.patient.grant(hospital, { read: ["VitalSigns"], write: ["VitalSigns"], expiresAt: (await f.now()) + HOUR });
    const readers = [f.patient.identity.publicKey, f.hospital.identity.publicKey];

    // A genuine keyring padded with JSON whitespace to one byte over the limit: it would parse and open.
    const sealed = await sealRecord(f.store, patient, hospital, [Category.VitalSigns], heartRate(70), readers);
    const genuine = encodeKeyring(await createKeyring(sealed.contentCid, sealed.dek, readers));
    const padded = new Uint8Array(MAX_KEYRING_BYTES + 1).fill(0x20);
    padded.set(genuine);
    const bigKeyringId = await anchorRaw(
      f.hospital,
      patient,
      [Category.VitalSigns],
      sealed.contentCid,
      await f.store.put(padded),
    );
    const keyringError = await f.patient.readRecord(bigKeyringId).catch((e: unknown) => e);
    expect(keyringError).toBeInstanceOf(SizeLimitError);
    expect((keyringError as SizeLimitError).limit).toBe("keyringBytes");

    // An envelope over the record limit (with a genuine keyring for it).
    const bigEnvelope = await f.store.put(new Uint8Array(MAX_RECORD_ENVELOPE_BYTES + 1).fill(7));
    const bigKeyring = await f.store.put(encodeKeyring(await createKeyring(bigEnvelope, generateDek(), readers)));
    const bigRecordId = await anchorRaw(f.hospital, patient, [Category.VitalSigns], bigEnvelope, bigKeyring);
    const recordError = await f.patient.readRecord(bigRecordId).catch((e: unknown) => e);
    expect(recordError).toBeInstanceOf(SizeLimitError);
    expect((recordError as SizeLimitError).limit).toBe("recordEnvelopeBytes");

    // A manifest over the limit: the batch is skipped and reported, the rest listed.
    const manifest = encodeManifest({ v: 2, patient, author: hospital, records: [sealed.entry] });
    const bigManifest = new Uint8Array(MAX_MANIFEST_BYTES + 1).fill(0x20);
    bigManifest.set(manifest);
    const root = await anchorBatchWithManifest(
      f.hospital,
      patient,
      [Category.VitalSigns],
      1,
      await f.store.put(bigManifest),
    );
    const listed = await f.patient.listRecords(patient);
    expect(listed.map((r) => r.recordId).sort()).toEqual([bigKeyringId, bigRecordId].sort());
    expect(describeSkipped(listed.skipped)).toEqual([{ batch: root, error: "SizeLimitError" }]);
    expect(listed.skipped[0]!.error).toHaveProperty("limit", "manifestBytes");
  });

  it("the writer refuses a record over MAX_RECORD_BYTES before validating it: nothing stored or anchored", async () => {
    const f = await registeredFixture();
    const patient = await f.patient.address();
    const huge = { ...heartRate(70), note: [{ text: "x".repeat(MAX_RECORD_BYTES) }] };
    const validate = vi.spyOn(f.validator, "validate");
    const error = await f.patient.addRecord(patient, huge).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SizeLimitError);
    expect((error as SizeLimitError).limit).toBe("recordBytes");
    await expect(f.patient.addRecords(patient, [heartRate(1), huge])).rejects.toBeInstanceOf(SizeLimitError);
    expect(validate).not.toHaveBeenCalled();
    validate.mockRestore();
    expect(await f.patient.contracts.records.recordCount(patient)).toBe(0n);
    expect(await f.patient.pendingWrites()).toEqual([]);
  });
});
