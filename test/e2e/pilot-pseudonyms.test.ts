/**
 * The consortium pilot in pseudonym mode (`--pseudonyms`): every episode as expected, one pseudonym per
 * relationship (the ground truth the linkability analysis scores against), none of them funded except for the
 * re-anchor of a shared record, and the overhead against a single-address run of the same invocation.
 */
import { describe, expect, it } from "vitest";

import { MemoryBlobStore } from "../../sdk/index.js";
import { pseudonymOverhead } from "../../scripts/pilot/pseudonym-overhead.js";
import { renderMarkdown } from "../../scripts/pilot/report.js";
import { runPilot } from "../../scripts/pilot/run.js";
import consortium from "../../scripts/scenarios/consortium.js";
import { createChain } from "../helpers/chain.js";

describe("the consortium pilot with --pseudonyms", () => {
  it("runs in pseudonym mode and reports its overhead against a single-address run", async () => {
    const connection = await createChain();
    const store = new MemoryBlobStore();
    const options = { scenario: consortium, connection, store, log: () => {}, patients: 2 };
    const single = await runPilot(options);
    expect(single.failure).toBeUndefined();
    const run = await runPilot({ ...options, pseudonyms: true });
    expect(run.failure).toBeUndefined();
    expect(run.passed).toBe(true);

    const { report } = run;
    const outcome = (name: string) => report.steps.find((s) => s.name === name);
    expect(outcome("open hospital relationship (new pseudonym, relayed)")).toMatchObject({ ok: true, transactions: 2 });
    expect(outcome("read shared problem for payment")?.ok).toBe(true);
    expect(outcome("read shared problem for treatment")?.refusedWith).toBe("RecordReadConsentRequiredError");
    expect(outcome("read the hospital relationship's original")?.refusedWith).toBe("RecordReadConsentRequiredError");
    expect(outcome("read problem list for research")?.refusedWith).toBe("RecordReadConsentRequiredError");
    expect(outcome("read after revoke")?.refusedWith).toBe("RecordReadConsentRequiredError");
    expect(outcome("read the referred problem")?.ok).toBe(true);
    expect(outcome("read a tampered record")?.refusedWith).toBe("IntegrityError");
    expect(outcome("find the pseudonyms through the custodian")?.ok).toBe(true);
    expect(outcome("read allergies via the custodian")?.ok).toBe(true);
    expect(outcome("read a non-emergency category")?.refusedWith).toBe("RecordReadConsentRequiredError");
    expect(report.privacy.findings).toEqual([]);
    expect(report.integrity.failures).toEqual([]);
    // Only the guardian's minor registers itself; every other patient account is a relayed pseudonym.
    expect(report.steps.filter((s) => s.name === "register patient")).toHaveLength(1);

    // Ground truth: Patient 1 has five relationships and its locator, Patient 2 two relationships; none is shared.
    const accounts = run.pseudonymAccounts;
    expect(accounts.get("Patient 1")).toHaveLength(6);
    expect(accounts.get("Patient 2")).toHaveLength(2);
    const all = [...accounts.values()].flat();
    expect(new Set(all).size).toBe(all.length);
    // A pseudonym sends a transaction only to re-anchor a record shared into it (insurer, research, specialist);
    // the locator sets its emergency category and anchors the list.
    const provider = connection.ethers.provider;
    const sent = await Promise.all(all.map((a) => provider.getTransactionCount(a)));
    expect(sent.reduce((a, b) => a + b, 0)).toBe(5);

    const overhead = pseudonymOverhead(
      2,
      { treatment: single.phases.get("treatment"), totals: single.report.totals },
      { treatment: run.phases.get("treatment"), totals: run.report.totals },
    );
    // Per patient: register + 2 grants + 8 records (11) against 2 × (registration + grant) + 8 records (12).
    expect(overhead.treatment.single.transactions).toBe(22);
    expect(overhead.treatment.pseudonyms.transactions).toBe(24);
    expect(overhead.treatment.gasRatio).toBeGreaterThan(1);
    expect(overhead.treatment.gasRatio).toBe(
      Math.round((overhead.treatment.pseudonyms.gasUsed / overhead.treatment.single.gasUsed) * 1000) / 1000,
    );
    const markdown = renderMarkdown({ ...report, privacy: { ...report.privacy, pseudonymOverhead: overhead } });
    expect(markdown).toContain("## Pseudonym overhead");
    expect(markdown).toContain(`| treatment episodes | ${overhead.treatment.single.gasUsed.toLocaleString("en-US")}`);
    await connection.close();
  });
});
