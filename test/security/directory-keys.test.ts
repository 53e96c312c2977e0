import { describe, expect, it } from "vitest";

import {
  Carechain,
  ConsentGranteeNotRegisteredError,
  DirectoryLowOrderEncryptionKeyError,
  DirectoryNonCanonicalEncryptionKeyError,
  generateIdentity,
  InvalidPublicKeyError,
  toHex,
  withRevertDecoding,
} from "../e2e/_sdk.js";
import { extraClients, heartRate, registeredFixture } from "../helpers/fixtures.js";

/** The RFC 7748 encoding of the u-coordinate `u`. */
function encode(u: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = Number((u >> BigInt(8 * i)) & 0xffn);
  return out;
}

const LOW_ORDER = encode(1n);
const WITH_BIT_255 = (() => {
  const key = Uint8Array.from(generateIdentity().publicKey);
  key[31]! |= 0x80;
  return key;
})();

describe("keys that are keys (a hostile reader registering a key nothing can be wrapped for)", () => {
  it("the SDK refuses a small-order or non-canonical key before sending; the Directory refuses it when sent anyway", async () => {
    const f = await registeredFixture();
    const [hostile] = await extraClients(f, 1);
    const address = await hostile!.address();
    const sent = await f.connection.ethers.provider.getTransactionCount(address);
    const signers = await f.connection.ethers.getSigners();
    const withKey = (publicKey: Uint8Array) =>
      new Carechain({
        contracts: hostile!.contracts,
        signer: signers[5]!,
        identity: { publicKey, secretKey: generateIdentity().secretKey },
        store: f.store,
        validator: f.validator,
      });

    await expect(withKey(LOW_ORDER).registerPatient()).rejects.toBeInstanceOf(InvalidPublicKeyError);
    await expect(withKey(WITH_BIT_255).registerPatient()).rejects.toBeInstanceOf(InvalidPublicKeyError);
    expect(await f.connection.ethers.provider.getTransactionCount(address)).toBe(sent); // nothing was sent

    // A modified client sends them anyway.
    const register = (key: Uint8Array) =>
      withRevertDecoding("registerPatient", async () =>
        (await hostile!.contracts.directory.registerPatient(toHex(key))).wait(),
      );
    await expect(register(LOW_ORDER)).rejects.toBeInstanceOf(DirectoryLowOrderEncryptionKeyError);
    await expect(register(WITH_BIT_255)).rejects.toBeInstanceOf(DirectoryNonCanonicalEncryptionKeyError);
    await expect(register(encode((1n << 255n) - 19n))).rejects.toBeInstanceOf(DirectoryNonCanonicalEncryptionKeyError);
    expect(await f.patient.contracts.directory.isPatient(address)).toBe(false);

    // So it can't be granted, and the patient's writes to the category keep working for its real readers.
    const patient = await f.patient.address();
    await expect(
      f.patient.grant(address, { read: ["VitalSigns"], expiresAt: (await f.now()) + 3600 }),
    ).rejects.toBeInstanceOf(ConsentGranteeNotRegisteredError);
    await f.patient.grant(await f.hospital.address(), { read: ["VitalSigns"], expiresAt: (await f.now()) + 3600 });
    const added = await f.patient.addRecord(patient, heartRate(64));
    expect((await f.hospital.readRecord(added.recordId)).resource).toEqual(heartRate(64));
  });

  it("a registrar can't credential, and no one can rotate to, such a key", async () => {
    const f = await registeredFixture();
    const [clinic] = await extraClients(f, 1);
    const clinicAddress = await clinic!.address();
    await expect(f.registrar.registerProvider(clinicAddress, "clinic", LOW_ORDER)).rejects.toBeInstanceOf(
      InvalidPublicKeyError,
    );
    await expect(
      withRevertDecoding("registerProvider", async () =>
        (
          await f.registrar.contracts.directory.registerProvider(clinicAddress, 2, toHex(encode((1n << 255n) - 20n)))
        ).wait(),
      ),
    ).rejects.toBeInstanceOf(DirectoryLowOrderEncryptionKeyError);

    const patient = await f.patient.address();
    const before = await f.patient.contracts.directory.encryptionKeyOf(patient);
    const bad = { publicKey: WITH_BIT_255, secretKey: generateIdentity().secretKey };
    await expect(f.patient.rotatePatientKey(bad)).rejects.toBeInstanceOf(InvalidPublicKeyError);
    await expect(f.hospital.rotateProviderKey(bad, [patient])).rejects.toBeInstanceOf(InvalidPublicKeyError);
    await expect(
      withRevertDecoding("rotatePatientKey", async () =>
        (await f.patient.contracts.directory.rotatePatientKey(toHex(LOW_ORDER))).wait(),
      ),
    ).rejects.toBeInstanceOf(DirectoryLowOrderEncryptionKeyError);
    await expect(
      withRevertDecoding("rotateProviderKey", async () =>
        (await f.hospital.contracts.directory.rotateProviderKey(toHex(WITH_BIT_255))).wait(),
      ),
    ).rejects.toBeInstanceOf(DirectoryNonCanonicalEncryptionKeyError);
    expect(await f.patient.contracts.directory.encryptionKeyOf(patient)).toBe(before);
  });
});
