/**
 * End to end on the in-process chain, through the SDK: addRecord against bare anchor transactions, a batched add
 * (the SDK has no batched add yet: measured here from its parts), and readRecord.
 */
import { getBytes, hexlify } from "ethers";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";

import {
  canonicalJson,
  Category,
  categoryOf,
  createKeyring,
  encodeKeyring,
  encryptEnvelope,
  generateDek,
  generateIdentity,
  type CategoryName,
} from "../../sdk/index.js";
import { benchChain, mined, randomCid, sharedValidator, ZERO_HASH, type BenchChain } from "./chain.js";
import { metric, type Metric } from "./metrics.js";
import { medianMs } from "./timing.js";

/** A small valid FHIR R4 Observation (vital signs): a typical single record. */
export function heartRate(value: number) {
  return {
    resourceType: "Observation",
    status: "final",
    category: [
      { coding: [{ system: "http://terminology.hl7.org/CodeSystem/observation-category", code: "vital-signs" }] },
    ],
    code: { coding: [{ system: "http://loinc.org", code: "8867-4", display: "Heart rate" }] },
    subject: { reference: "Patient/bench" },
    effectiveDateTime: "2026-11-20T09:30:00Z",
    valueQuantity: { value, unit: "beats/minute", system: "http://unitsofmeasure.org", code: "/min" },
  };
}

/** Registers the hospital and the patient, and has the patient grant the hospital every category for a year. */
export async function setUpCare(chain: BenchChain): Promise<void> {
  const { registrar, hospital, patient } = chain;
  await registrar.client.registerProvider(hospital.address, "hospital", hospital.client.identity.publicKey);
  await patient.client.registerPatient();
  const all = Object.keys(Category) as CategoryName[];
  await patient.client.grant(hospital.address, {
    read: all,
    write: all,
    expiresAt: new Date(Date.now() + 365 * 24 * 3600 * 1000),
  });
}

export interface E2eOptions {
  /** addRecord and bare anchors per round, and rounds (alternating). */
  readonly perRound: number;
  readonly rounds: number;
  /** Records in the batched add. */
  readonly batch: number;
  /** readRecord calls. */
  readonly reads: number;
}

export async function e2eMetrics(options: E2eOptions): Promise<Metric[]> {
  const chain = await benchChain();
  try {
    await setUpCare(chain);
    const { hospital, patient } = chain;
    const out: Metric[] = [];
    let n = 0;
    let recipients = 0;
    const addRecord = async () => {
      const added = await hospital.client.addRecord(patient.address, heartRate(40 + (n++ % 100)));
      recipients = added.recipients;
      return added;
    };
    const bareAnchor = async () =>
      mined(hospital.contracts.records.anchor(patient.address, 5, await randomCid(), await randomCid(), ZERO_HASH));

    // addRecord vs bare anchor, in alternating rounds; both grow the same chain.
    const added: string[] = [];
    for (let i = 0; i < 2; i++) {
      added.push((await addRecord()).recordId);
      await bareAnchor();
    }
    let addMs = 0;
    let anchorMs = 0;
    for (let round = 0; round < options.rounds; round++) {
      let start = performance.now();
      for (let i = 0; i < options.perRound; i++) added.push((await addRecord()).recordId);
      addMs += performance.now() - start;
      start = performance.now();
      for (let i = 0; i < options.perRound; i++) await bareAnchor();
      anchorMs += performance.now() - start;
    }
    const count = options.perRound * options.rounds;
    // How much of an addRecord is its keyring (HPKE wraps for every recipient), timed on its own.
    const readers = Array.from({ length: recipients }, () => generateIdentity().publicKey);
    const someCid = await chain.store.put(new Uint8Array(64));
    const keyringMs = await medianMs(() => createKeyring(someCid, generateDek(), readers), 5);
    const addRecordMs = addMs / count;
    out.push(
      metric(
        "e2e.addRecord.perSec",
        count / (addMs / 1000),
        "records/s",
        count / (anchorMs / 1000),
        "Carechain.addRecord of a FHIR Observation (validate, consent check, encrypt, store, keyring, anchor) vs " +
          `bare RecordRegistry.anchor transactions from the same account; ${addRecordMs.toFixed(1)} ms per ` +
          `addRecord, of which its keyring (${recipients} HPKE wraps) ~${keyringMs.toFixed(1)} ms vs ` +
          `${(anchorMs / count).toFixed(1)} ms per bare anchor`,
      ),
    );

    out.push(await batchedAdd(chain, options.batch));

    // readRecord (with its logAccess transaction, the default).
    const reads = added.slice(-options.reads);
    await hospital.client.readRecord(reads[0]!);
    const start = performance.now();
    for (const id of reads) await hospital.client.readRecord(id);
    out.push(
      metric(
        "e2e.readRecord.perSec",
        reads.length / ((performance.now() - start) / 1000),
        "records/s",
        undefined,
        "Carechain.readRecord by a grantee: anchor, consent, keyring and envelope fetched and verified, key " +
          "unwrapped, decrypted, validated, logAccess transaction",
      ),
    );
    return out;
  } finally {
    await chain.close();
  }
}

/**
 * A batched add of `count` records, built from the SDK's parts (it has no batched add yet): per record validate,
 * canonical JSON, encrypt with a fresh key, store, keyring for the patient and the author, store; then the
 * StandardMerkleTree of (recordId, category, keyringDigest) leaves, the manifest, and one anchorBatch transaction.
 */
async function batchedAdd(chain: BenchChain, count: number): Promise<Metric> {
  const { hospital, patient } = chain;
  const validator = sharedValidator();
  const resources = Array.from({ length: count }, (_, i) => heartRate(40 + (i % 100)));
  const phases = { validate: 0, encrypt: 0, store: 0, keyring: 0, anchor: 0 };
  let mark = performance.now();
  const lap = (phase: keyof typeof phases) => {
    const now = performance.now();
    phases[phase] += now - mark;
    mark = now;
  };
  const start = mark;
  const readers = [
    getBytes(await hospital.contracts.directory.encryptionKeyOf(patient.address)),
    hospital.client.identity.publicKey,
  ];
  const leaves: [string, number, string][] = [];
  const manifest: { category: number; content: string; keyring: string }[] = [];
  let categories = 0n;
  lap("anchor");
  for (const resource of resources) {
    const valid = validator.validate(resource);
    const category = categoryOf(valid);
    const json = canonicalJson(valid);
    lap("validate");
    const dek = generateDek();
    const envelope = encryptEnvelope(dek, new TextEncoder().encode(json), recordContext(patient.address, category));
    lap("encrypt");
    const contentCid = await chain.store.put(envelope);
    lap("store");
    const keyring = await createKeyring(contentCid, dek, readers);
    lap("keyring");
    const keyringCid = await chain.store.put(encodeKeyring(keyring));
    leaves.push([hexlify(contentCid.multihash.digest), category, hexlify(keyringCid.multihash.digest)]);
    manifest.push({ category, content: contentCid.toString(), keyring: keyringCid.toString() });
    categories |= 1n << BigInt(category);
    lap("store");
  }
  const tree = StandardMerkleTree.of(leaves, ["bytes32", "uint8", "bytes32"]);
  const manifestCid = await chain.store.put(new TextEncoder().encode(JSON.stringify({ v: 1, records: manifest })));
  await mined(hospital.contracts.records.anchorBatch(patient.address, tree.root, categories, count, manifestCid.bytes));
  lap("anchor");
  const ms = performance.now() - start;
  const share = (phase: keyof typeof phases) => `${phase} ${Math.round((100 * phases[phase]) / ms)}%`;
  return metric(
    "e2e.addRecordBatched.perSec",
    count / (ms / 1000),
    "records/s",
    undefined,
    `${count} records, built from SDK parts (no batched add in the SDK yet): validate, encrypt, store, keyring for ` +
      "patient and author, Merkle tree, manifest, one anchorBatch transaction. Time: " +
      (["validate", "encrypt", "store", "keyring", "anchor"] as const).map(share).join(", ") +
      ` (anchor = tree, manifest and transaction); without the HPKE keyrings: ` +
      `${Math.round(count / ((ms - phases.keyring) / 1000))} records/s`,
  );
}

/** The SDK's record AAD: "carechain/record/v1" || patient (20 bytes) || category (1 byte). */
function recordContext(patient: string, category: number): Uint8Array {
  return new Uint8Array([...new TextEncoder().encode("carechain/record/v1"), ...getBytes(patient), category]);
}
