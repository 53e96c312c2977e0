/**
 * The emergency scenario: break-glass, focused. A hospital and a lab treat a patient (an allergy, vital signs, a
 * problem, a medication, …); an emergency service with no consent opens break-glass, reads the allergy through the
 * emergency key custodian, is refused the vital signs (not an emergency category by default), and the patient sees
 * the episode in its audit trail and closes it. Then the patient sets its own emergency categories (Allergies,
 * Medications, VitalSigns: vital signs in, problems out) and a second episode shows the effect: a new vital-signs
 * record is readable through the custodian, the problem list no longer is.
 */
import { RecordReadConsentRequiredError } from "../../sdk/index.js";
import { defineScenario } from "../pilot/scenario.js";
import { breakGlassEpisode, emergencyCustodian, now, treatmentEpisode } from "./episodes.js";

export default defineScenario({
  name: "emergency",
  description:
    "Break-glass without consent through the emergency key custodian: the default emergency categories (allergies " +
    "readable, vital signs refused), seen and closed by the patient; then the patient's own emergency categories " +
    "(vital signs in, problems out) and a second episode that shows their effect.",
  async run(pilot, data) {
    const { service } = await emergencyCustodian(pilot);
    try {
      const hospital = await pilot.provider("St. Elsewhere General Hospital", "hospital");
      const lab = await pilot.provider("Northside Laboratory", "lab");
      const emergency = await pilot.provider("Metro Emergency Service", "emergency", { custodianUrl: service.url });
      const { patient, ids } = await treatmentEpisode(pilot, { hospital, lab }, data, 0, "Patient 1");
      const record = (kind: string) => {
        const id = ids.get(kind);
        if (!id) throw new Error(`the emergency scenario needs a patient with a ${kind} record`);
        return id;
      };

      // Episode 1, default emergency categories (the International Patient Summary set): allergies yes, vitals no.
      await breakGlassEpisode(pilot, patient, emergency, record("AllergyIntolerance"), record("Observation"));

      // The patient chooses its own emergency categories: vital signs in, problems (and immunizations) out.
      await pilot.step("set emergency categories: Allergies, Medications, VitalSigns", patient.name, () =>
        patient.client.setEmergencyCategories(["Allergies", "Medications", "VitalSigns"]),
      );
      // Keys follow the categories at write time: a vital-signs record written from now on is wrapped for the custodian.
      const { id } = data.patient(0).patient;
      const triage = pilot.input(triageHeartRate(typeof id === "string" ? id : "1", (await now(pilot)) * 1000));
      const added = await pilot.step("add vital signs (now an emergency category)", hospital.name, () =>
        hospital.client.addRecord(patient.address, triage),
      );
      pilot.anchored.push(added.recordId);

      // Episode 2: the custom categories decide what break-glass reads. A provider can't close and reopen at once
      // (no silent renewal): the Directory's cooldown has to pass since episode 1 ended.
      const { cooldown } = await emergency.client.contracts.directory.breakGlassLimits();
      await pilot.advanceTime(Number(cooldown));
      await pilot.step("open break-glass again (1 h)", emergency.name, () =>
        emergency.client.openBreakGlass(patient.address, {
          justification: "Syncope in the waiting room; recent vitals needed",
          durationSeconds: 3600,
        }),
      );
      await pilot.step(
        "read new vital signs via the custodian",
        emergency.name,
        async () => (await emergency.client.readRecord(added.recordId, { purpose: "ETREAT" })).accessLog,
      );
      await pilot.step(
        "read medications via the custodian",
        emergency.name,
        async () => (await emergency.client.readRecord(record("MedicationRequest"), { purpose: "ETREAT" })).accessLog,
      );
      await pilot.refused(
        "read problems (no longer an emergency category)",
        emergency.name,
        RecordReadConsentRequiredError,
        () => emergency.client.readRecord(record("Condition"), { purpose: "ETREAT" }),
      );
      await pilot.refused(
        "read allergies for treatment (break-glass is ETREAT/BTG only)",
        emergency.name,
        RecordReadConsentRequiredError,
        () => emergency.client.readRecord(record("AllergyIntolerance"), { purpose: "TREAT" }),
      );
      await pilot.step("see the categories change and both episodes in the audit trail", patient.name, async () => {
        const trail = await patient.client.auditTrail(patient.address);
        const count = (kind: string) => trail.filter((e) => e.kind === kind).length;
        if (count("EmergencyCategoriesSet") !== 1)
          throw new Error("the emergency categories change is not in the audit trail");
        if (count("BreakGlassOpened") !== 2)
          throw new Error(`expected 2 break-glass episodes, found ${count("BreakGlassOpened")}`);
        if (count("EmergencyKeyReleased") !== 3)
          throw new Error(`expected 3 key releases, found ${count("EmergencyKeyReleased")}`);
        return undefined;
      });
      await pilot.step("close the second break-glass", patient.name, () =>
        patient.client.closeBreakGlass(emergency.address),
      );
      await pilot.refused("read vital signs after it closed", emergency.name, RecordReadConsentRequiredError, () =>
        emergency.client.readRecord(added.recordId, { purpose: "ETREAT" }),
      );
    } finally {
      await service.close();
    }
  },
});

/** A heart rate taken at triage (vital-signs category). */
function triageHeartRate(patientId: string, at: number) {
  return {
    resourceType: "Observation",
    status: "final",
    category: [
      { coding: [{ system: "http://terminology.hl7.org/CodeSystem/observation-category", code: "vital-signs" }] },
    ],
    code: {
      coding: [{ system: "http://loinc.org", code: "8867-4", display: "Heart rate" }],
      text: "Heart rate at emergency triage",
    },
    subject: { reference: `Patient/${patientId}` },
    effectiveDateTime: new Date(at).toISOString().replace(".000", ""),
    valueQuantity: { value: 118, unit: "beats/minute", system: "http://unitsofmeasure.org", code: "/min" },
  };
}
