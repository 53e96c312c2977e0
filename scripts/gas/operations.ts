/**
 * Gas of every public state-changing operation of the three contracts, measured on a fresh in-process Hardhat chain
 * with fixed inputs (accounts, keys, CIDs, masks, times), so the same contracts always give the same figures.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { x25519 } from "@noble/curves/ed25519.js";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { hexlify, Wallet, type ContractTransactionResponse, type TransactionReceipt } from "ethers";
import { network } from "hardhat";
import type {} from "@nomicfoundation/hardhat-ethers";

import {
  connectContracts,
  deployCarechain,
  signGrantRequest,
  signRegistrationRequest,
  signRevokeRequest,
} from "../../sdk/index.js";
import { enumValue, DELEGATE_KINDS, PROVIDER_KINDS, PURPOSES } from "../../sdk/contracts/enums.js";

/** Gas used per operation, by `Contract.operation[.variant]`. */
export type GasFigures = Record<string, number>;

const ZERO_HASH = `0x${"00".repeat(32)}`;
/** Far enough ahead of any block time of the run (2100-01-01), fixed so that calldata never changes. */
const EXPIRES_AT = 4_102_444_800n;
const ALL_PURPOSES = (1 << PURPOSES.length) - 1;
const TREAT = enumValue("purpose", PURPOSES, "TREAT");
const ETREAT = enumValue("purpose", PURPOSES, "ETREAT");

const utf8 = (text: string) => new TextEncoder().encode(text);
/** A canonical X25519 public key derived from `seed` (what the Directory takes). */
const keyOf = (seed: string) => hexlify(x25519.getPublicKey(sha256(utf8(`gas key ${seed}`))));
/** The sha2-256 digest named `seed`. */
const digestOf = (seed: string) => sha256(utf8(`gas content ${seed}`));
/** A CIDv1 (raw, sha2-256) of the digest named `seed`. */
const cidOf = (seed: string) => Uint8Array.of(0x01, 0x55, 0x12, 0x20, ...digestOf(seed));

/**
 * Deploys the contracts on a new in-process chain and runs each operation once, in a fixed order (an operation's
 * gas depends on what ran before it: cold or warm slots, first or later writes).
 * @returns Gas used by each operation's transaction, sorted by name.
 * @throws {Error} When a transaction fails or an operation is measured twice (the script is then out of date with
 * the contracts).
 */
export async function measureGas(): Promise<GasFigures> {
  const connection = await network.create();
  try {
    const signers = await connection.ethers.getSigners();
    const [
      admin,
      patientSigner,
      hospitalSigner,
      labSigner,
      emsSigner,
      custodianSigner,
      guardianSigner,
      proxySigner,
      relayerSigner,
    ] = signers;
    const out: GasFigures = {};
    const record = async (name: string, tx: Promise<ContractTransactionResponse>): Promise<TransactionReceipt> => {
      const receipt = await (await tx).wait();
      if (receipt?.status !== 1) throw new Error(`${name}: the transaction failed`);
      if (name in out) throw new Error(`${name}: measured twice`);
      out[name] = Number(receipt.gasUsed);
      return receipt;
    };

    const deployment = await deployCarechain(admin!);
    const provider = connection.ethers.provider;
    for (const [name, address] of [
      ["Directory", deployment.directory],
      ["ConsentRegistry", deployment.consentRegistry],
      ["RecordRegistry", deployment.recordRegistry],
    ] as const) {
      // Deployment: the creation transaction's gas (the contract's nonce-0 deployer is `admin`).
      const receipt = await findCreation(provider, address);
      out[`${name}.deploy`] = Number(receipt.gasUsed);
    }
    const as = (signer: (typeof signers)[number]) => connectContracts(deployment, signer);
    const [a, patient, hospital, _lab, ems, custodian, guardian, proxy, relayer] = await Promise.all(
      [
        admin,
        patientSigner,
        hospitalSigner,
        labSigner,
        emsSigner,
        custodianSigner,
        guardianSigner,
        proxySigner,
        relayerSigner,
      ].map((s) => as(s!)),
    );
    const addr = {
      patient: patientSigner!.address,
      hospital: hospitalSigner!.address,
      lab: labSigner!.address,
      ems: emsSigner!.address,
      custodian: custodianSigner!.address,
      guardian: guardianSigner!.address,
      proxy: proxySigner!.address,
    };
    const kind = (name: (typeof PROVIDER_KINDS)[number]) => enumValue("kind", PROVIDER_KINDS, name);

    // ── Directory ──────────────────────────────────────────────────────────────────────────────────────────
    await record("Directory.registerPatient", patient!.directory.registerPatient(keyOf("patient")));
    // A pseudonym (a fixed key, so the signature and the calldata never change) registered by a relayer.
    const pseudonym = new Wallet(`0x${"5e".repeat(32)}`);
    const registration = {
      patient: pseudonym.address,
      encryptionKey: keyOf("pseudonym"),
      deadline: EXPIRES_AT,
      chainId: deployment.chainId,
      directory: deployment.directory,
    };
    await record(
      "Directory.registerPatientBySig",
      relayer!.directory.registerPatientBySig(
        registration.patient,
        registration.encryptionKey,
        registration.deadline,
        await signRegistrationRequest(pseudonym, registration),
      ),
    );
    await record(
      "Directory.registerProvider",
      a!.directory.registerProvider(addr.hospital, kind("hospital"), keyOf("hospital")),
    );
    await a!.directory.registerProvider(addr.lab, kind("lab"), keyOf("lab")).then((tx) => tx.wait());
    await a!.directory.registerProvider(addr.ems, kind("emergency"), keyOf("ems")).then((tx) => tx.wait());
    await a!.directory.registerProvider(addr.custodian, kind("emergency"), keyOf("custodian")).then((tx) => tx.wait());
    await record("Directory.rotatePatientKey", patient!.directory.rotatePatientKey(keyOf("patient 2")));
    await record("Directory.rotateProviderKey", hospital!.directory.rotateProviderKey(keyOf("hospital 2")));
    await record("Directory.suspendProvider", a!.directory.suspendProvider(addr.lab));
    await record("Directory.reinstateProvider", a!.directory.reinstateProvider(addr.lab));
    await record("Directory.setEmergencyCustodian", a!.directory.setEmergencyCustodian(addr.custodian));
    await record("Directory.setBreakGlassMaxDuration", a!.directory.setBreakGlassMaxDuration(12n * 3600n));
    await record(
      "Directory.setBreakGlassLimits",
      a!.directory.setBreakGlassLimits({ maxPerProvider: 10, maxPerPatient: 4, window: 12n * 3600n, cooldown: 600n }),
    );

    // ── ConsentRegistry ────────────────────────────────────────────────────────────────────────────────────
    const terms = { readMask: 0xffffn, writeMask: 0xffffn, purposes: ALL_PURPOSES, expiresAt: EXPIRES_AT };
    await record("ConsentRegistry.grant.first", patient!.consent.grant(addr.hospital, terms));
    await record(
      "ConsentRegistry.grant.replace",
      patient!.consent.grant(addr.hospital, { ...terms, readMask: 0xfffen }),
    );
    await record(
      "ConsentRegistry.addDelegate.byPatient",
      patient!.consent.addDelegate(addr.patient, addr.guardian, enumValue("kind", DELEGATE_KINDS, "guardian")),
    );
    await record(
      "ConsentRegistry.addDelegate.byGuardian",
      guardian!.consent.addDelegate(addr.patient, addr.proxy, enumValue("kind", DELEGATE_KINDS, "proxy")),
    );
    await record("ConsentRegistry.confirmDelegate", patient!.consent.confirmDelegate(addr.proxy));
    await record("ConsentRegistry.grantFor", guardian!.consent.grantFor(addr.patient, addr.lab, terms));
    await record("ConsentRegistry.revokeFor", proxy!.consent.revokeFor(addr.patient, addr.lab));
    await record(
      "ConsentRegistry.setEmergencyCategories",
      guardian!.consent.setEmergencyCategories(addr.patient, 0x3en),
    );

    const base = { patient: addr.patient, grantee: addr.lab, signer: addr.patient, deadline: EXPIRES_AT };
    const domain = { chainId: deployment.chainId, registry: deployment.consentRegistry };
    const grantRequest = {
      ...base,
      ...domain,
      ...terms,
      epoch: await patient!.consent.consentEpoch(addr.patient, addr.lab),
      nonce: await patient!.consent.nonces(addr.patient),
    };
    const grantSignature = await signGrantRequest(patientSigner!, grantRequest);
    await record("ConsentRegistry.grantBySig", relayer!.consent.grantBySig(grantRequest, grantSignature));
    const revokeRequest = {
      ...base,
      ...domain,
      epoch: await patient!.consent.consentEpoch(addr.patient, addr.lab),
      nonce: await patient!.consent.nonces(addr.patient),
    };
    const revokeSignature = await signRevokeRequest(patientSigner!, revokeRequest);
    await record("ConsentRegistry.revokeBySig", relayer!.consent.revokeBySig(revokeRequest, revokeSignature));
    await record(
      "ConsentRegistry.cancelNonce",
      patient!.consent.cancelNonce(await patient!.consent.nonces(addr.patient)),
    );
    await record(
      "ConsentRegistry.removeDelegate.cascade",
      patient!.consent.removeDelegate(addr.patient, addr.guardian),
    );
    await patient!.consent.grant(addr.lab, terms).then((tx) => tx.wait());
    await record("ConsentRegistry.revoke", patient!.consent.revoke(addr.lab));

    // ── RecordRegistry ─────────────────────────────────────────────────────────────────────────────────────
    const labs = 1n << 6n;
    const recordId = (author: string, seed: string) =>
      hospital!.records.recordIdOf(addr.patient, author, digestOf(seed));
    await record(
      "RecordRegistry.anchor.firstRecord",
      hospital!.records.anchor(addr.patient, labs, cidOf("r1"), cidOf("k1"), ZERO_HASH),
    );
    await record(
      "RecordRegistry.anchor",
      hospital!.records.anchor(addr.patient, labs, cidOf("r2"), cidOf("k2"), ZERO_HASH),
    );
    const r2 = await recordId(addr.hospital, "r2");
    await record(
      "RecordRegistry.anchor.amend",
      hospital!.records.anchor(addr.patient, labs, cidOf("r3"), cidOf("k3"), r2),
    );
    const ids = [await recordId(addr.hospital, "r1"), r2, await recordId(addr.hospital, "r3")];
    for (let i = 4; i <= 10; i++) {
      await hospital!.records
        .anchor(addr.patient, labs, cidOf(`r${i}`), cidOf(`k${i}`), ZERO_HASH)
        .then((tx) => tx.wait());
      ids.push(await recordId(addr.hospital, `r${i}`));
    }
    await record("RecordRegistry.logAccess", hospital!.records.logAccess(ids[0]!, TREAT));
    await record(
      "RecordRegistry.logAccessBatch.10",
      hospital!.records.logAccessBatch(ids.map((id) => ({ recordId: id, purpose: TREAT }))),
    );
    await record("RecordRegistry.publishKeyrings.1", patient!.records.publishKeyrings(ids.slice(0, 1), [cidOf("p1")]));
    await record(
      "RecordRegistry.publishKeyrings.10",
      patient!.records.publishKeyrings(
        ids,
        ids.map((_, i) => cidOf(`p${i}`)),
      ),
    );

    // A batch of 16 leaves in two categories (Allergies, an emergency category, and Laboratory).
    const allergies = 1n << 1n;
    const leaves: [string, string, string][] = [];
    for (let i = 0; i < 16; i++) {
      const mask = i % 2 === 0 ? allergies : labs;
      leaves.push([hexlify(await recordId(addr.hospital, `b${i}`)), mask.toString(), hexlify(digestOf(`bk${i}`))]);
    }
    const tree = StandardMerkleTree.of(leaves, ["bytes32", "uint64", "bytes32"]);
    await record(
      "RecordRegistry.anchorBatch.16",
      hospital!.records.anchorBatch(addr.patient, tree.root, allergies | labs, leaves.length, cidOf("manifest")),
    );
    const batchId = await hospital!.records.batchIdOf(addr.patient, addr.hospital, tree.root);
    const [leafId, leafMask, leafKeyring] = tree.at(0)!;
    await record("RecordRegistry.logBatchAccess", hospital!.records.logBatchAccess(batchId, leafId, leafMask, TREAT));
    await record(
      "RecordRegistry.logBatchAccesses.16",
      hospital!.records.logBatchAccesses(
        batchId,
        leaves.map(([id, mask]) => ({ recordId: id, categories: mask, purpose: TREAT })),
      ),
    );

    // Break-glass on the patient (emergency categories 0x3e include Allergies), the custodian's key releases, and
    // an emergency read.
    const allergy = await recordId(addr.hospital, "allergy");
    await hospital!.records
      .anchor(addr.patient, allergies, cidOf("allergy"), cidOf("allergy key"), ZERO_HASH)
      .then((tx) => tx.wait());
    const justification = hexlify(sha256(utf8("gas: unconscious patient")));
    await record("ConsentRegistry.openBreakGlass", ems!.consent.openBreakGlass(addr.patient, justification, 3600n));
    await record("RecordRegistry.logKeyRelease", custodian!.records.logKeyRelease(allergy, addr.ems));
    await record(
      "RecordRegistry.logBatchKeyRelease",
      custodian!.records.logBatchKeyRelease(batchId, leafId, leafMask, leafKeyring, tree.getProof(0), addr.ems),
    );
    await record("RecordRegistry.logAccess.breakGlass", ems!.records.logAccess(allergy, ETREAT));
    await record("ConsentRegistry.closeBreakGlass", patient!.consent.closeBreakGlass(addr.patient, addr.ems));

    // Erasure markers, last: the records marked are refused from then on.
    await record("RecordRegistry.markErased.1", patient!.records.markErased([allergy], []));
    await record("RecordRegistry.markErased.10", patient!.records.markErased(ids, []));
    await record("RecordRegistry.markErased.batch", patient!.records.markErased([], [batchId]));
    return Object.fromEntries(Object.entries(out).sort(([x], [y]) => x.localeCompare(y)));
  } finally {
    await connection.close();
  }
}

/** The receipt of the transaction that created the contract at `address` (scans the few blocks of the run). */
async function findCreation(
  provider: { getBlockNumber(): Promise<number>; getBlock(n: number, full: true): Promise<unknown> } & {
    getTransactionReceipt(hash: string): Promise<TransactionReceipt | null>;
  },
  address: string,
): Promise<TransactionReceipt> {
  const latest = await provider.getBlockNumber();
  for (let n = 0; n <= latest; n++) {
    const block = (await provider.getBlock(n, true)) as {
      prefetchedTransactions: { hash: string; to: string | null }[];
    } | null;
    for (const tx of block?.prefetchedTransactions ?? []) {
      if (tx.to !== null) continue;
      const receipt = await provider.getTransactionReceipt(tx.hash);
      if (receipt?.contractAddress?.toLowerCase() === address.toLowerCase()) return receipt;
    }
  }
  throw new Error(`no creation transaction for ${address}`);
}
