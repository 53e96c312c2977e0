import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

import { barChart } from "./charts.js";
import { HARD_EVIDENCE, type LinkabilityReport } from "./linkability.js";
import type { PrivacyReport } from "./privacy.js";
import { overheadLines, type PseudonymOverhead } from "./pseudonym-overhead.js";
import type { PilotIndexUsage, PilotSection, PilotStep } from "./runner.js";

/** One audit trail entry (an on-chain event, decoded). */
export interface AuditEntry {
  readonly block: number;
  readonly tx: string;
  readonly event: string;
  readonly args: Record<string, string>;
}

/** The pilot report (`pilot-report.json`). */
export interface PilotReport {
  readonly scenario: string;
  readonly network: string;
  readonly chainId: string;
  readonly patients: number;
  readonly records: number;
  readonly steps: readonly PilotStep[];
  readonly totals: { readonly gasUsed: number; readonly transactions: number; readonly ms: number };
  readonly costs: { readonly gasPriceGwei: number; readonly totalEth: number; readonly perPatientEth: number };
  /** The privacy scan, and what an outside observer links of each patient's relationships. */
  readonly privacy: PrivacyReport & {
    readonly linkability: LinkabilityReport;
    /** With `--pseudonyms`: pseudonym mode's gas and time against a single-address run of the same invocation. */
    readonly pseudonymOverhead?: PseudonymOverhead;
  };
  readonly integrity: { readonly checked: number; readonly failures: readonly string[]; readonly tamperCaught: number };
  readonly audit: readonly AuditEntry[];
  /** With `--indexer`: which reads the index answered and which the chain did (fallbacks). */
  readonly index?: PilotIndexUsage;
  /** Sections the scenario added (rendered after the checks). */
  readonly sections?: readonly PilotSection[];
}

/** One line on which reads the index answered and which the chain answered (fallbacks), e.g. for the summary. */
export function describeIndexUsage(usage: PilotIndexUsage): string {
  const list = (counts: Readonly<Record<string, number>>) =>
    Object.entries(counts)
      .filter(([, n]) => n > 0)
      .map(([q, n]) => `${q} ${n}`)
      .join(", ") || "none";
  const fromIndex = Object.values(usage.index).reduce((a, b) => a + b, 0);
  const fromChain = Object.values(usage.rpc).reduce((a, b) => a + b, 0);
  const reasons = Object.entries(usage.fallbackReasons)
    .map(([r, n]) => `${r} ×${n}`)
    .join(", ");
  return (
    `${fromIndex} reads from the index (${list(usage.index)}), ${fromChain} from the chain (${list(usage.rpc)}` +
    `${reasons ? `; last fallback per client: ${reasons}` : ""}), ${usage.refusedReaders} indexed readers refused by the chain`
  );
}

/** Builds the totals and costs of a report from its steps. */
export function summarise(steps: readonly PilotStep[], gasPriceGwei: number, patients: number) {
  const totals = {
    gasUsed: steps.reduce((n, s) => n + s.gasUsed, 0),
    transactions: steps.reduce((n, s) => n + s.transactions, 0),
    ms: Math.round(steps.reduce((n, s) => n + s.ms, 0)),
  };
  const totalEth = (totals.gasUsed * gasPriceGwei) / 1e9;
  return { totals, costs: { gasPriceGwei, totalEth, perPatientEth: patients > 0 ? totalEth / patients : 0 } };
}

/** Writes `pilot-report.json` and `pilot-report.md` to `dir`; returns their paths. */
export async function writeReport(dir: string, report: PilotReport): Promise<{ json: string; markdown: string }> {
  await mkdir(dir, { recursive: true });
  const json = join(dir, "pilot-report.json");
  const markdown = join(dir, "pilot-report.md");
  await writeFile(json, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(markdown, renderMarkdown(report));
  return { json, markdown };
}

/** One operation of a report: its steps grouped by name (a trailing number, as in "add record 3", is dropped). */
export interface OperationSummary {
  readonly name: string;
  /** Steps of this operation. */
  readonly count: number;
  /** Total gas of its steps. */
  readonly gas: number;
  /** Total wall time of its steps, ms. */
  readonly ms: number;
  /** Records its steps anchored (single or batch). */
  readonly records: number;
}

/** The steps grouped by operation, in order of first appearance. */
export function operations(steps: readonly PilotStep[]): OperationSummary[] {
  const byName = new Map<string, { name: string; count: number; gas: number; ms: number; records: number }>();
  for (const s of steps) {
    const name = s.name.replace(/\s+\d+$/, "");
    const op = byName.get(name) ?? { name, count: 0, gas: 0, ms: 0, records: 0 };
    op.count += 1;
    op.gas += s.gasUsed;
    op.ms += s.ms;
    op.records += s.records ?? 0;
    byName.set(name, op);
  }
  return [...byName.values()];
}

/**
 * The two charts of the Markdown report, as inline SVG: mean gas per operation (operations that sent transactions)
 * and mean wall time per operation (all of them).
 */
export function renderCharts(steps: readonly PilotStep[]): { gas: string; latency: string } {
  const ops = operations(steps);
  return {
    gas: barChart(
      ops.filter((op) => op.gas > 0).map((op) => ({ label: op.name, value: op.gas / op.count })),
      { title: "Mean gas per operation" },
    ),
    latency: barChart(
      ops.map((op) => ({ label: op.name, value: op.ms / op.count })),
      {
        title: "Mean latency per operation (ms)",
        format: (v) => `${v.toLocaleString("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 })} ms`,
      },
    ),
  };
}

/** The report for people. */
export function renderMarkdown(r: PilotReport): string {
  const ops = operations(r.steps);
  const charts = renderCharts(r.steps);
  const lines = [
    `# Carechain pilot report: ${r.scenario}`,
    "",
    `Network **${r.network}** (chain id ${r.chainId}) · ${r.patients} patient(s) · ${r.records} record(s) · ` +
      `${r.totals.transactions} transactions · ${r.totals.gasUsed.toLocaleString("en-US")} gas · ${(r.totals.ms / 1000).toFixed(1)} s`,
    "",
    `Cost at ${r.costs.gasPriceGwei} gwei: ${r.costs.totalEth.toFixed(6)} ETH in all, ${r.costs.perPatientEth.toFixed(6)} ETH per patient.`,
    "",
    "## Checks",
    "",
    `- Steps: ${r.steps.filter((s) => s.ok).length} of ${r.steps.length} as expected.`,
    `- Privacy scan: ${r.privacy.findings.length} finding(s) in ${r.privacy.scannedBytes.toLocaleString("en-US")} bytes of ` +
      `calldata and events of ${r.privacy.transactions} transactions` +
      (r.privacy.storageSkipped
        ? ` (contract storage not scanned: ${r.privacy.storageSkipped})`
        : ` and ${r.privacy.storageSlots.toLocaleString("en-US")} contract storage slots`) +
      `, for ${r.privacy.needles} identifying strings.`,
    `- Linkability: ${describeLinkability(r.privacy.linkability)}.`,
    `- Integrity: ${r.integrity.checked} record(s) re-fetched and verified against their CIDs, ${r.integrity.failures.length} failure(s); ` +
      `${r.integrity.tamperCaught} planted tamper(s) caught.`,
    ...r.integrity.failures.map((f) => `  - integrity failure: ${f}`),
    ...(r.index ? [`- Index: ${describeIndexUsage(r.index)}.`] : []),
    "",
    ...(r.privacy.pseudonymOverhead
      ? ["## Pseudonym overhead", "", ...overheadLines(r.privacy.pseudonymOverhead), ""]
      : []),
    ...(r.sections ?? []).flatMap((section) => [`## ${section.title}`, "", ...section.lines, ""]),
    "## Gas and time per operation",
    "",
    "| operation | count | gas (total) | gas (mean) | gas per record | ms (mean) |",
    "|---|---:|---:|---:|---:|---:|",
    ...ops.map(
      (op) =>
        `| ${cell(op.name)} | ${op.count} | ${op.gas.toLocaleString("en-US")} | ${Math.round(op.gas / op.count).toLocaleString("en-US")} | ` +
        `${op.records > 0 ? Math.round(op.gas / op.records).toLocaleString("en-US") : ""} | ${(op.ms / op.count).toFixed(1)} |`,
    ),
    "",
    "### Mean gas per operation",
    "",
    "Operations that sent no transaction (refusals, checks, a patient's reads of its own records) are left out.",
    "",
    charts.gas,
    "",
    "### Mean latency per operation",
    "",
    "Wall time of each step as the scenario saw it: SDK work (validation, encryption, store), RPC and mining.",
    "",
    charts.latency,
    "",
    "## Steps",
    "",
    "| # | actor | step | outcome | gas | ms |",
    "|---:|---|---|---|---:|---:|",
    ...r.steps.map(
      (s, i) =>
        `| ${i + 1} | ${cell(s.actor)} | ${cell(s.name)} | ${s.ok ? (s.refusedWith ? `refused as expected: ${s.refusedWith}` : "ok") : `**failed**: ${cell(s.error ?? "")}`} | ${s.gasUsed.toLocaleString("en-US")} | ${s.ms.toFixed(1)} |`,
    ),
    "",
    "## Privacy findings",
    "",
    ...(r.privacy.findings.length === 0
      ? ["None: no identifying string of the input appears on chain in any encoding searched."]
      : r.privacy.findings.map((f) => `- \`${f.needle}\` (${f.encoding}) in ${f.where}`)),
    "",
    ...renderLinkability(r.privacy.linkability),
    "## Audit trail",
    "",
    "| block | event | details |",
    "|---:|---|---|",
    ...r.audit.map(
      (a) =>
        `| ${a.block} | ${a.event} | ${Object.entries(a.args)
          .map(([k, v]) => `${k}=${v}`)
          .join(", ")} |`,
    ),
    "",
  ];
  return lines.join("\n");
}

/** One line on what an outside observer links, e.g. for the summary. */
export function describeLinkability(l: LinkabilityReport): string {
  const by = l.byEvidence;
  return (
    `${l.linked} of ${l.pairs} pairs of a patient's relationships linked by an outside observer ` +
    `(${HARD_EVIDENCE.map((e) => `${e} ${by[e]}`).join(", ")}), ${by.timing} pairs acted in one block (timing, ` +
    `reported), ${l.crossPatientLinks} false links across patients`
  );
}

/** The Markdown section of `privacy.linkability`: pairs linked per evidence, crowds, and per patient (first 20). */
export function renderLinkability(l: LinkabilityReport): string[] {
  const shown = l.perPatient.slice(0, 20);
  return [
    "## Linkability (an outside observer)",
    "",
    `What anyone reading the chain and the blob store can link of a patient's relationships with providers ` +
      `(docs/privacy.md, "What an observer links"): ${l.patients} patient(s), ${l.relationships} relationship(s), ` +
      `${l.pairs} pair(s) of one patient's relationships; a funder or relayer of ${l.rules.crowdSize} or more ` +
      `accounts is a crowd; timing window ${l.rules.timingWindowBlocks} block(s). ${l.unattributed} relationship(s) ` +
      `of accounts of no scenario patient, ${l.keyringsUnavailable} keyring(s) or manifest(s) unreadable.`,
    "",
    "| evidence | pairs linked | of pairs |",
    "|---|---:|---:|",
    ...HARD_EVIDENCE.map((e) => `| ${e} | ${l.byEvidence[e]} | ${l.pairs} |`),
    `| timing (reported, not a link) | ${l.byEvidence.timing} | ${l.pairs} |`,
    `| **any hard evidence, combined** | **${l.linked}** | ${l.pairs} |`,
    `| false links across patients | ${l.crossPatientLinks} | |`,
    "",
    ...(l.crowds.length === 0
      ? ["No crowd: no funder or relayer of many accounts on chain."]
      : [
          "Crowds (link nobody; an account hides among the accounts they served):",
          "",
          ...l.crowds.map((c) => `- ${c.role} ${c.address} (${c.reason}): anonymity set ${c.anonymitySet}`),
        ]),
    "",
    "| patient | accounts | relationships | pairs | linked | address | funding | relayer | keys | delegates | timing |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...shown.map(
      (p) =>
        `| ${cell(p.patient)} | ${p.accounts} | ${p.relationships} | ${p.pairs} | ${p.linked} | ` +
        `${[...HARD_EVIDENCE, "timing" as const].map((e) => p.byEvidence[e]).join(" | ")} |`,
    ),
    ...(l.perPatient.length > shown.length
      ? ["", `(${l.perPatient.length - shown.length} more in the JSON report.)`]
      : []),
    "",
  ];
}

/** Text for a Markdown table cell (a `|` or a line break would end the cell). */
function cell(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").replace(/\|/g, "\\|");
}
