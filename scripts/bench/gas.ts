/**
 * Gas of each contract operation, from real transactions on the in-process chain, against the floor of the same
 * transaction (see {@link gasFloor}).
 */
import { randomBytes } from "node:crypto";

import { getBytes, hexlify, type TransactionReceipt } from "ethers";
import { StandardMerkleTree } from "../../sdk/content/merkle.js";

import { cidOf, connectContracts, CONSENT_TYPES, consentDomain, generateIdentity } from "../../sdk/index.js";
import { benchChain, fullTerms, mined, randomCid, ZERO_HASH, type BenchChain } from "./chain.js";
import { metric, type Metric } from "./metrics.js";
import { enumValue, PROVIDER_KINDS, type ProviderKind } from "../../sdk/contracts/enums.js";

/** The on-chain value of a provider kind. */
const kind = (name: ProviderKind) => enumValue("kind", PROVIDER_KINDS, name);

/** EIP-2028 calldata prices. */
const GAS_PER_NONZERO_BYTE = 16;
const GAS_PER_ZERO_BYTE = 4;
/** Base cost of every transaction. */
const TX_BASE = 21_000;
/** Writing a zero slot with a non-zero value: SSTORE 20,000 + cold slot access 2,100 (EIP-2929). */
const NEW_SLOT = 22_100;
/** LOG costs: 375 per log, 375 per topic, 8 per data byte. */
const LOG_BASE = 375;
const LOG_TOPIC = 375;
const LOG_DATA_BYTE = 8;

/** A transaction's floor and its parts, in gas. */
export interface GasFloor {
  readonly total: number;
  readonly base: number;
  readonly calldata: number;
  readonly storage: number;
  readonly logs: number;
}

/**
 * The least gas a transaction could use to do what it did: the one place the floor is defined.
 *
 * `floor = 21,000 + calldata + 22,100 × newSlots + Σ logs`, where
 * - calldata = 16 gas per non-zero byte + 4 per zero byte of the transaction's input (EIP-2028);
 * - newSlots = the storage slots the operation must newly write (zero → non-zero), each an SSTORE of 20,000 plus
 *   a cold slot access of 2,100 (EIP-2929); slots it clears or updates count 0 (see {@link NEW_SLOTS});
 * - each log = 375 + 375 per topic + 8 per data byte, over the logs the transaction actually emitted.
 *
 * Everything else — cold account and slot reads (2,600 / 2,100), calls between the contracts, hashing, memory,
 * signature recovery, refunds — is what the implementation adds, so `gasUsed / floor` measures the overhead.
 * @param tx - The transaction's input (`data`), its receipt's logs, and the new slots from {@link NEW_SLOTS}.
 */
export function gasFloor(tx: {
  readonly data: string;
  readonly logs: readonly { readonly topics: readonly string[]; readonly data: string }[];
  readonly newSlots: number;
}): GasFloor {
  const input = getBytes(tx.data);
  let calldata = 0;
  for (const byte of input) calldata += byte === 0 ? GAS_PER_ZERO_BYTE : GAS_PER_NONZERO_BYTE;
  const storage = NEW_SLOT * tx.newSlots;
  const logs = tx.logs.reduce(
    (sum, log) => sum + LOG_BASE + LOG_TOPIC * log.topics.length + LOG_DATA_BYTE * getBytes(log.data).length,
    0,
  );
  return { total: TX_BASE + calldata + storage + logs, base: TX_BASE, calldata, storage, logs };
}

/**
 * New storage slots per operation, from the storage layout comments in contracts/interfaces/*.sol.
 * - registerPatient: the account's key slot (key; role bit clear) + registeredAt|keyRotatedAt → 2.
 * - registerProvider: the account's key slot (key; role bit set) + kind|suspended|registeredAt → 2.
 * - grant: ConsentTerms is one slot + the pair's consent epoch (0 → 1; a first grant to this grantee) → 2.
 * - grantBySig: the ConsentTerms slot + the pair's consent epoch + the signer's nonce (0 → 1 on its first signed
 *   request; replay protection must store it) → 3.
 * - revoke: clears the ConsentTerms slot and moves the epoch (an existing slot), writes nothing new → 0.
 * - anchor: RecordVersion slots 0 (patient|codec|amended|anchoredAt) and 1 (author|version|categories) + the new
 *   element of the patient's index → 3; + the index's length slot (0 → 1) on the patient's first record → 4.
 *   `gas.anchor` is a patient's second record (the length slot is then updated, not new);
 *   `gas.anchor.firstRecord` the first.
 * - amend: anchor with `previous` by the record's original author: slots 0, 1 and 2 (previous) + the index
 *   element → 4 (marking the previous version amended updates a slot, it writes no new one; slot 3, the original
 *   author, is written only when the patient or a delegate amends).
 * - logAccess: an event only → 0; logAccessBatch: an event per read → 0 (`perRead.N` = tx gas / N against floor / N).
 * - logBatchAccess: the same for a record of a batch (`gas.logBatchAccess`) → 0; logBatchAccesses: an event per read
 *   of records of one batch → 0 (`perRead.N` = tx gas / N against floor / N).
 * - publishKeyrings: an event per keyring → 0; `gas.publishKeyrings.perKeyring.N` = tx gas / N (a grant's sharing
 *   step and a key rotation publish one keyring per record, in pages of 100).
 * - rotatePatientKey: updates the patient's key slot and its keyRotatedAt → 0.
 * - logKeyRelease: the custodian's log of a break-glass key release, an event only → 0.
 * - anchorBatch: Batch slots 0 (patient|count|anchoredAt), 1 (author|categories) and 2 (root: batches are keyed by
 *   patient, author and root) → 3 per batch, whatever the count.
 */
export const NEW_SLOTS = {
  registerPatient: 2,
  registerProvider: 2,
  grant: 2,
  grantBySig: 3,
  revoke: 0,
  anchor: 3,
  anchorFirstRecord: 4,
  amend: 4,
  logAccess: 0,
  logBatchAccess: 0,
  publishKeyrings: 0,
  rotatePatientKey: 0,
  logKeyRelease: 0,
  anchorBatch: 3,
} as const;

/** A gas metric: gasUsed of the transaction against its floor. */
function gasMetric(
  name: string,
  mined: { response: { data: string }; receipt: TransactionReceipt },
  newSlots: number,
  perRecord = 1,
): Metric {
  const floor = gasFloor({ data: mined.response.data, logs: mined.receipt.logs, newSlots });
  const note =
    `floor ${floor.total} = 21000 + calldata ${floor.calldata} + ${newSlots} new slots ${floor.storage} + logs ${floor.logs}` +
    (perRecord > 1 ? `; per record = tx gas ${mined.receipt.gasUsed} / ${perRecord}` : "");
  return metric(name, Number(mined.receipt.gasUsed) / perRecord, "gas", floor.total / perRecord, note);
}

/**
 * Anchors a batch of `count` random records of `patient` by `chain.hospital`; returns the mined transaction, the
 * batch id and the last leaf's record id and category mask.
 */
export async function anchorRandomBatch(chain: BenchChain, count: number, categories: readonly number[]) {
  const leaves: [string, string, string][] = [];
  for (let i = 0; i < count; i++) {
    const content = await randomCid();
    const keyring = await randomCid();
    const mask = 1n << BigInt(categories[i % categories.length]!);
    leaves.push([hexlify(content.subarray(4)), mask.toString(), hexlify(keyring.subarray(4))]);
  }
  const tree = StandardMerkleTree.of(leaves, ["bytes32", "uint64", "bytes32"]);
  const manifest = await cidOf(new TextEncoder().encode(JSON.stringify(leaves)));
  const mask = categories.reduce((m, c) => m | (1n << BigInt(c)), 0n);
  const tx = await mined(
    chain.hospital.contracts.records.anchorBatch(chain.patient.address, tree.root, mask, count, manifest.bytes),
  );
  // The contract's leaf encoding is StandardMerkleTree's: a proof from the tree verifies on chain.
  const index = count - 1;
  const [recordId, leafMask, keyringDigest] = tree.values[index]!;
  const proof = tree.getProof(index);
  const batchId = await chain.hospital.contracts.records.batchIdOf(
    chain.patient.address,
    chain.hospital.address,
    tree.root,
  );
  if (!(await chain.hospital.contracts.records.verifyBatchRecord(batchId, recordId, leafMask, keyringDigest, proof))) {
    throw new Error("anchorBatch: the on-chain proof check refused a leaf of the tree");
  }
  return { tx, batchId, recordId, leafMask, leaves };
}

/** Runs each operation once on a fresh chain and reports its gas against its floor. */
export async function gasMetrics(options: {
  batchSizes: readonly number[];
  readBatchSizes: readonly number[];
}): Promise<Metric[]> {
  const chain = await benchChain();
  try {
    const { registrar, hospital, lab, patient, relayer } = chain;
    const out: Metric[] = [];
    // A real X25519 public key: the Directory refuses non-canonical and small-order ones.
    const key = () => hexlify(generateIdentity().publicKey);

    out.push(
      gasMetric(
        "gas.registerProvider",
        await mined(registrar.contracts.directory.registerProvider(hospital.address, kind("hospital"), key())),
        NEW_SLOTS.registerProvider,
      ),
    );
    await mined(registrar.contracts.directory.registerProvider(lab.address, kind("lab"), key()));
    out.push(
      gasMetric(
        "gas.registerPatient",
        await mined(patient.contracts.directory.registerPatient(key())),
        NEW_SLOTS.registerPatient,
      ),
    );

    const terms = await fullTerms(chain);
    out.push(
      gasMetric("gas.grant", await mined(patient.contracts.consent.grant(hospital.address, terms)), NEW_SLOTS.grant),
    );

    // grantBySig: the patient signs (EIP-712), the relayer pays. The patient's first signed request (nonce 0 → 1).
    const consentAddress = chain.deployment.consentRegistry;
    const request = {
      patient: patient.address,
      grantee: lab.address,
      readMask: terms.readMask,
      writeMask: terms.writeMask,
      purposes: terms.purposes,
      expiresAt: terms.expiresAt,
      epoch: await patient.contracts.consent.consentEpoch(patient.address, lab.address),
      signer: patient.address,
      nonce: await patient.contracts.consent.nonces(patient.address),
      deadline: terms.expiresAt,
      chainId: chain.deployment.chainId,
      registry: consentAddress,
    };
    const domain = consentDomain(chain.deployment.chainId, consentAddress);
    const signature = await chain.signers[3]!.signTypedData(domain, { Grant: [...CONSENT_TYPES.Grant] }, request);
    out.push(
      gasMetric(
        "gas.grantBySig",
        await mined(relayer.contracts.consent.grantBySig(request, signature)),
        NEW_SLOTS.grantBySig,
      ),
    );
    out.push(gasMetric("gas.revoke", await mined(patient.contracts.consent.revoke(lab.address)), NEW_SLOTS.revoke));

    const anchor = async (previous = ZERO_HASH) => {
      const content = await randomCid();
      const tx = await mined(
        hospital.contracts.records.anchor(patient.address, 1n << 5n, content, await randomCid(), previous),
      );
      const recordId = await hospital.contracts.records.recordIdOf(
        patient.address,
        hospital.address,
        hexlify(content.subarray(4)),
      );
      return { tx, recordId };
    };
    const first = await anchor();
    out.push(gasMetric("gas.anchor.firstRecord", first.tx, NEW_SLOTS.anchorFirstRecord));
    const second = await anchor();
    out.push(gasMetric("gas.anchor", second.tx, NEW_SLOTS.anchor));
    out.push(gasMetric("gas.amend", (await anchor(second.recordId)).tx, NEW_SLOTS.amend));
    out.push(
      gasMetric(
        "gas.logAccess",
        await mined(hospital.contracts.records.logAccess(first.recordId, 0)),
        NEW_SLOTS.logAccess,
      ),
    );
    // logAccessBatch: N reads of N different records of the patient (Treatment), one transaction; per read =
    // tx gas / N. Every record is a distinct cold slot, as reading a patient's history would be.
    const readable = [first.recordId, second.recordId];
    const most = Math.max(0, ...options.readBatchSizes);
    while (readable.length < most) readable.push((await anchor()).recordId);
    for (const count of options.readBatchSizes) {
      const reads = readable.slice(0, count).map((recordId) => ({ recordId, purpose: 0 }));
      out.push(
        gasMetric(
          `gas.logAccessBatch.perRead.${count}`,
          await mined(hospital.contracts.records.logAccessBatch(reads)),
          NEW_SLOTS.logAccess,
          count,
        ),
      );
    }

    // Batches: leaves in two categories (VitalSigns, Laboratory); per record = tx gas / count.
    let last: Awaited<ReturnType<typeof anchorRandomBatch>> | undefined;
    for (const count of options.batchSizes) {
      last = await anchorRandomBatch(chain, count, [5, 6]);
      out.push(gasMetric(`gas.batchAnchor.perRecord.${count}`, last.tx, NEW_SLOTS.anchorBatch, count));
    }
    if (last) {
      out.push(
        gasMetric(
          "gas.logBatchAccess",
          await mined(hospital.contracts.records.logBatchAccess(last.batchId, last.recordId, last.leafMask, 0)),
          NEW_SLOTS.logBatchAccess,
        ),
      );
      // logBatchAccesses: N reads of N records of that batch (Treatment), one transaction; per read = tx gas / N.
      for (const count of options.batchSizes.filter((n) => n <= last.leaves.length)) {
        const reads = last.leaves
          .slice(0, count)
          .map(([recordId, mask]) => ({ recordId, categories: mask, purpose: 0 }));
        out.push(
          gasMetric(
            `gas.logBatchAccesses.perRead.${count}`,
            await mined(hospital.contracts.records.logBatchAccesses(last.batchId, reads)),
            NEW_SLOTS.logBatchAccess,
            count,
          ),
        );
      }
    }

    // publishKeyrings: the patient publishes one keyring per record (its grant's sharing step, its key rotation),
    // a page of 1 and of 100 (the SDK's page).
    const ids = readable.slice(0, 100);
    while (ids.length < 100) ids.push((await anchor()).recordId);
    for (const count of [1, 100]) {
      const page = ids.slice(0, count);
      const cids = await Promise.all(page.map(() => randomCid()));
      out.push(
        gasMetric(
          `gas.publishKeyrings.perKeyring.${count}`,
          await mined(patient.contracts.records.publishKeyrings(page, cids)),
          NEW_SLOTS.publishKeyrings,
          count,
        ),
      );
    }
    out.push(
      gasMetric(
        "gas.rotatePatientKey",
        await mined(patient.contracts.directory.rotatePatientKey(key())),
        NEW_SLOTS.rotatePatientKey,
      ),
    );

    // logKeyRelease: an emergency provider opens break-glass, the named custodian logs releasing it the key of an
    // Allergies record (an emergency category by default).
    const [emergency, custodian] = await Promise.all(
      [6, 7].map((i) => connectContracts(chain.deployment, chain.signers[i]!)),
    );
    const [emergencyAddress, custodianAddress] = [chain.signers[6]!.address, chain.signers[7]!.address];
    await mined(registrar.contracts.directory.registerProvider(emergencyAddress, kind("emergency"), key()));
    await mined(registrar.contracts.directory.registerProvider(custodianAddress, kind("emergency"), key()));
    await mined(registrar.contracts.directory.setEmergencyCustodian(custodianAddress));
    await mined(emergency!.consent.openBreakGlass(patient.address, hexlify(randomBytes(32)), 3600n));
    const allergy = await randomCid();
    await mined(hospital.contracts.records.anchor(patient.address, 1n << 1n, allergy, await randomCid(), ZERO_HASH));
    const allergyId = await hospital.contracts.records.recordIdOf(
      patient.address,
      hospital.address,
      hexlify(allergy.subarray(4)),
    );
    out.push(
      gasMetric(
        "gas.logKeyRelease",
        await mined(custodian!.records.logKeyRelease(allergyId, emergencyAddress)),
        NEW_SLOTS.logKeyRelease,
      ),
    );
    return out;
  } finally {
    await chain.close();
  }
}
