/**
 * Suspect product: a failed verification becomes an alert — a document sealed for the partners concerned and an
 * on-chain `SuspectReported` event that carries only the alert's kind and digest.
 * @module
 */
import { sealDocument, sealedDigest, type SealedDocument } from "./documents.js";
import type { Anchored, SuspectKindName } from "./ledger.js";
import type { SupplyChainActor } from "./flows.js";
import { toElementString, type ProductIdentifier } from "./product-identifier.js";
import type { VerificationReason, VerificationResult } from "./verify.js";

/** The alert document, as the partners concerned read it. */
export interface SuspectAlert {
  readonly type: "carechain.supplychain.alert/v1";
  readonly kind: SuspectKindName;
  readonly reason: VerificationReason;
  /** The unit, as a GS1 element string. */
  readonly product: string;
  /** Who offered it (the seller checked against). */
  readonly seller: string;
  readonly reporter: string;
  readonly reportedAt: string;
  /** The verification result (with its proof, when there was one). */
  readonly verification: VerificationResult;
}

/** The alert kind for a verification reason, or `undefined` when the reason is no suspect product. */
const KINDS: Partial<Record<VerificationReason, SuspectKindName>> = {
  "not-commissioned": "counterfeit",
  diverted: "diverted",
  dispensed: "double-dispense",
  expired: "expired",
  recalled: "recalled",
};

/**
 * The suspect-product kind a verification reason amounts to.
 * @param reason - A verification reason.
 * @returns The alert kind, or `undefined` for `genuine`, `decommissioned` and `seller-inactive` (not a product
 * fault: a decommissioned unit offered again is reported by the caller as it sees fit).
 */
export function suspectKindOf(reason: VerificationReason): SuspectKindName | undefined {
  return KINDS[reason];
}

/**
 * Raises a suspect-product alert: seals the alert for the partners concerned and anchors its digest.
 * @param actor - The reporting partner.
 * @param product - The unit.
 * @param seller - The address that offered it.
 * @param verification - The failed verification.
 * @param readers - X25519 public keys of the partners concerned (e.g. manufacturer, seller, reporter).
 * @param time - Report time (default: now).
 * @returns The alert, where it is sealed, and the transaction.
 * @throws {RangeError} When the verification found no suspect product.
 * @throws {SupplyChainRevertError} E.g. `ProductLedgerUnauthorizedPartner`.
 */
export async function reportSuspect(
  actor: SupplyChainActor,
  product: ProductIdentifier,
  seller: string,
  verification: VerificationResult,
  readers: readonly Uint8Array[],
  time: Date = new Date(),
): Promise<{ alert: SuspectAlert; sealed: SealedDocument; anchored: Anchored }> {
  const kind = suspectKindOf(verification.reason);
  if (!kind) throw new RangeError(`reportSuspect: "${verification.reason}" is not a suspect-product finding`);
  const alert: SuspectAlert = {
    type: "carechain.supplychain.alert/v1",
    kind,
    reason: verification.reason,
    product: toElementString(product),
    seller,
    reporter: actor.address,
    reportedAt: time.toISOString(),
    verification,
  };
  const sealed = await sealDocument(actor.store, "alert", alert, readers);
  const anchored = await actor.ledger.reportSuspect(kind, sealedDigest(sealed));
  return { alert, sealed, anchored };
}
