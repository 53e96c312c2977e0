/**
 * The supply-chain scenario's report sections: events, verification, suspect products, gas and privacy.
 */
import type { PilotSection } from "../pilot/runner.js";
import type { Tally } from "./supply-chain-parties.js";
import type { SupplyChainScale } from "./supply-chain.js";

const n = (value: number | bigint): string => Math.round(Number(value)).toLocaleString("en-US");

/**
 * Writes the sections from the run's tallies.
 * @param tally - What the run counted.
 * @param scale - The run's size.
 * @param options - Whether GS1's schema was available to validate the events.
 */
export function supplyChainSections(
  tally: Tally,
  scale: SupplyChainScale,
  options: { schema: boolean },
): PilotSection[] {
  const units = scale.lots * scale.unitsPerLot;
  const commission = tally.gas.get("commission")!;
  const perUnit = Number(commission.gas) / commission.units;
  return [
    {
      title: "Supply chain: events",
      lines: [
        "Every business step is a GS1 EPCIS 2.0 JSON-LD document, identified by its EPCIS Event Hash ID (CBV 2.0), " +
          "sealed (envelope + keyring) for the partners who need it and anchored by that hash.",
        "",
        "| event | documents | units |",
        "|---|---:|---:|",
        ...[...tally.events].map(([type, e]) => `| ${type} | ${n(e.count)} | ${n(e.units)} |`),
        "",
        options.schema
          ? `- ${n(tally.schemaChecked)} commissioning, packing, shipping, receiving and recall documents validated against GS1's EPCIS 2.0 JSON Schema: all valid.`
          : "- GS1's JSON Schema was not available (../shared/data absent): documents not schema-checked in this run.",
      ],
    },
    {
      title: "Supply chain: verification",
      lines: [
        `- ${n(tally.verified)} verifications (received units and saleable returns), ${n(tally.genuine)} genuine; each with a proof ` +
          "(Merkle proofs against the anchored lot and shipment roots, the custody chain, the unit's status).",
        `- Off-chain proof check (\`checkVerificationProof\`, no ledger): **${n(tally.verifyPerSec)} per second** (supplychain.verify.perSec).`,
        `- On-chain check (\`ProductLedger.itemStatus\`, a lot of ${n(scale.unitsPerLot)} units): ${n(tally.itemStatusGas)} gas (estimate).`,
      ],
    },
    {
      title: "Supply chain: suspect products",
      lines: [
        "| plant | verification said | alert kind | alert gas | on chain |",
        "|---|---|---|---:|---|",
        ...tally.suspects.map(
          (s) => `| ${s.plant} | ${s.reason} | ${s.kind} | ${n(s.alertGas)} | ${s.refusedOnChain || "—"} |`,
        ),
        "",
        `All ${tally.suspects.length} planted faults caught; each alert is sealed for the reporter, the manufacturer and the ` +
          "wholesaler, and a partner not concerned cannot open it.",
      ],
    },
    {
      title: "Supply chain: gas",
      lines: [
        `- Commissioning: ${n(commission.gas)} gas for ${n(units)} units in ${commission.count} transactions: ` +
          `**${perUnit.toFixed(2)} gas per unit** (target ≤ 5).`,
        "",
        "| operation | transactions | units | gas | gas per transaction | gas per unit |",
        "|---|---:|---:|---:|---:|---:|",
        ...[...tally.gas].map(
          ([op, g]) =>
            `| ${op} | ${g.count} | ${n(g.units)} | ${n(g.gas)} | ${n(Number(g.gas) / g.count)} | ${g.units > 0 ? (Number(g.gas) / g.units).toFixed(2) : "—"} |`,
        ),
      ],
    },
    {
      title: "Supply chain: privacy",
      lines: [
        `- The privacy scan above searched, besides patient data, every product identifier element (GTIN, ${n(units)} serial ` +
          "numbers, lot numbers, expiry dates, the element strings of every shipped unit), the partners' names, GLNs and " +
          "licence references, and the quantities — in plain, UTF-16, hex, base64, keccak256 and sha256 forms.",
        "- On chain are only salted commitments: lot ids, Merkle roots, Event Hash digests, hidden recipients, nullifiers of spent units.",
      ],
    },
  ];
}
