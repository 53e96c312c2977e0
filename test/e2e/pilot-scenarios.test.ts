import { existsSync } from "node:fs";

import { CID } from "multiformats/cid";
import { describe, expect, it } from "vitest";

import { MemoryBlobStore } from "../../sdk/index.js";
import { barChart } from "../../scripts/pilot/charts.js";
import { fhirBundleSource } from "../../scripts/pilot/data.js";
import { renderMarkdown, type PilotReport } from "../../scripts/pilot/report.js";
import { runPilot, type RunPilotOptions } from "../../scripts/pilot/run.js";
import { defineScenario } from "../../scripts/pilot/scenario.js";
import { tamperBlob } from "../../scripts/pilot/tamper.js";
import bulkImport from "../../scripts/scenarios/bulk-import.js";
import emergency from "../../scripts/scenarios/emergency.js";
import minorGuardian from "../../scripts/scenarios/minor-guardian.js";
import { createChain } from "../helpers/chain.js";

/** Runs a scenario on a fresh in-process chain with a memory store. */
async function run(options: Omit<RunPilotOptions, "connection" | "store" | "log">) {
  const connection = await createChain();
  try {
    return await runPilot({ ...options, connection, store: new MemoryBlobStore(), log: () => {} });
  } finally {
    await connection.close();
  }
}

const outcomeIn = (report: PilotReport) => (name: string) => {
  const step = report.steps.find((s) => s.name === name);
  if (!step) throw new Error(`no step named "${name}"`);
  return step;
};
const events = (report: PilotReport, name: string) => report.audit.filter((a) => a.event === name).length;

/** The `<svg>…</svg>` elements of a Markdown text. */
const svgsIn = (markdown: string) => markdown.match(/<svg\b[\s\S]*?<\/svg>/g) ?? [];

/** Checks one SVG element: tags balanced and properly nested, size attributes, text free of raw markup characters. */
function expectWellFormedSvg(svg: string): { width: number; height: number; rects: number } {
  const stack: string[] = [];
  let rects = 0;
  let tags = 0;
  for (const [tag, close, name, , selfClosing] of svg.matchAll(
    /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<>]*")*)\s*(\/?)>/g,
  )) {
    tags++;
    if (name === "rect") rects++;
    if (close) expect(stack.pop(), `closing ${tag}`).toBe(name);
    else if (!selfClosing) stack.push(name!);
  }
  expect(stack).toEqual([]);
  expect(svg.split("<").length - 1).toBe(tags); // every '<' opens a well-formed tag
  // Outside tags, only text and escapes: no stray '<' or '>' and no bare '&'.
  const text = svg.replace(/<[^>]*>/g, "");
  expect(text).not.toMatch(/[<>]|&(?!(amp|lt|gt|quot|apos);)/);
  const root = /^<svg\b[^>]*>/.exec(svg)![0];
  const width = Number(/\swidth="(\d+(?:\.\d+)?)"/.exec(root)?.[1]);
  const height = Number(/\sheight="(\d+(?:\.\d+)?)"/.exec(root)?.[1]);
  expect(width).toBeGreaterThan(100);
  expect(height).toBeGreaterThan(20);
  return { width, height, rects };
}

/** The Markdown report has the two charts: one bar per operation with gas, and one per operation. */
function expectCharts(report: PilotReport) {
  const markdown = renderMarkdown(report);
  const svgs = svgsIn(markdown);
  expect(svgs).toHaveLength(2);
  const names = (steps: PilotReport["steps"]) => new Set(steps.map((s) => s.name.replace(/\s+\d+$/, "")));
  const [gas, latency] = svgs.map(expectWellFormedSvg);
  expect(gas!.rects).toBe(names(report.steps.filter((s) => s.gasUsed > 0)).size);
  expect(latency!.rects).toBe(names(report.steps).size);
  expect(svgs[0]).toContain("Mean gas per operation");
  expect(svgs[1]).toContain("Mean latency per operation");
  // Each chart is one HTML block in Markdown: no blank line inside.
  for (const svg of svgs) expect(svg).not.toMatch(/\n\s*\n/);
}

describe("focused pilot scenarios", () => {
  it("emergency: break-glass through the custodian, then the patient's own emergency categories decide", async () => {
    const { report, passed, failure } = await run({ scenario: emergency });
    expect(failure).toBeUndefined();
    expect(passed).toBe(true);
    const outcome = outcomeIn(report);
    expect(outcome("read allergies without consent").refusedWith).toBe("RecordReadConsentRequiredError");
    expect(outcome("read allergies via the custodian").ok).toBe(true);
    expect(outcome("read a non-emergency category").refusedWith).toBe("RecordReadConsentRequiredError");
    expect(outcome("read after break-glass closed").refusedWith).toBe("RecordReadConsentRequiredError");
    expect(outcome("set emergency categories: Allergies, Medications, VitalSigns").transactions).toBe(1);
    expect(outcome("read new vital signs via the custodian").transactions).toBe(1); // the access log
    expect(outcome("read medications via the custodian").ok).toBe(true);
    expect(outcome("read problems (no longer an emergency category)").refusedWith).toBe(
      "RecordReadConsentRequiredError",
    );
    expect(outcome("read vital signs after it closed").refusedWith).toBe("RecordReadConsentRequiredError");
    expect(events(report, "EmergencyCategoriesSet")).toBe(1);
    expect(events(report, "BreakGlassOpened")).toBe(2);
    expect(events(report, "BreakGlassClosed")).toBe(2);
    expect(events(report, "EmergencyKeyReleased")).toBe(3);
    expect(report.privacy.findings).toEqual([]);
    expect(report.integrity).toEqual({ checked: 9, failures: [], tamperCaught: 0 });
    expectCharts(report);
  });

  it("minor-guardian: the guardian consents and names a proxy, who may grant but not delegate, and is removed", async () => {
    const { report, passed, failure } = await run({ scenario: minorGuardian });
    expect(failure).toBeUndefined();
    expect(passed).toBe(true);
    const outcome = outcomeIn(report);
    expect(outcome("grant before being a delegate").refusedWith).toBe("ConsentUnauthorizedActorError");
    expect(outcome("grant clinic for the minor").ok).toBe(true);
    expect(outcome("add immunization").records).toBe(1);
    expect(outcome("add vital signs after the guardian revoked the clinic").refusedWith).toBe(
      "RecordWriteConsentRequiredError",
    );
    expect(outcome("name a proxy (by the guardian)").transactions).toBe(1);
    expect(outcome("grant pharmacy for the minor (by the proxy)").transactions).toBe(1);
    expect(outcome("add MedicationRequest").ok).toBe(true);
    expect(outcome("name another delegate (a proxy may not)").refusedWith).toBe("ConsentUnauthorizedActorError");
    expect(outcome("see guardian and proxy acts in the audit trail").ok).toBe(true);
    expect(outcome("remove the proxy (by the guardian)").transactions).toBe(1);
    expect(outcome("grant after being removed").refusedWith).toBe("ConsentUnauthorizedActorError");
    expect(outcome("read back the immunization").ok).toBe(true);
    expect(events(report, "DelegateAdded")).toBe(2);
    expect(events(report, "DelegateRemoved")).toBe(1);
    expect(report.privacy.findings).toEqual([]);
    expect(report.integrity).toEqual({ checked: 2, failures: [], tamperCaught: 0 });
    expectCharts(report);
  });

  it("bulk-import: whole bundles in batches, gas per record, a sample read back, every batch record verified", async () => {
    const { report, passed, failure } = await run({ scenario: bulkImport, patients: 2 });
    expect(failure).toBeUndefined();
    expect(passed).toBe(true);
    const outcome = outcomeIn(report);
    expect(outcome("import before consent").refusedWith).toBe("RecordWriteConsentRequiredError");
    const imports = report.steps.filter((s) => s.name.startsWith("import FHIR bundle"));
    expect(imports).toHaveLength(2);
    for (const step of imports) {
      // The generator's patient and its 8 records, in one batch: one transaction.
      expect(step).toMatchObject({ ok: true, transactions: 1, records: 9, gasPerRecord: Math.round(step.gasUsed / 9) });
      expect(step.gasPerRecord!).toBeLessThan(125_000 / 3); // far below a single anchor per record
    }
    expect(report.steps.filter((s) => s.name === "read back a sample of the import").every((s) => s.ok)).toBe(true);
    expect(outcome("read a batch record (access logged)").transactions).toBe(1);
    expect(outcome("prove a record's inclusion (Merkle proof, checked on chain)").ok).toBe(true);
    expect(outcome("read a batch record without consent").refusedWith).toBe("RecordReadConsentRequiredError");
    expect(events(report, "BatchAnchored")).toBe(2);
    expect(report.records).toBe(18);
    expect(report.privacy.needles).toBeGreaterThan(60);
    expect(report.privacy.findings).toEqual([]);
    // The linkability observer read every batch record's keyring (v3: through its batch-key keyring).
    expect(report.privacy.linkability.keyringsUnavailable).toBe(0);
    expect(report.integrity).toEqual({ checked: 18, failures: [], tamperCaught: 0 });
    expectCharts(report);
  });

  it("the batch integrity check catches a batch record's altered ciphertext", async () => {
    const tampered = defineScenario({
      ...bulkImport,
      async run(pilot, data, options) {
        await bulkImport.run(pilot, data, options);
        // The record's content CID, from its batch's anchored manifest (record ids are not content digests).
        const { batchId, recordId } = pilot.batched[4]!;
        const { client } = await pilot.registrar();
        const records = client.contracts.records;
        const [event] = await client.context.logs.query(records, records.filters.BatchAnchored(batchId), 0);
        const manifest = JSON.parse(
          new TextDecoder().decode(
            await pilot.options.store.get(CID.decode(Buffer.from(event!.args.manifestCid.slice(2), "hex"))),
          ),
        ) as { records: { recordId: string; content: string }[] };
        const content = CID.parse(manifest.records.find((r) => r.recordId === recordId)!.content);
        await tamperBlob(pilot.options.store, content); // not restored
      },
    });
    const { report, passed } = await run({ scenario: tampered });
    expect(passed).toBe(false);
    expect(report.integrity.checked).toBe(9);
    expect(report.integrity.failures).toHaveLength(1);
    expect(report.integrity.failures[0]).toMatch(/^0x[0-9a-f]{64}: .*altered/);
  });
});

describe("bulk import of real Synthea bundles (--data)", () => {
  const dir = new URL("../../../shared/data/fhir/synthea", import.meta.url).pathname;
  const present = existsSync(dir);
  if (!present) console.warn(`skipping the --data bulk-import test: ${dir} is absent (a clone without ../shared)`);
  it.skipIf(!present)("imports a patient's whole bundle (every entry), with no PHI on chain", async () => {
    const source = await fhirBundleSource(dir);
    const entries = source.bundle!(0).entry!.length;
    expect(entries).toBeGreaterThan(source.patient(0).records.length + 1);
    const { report, passed, failure } = await run({ scenario: bulkImport, source });
    expect(failure).toBeUndefined();
    expect(passed).toBe(true);
    const step = report.steps.find((s) => s.name.startsWith("import FHIR bundle"))!;
    expect(step.records).toBe(entries);
    expect(step.transactions).toBe(Math.ceil(entries / 250));
    expect(report.integrity).toEqual({ checked: entries, failures: [], tamperCaught: 0 });
    expect(report.privacy.needles).toBeGreaterThan(500);
    expect(report.privacy.findings).toEqual([]);
  });
});

describe("report charts", () => {
  it("escape every label and value for XML, sort bars largest first, and draw one rect per bar", () => {
    const svg = barChart(
      [
        { label: "small", value: 1 },
        { label: `<script>alert("x")</script> & 'more'`, value: 300 },
        { label: "zero", value: 0 },
      ],
      { title: "A & B <chart>", format: (v) => `${v} <units>` },
    );
    const { rects } = expectWellFormedSvg(svg);
    expect(rects).toBe(3);
    expect(svg).not.toContain("<script>");
    expect(svg).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &apos;more&apos;");
    expect(svg).toContain("A &amp; B &lt;chart&gt;");
    const order = [...svg.matchAll(/<title>([^<:]*):/g)].map((m) => m[1]);
    expect(order).toEqual([
      "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &apos;more&apos;",
      "small",
      "zero",
    ]);
    expect(expectWellFormedSvg(barChart([], { title: "empty" })).rects).toBe(0);
  });
});
