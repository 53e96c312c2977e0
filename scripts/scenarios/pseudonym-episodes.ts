/**
 * Pilot episodes in pseudonym mode (`--pseudonyms`): the patient keeps one pseudonym per care relationship, each
 * registered and granted by signature and relayed by its provider; records move between relationships only by
 * being re-encrypted and re-anchored by the patient (see docs/privacy.md, "Pseudonyms").
 */
import {
  auditEntryToFhir,
  findPseudonyms,
  RecordReadConsentRequiredError,
  type GrantTerms,
  type Relationship,
} from "../../sdk/index.js";
import type { Actor, Pilot, PseudonymousActor } from "../pilot/runner.js";
import type { PatientSource } from "../pilot/scenario.js";
import {
  addTreatmentRecords,
  type Consortium,
  DAY,
  now,
  refusedAfterRevoke,
  specialistConsult,
  treatmentTerms,
} from "./episodes.js";

/**
 * Opens a care relationship as one step: a new pseudonym, registered and granted by signatures its provider relays.
 * @returns The relationship.
 */
export async function openRelationship(
  pilot: Pilot,
  who: PseudonymousActor,
  provider: Actor,
  terms: GrantTerms,
): Promise<Relationship> {
  const opened = await pilot.step(`open ${provider.role} relationship (new pseudonym, relayed)`, who.name, () =>
    who.patient.openRelationship(provider.address, terms, { relayer: provider.client }),
  );
  who.accounts.push(opened.relationship.address);
  pilot.patientAccount(who.name, opened.relationship.address);
  return opened.relationship;
}

/**
 * Shares a record with another relationship as one step: read as its own pseudonym, re-encrypted and re-anchored
 * under the target's pseudonym (funded by the target's provider). Returns the new record id.
 */
export async function shareWith(pilot: Pilot, who: PseudonymousActor, recordId: string, to: Actor, what: string) {
  const [shared] = await pilot.step(
    `share ${what} with the ${to.role} relationship (re-anchored)`,
    who.name,
    async () => [await who.patient.shareRecord(recordId, to.address), ...pilot.takeFunding()] as const,
  );
  pilot.anchored.push(shared.recordId);
  return shared.recordId;
}

/**
 * The treatment episode in pseudonym mode: the patient opens a hospital relationship and a lab relationship (two
 * pseudonyms), and the hospital and the lab add the patient's records, each under its own relationship's pseudonym.
 */
export async function pseudonymTreatmentEpisode(
  pilot: Pilot,
  c: Pick<Consortium, "hospital" | "lab" | "custodian">,
  data: PatientSource,
  index: number,
  name: string,
) {
  const { patient: demographics, records } = data.patient(index);
  pilot.input(demographics);
  const who = await pilot.pseudonymousPatient(name, c.hospital, c.custodian);
  const terms = treatmentTerms(await now(pilot));
  const hospital = await openRelationship(pilot, who, c.hospital, terms.hospital);
  const lab = await openRelationship(pilot, who, c.lab, terms.lab);
  const ids = await addTreatmentRecords(pilot, c, records, { hospital: hospital.address, lab: lab.address });
  return { who, ids, hospital, lab };
}

/** The patient reads one of its records back, as the pseudonym it belongs to. */
export async function pseudonymReadBack(pilot: Pilot, who: PseudonymousActor, recordId: string, what: string) {
  await pilot.step(`read back ${what}`, who.name, async () => {
    await who.patient.readRecord(recordId);
    return undefined;
  });
}

/**
 * An insurer in its own relationship: the patient shares the problem list into it; the insurer reads the copy for
 * payment, is refused for treatment, and is refused the hospital relationship's original.
 */
export async function pseudonymInsurerEpisode(pilot: Pilot, who: PseudonymousActor, insurer: Actor, problemId: string) {
  const t = await now(pilot);
  await openRelationship(pilot, who, insurer, {
    read: ["Problems", "Financial"],
    purposes: ["HPAYMT"],
    expiresAt: t + 30 * DAY,
  });
  const copy = await shareWith(pilot, who, problemId, insurer, "problem list");
  await pilot.step(
    "read shared problem for payment",
    insurer.name,
    async () => (await insurer.client.readRecord(copy, { purpose: "HPAYMT" })).accessLog,
  );
  await pilot.refused("read shared problem for treatment", insurer.name, RecordReadConsentRequiredError, () =>
    insurer.client.readRecord(copy, { purpose: "TREAT" }),
  );
  await pilot.refused("read the hospital relationship's original", insurer.name, RecordReadConsentRequiredError, () =>
    insurer.client.readRecord(problemId, { purpose: "HPAYMT" }),
  );
  return copy;
}

/** A researcher in its own relationship reads a shared lab result; the problem list stays out of its reach. */
export async function pseudonymResearchEpisode(
  pilot: Pilot,
  who: PseudonymousActor,
  research: Actor,
  labId: string,
  problemId: string,
) {
  const t = await now(pilot);
  await openRelationship(pilot, who, research, {
    read: ["Laboratory"],
    purposes: ["HRESCH"],
    expiresAt: t + 180 * DAY,
  });
  const copy = await shareWith(pilot, who, labId, research, "lab result");
  await pilot.step(
    "read shared lab result for research",
    research.name,
    async () => (await research.client.readRecord(copy, { purpose: "HRESCH" })).accessLog,
  );
  await pilot.refused("read problem list for research", research.name, RecordReadConsentRequiredError, () =>
    research.client.readRecord(problemId, { purpose: "HRESCH" }),
  );
}

/**
 * Revocation by signature: the grantee's pseudonym signs the revocation, a public relay sends it; the grantee can
 * then neither read nor write.
 */
export async function pseudonymRevocationEpisode(
  pilot: Pilot,
  who: PseudonymousActor,
  relay: Actor,
  grantee: Actor,
  recordId: string,
  next: object,
) {
  const relationship = who.patient.relationshipWith(grantee.address);
  if (!relationship) throw new Error(`${who.name} has no relationship with ${grantee.name}`);
  const signed = await pilot.step(`sign revocation of ${grantee.role}`, who.name, () =>
    relationship.client.signRevoke(grantee.address),
  );
  await pilot.step("relay the signed revocation", relay.name, () => relay.client.relayRevoke(signed));
  await refusedAfterRevoke(pilot, grantee, relationship.address, recordId, next, "HPAYMT");
}

/**
 * A referral: the specialist relays the new relationship's registration and grant, the patient shares the problem
 * list into it, the specialist reads it and adds its consult findings under that pseudonym.
 */
export async function pseudonymReferralEpisode(
  pilot: Pilot,
  who: PseudonymousActor,
  specialist: Actor,
  problemId: string,
  findings: object,
) {
  const t = await now(pilot);
  const relationship = await openRelationship(pilot, who, specialist, {
    read: ["Problems", "VitalSigns", "Procedures"],
    write: ["Procedures", "VitalSigns"],
    purposes: ["TREAT"],
    expiresAt: t + 30 * DAY,
  });
  const copy = await shareWith(pilot, who, problemId, specialist, "problem list");
  await specialistConsult(pilot, specialist, relationship.address, copy, findings);
}

/** The patient reviews its audit trail, merged across its pseudonyms, and exports it as FHIR AuditEvents. */
export async function pseudonymAuditReview(pilot: Pilot, who: PseudonymousActor) {
  await pilot.step("review audit trail across pseudonyms (FHIR AuditEvent export)", who.name, async () => {
    const trail = await who.patient.auditTrail();
    const pseudonyms = new Set(trail.map((e) => e.patient));
    const relationships = who.patient.relationships.length;
    if (pseudonyms.size !== relationships)
      throw new Error(`audit trail covers ${pseudonyms.size} of ${relationships} pseudonyms`);
    const chainId = (await pilot.chain.getNetwork()).chainId;
    for (const entry of trail) auditEntryToFhir(entry, chainId);
    return undefined;
  });
}

/**
 * Break-glass in pseudonym mode: the patient places its pseudonym list in emergency custody (the locator, whose
 * address is on its emergency card); the emergency service, refused without consent, opens break-glass on the
 * locator, finds the pseudonyms through the custodian, opens break-glass on the hospital relationship's pseudonym
 * and reads the allergy through the custodian; a non-emergency category stays refused. The episode ends by expiry
 * (closing it would be a transaction of the pseudonym).
 */
export async function pseudonymBreakGlassEpisode(
  pilot: Pilot,
  who: PseudonymousActor,
  emergency: Actor,
  hospitalSide: Relationship,
  allergyId: string,
  otherId: string,
) {
  const [placed] = await pilot.step("place the pseudonym list in emergency custody (locator)", who.name, async () => {
    const { registration, categories, record } = await who.patient.placeLocatorInCustody();
    return [record, registration, categories, ...pilot.takeFunding()] as const;
  });
  const locator = who.patient.emergencyLocator;
  who.accounts.push(locator);
  pilot.patientAccount(who.name, locator);
  pilot.anchored.push(placed.recordId);
  await pilot.refused("read allergies without consent", emergency.name, RecordReadConsentRequiredError, () =>
    emergency.client.readRecord(allergyId, { purpose: "BTG" }),
  );
  const justification = "Unresponsive on arrival; emergency card names a Carechain locator";
  await pilot.step("open break-glass on the locator (4 h)", emergency.name, () =>
    emergency.client.openBreakGlass(locator, { justification, durationSeconds: 4 * 3600 }),
  );
  await pilot.step("find the pseudonyms through the custodian", emergency.name, async () => {
    const found = await findPseudonyms(emergency.client, locator);
    if (!found.includes(hospitalSide.address)) throw new Error("the locator does not list the hospital pseudonym");
    return undefined;
  });
  await pilot.step("open break-glass on the hospital pseudonym (4 h)", emergency.name, () =>
    emergency.client.openBreakGlass(hospitalSide.address, { justification, durationSeconds: 4 * 3600 }),
  );
  await pilot.step(
    "read allergies via the custodian",
    emergency.name,
    async () => (await emergency.client.readRecord(allergyId, { purpose: "BTG" })).accessLog,
  );
  await pilot.refused("read a non-emergency category", emergency.name, RecordReadConsentRequiredError, () =>
    emergency.client.readRecord(otherId, { purpose: "BTG" }),
  );
}
