/**
 * Product verification: "genuine, owned by the seller, not dispensed, not decommissioned, not recalled, not
 * expired?" for a scanned product identifier and its unit passport, answered with a reason and a proof the asker
 * can re-check offline ({@link checkVerificationProof}) — Merkle proofs against the anchored roots, the custody
 * chain, and the unit's status as read from the ledger.
 * @module
 */
import { StandardMerkleTree } from "../content/merkle.js";
import { nullifierOf, recipientCommitment, unitCommitment, type Bytes32 } from "./commitments.js";
import type { UnitPassport } from "./lot.js";
import { expiryEnd, parseProductIdentifier, type ProductIdentifier } from "./product-identifier.js";

/** Why a unit passed or failed verification. */
export type VerificationReason =
  | "genuine"
  | "not-commissioned"
  | "diverted"
  | "seller-inactive"
  | "dispensed"
  | "decommissioned"
  | "recalled"
  | "expired";

/** How a unit was spent on chain (ProductLedger.SpendKind). */
export type SpendStatus = "none" | "dispensed" | "decommissioned";

/** The ledger reads verification needs (ProductLedger + TradingPartners views). */
export interface LedgerReader {
  /** The lot's root, commissioner and recall flag (root zero when unknown). */
  lot(lotId: Bytes32): Promise<{ itemsRoot: Bytes32; commissioner: string; recalled: boolean }>;
  /** The shipment's root, hidden recipient and shipper (root zero when unknown). */
  shipment(eventHash: Bytes32): Promise<{ itemsRoot: Bytes32; recipientCommitment: Bytes32; shipper: string }>;
  /** How the unit with this nullifier was spent. */
  spent(nullifier: Bytes32): Promise<SpendStatus>;
  /** Whether the account is a credentialed, unsuspended partner. */
  isActivePartner(account: string): Promise<boolean>;
}

/** One verified hop, with the anchored values it was checked against. */
export interface ProvenHop {
  readonly shipment: Bytes32;
  readonly shipper: string;
  readonly recipient: string;
  readonly recipientSalt: Bytes32;
  readonly recipientCommitment: Bytes32;
  readonly itemsRoot: Bytes32;
  readonly proof: readonly Bytes32[];
}

/** Everything verification looked at: re-checkable without the ledger by {@link checkVerificationProof}. */
export interface VerificationProof {
  readonly lotId: Bytes32;
  readonly salt: Bytes32;
  /** The lot's anchored root (zero when the lot is unknown). */
  readonly lotRoot: Bytes32;
  readonly lotProof: readonly Bytes32[];
  readonly commissioner: string;
  readonly custody: readonly ProvenHop[];
  readonly recalled: boolean;
  readonly spent: SpendStatus;
  /** Whether the seller was an active partner when checked. */
  readonly sellerActive: boolean;
}

/** The answer to a verification request. */
export interface VerificationResult {
  readonly ok: boolean;
  readonly reason: VerificationReason;
  /** The proof, or `undefined` when the asker had no passport for the unit (nothing to prove). */
  readonly proof?: VerificationProof;
}

/** Who is selling, and when. */
export interface VerificationContext {
  /** The address of the partner offering the unit (its current owner, if genuine). */
  readonly seller: string;
  /** Time of the check in milliseconds (default: now). */
  readonly now?: number;
}

const ZERO = `0x${"0".repeat(64)}`;
const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
const inTree = (root: Bytes32, commitment: Bytes32, proof: readonly Bytes32[]): boolean =>
  root !== ZERO && StandardMerkleTree.verify(root, ["bytes32"], [commitment], proof);

/**
 * Re-checks a verification proof offline: the unit's commitment from the scanned identifier and the salt, its
 * Merkle proofs against the anchored roots, the custody chain from the commissioner to the seller, expiry, and the
 * recorded status.
 * @param scanned - The product identifier as scanned (element string or Digital Link) or parsed.
 * @param proof - A proof from {@link verifyProduct}.
 * @param context - Seller and time.
 * @returns `{ ok, reason }`.
 * @throws {TypeError} When `scanned` is not a valid product identifier.
 */
export function checkVerificationProof(
  scanned: string | ProductIdentifier,
  proof: VerificationProof,
  context: VerificationContext,
): { ok: boolean; reason: VerificationReason } {
  const id = typeof scanned === "string" ? parseProductIdentifier(scanned) : scanned;
  const fail = (reason: VerificationReason) => ({ ok: false, reason });
  const commitment = unitCommitment(id, proof.salt);
  if (!inTree(proof.lotRoot, commitment, proof.lotProof)) return fail("not-commissioned");
  let custodian = proof.commissioner;
  for (const hop of proof.custody) {
    const linked = same(hop.shipper, custodian);
    const recipientOk = recipientCommitment(hop.recipient, hop.recipientSalt) === hop.recipientCommitment;
    if (!linked || !recipientOk || !inTree(hop.itemsRoot, commitment, hop.proof)) return fail("diverted");
    custodian = hop.recipient;
  }
  if (!same(custodian, context.seller)) return fail("diverted");
  if (!proof.sellerActive) return fail("seller-inactive");
  if (proof.spent !== "none") return fail(proof.spent);
  if (proof.recalled) return fail("recalled");
  if ((context.now ?? Date.now()) > expiryEnd(id.expiry)) return fail("expired");
  return { ok: true, reason: "genuine" };
}

/**
 * Verifies a scanned unit offered by `context.seller`: reads the lot, the shipments of its passport and its spent
 * status from the ledger, then checks them ({@link checkVerificationProof}). No manufacturer needs to be online.
 * @param reader - Ledger reads.
 * @param scanned - The product identifier as scanned (GS1 element string or Digital Link).
 * @param passport - The unit's passport from the seller, or `undefined` when the seller gave none.
 * @param context - Seller and time.
 * @returns `{ ok, reason, proof }`; a unit without a passport is `not-commissioned` (nothing proves it genuine).
 * @throws {TypeError} When `scanned` is not a valid product identifier.
 * @example
 * ```ts
 * const { ok, reason, proof } = await verifyProduct(reader, "(01)09501101530003(17)270131(10)L1(21)S1", passport, { seller });
 * ```
 */
export async function verifyProduct(
  reader: LedgerReader,
  scanned: string,
  passport: UnitPassport | undefined,
  context: VerificationContext,
): Promise<VerificationResult> {
  const id = parseProductIdentifier(scanned);
  if (!passport) return { ok: false, reason: "not-commissioned" };
  const commitment = unitCommitment(id, passport.salt);
  const [lot, custody, spent, sellerActive] = await Promise.all([
    reader.lot(passport.lotId),
    Promise.all(
      passport.custody.map(async (hop): Promise<ProvenHop> => {
        const s = await reader.shipment(hop.shipment);
        return { ...hop, shipper: s.shipper, recipientCommitment: s.recipientCommitment, itemsRoot: s.itemsRoot };
      }),
    ),
    reader.spent(nullifierOf(commitment)),
    reader.isActivePartner(context.seller),
  ]);
  const proof: VerificationProof = {
    lotId: passport.lotId,
    salt: passport.salt,
    lotRoot: lot.itemsRoot,
    lotProof: passport.lotProof,
    commissioner: lot.commissioner,
    custody,
    recalled: lot.recalled,
    spent,
    sellerActive,
  };
  return { ...checkVerificationProof(id, proof, context), proof };
}
