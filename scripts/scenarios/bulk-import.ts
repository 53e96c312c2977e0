/**
 * The bulk-import scenario: a hospital imports each patient's whole FHIR record as a Bundle, in batches (one Merkle
 * root per batch, one transaction each), and the patient reads back a sample. With `--data DIR` each patient is a
 * real bundle (every entry, e.g. a Synthea export); with the generator, a Bundle of the patient's synthetic
 * resources. Each import step reports its records and gas per record. `--patients N` imports N patients.
 */
import { isDeepStrictEqual } from "node:util";

import { RecordReadConsentRequiredError, RecordWriteConsentRequiredError } from "../../sdk/index.js";
import { defineScenario } from "../pilot/scenario.js";
import { ALL_CATEGORIES, bundleOf, DAY, now } from "./episodes.js";

/** Records per anchored batch (the SDK's default). */
const BATCH_SIZE = 250;
/** Records of each patient read back and compared with the input. */
const SAMPLE = 3;

export default defineScenario({
  name: "bulk-import",
  description:
    "A hospital imports each patient's whole FHIR Bundle (Synthea with --data, else the generator's) in batches of " +
    `up to ${BATCH_SIZE} records, one Merkle root and one transaction per batch, with gas per record; the patient reads ` +
    "back a sample; a batch record's inclusion proof is checked on chain; a lab without consent is refused.",
  async run(pilot, data, { patients }) {
    const hospital = await pilot.provider("St. Elsewhere General Hospital", "hospital");
    const lab = await pilot.provider("Northside Laboratory", "lab");
    pilot.quiet = patients > 2;
    for (let i = 0; i < patients; i++) {
      const name = `Patient ${i + 1}`;
      const bundle = data.bundle?.(i) ?? bundleOf(data.patient(i));
      // Every resource is plaintext input: the privacy scan looks for all of its strings on chain.
      const resources = (bundle.entry ?? []).flatMap((e) => (e.resource ? [pilot.input(e.resource)] : []));
      const patient = await pilot.patient(name);
      if (i === 0) {
        await pilot.refused("import before consent", hospital.name, RecordWriteConsentRequiredError, () =>
          hospital.client.importBundle(patient.address, bundle, { batchSize: BATCH_SIZE }),
        );
      }
      const t = await now(pilot);
      await pilot.step("grant hospital every category (treatment, 1 year)", name, () =>
        patient.client.grant(hospital.address, {
          read: ALL_CATEGORIES,
          write: ALL_CATEGORIES,
          purposes: ["TREAT"],
          expiresAt: t + 365 * DAY,
        }),
      );
      const batches = await pilot.step(`import FHIR bundle (batches of up to ${BATCH_SIZE})`, hospital.name, () =>
        hospital.client.importBundle(patient.address, bundle, { batchSize: BATCH_SIZE }),
      );
      const imported = batches.flatMap((b) => b.records.map((r) => ({ batchId: b.batchId, recordId: r.recordId })));
      if (imported.length !== resources.length)
        throw new Error(`${resources.length} resources in, ${imported.length} records anchored`);
      // Batch records are checked by the runner's batch integrity check (manifest, Merkle proof on chain, blobs).
      pilot.batched.push(...imported);

      await pilot.step("read back a sample of the import", name, async () => {
        for (const k of sample(imported.length, SAMPLE)) {
          const { batchId, recordId } = imported[k]!;
          const read = await patient.client.readRecord(recordId, { batch: batchId });
          if (!isDeepStrictEqual(read.resource, resources[k]))
            throw new Error(`record ${k + 1} does not read back as imported`);
        }
        return undefined;
      });
      if (i === 0) {
        const { batchId, recordId } = imported.at(-1)!;
        await pilot.step(
          "read a batch record (access logged)",
          hospital.name,
          async () => (await hospital.client.readRecord(recordId, { batch: batchId })).accessLog,
        );
        await pilot.step("prove a record's inclusion (Merkle proof, checked on chain)", hospital.name, async () => {
          const { verifiedOnChain } = await hospital.client.proveBatchRecord(batchId, recordId);
          if (!verifiedOnChain) throw new Error("the inclusion proof did not verify on chain");
          return undefined;
        });
        await pilot.refused("read a batch record without consent", lab.name, RecordReadConsentRequiredError, () =>
          lab.client.readRecord(recordId, { batch: batchId }),
        );
      }
      if (pilot.quiet) pilot.progress("patients", i + 1, patients);
    }
    pilot.quiet = false;
  },
});

/** Up to `n` indexes spread over `0..length-1`: the first, the last and evenly between. */
function sample(length: number, n: number): number[] {
  if (length <= n) return [...Array(length).keys()];
  return [...new Set(Array.from({ length: n }, (_, j) => Math.round((j * (length - 1)) / (n - 1))))];
}
