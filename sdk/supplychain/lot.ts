/**
 * A commissioned lot on the manufacturer's side: its units' commitments, their Merkle tree and the per-unit
 * proofs, all derived from one lot secret; and the "unit passport" a custodian hands on with a unit.
 * @module
 */
import type { StandardMerkleTree } from "../content/merkle.js";
import { lotIdOf, unitCommitment, unitSalt, unitTree, type Bytes32 } from "./commitments.js";
import type { ProductIdentifier } from "./product-identifier.js";

/** One hop of a unit's chain of custody: a shipment that carried it, and who received it. */
export interface CustodyHop {
  /** The shipment's id: the digest of its EPCIS shipping event's Event Hash ID. */
  readonly shipment: Bytes32;
  /** The recipient's address (hidden on chain behind `recipientSalt`). */
  readonly recipient: string;
  /** The salt of the shipment's recipient commitment. */
  readonly recipientSalt: Bytes32;
  /** The unit's proof against the shipment's items root. */
  readonly proof: readonly Bytes32[];
}

/**
 * Everything a holder needs to prove a unit genuine and in its custody, without the manufacturer: shared with the
 * next owner inside the encrypted shipping documents.
 */
export interface UnitPassport {
  /** The unit's lot id. */
  readonly lotId: Bytes32;
  /** The unit's salt. */
  readonly salt: Bytes32;
  /** The unit's proof against the lot's items root. */
  readonly lotProof: readonly Bytes32[];
  /** The shipments that carried it, oldest first. */
  readonly custody: readonly CustodyHop[];
}

/** What a lot is made of. */
export interface LotPlan {
  /** GTIN-14 of the product. */
  readonly gtin: string;
  /** Lot number. */
  readonly lot: string;
  /** Expiry, `YYMMDD`. */
  readonly expiry: string;
  /** The serial numbers of its units (distinct). */
  readonly serials: readonly string[];
  /** The lot's 32-byte secret (random; keep it). */
  readonly secret: Uint8Array;
}

/** A lot's commitments, tree and proofs. */
export class CommissionedLot {
  readonly #index: ReadonlyMap<string, number>;

  private constructor(
    /** The plan it was built from. */
    readonly plan: LotPlan,
    /** Its on-chain id. */
    readonly lotId: Bytes32,
    /** Unit commitments, in the order of `plan.serials`. */
    readonly commitments: readonly Bytes32[],
    /** Unit salts, in the order of `plan.serials`. */
    readonly salts: readonly Bytes32[],
    /** The Merkle tree of the commitments. */
    readonly tree: StandardMerkleTree<[Bytes32]>,
  ) {
    this.#index = new Map(plan.serials.map((s, i) => [s, i]));
  }

  /**
   * Builds a lot: one salt, commitment and leaf per serial.
   * @param plan - GTIN, lot, expiry, serials and secret.
   * @returns The lot, ready to commission.
   * @throws {RangeError} When there are no serials or a serial repeats.
   */
  static create(plan: LotPlan): CommissionedLot {
    if (plan.serials.length === 0) throw new RangeError("CommissionedLot.create: a lot needs at least one serial");
    if (new Set(plan.serials).size !== plan.serials.length) {
      throw new RangeError("CommissionedLot.create: serials must be distinct");
    }
    const units = plan.serials.map((serial) => {
      const salt = unitSalt(plan.secret, serial);
      return { salt, commitment: unitCommitment(this.identifier(plan, serial), salt) };
    });
    const salts = units.map((unit) => unit.salt);
    const commitments = units.map((unit) => unit.commitment);
    return new CommissionedLot(
      plan,
      lotIdOf(plan.secret, plan.gtin, plan.lot),
      commitments,
      salts,
      unitTree(commitments),
    );
  }

  private static identifier(plan: LotPlan, serial: string): ProductIdentifier {
    return { gtin: plan.gtin, serial, lot: plan.lot, expiry: plan.expiry };
  }

  /** The root the ledger anchors at commissioning. */
  get root(): Bytes32 {
    return this.tree.root as Bytes32;
  }

  /** Number of units. */
  get size(): number {
    return this.plan.serials.length;
  }

  /**
   * The product identifier of one unit.
   * @param serial - A serial of the lot.
   * @returns Its product identifier.
   */
  identifier(serial: string): ProductIdentifier {
    this.position(serial);
    return CommissionedLot.identifier(this.plan, serial);
  }

  /**
   * The commitment of one unit.
   * @param serial - A serial of the lot.
   * @returns Its commitment.
   * @throws {RangeError} When the serial is not in the lot.
   */
  commitment(serial: string): Bytes32 {
    return this.at(this.commitments, serial);
  }

  /**
   * A unit's passport as it leaves the commissioner (no custody hops yet).
   * @param serial - A serial of the lot.
   * @returns The passport.
   * @throws {RangeError} When the serial is not in the lot.
   */
  passport(serial: string): UnitPassport {
    const i = this.position(serial);
    return {
      lotId: this.lotId,
      salt: this.at(this.salts, serial),
      lotProof: this.tree.getProof(i) as Bytes32[],
      custody: [],
    };
  }

  private position(serial: string): number {
    const i = this.#index.get(serial);
    if (i === undefined) throw new RangeError(`serial ${serial} is not in lot ${this.plan.lot}`);
    return i;
  }

  /** The entry of a per-unit list (salts, commitments) for `serial`. */
  private at<T>(list: readonly T[], serial: string): T {
    const value = list[this.position(serial)];
    if (value === undefined) throw new RangeError(`serial ${serial} has no entry in lot ${this.plan.lot}`);
    return value;
  }
}
