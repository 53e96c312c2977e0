/**
 * The parties and figures of the supply-chain scenario: trading partners credentialed in TradingPartners (a
 * manufacturer, a wholesaler, a rogue distributor, pharmacies that are also Carechain providers), lots of
 * serialised units, and the tallies the report sections are written from.
 */
import { randomBytes } from "node:crypto";

import type { Signer } from "ethers";

import { generateIdentity, type IdentityKeyPair } from "../../sdk/index.js";
import {
  CommissionedLot,
  glnCommitment,
  licenceCommitment,
  PartnerRole,
  SupplyChainLedger,
  type SupplyChainActor,
  type SupplyChainAddresses,
} from "../../sdk/supplychain.js";
import type { Actor, Pilot } from "../pilot/runner.js";

/** A trading partner in the scenario. */
export interface Partner extends SupplyChainActor {
  readonly name: string;
  readonly identity: IdentityKeyPair;
  /** Its Carechain provider actor, for pharmacies (they also write to patients' records). */
  readonly provider?: Actor;
}

/** GS1 check digit (mod 10, weights 3/1 from the right). */
function withCheckDigit(digits: string): string {
  const sum = digits
    .split("")
    .reverse()
    .reduce((n, d, i) => n + Number(d) * (i % 2 === 0 ? 3 : 1), 0);
  return digits + String((10 - (sum % 10)) % 10);
}

/** A valid GLN for party number `n`. */
export const glnOf = (n: number): string => withCheckDigit(`95011010${String(n).padStart(4, "0")}`);
/** A valid SSCC (18 digits) for case number `n`. */
export const ssccOf = (n: number): string => withCheckDigit(`095011010${String(n).padStart(8, "0")}`);
/** The scenario's product: a valid GTIN-14. */
export const GTIN = withCheckDigit("0950110153000");

/**
 * Creates and credentials a trading partner: an account (or a Carechain provider for a pharmacy), a GLN kept
 * behind a salted commitment, a licence reference behind a hash.
 */
export async function credentialPartner(
  pilot: Pilot,
  addresses: SupplyChainAddresses,
  registrar: SupplyChainLedger,
  name: string,
  role: PartnerRole,
  n: number,
): Promise<Partner> {
  const provider = role === PartnerRole.Dispenser ? await pilot.provider(name, "pharmacy") : undefined;
  const actor = provider ?? (await pilot.account(name));
  const signer: Signer = actor.client.contracts.directory.runner as Signer;
  const gln = glnOf(n);
  const licence = `State Board of Pharmacy licence ${role}-${String(7000 + n)}`;
  pilot.input({ partner: name, gln, licence });
  const salt = `0x${randomBytes(32).toString("hex")}` as const;
  await pilot.step(
    `credential trading partner (${Object.keys(PartnerRole)[role - 1]})`,
    "Credentialing authority",
    () => registrar.credential(actor.address, role, glnCommitment(gln, salt), licenceCommitment(licence, salt)),
  );
  return {
    name,
    gln,
    address: actor.address,
    ledger: new SupplyChainLedger(addresses, signer),
    store: pilot.options.store,
    identity: provider?.client.identity ?? generateIdentity(),
    ...(provider ? { provider } : {}),
  };
}

/** Random DSCSA-style serial numbers (12 characters of [0-9A-Z]). */
export function serialNumbers(count: number): string[] {
  const alphabet = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";
  const out = new Set<string>();
  while (out.size < count) {
    const bytes = randomBytes(12);
    out.add([...bytes].map((b) => alphabet[b % alphabet.length]).join(""));
  }
  return [...out];
}

/** Builds lot `i` of the run: GTIN, lot number, expiry, serials and a fresh secret. */
export function buildLot(i: number, units: number, expiry: string): CommissionedLot {
  return CommissionedLot.create({
    gtin: GTIN,
    lot: `NW${24101 + i}A`,
    expiry,
    serials: serialNumbers(units),
    secret: randomBytes(32),
  });
}

/** Figures the report sections are written from. */
export class Tally {
  readonly events = new Map<string, { count: number; units: number }>();
  readonly gas = new Map<string, { gas: bigint; count: number; units: number }>();
  readonly suspects: { plant: string; reason: string; kind: string; alertGas: bigint; refusedOnChain: string }[] = [];
  verified = 0;
  genuine = 0;
  verifyPerSec = 0;
  itemStatusGas = 0n;
  schemaChecked = 0;

  event(type: string, units: number): void {
    const e = this.events.get(type) ?? { count: 0, units: 0 };
    this.events.set(type, { count: e.count + 1, units: e.units + units });
  }

  spend(operation: string, gas: bigint, units: number): void {
    const g = this.gas.get(operation) ?? { gas: 0n, count: 0, units: 0 };
    this.gas.set(operation, { gas: g.gas + gas, count: g.count + 1, units: g.units + units });
  }
}
