/** Metrics of a bench run: what bench.json holds, and the table the CLI prints. */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** One measured figure. `ratio` is always `value / baseline`, both measured in the same run. */
export interface Metric {
  /** Dotted name, e.g. `gas.grant` or `crypto.encrypt.1MiB.MBps`. */
  readonly name: string;
  readonly value: number;
  /** gas, MB/s, ops/s, records/s, ms, MiB. */
  readonly unit: string;
  /** What `value` is compared with (a floor, node:crypto on the same bytes, a bare transaction, …). */
  readonly baseline?: number;
  /** `value / baseline`. */
  readonly ratio?: number;
  /** What the baseline is, and anything needed to read the figure. */
  readonly note?: string;
}

/** A metric; computes `ratio = value / baseline` when a baseline is given. */
export function metric(name: string, value: number, unit: string, baseline?: number, note?: string): Metric {
  if (!Number.isFinite(value)) throw new RangeError(`${name}: value is not a finite number (${value})`);
  if (baseline === undefined) return { name, value, unit, ...(note ? { note } : {}) };
  if (!Number.isFinite(baseline) || baseline <= 0) throw new RangeError(`${name}: bad baseline ${baseline}`);
  return { name, value, unit, baseline, ratio: value / baseline, ...(note ? { note } : {}) };
}

/** A target from the issue: `value` or `ratio` of `metric` compared with `limit`. */
export interface Target {
  readonly metric: string;
  readonly of: "value" | "ratio";
  readonly op: "<=" | ">=";
  readonly limit: number;
}

/** A target checked against a run. */
export interface TargetResult extends Target {
  /** The measured figure (undefined when the run did not measure the metric, e.g. in quick mode). */
  readonly measured?: number;
  readonly met?: boolean;
}

/** What bench.json holds. */
export interface BenchReport {
  readonly version: 1;
  readonly startedAt: string;
  readonly seconds: number;
  readonly quick: boolean;
  readonly environment: Record<string, string | number>;
  readonly metrics: Metric[];
  readonly targets: TargetResult[];
}

export function checkTargets(metrics: readonly Metric[], targets: readonly Target[]): TargetResult[] {
  const byName = new Map(metrics.map((m) => [m.name, m]));
  return targets.map((t) => {
    const m = byName.get(t.metric);
    const measured = m ? (t.of === "ratio" ? m.ratio : m.value) : undefined;
    if (measured === undefined) return { ...t };
    return { ...t, measured, met: t.op === "<=" ? measured <= t.limit : measured >= t.limit };
  });
}

/** Formats a number for the table: integers with separators, others with 3 significant digits or 2 decimals. */
export function formatNumber(value: number): string {
  if (Number.isInteger(value) || Math.abs(value) >= 1000) return Math.round(value).toLocaleString("en-US");
  if (Math.abs(value) >= 100) return value.toFixed(1);
  if (Math.abs(value) >= 1) return value.toFixed(2);
  return value.toPrecision(3);
}

/** A Markdown table of the metrics with each one's target (and whether it is met). */
export function metricsTable(metrics: readonly Metric[], targets: readonly TargetResult[]): string {
  const targetOf = new Map<string, TargetResult[]>();
  for (const t of targets) targetOf.set(t.metric, [...(targetOf.get(t.metric) ?? []), t]);
  const rows = metrics.map((m) => {
    const ts = targetOf.get(m.name) ?? [];
    const target = ts
      .map((t) => `${t.of} ${t.op} ${formatNumber(t.limit)}${t.met === undefined ? "" : t.met ? ": met" : ": NOT met"}`)
      .join(", ");
    return [
      m.name,
      formatNumber(m.value),
      m.unit,
      m.baseline === undefined ? "" : formatNumber(m.baseline),
      m.ratio === undefined ? "" : m.ratio.toFixed(3),
      target,
    ];
  });
  const header = ["metric", "value", "unit", "baseline", "ratio", "target"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 1 || i === 3 || i === 4 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(" | ")} |`;
  return [
    line(header),
    `|${widths.map((w, i) => (i === 1 || i === 3 || i === 4 ? `${"-".repeat(w + 1)}:` : "-".repeat(w + 2))).join("|")}|`,
    ...rows.map(line),
  ].join("\n");
}

/** Writes bench.json into `dir` (created if missing); returns its path. */
export async function writeReport(dir: string, report: BenchReport): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, "bench.json");
  await writeFile(path, `${JSON.stringify(report, null, 2)}\n`);
  return path;
}
