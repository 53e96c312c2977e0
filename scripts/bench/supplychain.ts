/**
 * Supply-chain figures (issue 16): gas to commission a lot per unit, gas per transfer event by units moved, gas of
 * the on-chain unit check (`ProductLedger.itemStatus`) — each against its floor ({@link gasFloor}) — and the
 * off-chain proof check's rate (`checkVerificationProof`) against bare keccak Merkle verification of the same
 * proofs, measured in the same process.
 */
import { randomBytes } from "node:crypto";

import { keccak_256 } from "@noble/hashes/sha3.js";
import { hexToBytes } from "@noble/hashes/utils.js";
import { network } from "hardhat";
import type {} from "@nomicfoundation/hardhat-ethers";

import { deployWithIgnition } from "../../sdk/hardhat.js";
import {
  checkVerificationProof,
  deploySupplyChain,
  glnCommitment,
  licenceCommitment,
  PartnerRole,
  recipientCommitment,
  SupplyChainLedger,
  toElementString,
  unitTree,
  verifyProduct,
  type Bytes32,
  type UnitPassport,
  type VerificationProof,
} from "../../sdk/supplychain.js";
import { buildLot } from "../scenarios/supply-chain-parties.js";
import { refuseInstrumentedCode } from "./chain.js";
import { gasFloor } from "./gas.js";
import { metric, type Metric } from "./metrics.js";
import { interleaved } from "./timing.js";

/** Options: the lot's size, the transfer sizes, units verified, and the timing of the rate comparison. */
export interface SupplyChainBenchOptions {
  /** Units in the commissioned lot (100,000 in the full run). */
  readonly lotUnits: number;
  /** Units per measured transfer event (each at most `lotUnits`). */
  readonly transferSizes: readonly number[];
  /** Units whose proofs the rate is measured over. */
  readonly verifyUnits: number;
  readonly rounds: number;
  readonly minMs: number;
}

/** New storage slots (see IProductLedger's layout): a Lot is two slots, a Shipment three. */
const LOT_SLOTS = 2;
const SHIPMENT_SLOTS = 3;
/** A fixed check time before the lot's expiry. */
const NOW = Date.UTC(2026, 11, 2);

const eventHashId = () => `ni:///sha-256;${randomBytes(32).toString("hex")}?ver=CBV2.0`;

/** Bare proof verification: the leaf's double keccak, then sorted-pair keccak up to the root, over ready bytes. */
function bareVerify(root: Uint8Array, commitment: Uint8Array, proof: readonly Uint8Array[]): boolean {
  let node = keccak_256(keccak_256(commitment));
  const pair = new Uint8Array(64);
  for (const sibling of proof) {
    const first = Buffer.compare(node, sibling) <= 0;
    pair.set(first ? node : sibling, 0);
    pair.set(first ? sibling : node, 32);
    node = keccak_256(pair);
  }
  return Buffer.compare(node, root) === 0;
}

const bytes = (hex: string) => hexToBytes(hex.slice(2));

/**
 * Measures the supply chain on a fresh in-process chain with Carechain and the supply-chain contracts deployed.
 * @param options - Sizes and timing.
 * @returns `supplychain.commission.gasPerUnit.*`, `supplychain.transfer.gas.units*`, `supplychain.verify.onChainGas`,
 *   `supplychain.verify.perSec`.
 */
export async function supplyChainMetrics(options: SupplyChainBenchOptions): Promise<Metric[]> {
  const connection = await network.create();
  try {
    const deployment = await deployWithIgnition(connection);
    await refuseInstrumentedCode(connection.ethers.provider, deployment.directory);
    const [registrarSigner, makerSigner, wholesalerSigner] = await connection.ethers.getSigners();
    const addresses = await deploySupplyChain(registrarSigner!, deployment.directory);
    const registrar = new SupplyChainLedger(addresses, registrarSigner!);
    const salt = `0x${randomBytes(32).toString("hex")}` as const;
    const maker = new SupplyChainLedger(addresses, makerSigner!);
    const makerAddress = await makerSigner!.getAddress();
    const wholesalerAddress = await wholesalerSigner!.getAddress();
    await registrar.credential(
      makerAddress,
      PartnerRole.Manufacturer,
      glnCommitment("1", salt),
      licenceCommitment("M", salt),
    );
    await registrar.credential(
      wholesalerAddress,
      PartnerRole.Wholesaler,
      glnCommitment("2", salt),
      licenceCommitment("W", salt),
    );
    const floorOf = async (hash: string, newSlots: number) => {
      const [tx, receipt] = await Promise.all([
        connection.ethers.provider.getTransaction(hash),
        connection.ethers.provider.getTransactionReceipt(hash),
      ]);
      return gasFloor({ data: tx!.data, logs: receipt!.logs, newSlots }).total;
    };

    // Commission one lot: one transaction whatever its size.
    const lot = buildLot(0, options.lotUnits, "281231");
    const commissioned = await maker.commission(lot.lotId, lot.root, eventHashId());
    const units = options.lotUnits.toLocaleString("en-US");
    const out: Metric[] = [
      metric(
        `supplychain.commission.gasPerUnit.units${options.lotUnits}`,
        Number(commissioned.gasUsed) / options.lotUnits,
        "gas",
        (await floorOf(commissioned.hash, LOT_SLOTS)) / options.lotUnits,
        `one commission transaction for a lot of ${units} units (its Merkle root only), divided by the units; baseline: the transaction's floor divided likewise`,
      ),
    ];

    // Transfer events of growing size: the items root, the hidden recipient and the shipper, whatever the count.
    for (const size of options.transferSizes) {
      const tree = unitTree(lot.commitments.slice(0, size));
      const shipped = await maker.ship(
        eventHashId(),
        recipientCommitment(wholesalerAddress, salt),
        tree.root as Bytes32,
      );
      out.push(
        metric(
          `supplychain.transfer.gas.units${size}`,
          Number(shipped.gasUsed),
          "gas",
          await floorOf(shipped.hash, SHIPMENT_SLOTS),
          `one shipping event of ${size.toLocaleString("en-US")} units (${(Number(shipped.gasUsed) / size).toFixed(1)} gas per unit); baseline: the transaction's floor`,
        ),
      );
    }

    // On-chain check of one unit of the lot (a proof of depth ⌈log2 units⌉).
    const serial = lot.plan.serials[0]!;
    const args = [lot.lotId, lot.commitment(serial), lot.tree.getProof(0)] as const;
    const status = maker.ledger.itemStatus;
    const checkGas = Number(await status.estimateGas(...args));
    const checkTx = await status.populateTransaction(...args);
    out.push(
      metric(
        "supplychain.verify.onChainGas",
        checkGas,
        "gas",
        gasFloor({ data: checkTx.data, logs: [], newSlots: 0 }).total,
        `ProductLedger.itemStatus as a transaction (estimate), a unit of a ${units}-unit lot, proof of ${args[2].length} nodes; baseline: its floor (21,000 + calldata); an eth_call costs the payer nothing`,
      ),
    );

    // Off-chain: ship some units to the wholesaler, verify each through the ledger once, then time the offline check.
    const sample = lot.plan.serials.slice(0, options.verifyUnits);
    const moving = sample.map((s) => lot.commitment(s));
    const shipTree = unitTree(moving);
    const recipientSalt = `0x${randomBytes(32).toString("hex")}` as const;
    const shipId = eventHashId();
    await maker.ship(shipId, recipientCommitment(wholesalerAddress, recipientSalt), shipTree.root as Bytes32);
    const reader = registrar.reader();
    const checks: { scanned: string; proof: VerificationProof; commitment: Uint8Array }[] = [];
    for (const [i, s] of sample.entries()) {
      const passport: UnitPassport = {
        ...lot.passport(s),
        custody: [
          {
            shipment: `0x${shipId.slice(14, 78)}`,
            recipient: wholesalerAddress,
            recipientSalt,
            proof: shipTree.getProof(i) as Bytes32[],
          },
        ],
      };
      const scanned = toElementString(lot.identifier(s));
      const result = await verifyProduct(reader, scanned, passport, { seller: wholesalerAddress, now: NOW });
      if (!result.ok) throw new Error(`bench: unit ${scanned} failed verification: ${result.reason}`);
      checks.push({ scanned, proof: result.proof!, commitment: bytes(moving[i]!) });
    }
    const bare = checks.map((c) => ({
      commitment: c.commitment,
      proofs: [
        { root: bytes(c.proof.lotRoot), nodes: c.proof.lotProof.map(bytes) },
        ...c.proof.custody.map((hop) => ({ root: bytes(hop.itemsRoot), nodes: hop.proof.map(bytes) })),
      ],
    }));
    const rate = await interleaved(
      () => {
        for (const c of checks)
          if (!checkVerificationProof(c.scanned, c.proof, { seller: wholesalerAddress, now: NOW }).ok)
            throw new Error("bench: offline check failed");
      },
      () => {
        for (const b of bare)
          for (const p of b.proofs)
            if (!bareVerify(p.root, b.commitment, p.nodes)) throw new Error("bench: bare verification failed");
      },
      { rounds: options.rounds, minMs: options.minMs },
    );
    out.push(
      metric(
        "supplychain.verify.perSec",
        rate.subject * checks.length,
        "checks/s",
        rate.baseline * checks.length,
        `checkVerificationProof of a unit of a ${units}-unit lot after one shipment (identifier parse, commitment, two Merkle proofs, custody); baseline: bare keccak verification of the same two proofs over ready bytes`,
      ),
    );
    return out;
  } finally {
    await connection.close();
  }
}
