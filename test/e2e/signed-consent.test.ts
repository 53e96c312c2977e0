import { recoverTypedSignature, signTypedData, SignTypedDataVersion } from "@metamask/eth-sig-util";
import { Wallet } from "ethers";
import { describe, expect, it } from "vitest";

import {
  Carechain,
  CONSENT_TYPES,
  consentDomain,
  ConsentInvalidSignatureError,
  ConsentSignatureExpiredError,
  ConsentSignatureWrongChainError,
  ConsentSignatureWrongContractError,
  ConsentUnauthorizedActorError,
  generateIdentity,
  InvalidAccountNonceError,
  signGrantRequest,
  type GrantRequest,
  type SignedGrant,
} from "./_sdk.js";
import { heartRate, registeredFixture } from "../helpers/fixtures.js";

/** A registered patient whose wallet then holds no ETH at all. */
async function patientWithoutEth() {
  const f = await registeredFixture();
  const wallet = Wallet.createRandom().connect(f.connection.ethers.provider);
  await f.connection.networkHelpers.setBalance(wallet.address, 10n ** 18n);
  const patient = await Carechain.connect({
    deployment: f.deployment,
    signer: wallet,
    identity: generateIdentity(),
    store: f.store,
    validator: f.validator,
  });
  await patient.registerPatient();
  await f.connection.networkHelpers.setBalance(wallet.address, 0n);
  return { f, wallet, patient };
}

/** EIP-712 typed data of a grant request, in eth-sig-util's shape. */
function typedData(request: GrantRequest) {
  const domain = consentDomain(request.chainId, request.registry);
  return {
    types: {
      EIP712Domain: [
        { name: "name", type: "string" },
        { name: "version", type: "string" },
        { name: "chainId", type: "uint256" },
        { name: "verifyingContract", type: "address" },
      ],
      Grant: [...CONSENT_TYPES.Grant],
    },
    primaryType: "Grant" as const,
    domain: {
      name: domain.name!,
      version: domain.version!,
      chainId: Number(domain.chainId),
      verifyingContract: domain.verifyingContract!,
    },
    message: Object.fromEntries(Object.entries(request).map(([k, v]) => [k, typeof v === "bigint" ? v.toString() : v])),
  };
}

describe("gasless consent by EIP-712 signature", () => {
  it("a patient without ETH signs; a relayer submits; the patient sends nothing and pays nothing", async () => {
    const { f, wallet, patient } = await patientWithoutEth();
    const hospital = await f.hospital.address();
    const before = await f.connection.ethers.provider.getTransactionCount(wallet.address);
    const signed = await patient.signGrant(hospital, {
      read: ["VitalSigns"],
      write: ["VitalSigns"],
      expiresAt: (await f.now()) + 3600,
    });
    const relayed = await f.hospital.relayGrant(signed);
    expect(relayed.gasUsed).toBeGreaterThan(0n);
    expect(await patient.canAccess(wallet.address, hospital, "VitalSigns", "write")).toBe(true);
    expect(await f.connection.ethers.provider.getBalance(wallet.address)).toBe(0n);
    expect(await f.connection.ethers.provider.getTransactionCount(wallet.address)).toBe(before);
    const trail = await f.hospital.auditTrail(wallet.address);
    expect(trail.find((e) => e.kind === "ConsentGranted")?.actor).toBe(wallet.address); // attributed to the signer

    const added = await f.hospital.addRecord(wallet.address, heartRate(77));
    const revoke = await patient.signRevoke(hospital);
    await f.stranger.relayRevoke(revoke);
    expect(await patient.canAccess(wallet.address, hospital, "VitalSigns", "read")).toBe(false);
    // The patient reads its own record without ETH: a patient's own reads are not logged on chain.
    const own = await patient.readRecord(added.recordId);
    expect(own.resource).toEqual(heartRate(77));
    expect(own.accessLog).toBeUndefined();
  });

  it("an SDK signature verifies in eth-sig-util, and an eth-sig-util signature is accepted on chain", async () => {
    const { f, wallet, patient } = await patientWithoutEth();
    const hospital = await f.hospital.address();
    const signed = await patient.signGrant(hospital, { read: ["Problems"], expiresAt: (await f.now()) + 3600 });
    const recovered = recoverTypedSignature({
      data: typedData(signed.request),
      signature: signed.signature,
      version: SignTypedDataVersion.V4,
    });
    expect(recovered.toLowerCase()).toBe(wallet.address.toLowerCase());

    const request: GrantRequest = { ...signed.request, grantee: await f.lab.address() };
    const signature = signTypedData({
      privateKey: Buffer.from(wallet.privateKey.slice(2), "hex"),
      data: typedData(request),
      version: SignTypedDataVersion.V4,
    });
    await f.stranger.relayGrant({ request, signature, keyrings: { recordIds: [], keyringCids: [] } });
    expect(await patient.canAccess(wallet.address, await f.lab.address(), "Problems", "read")).toBe(true);
  });

  it("refuses replayed, expired, wrong-chain, wrong-contract, altered and unauthorised signatures, each with its own error", async () => {
    const { f, wallet, patient } = await patientWithoutEth();
    const hospital = await f.hospital.address();
    const terms = { read: ["VitalSigns"] as const, expiresAt: (await f.now()) + 3600 };
    const relay = (s: SignedGrant) => f.hospital.relayGrant(s).catch((e: unknown) => e);
    const resign = async (request: GrantRequest): Promise<SignedGrant> => ({
      request,
      signature: await signGrantRequest(wallet, request),
      keyrings: { recordIds: [], keyringCids: [] },
    });

    const first = await patient.signGrant(hospital, terms);
    await f.hospital.relayGrant(first);
    expect(await relay(first)).toBeInstanceOf(InvalidAccountNonceError);

    const expiring = await patient.signGrant(hospital, terms, { deadline: (await f.now()) + 10 });
    await f.advanceTime(60);
    expect(await relay(expiring)).toBeInstanceOf(ConsentSignatureExpiredError);

    const base = (await patient.signGrant(hospital, terms)).request;
    expect(await relay(await resign({ ...base, chainId: 1n }))).toBeInstanceOf(ConsentSignatureWrongChainError);
    expect(await relay(await resign({ ...base, registry: f.deployment.directory }))).toBeInstanceOf(
      ConsentSignatureWrongContractError,
    );

    const genuine = await patient.signGrant(hospital, terms);
    for (const altered of [
      { ...genuine.request, grantee: await f.lab.address() },
      { ...genuine.request, readMask: genuine.request.readMask | 1n },
      { ...genuine.request, expiresAt: genuine.request.expiresAt + 1n },
      { ...genuine.request, purposes: 0b11 },
    ]) {
      expect(await relay({ ...genuine, request: altered })).toBeInstanceOf(ConsentInvalidSignatureError);
    }
    // The untouched signature still works once after the failed attempts: they did not burn its nonce.
    await f.hospital.relayGrant(genuine);

    const impostor = await f.stranger.signGrant(hospital, terms, { patient: wallet.address });
    expect(await relay(impostor)).toBeInstanceOf(ConsentUnauthorizedActorError);
  });
});
