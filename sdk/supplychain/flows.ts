/**
 * The supply chain's business steps end to end: build the EPCIS event, identify it by its Event Hash ID, seal
 * it for the partners who need it, and anchor its commitments — commission, transfer, dispense, decommission,
 * recall.
 * @module
 */
import { randomBytes } from "@noble/hashes/utils.js";

import type { BlobStore } from "../content/blob-store.js";
import type { StandardMerkleTree } from "../content/merkle.js";
import { toHex } from "../crypto/bytes.js";
import { recipientCommitment, unitCommitment, unitTree, type Bytes32 } from "./commitments.js";
import { sealDocument, type SealedDocument } from "./documents.js";
import {
  commissioningDocument,
  decommissioningDocument,
  dispensingDocument,
  eventHashIdOfDocument,
  recallDocument,
  shippingDocument,
  type EpcisDocument,
} from "./events.js";
import type { Anchored, SupplyChainLedger } from "./ledger.js";
import type { CommissionedLot, UnitPassport } from "./lot.js";
import { toDigitalLink, type ProductIdentifier } from "./product-identifier.js";

/** A partner acting: its ledger handle, address, GLN and where its documents go. */
export interface SupplyChainActor {
  readonly ledger: SupplyChainLedger;
  readonly address: string;
  readonly gln: string;
  readonly store: BlobStore;
}

/** What every step returns: the event, its id, where it is sealed, and the anchoring transaction. */
export interface StepResult {
  readonly document: EpcisDocument;
  readonly eventHashId: string;
  readonly sealed: SealedDocument;
  readonly anchored: Anchored;
}

/** Options common to every step. */
export interface StepOptions {
  /** Event time (default: now). */
  readonly time?: Date;
  /** X25519 public keys of the partners who may read the event (include your own). */
  readonly readers: readonly Uint8Array[];
}

async function step(
  actor: SupplyChainActor,
  document: EpcisDocument,
  readers: readonly Uint8Array[],
  anchor: (eventHashId: string) => Promise<Anchored>,
): Promise<StepResult> {
  const eventHashId = eventHashIdOfDocument(document);
  const sealed = await sealDocument(actor.store, "epcis", document, readers);
  return { document, eventHashId, sealed, anchored: await anchor(eventHashId) };
}

const at = (actor: SupplyChainActor, options: StepOptions) => ({
  time: options.time ?? new Date(),
  siteGln: actor.gln,
});

/**
 * Records an event that anchors nothing (receiving, packing): identified by its Event Hash ID and sealed for the
 * partners who need it.
 * @param actor - The partner recording it.
 * @param document - The EPCIS document (e.g. `receivingDocument`, `packingDocument`).
 * @param readers - X25519 public keys of the partners who may read it.
 * @returns The document, its Event Hash ID and where it is sealed.
 */
export async function recordEvent(
  actor: SupplyChainActor,
  document: EpcisDocument,
  readers: readonly Uint8Array[],
): Promise<Omit<StepResult, "anchored">> {
  const eventHashId = eventHashIdOfDocument(document);
  return { document, eventHashId, sealed: await sealDocument(actor.store, "epcis", document, readers) };
}

/**
 * Commissions a lot: one EPCIS commissioning event for all its units, one transaction anchoring its root.
 * @param actor - The manufacturer or repackager.
 * @param lot - The lot ({@link CommissionedLot.create}).
 * @param options - Time and readers.
 * @returns The step's event, id, sealed document and transaction.
 * @throws {SupplyChainRevertError} E.g. `ProductLedgerLotExists`, `ProductLedgerUnauthorizedPartner`.
 */
export function commission(actor: SupplyChainActor, lot: CommissionedLot, options: StepOptions): Promise<StepResult> {
  const units = lot.plan.serials.map((serial) => toDigitalLink(lot.identifier(serial)));
  const doc = commissioningDocument(units, lot.plan, at(actor, options));
  return step(actor, doc, options.readers, (id) => actor.ledger.commission(lot.lotId, lot.root, id));
}

/** A unit being moved: its identifier and commitment. */
export interface MovingUnit {
  readonly identifier: ProductIdentifier;
  readonly commitment: Bytes32;
}

/** An anchored shipment, able to add its hop to the passports of the units it carried. */
export interface Shipment extends StepResult {
  readonly recipient: string;
  readonly recipientSalt: Bytes32;
  readonly tree: StandardMerkleTree<[Bytes32]>;
  /**
   * The passport of a carried unit with this shipment appended to its custody.
   * @param passport - The unit's passport before the shipment.
   * @param commitment - The unit's commitment.
   * @throws {RangeError} When the unit was not in the shipment.
   */
  handOn(passport: UnitPassport, commitment: Bytes32): UnitPassport;
}

/**
 * Transfers ownership of units to another partner: an EPCIS shipping event with source and destination owning
 * parties, sealed for both; on chain, the event's hash, the root of the units and the recipient behind a salt.
 * @param actor - The current owner.
 * @param to - The recipient's address and GLN.
 * @param units - The units shipped (at least one), or a whole lot.
 * @param options - Time and readers.
 * @returns The shipment, whose `handOn` extends each unit's passport.
 * @throws {RangeError} When `units` is empty.
 * @throws {SupplyChainRevertError} E.g. `ProductLedgerUnauthorizedPartner` for a suspended shipper.
 */
export async function transfer(
  actor: SupplyChainActor,
  to: { readonly address: string; readonly gln: string },
  units: readonly MovingUnit[] | CommissionedLot,
  options: StepOptions,
): Promise<Shipment> {
  const whole = !Array.isArray(units);
  const lot = units as CommissionedLot;
  const moving = units as readonly MovingUnit[];
  const commitments = whole ? lot.commitments : moving.map((u) => u.commitment);
  if (commitments.length === 0) throw new RangeError("transfer: units must not be empty");
  // A whole lot ships under the lot's own tree (same leaves, same root): no second tree of 10^5 leaves.
  const tree = whole ? lot.tree : unitTree(commitments);
  const index = new Map(commitments.map((c, i) => [c, i]));
  const recipientSalt = toHex(randomBytes(32));
  const links = whole
    ? lot.plan.serials.map((serial) => toDigitalLink(lot.identifier(serial)))
    : moving.map((u) => toDigitalLink(u.identifier));
  const doc = shippingDocument(links, actor.gln, to.gln, at(actor, options));
  const result = await step(actor, doc, options.readers, (id) =>
    actor.ledger.ship(id, recipientCommitment(to.address, recipientSalt), tree.root as Bytes32),
  );
  const shipment: Bytes32 = `0x${result.eventHashId.slice(14, 78)}`;
  return {
    ...result,
    recipient: to.address,
    recipientSalt,
    tree,
    handOn(passport, commitment) {
      const i = index.get(commitment);
      if (i === undefined) throw new RangeError("handOn: the unit was not in this shipment");
      const hop = { shipment, recipient: to.address, recipientSalt, proof: tree.getProof(i) as Bytes32[] };
      return { ...passport, custody: [...passport.custody, hop] };
    },
  };
}

/**
 * Dispenses one unit to a patient: an EPCIS dispensing event, and the unit's nullifier spent on chain (refused
 * for a counterfeit, a recalled lot, or a unit already spent).
 * @param actor - The dispenser.
 * @param identifier - The unit.
 * @param passport - Its passport.
 * @param options - Time and readers.
 * @returns The step's event, id, sealed document and transaction.
 * @throws {SupplyChainRevertError} `ProductLedgerAlreadySpent`, `ProductLedgerLotRecalled`, ….
 */
export function dispense(
  actor: SupplyChainActor,
  identifier: ProductIdentifier,
  passport: UnitPassport,
  options: StepOptions,
): Promise<StepResult> {
  const commitment = unitCommitment(identifier, passport.salt);
  const doc = dispensingDocument(toDigitalLink(identifier), at(actor, options));
  return step(actor, doc, options.readers, (id) =>
    actor.ledger.dispense(passport.lotId, commitment, passport.lotProof, id),
  );
}

/**
 * Decommissions one unit (destroyed, stolen, sample, unsaleable return).
 * @param actor - A partner holding it.
 * @param identifier - The unit.
 * @param passport - Its passport.
 * @param options - Time and readers.
 * @returns The step's event, id, sealed document and transaction.
 * @throws {SupplyChainRevertError} `ProductLedgerAlreadySpent`, ….
 */
export function decommission(
  actor: SupplyChainActor,
  identifier: ProductIdentifier,
  passport: UnitPassport,
  options: StepOptions,
): Promise<StepResult> {
  const commitment = unitCommitment(identifier, passport.salt);
  const doc = decommissioningDocument([toDigitalLink(identifier)], at(actor, options));
  return step(actor, doc, options.readers, (id) =>
    actor.ledger.decommission(passport.lotId, commitment, passport.lotProof, id),
  );
}

/**
 * Recalls a lot: an EPCIS event with disposition `recalled` for the lot's class; on chain, the lot id flagged.
 * @param actor - The lot's commissioner (or a registrar acting as one).
 * @param lot - GTIN, lot number and lot id.
 * @param options - Time and readers.
 * @returns The step's event, id, sealed document and transaction.
 * @throws {SupplyChainRevertError} `ProductLedgerUnauthorizedRecall`, `ProductLedgerAlreadyRecalled`, ….
 */
export function recall(
  actor: SupplyChainActor,
  lot: { readonly gtin: string; readonly lot: string; readonly lotId: Bytes32 },
  options: StepOptions,
): Promise<StepResult> {
  const doc = recallDocument(lot.gtin, lot.lot, at(actor, options));
  return step(actor, doc, options.readers, (id) => actor.ledger.recall(lot.lotId, id));
}
