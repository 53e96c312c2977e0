/**
 * The default consortium pilot: a hospital, clinic, lab, pharmacy, insurer, research organisation and emergency
 * service; patients with consent and records; a referral to a specialist by a signed grant from a patient who
 * holds no ETH; an insurer reading for payment only; a researcher with research consent only; a revocation;
 * break-glass through the emergency custodian, seen and closed by the patient; a minor whose guardian consents;
 * a tampered blob caught; the patient reviewing its audit trail. `--patients N` adds N-1 more patients with the
 * treatment episode. With `--pseudonyms` every patient keeps one pseudonym per care relationship (see
 * pseudonym-episodes.ts): break-glass then finds the patient's pseudonyms through emergency custody, and the minor of
 * the guardian episode stays a single account.
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
import {
  pseudonymAuditReview,
  pseudonymBreakGlassEpisode,
  pseudonymInsurerEpisode,
  pseudonymReadBack,
  pseudonymReferralEpisode,
  pseudonymResearchEpisode,
  pseudonymRevocationEpisode,
  pseudonymTreatmentEpisode,
} from "./pseudonym-episodes.js";
import type { Pilot } from "../pilot/runner.js";
import type { PatientSource } from "../pilot/scenario.js";

export default defineScenario({
  name: "consortium",
  description:
    "Seven organisations and their patients: consent, records, a signed referral from a patient without ETH, payment-only " +
    "and research-only readers, a revocation, break-glass through the emergency custodian, a guardian for a minor, a " +
    "tampered blob caught, and the patient's audit trail.",
  async run(pilot, data, { patients }) {
    if (pilot.options.pseudonyms) return runPseudonymous(pilot, data, patients);
    const c = await credentialConsortium(pilot);
    try {
      const specialist = await pilot.provider("Cardiology Associates", "clinic");
      const { patient, ids } = await pilot.phase("treatment", () => treatmentEpisode(pilot, c, data, 0, "Patient 1"));
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
        const extra = await pilot.phase("treatment", () => treatmentEpisode(pilot, c, data, i, `Patient ${i}`));
        await readBack(pilot, extra.patient, extra.ids.get("Condition") ?? [...extra.ids.values()][0]!, "a record");
        pilot.progress("patients", i, patients);
      }
      pilot.quiet = false;
    } finally {
      await c.service.close();
    }
  },
});

/**
 * The consortium in pseudonym mode: the same organisations; the patient opens a relationship (a pseudonym) with each
 * provider it sees, shares records between relationships by re-anchoring them, revokes by signature through a public
 * relay, and reviews one audit trail merged across its pseudonyms.
 */
async function runPseudonymous(pilot: Pilot, data: PatientSource, patients: number) {
  const c = await credentialConsortium(pilot);
  try {
    const specialist = await pilot.provider("Cardiology Associates", "clinic");
    const relay = await pilot.account("Public relay", "relay");
    const { who, ids } = await pilot.phase("treatment", () =>
      pseudonymTreatmentEpisode(pilot, c, data, 0, "Patient 1"),
    );
    const problem = ids.get("Condition")!;
    await pseudonymReadBack(pilot, who, problem, "problem list");
    const insurerCopy = await pseudonymInsurerEpisode(pilot, who, c.insurer, problem);
    await pseudonymResearchEpisode(pilot, who, c.research, ids.get("lab Observation")!, problem);
    const hospitalSide = who.patient.relationshipWith(c.hospital.address)!;
    await pseudonymBreakGlassEpisode(
      pilot,
      who,
      c.emergency,
      hospitalSide,
      ids.get("AllergyIntolerance")!,
      ids.get("Observation")!,
    );
    await pseudonymRevocationEpisode(pilot, who, relay, c.insurer, insurerCopy, consultFindings(who.accounts[0]!));
    await tamperEpisode(
      pilot,
      { name: who.name, role: "patient", address: hospitalSide.address, client: hospitalSide.client },
      ids.get("MedicationRequest")!,
    );
    await pseudonymReferralEpisode(pilot, who, specialist, problem, consultFindings(who.accounts[0]!));
    await guardianEpisode(pilot, c, data, 1);
    await pseudonymAuditReview(pilot, who);

    pilot.quiet = patients > 2;
    for (let i = 2; i <= patients; i++) {
      const extra = await pilot.phase("treatment", () => pseudonymTreatmentEpisode(pilot, c, data, i, `Patient ${i}`));
      await pseudonymReadBack(pilot, extra.who, extra.ids.get("Condition") ?? [...extra.ids.values()][0]!, "a record");
      pilot.progress("patients", i, patients);
    }
    pilot.quiet = false;
  } finally {
    await c.service.close();
  }
}

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
