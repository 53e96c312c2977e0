/**
 * Reusable pilot episodes: the building blocks the scenario files compose. Each episode is a few steps that show
 * one capability; copy one into your own scenario and edit it.
 */
import {
  auditEntryToFhir,
  Category,
  type CategoryName,
  ConsentUnauthorizedActorError,
  type GrantTerms,
  IntegrityError,
  type PurposeCode,
  RecordReadConsentRequiredError,
  RecordWriteConsentRequiredError,
} from "../../sdk/index.js";
import { startCustodianService, type CustodianService } from "../../sdk/node.js";
import type { Actor, Pilot } from "../pilot/runner.js";
import type { FhirBundle, PatientSource } from "../pilot/scenario.js";
import type { SyntheticPatient } from "../pilot/synthetic.js";
import { tamperBlob } from "../pilot/tamper.js";

export const DAY = 86_400;
/** The clinical categories a treating hospital reads and writes. */
export const CLINICAL: CategoryName[] = [
  "VitalSigns",
  "Laboratory",
  "Problems",
  "Medications",
  "Allergies",
  "Immunizations",
  "Encounters",
  "Procedures",
  "Documents",
];

/** Every record category (a bulk import may hold any). */
export const ALL_CATEGORIES = Object.keys(Category) as CategoryName[];

/** The organisations of a consortium, credentialed by the registrar. */
export interface Consortium {
  hospital: Actor;
  clinic: Actor;
  lab: Actor;
  pharmacy: Actor;
  insurer: Actor;
  research: Actor;
  emergency: Actor;
  custodian: Actor;
  service: CustodianService;
}

/** Credentials every organisation, names the emergency custodian and starts its key-release service. */
export async function credentialConsortium(pilot: Pilot): Promise<Consortium> {
  const custodian = await pilot.provider("Metro Emergency Key Custodian", "emergency");
  const registrar = await pilot.registrar();
  await pilot.step("name the emergency custodian", registrar.name, () =>
    registrar.client.setEmergencyCustodian(custodian.address),
  );
  const service = await startCustodianService({ custodian: custodian.client });
  return {
    hospital: await pilot.provider("St. Elsewhere General Hospital", "hospital"),
    clinic: await pilot.provider("Riverside Family Clinic", "clinic"),
    lab: await pilot.provider("Northside Laboratory", "lab"),
    pharmacy: await pilot.provider("Harbor Pharmacy", "pharmacy"),
    insurer: await pilot.provider("Meridian Health Insurance", "insurer"),
    research: await pilot.provider("Lakeside Research Institute", "research"),
    emergency: await pilot.provider("Metro Emergency Service", "emergency", { custodianUrl: service.url }),
    custodian,
    service,
  };
}

/**
 * The emergency key custodian alone (for scenarios lighter than the consortium): credentialed, named in the
 * Directory by the registrar, and its key-release service started. Close `service` when the scenario ends.
 */
export async function emergencyCustodian(pilot: Pilot): Promise<{ custodian: Actor; service: CustodianService }> {
  const custodian = await pilot.provider("Metro Emergency Key Custodian", "emergency");
  const registrar = await pilot.registrar();
  await pilot.step("name the emergency custodian", registrar.name, () =>
    registrar.client.setEmergencyCustodian(custodian.address),
  );
  return { custodian, service: await startCustodianService({ custodian: custodian.client }) };
}

/** A patient's data as one FHIR `collection` Bundle: the Patient resource, then its records. */
export function bundleOf(data: SyntheticPatient): FhirBundle {
  return {
    resourceType: "Bundle",
    type: "collection",
    entry: [data.patient, ...data.records].map((resource) => ({ resource })),
  };
}

/** The current chain time. */
export async function now(pilot: Pilot): Promise<number> {
  return (await pilot.chain.getBlock("latest"))!.timestamp;
}

/**
 * Registers patient `index` of `data`, grants the hospital treatment access, and has the hospital add the
 * patient's records (and the lab its lab results). Returns the patient and its record ids by resource type.
 */
export async function treatmentEpisode(
  pilot: Pilot,
  c: Pick<Consortium, "hospital" | "lab">,
  data: PatientSource,
  index: number,
  name: string,
) {
  const { patient: demographics, records } = data.patient(index);
  pilot.input(demographics);
  const patient = await pilot.patient(name);
  const terms = treatmentTerms(await now(pilot));
  await pilot.step("grant hospital treatment access", name, () =>
    patient.client.grant(c.hospital.address, terms.hospital),
  );
  await pilot.step("grant lab lab results", name, () => patient.client.grant(c.lab.address, terms.lab));
  const ids = await addTreatmentRecords(pilot, c, records, { hospital: patient.address, lab: patient.address });
  return { patient, ids };
}

/** What the treatment episode grants at time `t`: the hospital the clinical categories for a year, the lab its lab results for 90 days. */
export function treatmentTerms(t: number): { hospital: GrantTerms; lab: GrantTerms } {
  return {
    hospital: { read: CLINICAL, write: CLINICAL, purposes: ["TREAT"], expiresAt: t + 365 * DAY },
    lab: { read: ["Laboratory"], write: ["Laboratory"], purposes: ["TREAT"], expiresAt: t + 90 * DAY },
  };
}

/**
 * The hospital adds `records` about the patient account it knows (`about.hospital`), the lab the lab results (about
 * `about.lab`); the same account in single-address mode, two pseudonyms in pseudonym mode.
 * @returns The record ids by {@link label}.
 */
export async function addTreatmentRecords(
  pilot: Pilot,
  c: Pick<Consortium, "hospital" | "lab">,
  records: readonly Record<string, unknown>[],
  about: { hospital: string; lab: string },
): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const resource of records) {
    pilot.input(resource);
    const [author, patient] = isLab(resource) ? [c.lab, about.lab] : [c.hospital, about.hospital];
    const added = await pilot.step(`add ${label(resource)}`, author.name, () =>
      author.client.addRecord(patient, resource),
    );
    pilot.anchored.push(added.recordId);
    ids.set(label(resource), added.recordId);
  }
  return ids;
}

/** The patient reads one of its records back. */
export async function readBack(pilot: Pilot, patient: Actor, recordId: string, what: string) {
  await pilot.step(`read back ${what}`, patient.name, async () => {
    const read = await patient.client.readRecord(recordId);
    return read.accessLog;
  });
}

/**
 * A referral: the patient, holding no ETH, signs a grant for the specialist (EIP-712); the specialist relays it
 * (paying the gas and publishing the keyrings the patient prepared), reads the patient's problem list, and adds
 * its consult findings.
 */
export async function referralBySignature(
  pilot: Pilot,
  patient: Actor,
  specialist: Actor,
  problemId: string | undefined,
  findings: object,
) {
  const drained = await pilot.drain(patient);
  const t = await now(pilot);
  const signed = await pilot.step(`sign referral grant${drained ? " (patient holds no ETH)" : ""}`, patient.name, () =>
    patient.client.signGrant(specialist.address, {
      read: ["Problems", "VitalSigns", "Procedures"],
      write: ["Procedures", "VitalSigns"],
      purposes: ["TREAT"],
      expiresAt: t + 30 * DAY,
    }),
  );
  await pilot.step("relay the signed grant and shared keyrings", specialist.name, () =>
    specialist.client.relayGrant(signed),
  );
  await specialistConsult(pilot, specialist, patient.address, problemId, findings);
}

/** The specialist reads the referred problem (when there is one) and adds its consult findings about `patient`. */
export async function specialistConsult(
  pilot: Pilot,
  specialist: Actor,
  patient: string,
  problemId: string | undefined,
  findings: object,
) {
  if (problemId) {
    await pilot.step(
      "read the referred problem",
      specialist.name,
      async () => (await specialist.client.readRecord(problemId)).accessLog,
    );
  }
  pilot.input(findings);
  const added = await pilot.step("add consult findings", specialist.name, () =>
    specialist.client.addRecord(patient, findings),
  );
  pilot.anchored.push(added.recordId);
}

/** An insurer with payment-purpose consent reads for payment; for treatment it is refused. */
export async function insurerEpisode(pilot: Pilot, patient: Actor, insurer: Actor, problemId: string) {
  const t = await now(pilot);
  await pilot.step("grant insurer payment access to problems", patient.name, () =>
    patient.client.grant(insurer.address, {
      read: ["Problems", "Financial"],
      purposes: ["HPAYMT"],
      expiresAt: t + 30 * DAY,
    }),
  );
  await pilot.step(
    "read problem for payment",
    insurer.name,
    async () => (await insurer.client.readRecord(problemId, { purpose: "HPAYMT" })).accessLog,
  );
  await pilot.refused("read problem for treatment", insurer.name, RecordReadConsentRequiredError, () =>
    insurer.client.readRecord(problemId, { purpose: "TREAT" }),
  );
}

/** A researcher with research consent on lab results reads them; other categories are refused. */
export async function researchEpisode(pilot: Pilot, patient: Actor, research: Actor, labId: string, problemId: string) {
  const t = await now(pilot);
  await pilot.step("grant research access to lab results", patient.name, () =>
    patient.client.grant(research.address, { read: ["Laboratory"], purposes: ["HRESCH"], expiresAt: t + 180 * DAY }),
  );
  await pilot.step(
    "read lab result for research",
    research.name,
    async () => (await research.client.readRecord(labId, { purpose: "HRESCH" })).accessLog,
  );
  await pilot.refused("read problem list for research", research.name, RecordReadConsentRequiredError, () =>
    research.client.readRecord(problemId, { purpose: "HRESCH" }),
  );
}

/** Revocation: after the patient revokes, the grantee can neither read nor write. */
export async function revocationEpisode(pilot: Pilot, patient: Actor, grantee: Actor, recordId: string, next: object) {
  await pilot.step(`revoke ${grantee.role}`, patient.name, () => patient.client.revoke(grantee.address));
  await refusedAfterRevoke(pilot, grantee, patient.address, recordId, next);
}

/**
 * After a revocation: the former grantee's read of `recordId` (for `purpose`, default treatment) and its write of
 * `next` about `patient` are both refused.
 */
export async function refusedAfterRevoke(
  pilot: Pilot,
  grantee: Actor,
  patient: string,
  recordId: string,
  next: object,
  purpose?: PurposeCode,
) {
  await pilot.refused("read after revoke", grantee.name, RecordReadConsentRequiredError, () =>
    grantee.client.readRecord(recordId, purpose === undefined ? {} : { purpose }),
  );
  await pilot.refused("add record after revoke", grantee.name, RecordWriteConsentRequiredError, () =>
    grantee.client.addRecord(patient, pilot.input(next)),
  );
}

/**
 * Break-glass: the emergency service opens time-boxed access, reads the patient's allergies through the custodian,
 * is refused outside the emergency categories; the patient sees the episode in its audit trail and closes it.
 */
export async function breakGlassEpisode(
  pilot: Pilot,
  patient: Actor,
  emergency: Actor,
  allergyId: string,
  otherId: string,
) {
  await pilot.refused("read allergies without consent", emergency.name, RecordReadConsentRequiredError, () =>
    emergency.client.readRecord(allergyId, { purpose: "BTG" }),
  );
  await pilot.step("open break-glass (4 h, justification hashed)", emergency.name, () =>
    emergency.client.openBreakGlass(patient.address, {
      justification: "Unresponsive on arrival; allergy status needed before antibiotics",
      durationSeconds: 4 * 3600,
    }),
  );
  await pilot.step(
    "read allergies via the custodian",
    emergency.name,
    async () => (await emergency.client.readRecord(allergyId, { purpose: "BTG" })).accessLog,
  );
  await pilot.refused("read a non-emergency category", emergency.name, RecordReadConsentRequiredError, () =>
    emergency.client.readRecord(otherId, { purpose: "BTG" }),
  );
  await pilot.step("see the break-glass in the audit trail", patient.name, async () => {
    const trail = await patient.client.auditTrail(patient.address);
    if (!trail.some((e) => e.kind === "BreakGlassOpened" && e.actor === emergency.address))
      throw new Error("break-glass not in the audit trail");
    if (!trail.some((e) => e.kind === "EmergencyKeyReleased")) throw new Error("key release not in the audit trail");
    return undefined;
  });
  await pilot.step("close break-glass", patient.name, () => patient.client.closeBreakGlass(emergency.address));
  await pilot.refused("read after break-glass closed", emergency.name, RecordReadConsentRequiredError, () =>
    emergency.client.readRecord(allergyId, { purpose: "BTG" }),
  );
}

/**
 * A minor whose guardian manages consent: the guardian grants the clinic, which records an immunization.
 * Returns the minor, the guardian and the immunization's record id (when the patient data has one).
 */
export async function guardianEpisode(pilot: Pilot, c: Pick<Consortium, "clinic">, data: PatientSource, index: number) {
  const { patient: demographics, records } = data.patient(index);
  pilot.input(demographics);
  const minor = await pilot.patient("Minor patient");
  const guardian = await pilot.account("Guardian");
  await pilot.refused("grant before being a delegate", guardian.name, ConsentUnauthorizedActorError, async () => {
    const t = await now(pilot);
    return guardian.client.grant(
      c.clinic.address,
      { read: ["Immunizations"], expiresAt: t + DAY },
      { patient: minor.address },
    );
  });
  await pilot.step("name guardian as delegate", minor.name, () =>
    minor.client.addDelegate(guardian.address, "guardian"),
  );
  const t = await now(pilot);
  await pilot.step("grant clinic for the minor", guardian.name, () =>
    guardian.client.grant(
      c.clinic.address,
      { read: ["Immunizations", "VitalSigns"], write: ["Immunizations", "VitalSigns"], expiresAt: t + 30 * DAY },
      { patient: minor.address },
    ),
  );
  const immunization = records.find((r) => r.resourceType === "Immunization");
  let immunizationId: string | undefined;
  if (immunization) {
    pilot.input(immunization);
    const added = await pilot.step("add immunization", c.clinic.name, () =>
      c.clinic.client.addRecord(minor.address, immunization),
    );
    pilot.anchored.push(added.recordId);
    immunizationId = added.recordId;
  }
  await pilot.step("revoke clinic for the minor", guardian.name, () =>
    guardian.client.revoke(c.clinic.address, { patient: minor.address }),
  );
  return { minor, guardian, immunizationId };
}

/** An attacker alters a blob in the store; the read is refused with an integrity error. The blob is then repaired. */
export async function tamperEpisode(pilot: Pilot, reader: Actor, recordId: string) {
  const { contentCid } = await reader.client.verifyRecord(recordId);
  const restore = await tamperBlob(reader.client.store, contentCid);
  pilot.tampered.push(recordId);
  await pilot.refused("read a tampered record", reader.name, IntegrityError, () => reader.client.readRecord(recordId));
  await restore();
}

/** The patient reviews its audit trail and exports it as FHIR AuditEvents. */
export async function auditReview(pilot: Pilot, patient: Actor) {
  await pilot.step("review audit trail (FHIR AuditEvent export)", patient.name, async () => {
    const trail = await patient.client.auditTrail(patient.address);
    const chainId = (await pilot.chain.getNetwork()).chainId;
    for (const entry of trail) auditEntryToFhir(entry, chainId);
    return undefined;
  });
}

/** Whether a resource is a lab result (written by the lab rather than the hospital). */
export function isLab(resource: Record<string, unknown>): boolean {
  const categories = JSON.stringify(resource.category ?? "");
  return (
    (resource.resourceType === "Observation" && categories.includes("laboratory")) ||
    resource.resourceType === "DiagnosticReport"
  );
}

/** A short label for a resource: its type, and its Observation category. */
export function label(resource: Record<string, unknown>): string {
  if (resource.resourceType !== "Observation") return String(resource.resourceType);
  return JSON.stringify(resource.category ?? "").includes("laboratory") ? "lab Observation" : "Observation";
}
