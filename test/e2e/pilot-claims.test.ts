import { describe, expect, it } from "vitest";

import { MemoryBlobStore } from "../../sdk/index.js";
import { runPilot } from "../../scripts/pilot/run.js";
import { DEFAULT_SYNTHEA_DIR, hasDefaultSynthea } from "../../scripts/scenarios/_synthea.js";
import claims from "../../scripts/scenarios/claims.js";
import { createChain } from "../helpers/chain.js";

const data = hasDefaultSynthea();
if (!data)
  console.warn(`pilot-claims: skipped, no Synthea bundles at ${DEFAULT_SYNTHEA_DIR} (../shared/data is absent)`);

describe.skipIf(!data)("pilot scenario: claims (Synthea)", () => {
  it("adjudicates every Synthea claim, agrees with the EOBs up to rounding, pays exactly, leaks nothing", async () => {
    const connection = await createChain();
    try {
      const { report, passed, failure } = await runPilot({
        scenario: claims,
        connection,
        store: new MemoryBlobStore(),
        log: () => {},
      });
      expect(failure).toBeUndefined();
      expect(passed).toBe(true);
      const names = report.steps.map((s) => s.name);
      expect(names.find((n) => n.startsWith("335 Synthea claims adjudicated"))).toContain("335 re-run byte for byte");
      expect(names.find((n) => n.startsWith("260 with an EOB"))).toMatch(/0 differ otherwise/);
      expect(report.steps.find((s) => s.name.startsWith("adjudicate after the 30-day deadline"))?.refusedWith).toBe(
        "ClaimsRevertError",
      );
      expect(report.privacy.findings).toEqual([]);
      expect(report.privacy.needles).toBeGreaterThan(1000);
      expect(report.integrity.failures).toEqual([]);
      const events = new Set(report.audit.map((a) => a.event));
      expect(events.has("RecordAnchored")).toBe(true);
    } finally {
      await connection.close();
    }
  }, 600_000);
});
