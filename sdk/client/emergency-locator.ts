/**
 * The emergency locator of a pseudonymous patient: a FHIR Patient resource that links the patient's relationship
 * pseudonyms, anchored under one reserved pseudonym (the locator, whose address goes on the patient's emergency
 * card) in a category only that locator's break-glass opens, and wrapped for the emergency custodian. An emergency
 * provider that has opened break-glass on the locator reads it through the custodian like any emergency record: the
 * patient's pseudonyms are found through custody, never through a public index.
 * @module
 */
import type { Patient } from "@medplum/fhirtypes";
import { getAddress, isAddress } from "ethers";

import { PseudonymError } from "../errors/privacy.js";
import { MAX_PSEUDONYM_INDEX } from "../crypto/pseudonym.js";
import type { Carechain } from "./carechain.js";

/** The relationship index reserved for the locator: recovery and `openRelationship` never reach it. */
export const EMERGENCY_LOCATOR_INDEX = MAX_PSEUDONYM_INDEX;
/** The identifier system of a pseudonym's address in a locator's `Patient.link`. */
export const PSEUDONYM_IDENTIFIER_SYSTEM = "urn:carechain:pseudonym";

/**
 * The locator resource: a Patient whose `link`s (type `seealso`) name each pseudonym by address. It holds no
 * demographics.
 * @param pseudonyms - The relationship pseudonyms' addresses.
 * @returns The FHIR R4 Patient resource.
 */
export function locatorResource(pseudonyms: readonly string[]): Patient {
  return {
    resourceType: "Patient",
    active: true,
    link: pseudonyms.map((address) => ({
      other: { identifier: { system: PSEUDONYM_IDENTIFIER_SYSTEM, value: getAddress(address) } },
      type: "seealso",
    })),
  };
}

/**
 * The pseudonyms a locator resource names.
 * @param resource - A decrypted, validated locator.
 * @returns Their checksummed addresses, in order.
 * @throws {PseudonymError} When the resource is not a locator.
 */
export function pseudonymsOfLocator(resource: unknown): string[] {
  const patient = resource as Partial<Patient>;
  if (patient.resourceType !== "Patient" || !Array.isArray(patient.link)) {
    throw new PseudonymError("The record is not an emergency locator (a Patient with links).");
  }
  return patient.link.map((link, i) => {
    const id = link.other.identifier;
    if (id?.system !== PSEUDONYM_IDENTIFIER_SYSTEM || typeof id.value !== "string" || !isAddress(id.value)) {
      throw new PseudonymError("An emergency locator link does not name a pseudonym address.", {
        details: `link ${i}`,
      });
    }
    return getAddress(id.value);
  });
}

/**
 * For an emergency provider: the pseudonyms of the patient whose locator address it holds (from the emergency
 * card), read through the emergency custodian. Open break-glass on `locator` first (the read is a break-glass read,
 * logged on chain); then open break-glass on each pseudonym returned to read its emergency records.
 * @param emergency - The emergency provider's client (with the custodian's URL).
 * @param locator - The locator pseudonym's address.
 * @returns The relationship pseudonyms' addresses.
 * @throws {PseudonymError} When the locator has no record or its record is not a locator.
 * @throws {RecordReadConsentRequiredError} When break-glass on the locator is not open.
 */
export async function findPseudonyms(emergency: Carechain, locator: string): Promise<string[]> {
  const latest = (await emergency.listRecords(locator)).filter((r) => !r.amended).at(-1);
  if (!latest) throw new PseudonymError("The locator has no record.", { details: locator });
  const { resource } = await emergency.readRecord(latest.recordId, { purpose: "BTG" });
  return pseudonymsOfLocator(resource);
}
