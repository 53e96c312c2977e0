/**
 * The foundation scenario: one hospital, one lab, one patient; consent, three encrypted records, a refused lab,
 * a revocation that stops the hospital. Copy this file to write your own scenario.
 */
import { RecordReadConsentRequiredError, RecordWriteConsentRequiredError } from "../../sdk/index.js";
import { defineScenario } from "../pilot/scenario.js";

const DAY = 86_400;

export default defineScenario({
  name: "foundation",
  description:
    "A registrar credentials a hospital and a lab; a patient registers and grants the hospital read and write; " +
    "the hospital adds an Observation, a Condition and a MedicationRequest; the patient reads them back; the lab, " +
    "without consent, is refused; the patient revokes the hospital, whose next record is refused.",
  async run(pilot, data) {
    const hospital = await pilot.provider("St. Elsewhere Hospital", "hospital");
    const lab = await pilot.provider("Northside Laboratory", "lab");
    const { patient: patientResource, records } = data.patient(0);
    pilot.input(patientResource);
    const patient = await pilot.patient("Patient 1");

    const now = (await pilot.chain.getBlock("latest"))!.timestamp;
    const clinical = [
      "VitalSigns",
      "Laboratory",
      "Problems",
      "Medications",
      "Allergies",
      "Immunizations",
      "Encounters",
    ] as const;
    await pilot.step("grant hospital read+write (treatment, 90 days)", patient.name, () =>
      patient.client.grant(hospital.address, {
        read: clinical,
        write: clinical,
        purposes: ["TREAT"],
        expiresAt: now + 90 * DAY,
      }),
    );

    const wanted = ["Observation", "Condition", "MedicationRequest"];
    const ids: string[] = [];
    for (const type of wanted) {
      const resource = pilot.input(records.find((r) => r.resourceType === type)!);
      const added = await pilot.step(`add ${type}`, hospital.name, () =>
        hospital.client.addRecord(patient.address, resource),
      );
      pilot.anchored.push(added.recordId);
      ids.push(added.recordId);
    }

    for (const [i, id] of ids.entries()) {
      await pilot.step(`read back ${wanted[i]}`, patient.name, async () => {
        const read = await patient.client.readRecord(id);
        if (read.resource.resourceType !== wanted[i])
          throw new Error(`expected ${wanted[i]}, got ${read.resource.resourceType}`);
        return read.accessLog;
      });
    }

    await pilot.refused("read without consent", lab.name, RecordReadConsentRequiredError, () =>
      lab.client.readRecord(ids[0]!),
    );

    await pilot.step("revoke hospital", patient.name, () => patient.client.revoke(hospital.address));
    const late = pilot.input(records.find((r) => r.resourceType === "AllergyIntolerance")!);
    await pilot.refused("add record after revoke", hospital.name, RecordWriteConsentRequiredError, () =>
      hospital.client.addRecord(patient.address, late),
    );
  },
});
