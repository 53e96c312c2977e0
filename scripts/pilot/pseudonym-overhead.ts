/**
 * `privacy.pseudonymOverhead`: what pseudonym mode costs, from a single-address run and a pseudonym run of the same
 * scenario, patients and seed in one pilot invocation (`--pseudonyms`).
 */
import type { PhaseTotals } from "./runner.js";

/** Gas, transactions and wall time of one side of the comparison. */
export interface OverheadSide {
  readonly gasUsed: number;
  readonly transactions: number;
  readonly ms: number;
}

/** The comparison of one workload in the two modes, with pseudonym mode's figures as ratios of the single-address ones. */
export interface OverheadComparison {
  readonly single: OverheadSide;
  readonly pseudonyms: OverheadSide;
  /** `pseudonyms.gasUsed / single.gasUsed`. */
  readonly gasRatio: number;
  /** `pseudonyms.transactions / single.transactions`. */
  readonly transactionsRatio: number;
  /** `pseudonyms.ms / single.ms`. */
  readonly msRatio: number;
}

/** `privacy.pseudonymOverhead` of the pilot report. */
export interface PseudonymOverhead {
  /** Patients of each run. */
  readonly patients: number;
  /**
   * The treatment episode of every patient, the same work in both modes: registration, a hospital and a lab grant,
   * and the records the two add (pseudonym mode: two pseudonyms registered and granted by relayed signatures).
   */
  readonly treatment: OverheadComparison;
  /** The whole runs, which differ in episodes (pseudonym mode adds shares and leaves break-glass out). */
  readonly run: OverheadComparison;
}

/**
 * Compares two runs.
 * @param patients - Patients of each run.
 * @param single - The single-address run: its treatment phase and its totals.
 * @param pseudonyms - The pseudonym run, likewise.
 * @returns The overhead.
 * @throws {RangeError} When a run has no treatment phase.
 */
export function pseudonymOverhead(
  patients: number,
  single: { readonly treatment?: PhaseTotals; readonly totals: OverheadSide },
  pseudonyms: { readonly treatment?: PhaseTotals; readonly totals: OverheadSide },
): PseudonymOverhead {
  if (!single.treatment || !pseudonyms.treatment) {
    throw new RangeError("pseudonymOverhead: both runs need a treatment phase (the consortium scenario has one)");
  }
  return {
    patients,
    treatment: compare(single.treatment, pseudonyms.treatment),
    run: compare(single.totals, pseudonyms.totals),
  };
}

/**
 * The report's Markdown lines for the overhead.
 * @param o - The overhead.
 * @returns Table lines.
 */
export function overheadLines(o: PseudonymOverhead): string[] {
  const row = (name: string, c: OverheadComparison) =>
    `| ${name} | ${c.single.gasUsed.toLocaleString("en-US")} | ${c.pseudonyms.gasUsed.toLocaleString("en-US")} | ` +
    `${c.gasRatio.toFixed(2)} | ${c.single.transactions} → ${c.pseudonyms.transactions} | ` +
    `${Math.round(c.single.ms)} → ${Math.round(c.pseudonyms.ms)} | ${c.msRatio.toFixed(2)} |`;
  return [
    `Single-address run and pseudonym run of the same scenario, ${o.patients} patient(s), in this invocation. The ` +
      "treatment rows are the same work in both modes; the whole runs differ in episodes.",
    "",
    "| workload | gas (single) | gas (pseudonyms) | gas ratio | transactions | ms | time ratio |",
    "|---|---:|---:|---:|---|---|---:|",
    row("treatment episodes", o.treatment),
    row("whole run", o.run),
  ];
}

function compare(single: OverheadSide, pseudonyms: OverheadSide): OverheadComparison {
  const side = (s: OverheadSide) => ({ gasUsed: s.gasUsed, transactions: s.transactions, ms: Math.round(s.ms) });
  const ratio = (a: number, b: number) => (b === 0 ? 0 : Math.round((a / b) * 1000) / 1000);
  return {
    single: side(single),
    pseudonyms: side(pseudonyms),
    gasRatio: ratio(pseudonyms.gasUsed, single.gasUsed),
    transactionsRatio: ratio(pseudonyms.transactions, single.transactions),
    msRatio: ratio(pseudonyms.ms, single.ms),
  };
}
