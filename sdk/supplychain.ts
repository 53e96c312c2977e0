/**
 * `carechain/supplychain`: the drug supply-chain module — EPCIS 2.0 events and their Event Hash IDs, GS1 schema
 * validation, salted commitments to serialised units, the TradingPartners and ProductLedger contracts, product
 * verification with offline-checkable proofs, suspect-product alerts, and encrypted event documents.
 * @module
 */
export { epcisEventHashIds, epcisPreHashStrings, eventHashDigest, eventHashIdOf } from "./supplychain/event-hash.js";
export {
  createEpcisSchemaValidator,
  formatEpcisSchemaIssue,
  type EpcisSchemaIssue,
  type EpcisSchemaResult,
  type EpcisSchemaValidator,
} from "./supplychain/epcis-schema.js";
export {
  expiryEnd,
  parseProductIdentifier,
  toDigitalLink,
  toElementString,
  toLotDigitalLink,
  type ProductIdentifier,
} from "./supplychain/product-identifier.js";
export {
  glnCommitment,
  licenceCommitment,
  lotIdOf,
  nullifierOf,
  recipientCommitment,
  unitCommitment,
  unitLeaf,
  unitSalt,
  unitTree,
  type Bytes32,
} from "./supplychain/commitments.js";
export { CommissionedLot, type CustodyHop, type LotPlan, type UnitPassport } from "./supplychain/lot.js";
export {
  commissioningDocument,
  decommissioningDocument,
  dispensingDocument,
  eventHashIdOfDocument,
  packingDocument,
  receivingDocument,
  recallDocument,
  shippingDocument,
  type EpcisDocument,
  type StepContext,
} from "./supplychain/events.js";
export {
  openDocument,
  sealDocument,
  sealedDigest,
  type SealedDocument,
  type SupplyChainDocumentKind,
} from "./supplychain/documents.js";
export {
  deploySupplyChain,
  PartnerRole,
  SupplyChainLedger,
  SuspectKind,
  type Anchored,
  type SupplyChainAddresses,
  type SuspectKindName,
} from "./supplychain/ledger.js";
export {
  commission,
  decommission,
  dispense,
  recall,
  recordEvent,
  transfer,
  type MovingUnit,
  type Shipment,
  type StepOptions,
  type StepResult,
  type SupplyChainActor,
} from "./supplychain/flows.js";
export {
  checkVerificationProof,
  verifyProduct,
  type LedgerReader,
  type ProvenHop,
  type SpendStatus,
  type VerificationContext,
  type VerificationProof,
  type VerificationReason,
  type VerificationResult,
} from "./supplychain/verify.js";
export { reportSuspect, suspectKindOf, type SuspectAlert } from "./supplychain/suspect.js";
export { SupplyChainRevertError, supplyChainRevertOf } from "./errors/supplychain.js";
