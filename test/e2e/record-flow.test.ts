import { describe, expect, it } from "vitest";

import {
  Category,
  ConsentGranteeNotRegisteredError,
  RecordReadConsentRequiredError,
  RecordWriteConsentRequiredError,
} from "../../sdk/index.js";
import { heartRate, registeredFixture } from "../helpers/fixtures.js";

describe("one encrypted record, end to end", () => {
  it("a granted hospital writes, the patient and hospital read, the lab is refused", async () => {
    const f = await registeredFixture();
    const patient = await f.patient.address();
    const hospital = await f.hospital.address();
    const expiresAt = (await f.now()) + 3600;
    await f.patient.grant(hospital, { read: ["VitalSigns"], write: ["VitalSigns"], expiresAt });

    const added = await f.hospital.addRecord(patient, heartRate(72));
    expect(added.categories).toEqual([Category.VitalSigns]);
    expect(added.recipients).toBe(2); // patient + hospital (author and grantee)

    const byPatient = await f.patient.readRecord(added.recordId);
    expect(byPatient.resource).toEqual(heartRate(72));
    expect(byPatient.anchor.author).toBe(hospital);
    const byHospital = await f.hospital.readRecord(added.recordId);
    expect(byHospital.resource).toEqual(heartRate(72));
    expect(byHospital.accessLog?.gasUsed).toBeGreaterThan(0n);

    await expect(f.lab.readRecord(added.recordId)).rejects.toBeInstanceOf(RecordReadConsentRequiredError);
    await expect(f.lab.addRecord(patient, heartRate(80))).rejects.toBeInstanceOf(RecordWriteConsentRequiredError);

    await f.patient.revoke(hospital);
    await expect(f.hospital.readRecord(added.recordId)).rejects.toBeInstanceOf(RecordReadConsentRequiredError);
    await expect(f.hospital.addRecord(patient, heartRate(90))).rejects.toBeInstanceOf(RecordWriteConsentRequiredError);
    expect((await f.patient.listRecords(patient)).map((r) => r.recordId)).toEqual([added.recordId]);
  });

  it("decodes a contract revert into the class named after the Solidity error", async () => {
    const f = await registeredFixture();
    const error = await f.patient
      .grant(await f.stranger.address(), { read: ["Problems"], expiresAt: (await f.now()) + 60 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConsentGranteeNotRegisteredError);
    expect((error as InstanceType<typeof ConsentGranteeNotRegisteredError>).args.grantee).toBe(
      await f.stranger.address(),
    );
  });
});
