import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

import type { PrivacyReport } from "./privacy.js";
import type { PilotStep } from "./runner.js";

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
  readonly privacy: PrivacyReport;
  readonly integrity: { readonly checked: number; readonly failures: readonly string[]; readonly tamperCaught: number };
  readonly audit: readonly AuditEntry[];
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

/** The report for people. */
export function renderMarkdown(r: PilotReport): string {
  const byOperation = new Map<string, { gas: number; count: number; ms: number }>();
  for (const s of r.steps) {
    const op = byOperation.get(s.name.replace(/\s+\d+$/, "")) ?? { gas: 0, count: 0, ms: 0 };
    op.gas += s.gasUsed;
    op.count += 1;
    op.ms += s.ms;
    byOperation.set(s.name.replace(/\s+\d+$/, ""), op);
  }
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
      `calldata and events of ${r.privacy.transactions} transactions, for ${r.privacy.needles} identifying strings.`,
    `- Integrity: ${r.integrity.checked} record(s) re-fetched and verified against their CIDs, ${r.integrity.failures.length} failure(s); ` +
      `${r.integrity.tamperCaught} planted tamper(s) caught.`,
    "",
    "## Gas and time per operation",
    "",
    "| operation | count | gas (total) | gas (mean) | ms (mean) |",
    "|---|---:|---:|---:|---:|",
    ...[...byOperation].map(
      ([name, op]) =>
        `| ${name} | ${op.count} | ${op.gas.toLocaleString("en-US")} | ${Math.round(op.gas / op.count).toLocaleString("en-US")} | ${(op.ms / op.count).toFixed(1)} |`,
    ),
    "",
    "## Steps",
    "",
    "| # | actor | step | outcome | gas | ms |",
    "|---:|---|---|---|---:|---:|",
    ...r.steps.map(
      (s, i) =>
        `| ${i + 1} | ${s.actor} | ${s.name} | ${s.ok ? (s.refusedWith ? `refused as expected: ${s.refusedWith}` : "ok") : `**failed**: ${s.error}`} | ${s.gasUsed.toLocaleString("en-US")} | ${s.ms.toFixed(1)} |`,
    ),
    "",
    "## Privacy findings",
    "",
    ...(r.privacy.findings.length === 0
      ? ["None: no identifying string of the input appears on chain in any encoding searched."]
      : r.privacy.findings.map((f) => `- \`${f.needle}\` (${f.encoding}) in ${f.where}`)),
    "",
    "## Audit trail",
    "",
    "| block | event | details |",
    "|---:|---|---|",
    ...r.audit.map((a) => `| ${a.block} | ${a.event} | ${Object.entries(a.args).map(([k, v]) => `${k}=${v}`).join(", ")} |`),
    "",
  ];
  return lines.join("\n");
}
