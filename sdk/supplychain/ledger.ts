/**
 * The supply-chain contracts from the SDK: deploy TradingPartners and ProductLedger beside a Carechain
 * deployment, credential partners, and anchor commissioning, shipments, dispensing, decommissioning, recalls and
 * suspect alerts — each a typed call that returns its receipt's gas, reverts decoded by name.
 * @module
 */
import type { ContractRunner, Signer, TransactionResponse } from "ethers";

import type { ProductLedger, TradingPartners } from "../contracts/typechain/supplychain/index.js";
import {
  ProductLedger__factory,
  TradingPartners__factory,
} from "../contracts/typechain/factories/supplychain/index.js";
import { withSupplyChainReverts } from "../errors/supplychain.js";
import type { Bytes32 } from "./commitments.js";
import { eventHashDigest } from "./event-hash.js";
import type { LedgerReader, SpendStatus } from "./verify.js";

/** Partner roles, as ITradingPartners.PartnerRole numbers them. */
export const PartnerRole = { Manufacturer: 1, Repackager: 2, Wholesaler: 3, Dispenser: 4 } as const;
/** A partner role. */
export type PartnerRole = (typeof PartnerRole)[keyof typeof PartnerRole];

/** Alert kinds, as IProductLedger.SuspectKind numbers them. */
export const SuspectKind = { counterfeit: 1, diverted: 2, "double-dispense": 3, expired: 4, recalled: 5 } as const;
/** An alert kind. */
export type SuspectKindName = keyof typeof SuspectKind;

/** Addresses of a supply-chain deployment. */
export interface SupplyChainAddresses {
  readonly partners: string;
  readonly ledger: string;
}

/** The outcome of an anchoring transaction. */
export interface Anchored {
  readonly hash: string;
  readonly gasUsed: bigint;
  readonly blockNumber: number;
}

const SPENT: readonly SpendStatus[] = ["none", "dispensed", "decommissioned"];

async function mined(action: string, send: () => Promise<TransactionResponse>): Promise<Anchored> {
  return withSupplyChainReverts(action, async () => {
    const receipt = await (await send()).wait();
    if (!receipt) throw new Error(`${action}: no receipt`);
    return { hash: receipt.hash, gasUsed: receipt.gasUsed, blockNumber: receipt.blockNumber };
  });
}

/**
 * Deploys TradingPartners (governed by the Directory's registrars) and ProductLedger.
 * @param signer - Pays for the deployments.
 * @param directory - Address of the core Carechain Directory.
 * @returns The two addresses.
 * @throws {SupplyChainRevertError} When a constructor reverts (e.g. a zero directory).
 */
export async function deploySupplyChain(signer: Signer, directory: string): Promise<SupplyChainAddresses> {
  return withSupplyChainReverts("deploySupplyChain", async () => {
    const partners = await (await new TradingPartners__factory(signer).deploy(directory)).waitForDeployment();
    const partnersAddress = await partners.getAddress();
    const ledger = await (await new ProductLedger__factory(signer).deploy(partnersAddress)).waitForDeployment();
    return { partners: partnersAddress, ledger: await ledger.getAddress() };
  });
}

/** One partner's (or a registrar's) handle on the supply-chain contracts. */
export class SupplyChainLedger {
  /** TradingPartners, connected to the runner. */
  readonly partners: TradingPartners;
  /** ProductLedger, connected to the runner. */
  readonly ledger: ProductLedger;

  /**
   * @param addresses - The deployment.
   * @param runner - A signer (to anchor) or a provider (to read).
   */
  constructor(addresses: SupplyChainAddresses, runner: ContractRunner) {
    this.partners = TradingPartners__factory.connect(addresses.partners, runner);
    this.ledger = ProductLedger__factory.connect(addresses.ledger, runner);
  }

  /**
   * Credentials a partner (registrars only).
   * @param partner - Its address.
   * @param role - What it does.
   * @param glnCommitment - Salted commitment to its GLN (`glnCommitment`).
   * @param licenceHash - Salted commitment to its licence reference (`licenceCommitment`).
   * @returns The transaction's outcome.
   * @throws {SupplyChainRevertError} E.g. `TradingPartnersUnauthorizedRegistrar`.
   */
  credential(partner: string, role: PartnerRole, glnCommitment: Bytes32, licenceHash: Bytes32): Promise<Anchored> {
    return mined("credential", () => this.partners.credential(partner, role, glnCommitment, licenceHash));
  }

  /**
   * Suspends a partner (registrars only).
   * @param partner - Its address.
   * @returns The transaction's outcome.
   * @throws {SupplyChainRevertError} E.g. `TradingPartnersSuspensionUnchanged`.
   */
  suspend(partner: string): Promise<Anchored> {
    return mined("suspend", () => this.partners.suspend(partner));
  }

  /**
   * Commissions a lot: anchors its root with its commissioning event.
   * @param lotId - The lot's id.
   * @param itemsRoot - The root of its units.
   * @param eventHashId - Event Hash ID of the commissioning event.
   * @returns The transaction's outcome.
   * @throws {SupplyChainRevertError} E.g. `ProductLedgerLotExists`.
   */
  commission(lotId: Bytes32, itemsRoot: Bytes32, eventHashId: string): Promise<Anchored> {
    return mined("commission", () => this.ledger.commission(lotId, itemsRoot, eventHashDigest(eventHashId)));
  }

  /**
   * Anchors a shipment from the caller to a hidden recipient.
   * @param eventHashId - Event Hash ID of the shipping event (the shipment's id).
   * @param recipientCommitment - `recipientCommitment(recipient, salt)`.
   * @param itemsRoot - Root of the shipped units.
   * @returns The transaction's outcome.
   * @throws {SupplyChainRevertError} E.g. `ProductLedgerShipmentExists`.
   */
  ship(eventHashId: string, recipientCommitment: Bytes32, itemsRoot: Bytes32): Promise<Anchored> {
    return mined("ship", () => this.ledger.ship(eventHashDigest(eventHashId), recipientCommitment, itemsRoot));
  }

  /**
   * Dispenses a unit (dispensers only): refused for a unit not in the lot, a recalled lot, a spent unit.
   * @param lotId - The unit's lot.
   * @param commitment - The unit's commitment.
   * @param proof - Its proof against the lot's root.
   * @param eventHashId - Event Hash ID of the dispensing event.
   * @returns The transaction's outcome.
   * @throws {SupplyChainRevertError} `ProductLedgerAlreadySpent`, `ProductLedgerLotRecalled`, ….
   */
  dispense(lotId: Bytes32, commitment: Bytes32, proof: readonly Bytes32[], eventHashId: string): Promise<Anchored> {
    return mined("dispense", () => this.ledger.dispense(lotId, commitment, [...proof], eventHashDigest(eventHashId)));
  }

  /**
   * Decommissions a unit.
   * @param lotId - The unit's lot.
   * @param commitment - The unit's commitment.
   * @param proof - Its proof against the lot's root.
   * @param eventHashId - Event Hash ID of the decommissioning event.
   * @returns The transaction's outcome.
   * @throws {SupplyChainRevertError} `ProductLedgerAlreadySpent`, ….
   */
  decommission(lotId: Bytes32, commitment: Bytes32, proof: readonly Bytes32[], eventHashId: string): Promise<Anchored> {
    return mined("decommission", () =>
      this.ledger.decommission(lotId, commitment, [...proof], eventHashDigest(eventHashId)),
    );
  }

  /**
   * Recalls a lot (its commissioner or a registrar).
   * @param lotId - The lot.
   * @param eventHashId - Event Hash ID of the recall event.
   * @returns The transaction's outcome.
   * @throws {SupplyChainRevertError} `ProductLedgerUnauthorizedRecall`, `ProductLedgerAlreadyRecalled`, ….
   */
  recall(lotId: Bytes32, eventHashId: string): Promise<Anchored> {
    return mined("recall", () => this.ledger.recall(lotId, eventHashDigest(eventHashId)));
  }

  /**
   * Raises a suspect-product alert whose encrypted document has digest `alertDigest`.
   * @param kind - What was found.
   * @param alertDigest - SHA-256 digest of the sealed alert (`sealedDigest`).
   * @returns The transaction's outcome.
   * @throws {SupplyChainRevertError} `ProductLedgerUnauthorizedPartner`, ….
   */
  reportSuspect(kind: SuspectKindName, alertDigest: Bytes32): Promise<Anchored> {
    return mined("reportSuspect", () => this.ledger.reportSuspect(SuspectKind[kind], alertDigest));
  }

  /**
   * The ledger reads verification needs, answered by these contracts.
   * @returns A {@link LedgerReader}.
   */
  reader(): LedgerReader {
    return {
      lot: async (lotId) => {
        const l = await this.ledger.lot(lotId);
        return { itemsRoot: l.itemsRoot as Bytes32, commissioner: l.commissioner, recalled: l.recalled };
      },
      shipment: async (eventHash) => {
        const s = await this.ledger.shipment(eventHash);
        return {
          itemsRoot: s.itemsRoot as Bytes32,
          recipientCommitment: s.recipientCommitment as Bytes32,
          shipper: s.shipper,
        };
      },
      spent: async (nullifier) => SPENT[Number((await this.ledger.spent(nullifier)).kind)] ?? "none",
      isActivePartner: async (account) => Number(await this.partners.activeRole(account)) !== 0,
    };
  }
}
