/**
 * Identity keys derived from a wallet (issue 11, item 5), attacked by a hostile page: the EIP-712 derivation is
 * bound to the chain, the deployment (Directory) and a key version; a `personal_sign` of the old public message —
 * or any other signature a page can obtain outside the exact typed data — gives an unrelated key; the typed data
 * verifies with ethers and with an independent EIP-712 implementation; and an identity derived the old way
 * migrates end to end (rotate the Directory key; old records readable with the new key, for a patient and a
 * provider).
 */
import { recoverTypedSignature, SignTypedDataVersion } from "@metamask/eth-sig-util";
import { getBytes, Signature, TypedDataEncoder, verifyTypedData, Wallet } from "ethers";
import { describe, expect, it } from "vitest";

import {
  Carechain,
  deriveIdentity,
  deriveLegacyIdentity,
  identityFromSignature,
  identityMessage,
  identityTypedData,
  NotARecipientError,
  publicKeyHex,
  type IdentityKeyPair,
  type IdentitySigner,
} from "../../../sdk/index.js";
import { heartRate, registeredFixture } from "../../helpers/fixtures.js";
import { toHex } from "../_support.js";

const wallet = new Wallet("0x" + "42".repeat(32));
const DIRECTORY = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const params = { chainId: 31337n, directory: DIRECTORY, version: 1 };
const key = (identity: IdentityKeyPair) => toHex(identity.publicKey);

describe("deriveIdentity: EIP-712, bound to chain, deployment and version", () => {
  it("is deterministic for one wallet, chain, Directory and version", async () => {
    expect(key(await deriveIdentity(wallet, params))).toBe(key(await deriveIdentity(wallet, params)));
    expect(key(await deriveIdentity(wallet, { chainId: 31337n, directory: DIRECTORY.toLowerCase() }))).toBe(
      key(await deriveIdentity(wallet, params)),
    );
  });

  it("another chain, another deployment or another version gives another key (and another wallet too)", async () => {
    const keys = await Promise.all(
      [
        params,
        { ...params, chainId: 1n },
        { ...params, directory: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512" },
        { ...params, version: 2 },
        { ...params, version: 3 },
      ].map(async (p) => key(await deriveIdentity(wallet, p))),
    );
    keys.push(key(await deriveIdentity(Wallet.createRandom(), params)));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("the typed data verifies with ethers.verifyTypedData and with @metamask/eth-sig-util", async () => {
    const { domain, types, message } = identityTypedData(params);
    const signature = await wallet.signTypedData(domain, types, message);
    expect(verifyTypedData(domain, types, message, signature)).toBe(wallet.address);
    const recovered = recoverTypedSignature({
      data: {
        types: {
          EIP712Domain: [
            { name: "name", type: "string" },
            { name: "version", type: "string" },
            { name: "chainId", type: "uint256" },
            { name: "verifyingContract", type: "address" },
          ],
          IdentityKey: types.IdentityKey!.map((f) => ({ name: f.name, type: f.type })),
        },
        primaryType: "IdentityKey",
        domain: { ...domain, chainId: Number(domain.chainId) } as Record<string, unknown>,
        message,
      },
      signature,
      version: SignTypedDataVersion.V4,
    });
    expect(recovered.toLowerCase()).toBe(wallet.address.toLowerCase());
    expect(message.directory).toBe(DIRECTORY);
    expect(domain.verifyingContract).toBe(DIRECTORY);
    // The key is the one the signature gives, whatever the signature's encoding.
    const derived = key(await deriveIdentity(wallet, params));
    expect(key(identityFromSignature(signature, params))).toBe(derived);
    expect(key(identityFromSignature(Signature.from(signature).compactSerialized, params))).toBe(derived);
    expect(key(identityFromSignature(`0x${signature.slice(2).toUpperCase()}`, params))).toBe(derived);
  });

  it("a hostile page with a personal_sign of the old message (or of the typed-data hash) can't derive the new key", async () => {
    const chainId = params.chainId;
    const newKey = key(await deriveIdentity(wallet, params));
    // What a phishing page can get without the exact typed data: personal_sign of the old public message …
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- the legacy derivation is the subject here
    const oldSignature = await wallet.signMessage(identityMessage(chainId));
    // … which still gives the page the legacy key (the flaw being fixed) …
    /* eslint-disable @typescript-eslint/no-deprecated -- the legacy derivation is the subject here */
    expect(key(await deriveLegacyIdentity({ signMessage: async () => oldSignature }, chainId))).toBe(
      key(await deriveLegacyIdentity(wallet, chainId)),
    );
    /* eslint-enable @typescript-eslint/no-deprecated */
    // … but never the new one, whatever it feeds the public derivation with.
    const { domain, types, message } = identityTypedData(params);
    const digestSigned = await wallet.signMessage(getBytes(TypedDataEncoder.hash(domain, types, message)));
    const otherApp = await wallet.signTypedData({ ...domain, name: "Totally Carechain" }, types, message);
    const otherPurpose = await wallet.signTypedData(domain, types, { ...message, purpose: "Log in to example.org" });
    for (const signature of [oldSignature, digestSigned, otherApp, otherPurpose]) {
      for (const p of [params, { ...params, version: 2 }])
        expect(key(identityFromSignature(signature, p))).not.toBe(newKey);
    }
    // And a wallet that hands over such a signature instead of the typed-data one is refused.
    const lying: IdentitySigner = { getAddress: async () => wallet.address, signTypedData: async () => oldSignature };
    await expect(deriveIdentity(lying, params)).rejects.toThrow(TypeError);
  });

  it("checks its arguments", async () => {
    await expect(deriveIdentity(wallet, { ...params, version: 0 })).rejects.toThrow(RangeError);
    await expect(deriveIdentity(wallet, { ...params, version: 1.5 })).rejects.toThrow(RangeError);
    await expect(deriveIdentity(wallet, { ...params, chainId: 0n })).rejects.toThrow(RangeError);
    await expect(deriveIdentity(wallet, { ...params, directory: "0x1234" })).rejects.toThrow(TypeError);
    expect(() => identityFromSignature("0x1234", params)).toThrow(TypeError);
  });
});

describe("migrating an identity derived the old way (end to end)", () => {
  it("a patient and a provider rotate from the legacy key to the EIP-712 key; old records stay readable", async () => {
    const f = await registeredFixture();
    const signers = await f.connection.ethers.getSigners();
    const [patientSigner, labSigner] = [signers[3]!, signers[2]!];
    const { chainId, directory } = f.deployment;
    // Before: both derived their keys the legacy way and registered them.
    /* eslint-disable @typescript-eslint/no-deprecated -- the legacy derivation is the subject here */
    const patientLegacy = await deriveLegacyIdentity(patientSigner, chainId);
    const labLegacy = await deriveLegacyIdentity(labSigner, chainId);
    /* eslint-enable @typescript-eslint/no-deprecated */
    const connect = (signer: typeof patientSigner, identity: IdentityKeyPair) =>
      Carechain.connect({ deployment: f.deployment, signer, identity, store: f.store, validator: f.validator });
    const patientOld = await connect(patientSigner, patientLegacy);
    await patientOld.rotatePatientKey(patientLegacy); // registered with the legacy key
    const labOld = await connect(labSigner, labLegacy);
    await labOld.rotateProviderKey(labLegacy, []);
    const patient = await patientOld.address();
    await patientOld.grant(await labOld.address(), {
      read: ["VitalSigns"],
      write: ["VitalSigns"],
      expiresAt: new Date(Date.now() + 86_400_000),
    });
    const written = await labOld.addRecord(patient, heartRate(61));

    // Migration: derive the old and the new identity, rotate the Directory key to the new one (re-wrapping).
    const patientNew = await deriveIdentity(patientSigner, { chainId, directory });
    const labNew = await deriveIdentity(labSigner, { chainId, directory });
    expect(key(patientNew)).not.toBe(key(patientLegacy));
    const patientRotation = await patientOld.rotatePatientKey(patientNew);
    const labRotation = await labOld.rotateProviderKey(labNew, [patient]);
    expect(patientRotation.rewrapped).toBeGreaterThanOrEqual(1);
    expect(labRotation.rewrapped).toBeGreaterThanOrEqual(1);
    expect(await f.patient.contracts.directory.encryptionKeyOf(patient)).toBe(publicKeyHex(patientNew));
    expect(await f.patient.contracts.directory.encryptionKeyOf(await labOld.address())).toBe(publicKeyHex(labNew));

    // After: a fresh device derives the new key from the wallet alone and reads the old record.
    const patientDevice = await connect(patientSigner, await deriveIdentity(patientSigner, { chainId, directory }));
    const labDevice = await connect(labSigner, await deriveIdentity(labSigner, { chainId, directory }));
    expect((await patientDevice.readRecord(written.recordId)).resource).toEqual(heartRate(61));
    expect((await labDevice.readRecord(written.recordId, { purpose: "TREAT" })).resource).toEqual(heartRate(61));
    // New records are wrapped for the new keys only.
    const next = await labDevice.addRecord(patient, heartRate(62));
    expect((await patientDevice.readRecord(next.recordId)).resource).toEqual(heartRate(62));
    await expect((await connect(patientSigner, patientLegacy)).readRecord(next.recordId)).rejects.toBeInstanceOf(
      NotARecipientError,
    );
  });
});
