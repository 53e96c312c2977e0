/**
 * End to end on the in-process chain, through the SDK: addRecord against bare anchor transactions, addRecords (one
 * batch), and readRecord.
 */
import { Category, createKeyring, generateDek, generateIdentity, type CategoryName } from "../../sdk/index.js";
import { benchChain, mined, randomCid, rpcMeter, ZERO_HASH, type BenchChain } from "./chain.js";
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
      // A new value each time: the same content by the same author for the same patient is the same record.
      const added = await hospital.client.addRecord(patient.address, heartRate(40 + n++));
      recipients = added.recipients;
      return added;
    };
    const bareAnchor = async () =>
      mined(
        hospital.contracts.records.anchor(patient.address, 1n << 5n, await randomCid(), await randomCid(), ZERO_HASH),
      );

    // addRecord vs bare anchor, in alternating rounds; both grow the same chain.
    const added: string[] = [];
    for (let i = 0; i < 2; i++) {
      added.push((await addRecord()).recordId);
      await bareAnchor();
    }
    let addMs = 0;
    let anchorMs = 0;
    const rpc = rpcMeter(chain);
    for (let round = 0; round < options.rounds; round++) {
      let start = performance.now();
      rpc.counting = true;
      for (let i = 0; i < options.perRound; i++) added.push((await addRecord()).recordId);
      rpc.counting = false;
      addMs += performance.now() - start;
      start = performance.now();
      for (let i = 0; i < options.perRound; i++) await bareAnchor();
      anchorMs += performance.now() - start;
    }
    const count = options.perRound * options.rounds;
    // How much of an addRecord is its keyring (HPKE wraps for every recipient), timed on its own.
    const readers = Array.from({ length: recipients }, () => generateIdentity().publicKey);
    const someCid = await chain.store.put(new Uint8Array(64));
    const keyringMs = await medianMs(() => createKeyring(someCid, generateDek(), readers), 15);
    const addRecordMs = addMs / count;
    out.push(
      metric(
        "e2e.addRecord.perSec",
        count / (addMs / 1000),
        "records/s",
        count / (anchorMs / 1000),
        "Carechain.addRecord of a FHIR Observation (validate, consent check, encrypt, store, keyring, anchor) vs " +
          `bare RecordRegistry.anchor transactions from the same account. Per addRecord: ${addRecordMs.toFixed(1)} ms, ` +
          `of which ${(rpc.requests / count).toFixed(0)} JSON-RPC requests ${(rpc.ms / count).toFixed(1)} ms ` +
          `(${[...rpc.methods]
            .sort((a, b) => b[1] - a[1])
            .map(([m, k]) => `${m} ${(k / count).toFixed(1)}`)
            .join(", ")}) ` +
          `and its keyring (${recipients} HPKE wraps) ~${keyringMs.toFixed(1)} ms; a bare anchor: ` +
          `${(anchorMs / count).toFixed(1)} ms; reader checks ${viewsNote(hospital.client)}`,
      ),
    );

    out.push(await batchedAdd(chain, rpc, options.batch, recipients, keyringMs));

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

/** How the client's views went: batches through Multicall3 vs one call at a time, and reader-index scans. */
function viewsNote(client: BenchChain["hospital"]["client"]): string {
  const views = client.context.views.stats();
  const index = client.context.readerIndex.stats();
  return (
    `${views.aggregated} batched (Multicall3) / ${views.sequential} one by one; reader index ${index.builds} ` +
    `build(s), ${index.updates} incremental update(s)`
  );
}

/**
 * `Carechain.addRecords` of `count` records in one batch: validate, consent and readers in one batched view, one
 * batch key wrapped per reader, then per record encrypt, store, seal its key under the batch key, store; the
 * manifest, the Merkle root and one anchorBatch transaction.
 */
async function batchedAdd(
  chain: BenchChain,
  rpc: ReturnType<typeof rpcMeter>,
  count: number,
  recipients: number,
  keyringMs: number,
): Promise<Metric> {
  const { hospital, patient } = chain;
  const resources = Array.from({ length: count }, (_, i) => heartRate(40 + (i % 100)));
  await hospital.client.addRecords(patient.address, resources.slice(0, 2)); // warm-up
  Object.assign(rpc, { requests: 0, ms: 0, counting: true });
  const start = performance.now();
  const result = await hospital.client.addRecords(patient.address, resources);
  const ms = performance.now() - start;
  rpc.counting = false;
  if (result.records.length !== count) throw new Error(`addRecords anchored ${result.records.length} records`);
  return metric(
    "e2e.addRecordBatched.perSec",
    count / (ms / 1000),
    "records/s",
    undefined,
    `Carechain.addRecords of ${count} Observations in one anchorBatch transaction: ${(ms / count).toFixed(2)} ms ` +
      `per record; v3 keyrings: ${recipients} HPKE wraps for the whole batch (~${keyringMs.toFixed(1)} ms, median ` +
      `of 15), each record key sealed under the batch key; ${rpc.requests} JSON-RPC requests for the whole batch ` +
      `(${rpc.ms.toFixed(0)} ms)`,
  );
}
