import { describe, expect, it } from "vitest";

import { MemoryBlobStore } from "../../sdk/index.js";
import { runPilot } from "../../scripts/pilot/run.js";
import trial from "../../scripts/scenarios/trial.js";
import { createChain } from "../helpers/chain.js";

describe("pilot scenario: trial", () => {
  it("refuses unregistered enrolment and withdrawn data, catches the switched outcome, leaks nothing", async () => {
    const connection = await createChain();
    try {
      // Synthea bundles when ../shared/data is present, else eight generated patients.
      const { report, passed, failure } = await runPilot({
        scenario: trial,
        connection,
        store: new MemoryBlobStore(),
        patients: 8,
        log: () => {},
      });
      expect(failure).toBeUndefined();
      expect(passed).toBe(true);
      const step = (prefix: string) => report.steps.find((s) => s.name.startsWith(prefix));
      expect(step("enrol into a study that is not registered")?.refusedWith).toBe("TrialsRevertError");
      expect(step("anchor visit 2 data of the withdrawn subject")?.refusedWith).toBe("TrialsRevertError");
      expect(step("outcome switching caught")?.name).toContain("asRegistered=false; changed E1 (no amendment)");
      expect(step("recruitment:")?.ok).toBe(true);
      expect(report.privacy.findings).toEqual([]);
    } finally {
      await connection.close();
    }
  }, 600_000);
});
