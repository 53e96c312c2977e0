/**
 * The default consortium pilot: a hospital, clinic, lab, pharmacy, insurer, research organisation and emergency
 * service; patients with consent and records; a referral to a specialist by a signed grant from a patient who
 * holds no ETH; an insurer reading for payment only; a researcher with research consent only; a revocation;
 * break-glass through the emergency custodian, seen and closed by the patient; a minor whose guardian consents;
 * a tampered blob caught; the patient reviewing its audit trail. `--patients N` adds N-1 more patients with the
 * treatment episode.
 */
import { defineScenario } from "../pilot/scenario.js";
import {
  auditReview,
  breakGlassEpisode,
  credentialConsortium,
  guardianEpisode,
  insurerEpisode,
  readBack,
  referralBySignature,
  researchEpisode,
  revocationEpisode,
  tamperEpisode,
  treatmentEpisode,
} from "./episodes.js";

export default defineScenario({
  name: "consortium",
  description:
    "Seven organisations and their patients: consent, records, a signed referral from a patient without ETH, payment-only " +
    "and research-only readers, a revocation, break-glass through the emergency custodian, a guardian for a minor, a " +
    "tampered blob caught, and the patient's audit trail.",
  async run(pilot, data, { patients }) {
    const c = await credentialConsortium(pilot);
    try {
      const specialist = await pilot.provider("Cardiology Associates", "clinic");
      const { patient, ids } = await treatmentEpisode(pilot, c, data, 0, "Patient 1");
      const problem = ids.get("Condition")!;
      await readBack(pilot, patient, problem, "problem list");
      await insurerEpisode(pilot, patient, c.insurer, problem);
      await researchEpisode(pilot, patient, c.research, ids.get("lab Observation")!, problem);
      await breakGlassEpisode(pilot, patient, c.emergency, ids.get("AllergyIntolerance")!, ids.get("Observation")!);
      await revocationEpisode(pilot, patient, c.insurer, problem, consultFindings(patient.address));
      await tamperEpisode(pilot, patient, ids.get("MedicationRequest")!);
      // Last of the patient's own acts: from here on it holds no ETH and consents by signature only.
      await referralBySignature(pilot, patient, specialist, problem, consultFindings(patient.address));
      await guardianEpisode(pilot, c, data, 1);
      await auditReview(pilot, patient);

      pilot.quiet = patients > 2;
      for (let i = 2; i <= patients; i++) {
        const extra = await treatmentEpisode(pilot, c, data, i, `Patient ${i}`);
        await readBack(pilot, extra.patient, extra.ids.get("Condition") ?? [...extra.ids.values()][0]!, "a record");
        pilot.progress("patients", i, patients);
      }
      pilot.quiet = false;
    } finally {
      await c.service.close();
    }
  },
});

/** A specialist's consult finding: an ECG observation (vital-signs category). */
function consultFindings(patient: string) {
  return {
    resourceType: "Observation",
    status: "final",
    category: [
      { coding: [{ system: "http://terminology.hl7.org/CodeSystem/observation-category", code: "vital-signs" }] },
    ],
    code: {
      coding: [{ system: "http://loinc.org", code: "8867-4", display: "Heart rate" }],
      text: "Resting heart rate at cardiology consult",
    },
    subject: { reference: `Patient/${patient.slice(2, 10)}` },
    effectiveDateTime: "2026-03-02T10:15:00Z",
    valueQuantity: { value: 61, unit: "beats/minute", system: "http://unitsofmeasure.org", code: "/min" },
  };
}
