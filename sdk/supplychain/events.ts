/**
 * EPCIS 2.0 JSON-LD documents for the supply chain's business steps — commissioning, shipping, receiving,
 * dispensing, decommissioning, recall — with identifiers as GS1 Digital Link URIs and CBV 2.0 vocabulary, each
 * valid against GS1's JSON Schema; and the Event Hash ID of each.
 * @module
 */
import { epcisEventHashIds } from "./event-hash.js";
import { toLotDigitalLink } from "./product-identifier.js";

/** An EPCIS 2.0 document as built here. */
export interface EpcisDocument {
  readonly "@context": readonly unknown[];
  readonly type: "EPCISDocument";
  readonly schemaVersion: "2.0";
  readonly creationDate: string;
  readonly epcisBody: { readonly eventList: readonly Record<string, unknown>[] };
}

/** Where and when a step happened. */
export interface StepContext {
  /** Event time. */
  readonly time: Date;
  /** GLN (13 digits) of the site where it happened. */
  readonly siteGln: string;
}

const CONTEXT = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"] as const;

function document(time: Date, event: Record<string, unknown>): EpcisDocument {
  return {
    "@context": CONTEXT,
    type: "EPCISDocument",
    schemaVersion: "2.0",
    creationDate: time.toISOString(),
    epcisBody: {
      eventList: [{ type: "ObjectEvent", eventTime: time.toISOString(), eventTimeZoneOffset: "+00:00", ...event }],
    },
  };
}

const site = (gln: string) => ({ id: `https://id.gs1.org/414/${gln}` });
const party = (gln: string) => `https://id.gs1.org/417/${gln}`;

/** `YYMMDD` → `YYYY-MM-DD` (ILMD itemExpirationDate). */
function isoExpiry(expiry: string): string {
  const yy = Number(expiry.slice(0, 2));
  const day = expiry.slice(4, 6) === "00" ? "01" : expiry.slice(4, 6);
  return `${yy < 50 ? 2000 + yy : 1900 + yy}-${expiry.slice(2, 4)}-${day}`;
}

/**
 * A commissioning event: the units come into existence (action ADD), with lot and expiry as ILMD.
 * @param units - Digital Link URIs of the units.
 * @param lot - `{ lot, expiry }` of the lot.
 * @param at - Site and time.
 * @returns The EPCIS document.
 */
export function commissioningDocument(
  units: readonly string[],
  lot: { readonly lot: string; readonly expiry: string },
  at: StepContext,
): EpcisDocument {
  return document(at.time, {
    epcList: units,
    action: "ADD",
    bizStep: "commissioning",
    disposition: "active",
    readPoint: site(at.siteGln),
    ilmd: { "cbvmda:lotNumber": lot.lot, "cbvmda:itemExpirationDate": isoExpiry(lot.expiry) },
  });
}

/**
 * A shipping event: the units leave the owner for the recipient (source and destination owning parties).
 * @param units - Digital Link URIs of the units.
 * @param from - GLN of the shipper (owning party).
 * @param to - GLN of the recipient (owning party).
 * @param at - Site and time.
 * @returns The EPCIS document.
 */
export function shippingDocument(units: readonly string[], from: string, to: string, at: StepContext): EpcisDocument {
  return document(at.time, {
    epcList: units,
    action: "OBSERVE",
    bizStep: "shipping",
    disposition: "in_transit",
    readPoint: site(at.siteGln),
    sourceList: [{ type: "owning_party", source: party(from) }],
    destinationList: [{ type: "owning_party", destination: party(to) }],
  });
}

/**
 * A receiving event: the units arrive at the recipient.
 * @param units - Digital Link URIs of the units.
 * @param from - GLN of the shipper.
 * @param to - GLN of the recipient.
 * @param at - Site and time.
 * @returns The EPCIS document.
 */
export function receivingDocument(units: readonly string[], from: string, to: string, at: StepContext): EpcisDocument {
  return document(at.time, {
    epcList: units,
    action: "OBSERVE",
    bizStep: "receiving",
    disposition: "in_progress",
    readPoint: site(at.siteGln),
    sourceList: [{ type: "owning_party", source: party(from) }],
    destinationList: [{ type: "owning_party", destination: party(to) }],
  });
}

/**
 * A packing event: units aggregated into a logistic unit (a case or a pallet, identified by its SSCC).
 * @param sscc - The 18-digit SSCC of the case.
 * @param units - Digital Link URIs of the units packed.
 * @param at - Site and time.
 * @returns The EPCIS document (an AggregationEvent).
 */
export function packingDocument(sscc: string, units: readonly string[], at: StepContext): EpcisDocument {
  const doc = document(at.time, {
    parentID: `https://id.gs1.org/00/${sscc}`,
    childEPCs: units,
    action: "ADD",
    bizStep: "packing",
    disposition: "in_progress",
    readPoint: site(at.siteGln),
  });
  const [event] = doc.epcisBody.eventList;
  return { ...doc, epcisBody: { eventList: [{ ...event, type: "AggregationEvent" }] } };
}

/**
 * A dispensing event: one unit handed to a patient.
 * @param unit - Digital Link URI of the unit.
 * @param at - Site and time.
 * @returns The EPCIS document.
 */
export function dispensingDocument(unit: string, at: StepContext): EpcisDocument {
  return document(at.time, {
    epcList: [unit],
    action: "OBSERVE",
    bizStep: "dispensing",
    disposition: "dispensed",
    readPoint: site(at.siteGln),
  });
}

/**
 * A decommissioning event: units leave the supply chain (destroyed, stolen, sample, unsaleable return).
 * @param units - Digital Link URIs of the units.
 * @param at - Site and time.
 * @returns The EPCIS document.
 */
export function decommissioningDocument(units: readonly string[], at: StepContext): EpcisDocument {
  return document(at.time, {
    epcList: units,
    action: "DELETE",
    bizStep: "decommissioning",
    disposition: "inactive",
    readPoint: site(at.siteGln),
  });
}

/**
 * A recall event: every unit of a lot is recalled (lot-level class, CBV disposition `recalled`).
 * @param gtin - GTIN-14.
 * @param lot - Lot number.
 * @param at - Site and time.
 * @returns The EPCIS document.
 */
export function recallDocument(gtin: string, lot: string, at: StepContext): EpcisDocument {
  return document(at.time, {
    quantityList: [{ epcClass: toLotDigitalLink(gtin, lot) }],
    action: "OBSERVE",
    bizStep: "holding",
    disposition: "recalled",
    readPoint: site(at.siteGln),
  });
}

/**
 * The Event Hash ID of a single-event document.
 * @param doc - A document from this module.
 * @returns `ni:///sha-256;…?ver=CBV2.0`.
 * @throws {TypeError} When the document holds no event.
 */
export function eventHashIdOfDocument(doc: EpcisDocument): string {
  const [id] = epcisEventHashIds(doc);
  if (id === undefined) throw new TypeError("EPCIS document: no event");
  return id;
}
