// The supply-chain pilot scenario at a small scale through the pilot runner: every step as expected, every planted
// fault caught and refused where the contract can refuse it, the report sections present, no privacy finding.
import { describe, expect, it } from "vitest";

import { MemoryBlobStore } from "../../sdk/index.js";
import { renderMarkdown } from "../../scripts/pilot/report.js";
import { runPilot } from "../../scripts/pilot/run.js";
import { supplyChainScenario } from "../../scripts/scenarios/supply-chain.js";
import { createChain } from "../helpers/chain.js";

describe("pilot scenario supply-chain (small scale)", () => {
  it("catches every planted fault and reports events, verification, suspects, gas and privacy", async () => {
    const connection = await createChain();
    try {
      const scenario = supplyChainScenario({
        lots: 4,
        unitsPerLot: 250,
        pharmacies: 5,
        unitsPerPharmacy: 30,
        dispensesPerPharmacy: 4,
      });
      const { report, passed, failure } = await runPilot({
        scenario,
        connection,
        store: new MemoryBlobStore(),
        log: () => {},
      });
      expect(failure).toBeUndefined();
      expect(report.steps.filter((s) => !s.ok)).toEqual([]);
      expect(report.privacy.findings).toEqual([]);
      expect(report.privacy.needles).toBeGreaterThan(1000); // every serial, element string, partner, GLN, licence
      expect(passed).toBe(true);

      const refusals = report.steps.filter((s) => s.refusedWith).map((s) => `${s.name}: ${s.refusedWith}`);
      expect(refusals).toEqual([
        "open the lot secrets (not shared with it): NotARecipientError",
        "dispense it anyway: SupplyChainRevertError",
        "dispense it anyway: SupplyChainRevertError",
        "dispense it anyway: SupplyChainRevertError",
        "read the diversion alert (not a partner concerned): NotARecipientError",
      ]);
      const titles = (report.sections ?? []).map((s) => s.title);
      expect(titles).toEqual([
        "Supply chain: events",
        "Supply chain: verification",
        "Supply chain: suspect products",
        "Supply chain: gas",
        "Supply chain: privacy",
      ]);
      const suspects = report.sections!.find((s) => s.title === "Supply chain: suspect products")!.lines.join("\n");
      for (const row of [
        "| counterfeit | not-commissioned | counterfeit |",
        "| diverted unit | diverted | diverted |",
        "| double dispense | dispensed | double-dispense |",
        "| recalled lot | recalled | recalled |",
        "| expired unit | expired | expired |",
      ]) {
        expect(suspects).toContain(row);
      }
      for (const error of ["ProductLedgerNotCommissioned", "ProductLedgerAlreadySpent", "ProductLedgerLotRecalled"]) {
        expect(suspects).toContain(error);
      }
      const markdown = renderMarkdown(report);
      expect(markdown).toContain("## Supply chain: gas");
      expect(markdown).toMatch(/gas per unit\*\* \(target ≤ 5\)/);
      // the MedicationDispense was anchored and re-verified by the runner's integrity check
      expect(report.integrity).toMatchObject({ checked: 1, failures: [] });
    } finally {
      await connection.close();
    }
  });
});
