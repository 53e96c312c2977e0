import { describe, expect, it } from "vitest";

import {
  decodeKeyring,
  DecryptionError,
  IntegrityError,
  MemoryBlobStore,
  RecordReadConsentRequiredError,
  RecordWriteConsentRequiredError,
  withRevertDecoding,
  Carechain,
} from "../../sdk/index.js";
import { heartRate, registeredFixture } from "../helpers/fixtures.js";

const ALL = ["VitalSigns", "Problems", "Medications"] as const;

describe("consent rules through the SDK", () => {
  it("canAccess is false after revoke and from the expiry on", async () => {
    const f = await registeredFixture();
    const [patient, hospital] = [await f.patient.address(), await f.hospital.address()];
    const expiresAt = (await f.now()) + 100;
    await f.patient.grant(hospital, { read: ALL, write: ALL, expiresAt });
    expect(await f.patient.canAccess(patient, hospital, "VitalSigns", "read")).toBe(true);
    expect(await f.patient.canAccess(patient, hospital, "VitalSigns", "read", "TREAT")).toBe(true);
    expect(await f.patient.canAccess(patient, hospital, "VitalSigns", "read", "HRESCH")).toBe(false);
    expect(await f.patient.canAccess(patient, hospital, "Laboratory", "read")).toBe(false);

    const added = await f.hospital.addRecord(patient, heartRate(61));
    await f.advanceTime(100);
    expect(await f.patient.canAccess(patient, hospital, "VitalSigns", "read")).toBe(false);
    await expect(f.hospital.readRecord(added.recordId)).rejects.toBeInstanceOf(RecordReadConsentRequiredError);
    await expect(f.hospital.addRecord(patient, heartRate(62))).rejects.toBeInstanceOf(RecordWriteConsentRequiredError);

    await f.patient.grant(hospital, { read: ALL, write: ALL, expiresAt: (await f.now()) + 1000 });
    expect(await f.patient.canAccess(patient, hospital, "VitalSigns", "write")).toBe(true);
    await f.patient.revoke(hospital);
    expect(await f.patient.canAccess(patient, hospital, "VitalSigns", "write")).toBe(false);
    expect(await f.patient.canAccess(patient, hospital, "VitalSigns", "read")).toBe(false);
  });

  it("a suspended provider is refused, and reinstated it has its grant again", async () => {
    const f = await registeredFixture();
    const [patient, hospital] = [await f.patient.address(), await f.hospital.address()];
    await f.patient.grant(hospital, { read: ALL, write: ALL, expiresAt: (await f.now()) + 3600 });
    const added = await f.hospital.addRecord(patient, heartRate(70));
    await f.registrar.suspendProvider(hospital);
    expect(await f.patient.canAccess(patient, hospital, "VitalSigns", "read")).toBe(false);
    await expect(f.hospital.readRecord(added.recordId)).rejects.toBeInstanceOf(RecordReadConsentRequiredError);
    await expect(f.hospital.addRecord(patient, heartRate(71))).rejects.toBeInstanceOf(RecordWriteConsentRequiredError);
    await f.registrar.reinstateProvider(hospital);
    expect((await f.hospital.readRecord(added.recordId)).resource).toEqual(heartRate(70));
  });

  it("the contract itself refuses an anchor without write consent, decoded into the named error", async () => {
    const f = await registeredFixture();
    const patient = await f.patient.address();
    const cid = new Uint8Array([0x01, 0x55, 0x12, 0x20, ...new Uint8Array(32).fill(7)]);
    const error = await withRevertDecoding("anchor", () =>
      f.lab.contracts.records.anchor(patient, 1n << 5n, cid, cid, `0x${"00".repeat(32)}`),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RecordWriteConsentRequiredError);
    expect((error as InstanceType<typeof RecordWriteConsentRequiredError>).args).toEqual({
      patient,
      author: await f.lab.address(),
      category: 5n,
    });
  });
});

describe("what the store holds", () => {
  it("never contains the plaintext; a tampered blob is an IntegrityError; a wrong key a DecryptionError", async () => {
    const store = new MemoryBlobStore();
    const f = await registeredFixture(store);
    const patient = await f.patient.address();
    const resource = {
      resourceType: "Condition",
      subject: { reference: "Patient/quillon-vandermeer" },
      code: { text: "Quillon Vandermeer-Ashcroft syndrome, a very distinctive diagnosis text" },
    };
    const added = await f.patient.addRecord(patient, resource);
    const envelope = await store.get(added.contentCid);
    const keyring = await store.get(added.keyringCid);
    for (const needle of ["Quillon", "Vandermeer", "distinctive diagnosis", "Condition"]) {
      for (const haystack of [envelope, keyring]) {
        expect(Buffer.from(haystack).includes(Buffer.from(needle))).toBe(false);
      }
    }
    expect(decodeKeyring(keyring).recipients).toHaveLength(1);

    // A key pair whose public half is the patient's but whose secret half is not: the keyring entry is found,
    // and opening it fails authentication.
    const impostor = new Carechain({
      contracts: f.patient.contracts,
      signer: (await f.connection.ethers.getSigners())[3]!, // the patient's account
      identity: { publicKey: f.patient.identity.publicKey, secretKey: f.lab.identity.secretKey },
      store,
      validator: f.validator,
    });
    await expect(impostor.readRecord(added.recordId)).rejects.toBeInstanceOf(DecryptionError);

    const altered = envelope.slice();
    altered[altered.length - 1]! ^= 1;
    store.tamper(added.contentCid, altered);
    await expect(f.patient.readRecord(added.recordId)).rejects.toBeInstanceOf(IntegrityError);
    await expect(f.patient.verifyRecord(added.recordId)).rejects.toBeInstanceOf(IntegrityError);
  });

  it("a record mislabelled by a modified author's client (vital signs anchored as Allergies) is refused on read", async () => {
    const store = new MemoryBlobStore();
    const f = await registeredFixture(store);
    const patient = await f.patient.address();
    const {
      canonicalJson,
      createKeyring,
      encodeKeyring,
      encryptEnvelope,
      generateDek,
      Category,
      recordIdOf,
      RecordCategoryMismatchError,
    } = await import("./_sdk.js");
    const { concatBytes, fromHex, utf8 } = await import("../../sdk/crypto/bytes.js");
    const dek = generateDek();
    const mask = new Uint8Array(8);
    new DataView(mask.buffer).setBigUint64(0, 1n << BigInt(Category.Allergies));
    const context = concatBytes(
      utf8("carechain/record/v2"),
      fromHex("patient", patient, 20),
      fromHex("author", patient, 20),
      mask,
    );
    const content = await store.put(encryptEnvelope(dek, utf8(canonicalJson(heartRate(99))), context));
    const keyring = await store.put(encodeKeyring(await createKeyring(content, dek, [f.patient.identity.publicKey])));
    const allergies = 1n << BigInt(Category.Allergies);
    await (
      await f.patient.contracts.records.anchor(patient, allergies, content.bytes, keyring.bytes, `0x${"00".repeat(32)}`)
    ).wait();
    await expect(f.patient.readRecord(recordIdOf(patient, patient, content))).rejects.toBeInstanceOf(
      RecordCategoryMismatchError,
    );
  });
});
