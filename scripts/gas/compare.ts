/**
 * Compares measured gas with the committed snapshot (gas/snapshot.json): which operations rose above the tolerance,
 * which fell, which are new or gone, and a readable report of it.
 */

/** Gas used per operation, by `Contract.operation[.variant]`. */
export type GasFigures = Readonly<Record<string, number>>;

/** One operation whose gas changed. */
export interface GasChange {
  readonly operation: string;
  readonly snapshot: number;
  readonly current: number;
  /** `(current - snapshot) / snapshot`, e.g. 0.012 for +1.2 %. */
  readonly ratio: number;
}

/** What {@link compareGas} found. */
export interface GasComparison {
  /** Rose by more than the tolerance: these fail the check. */
  readonly regressions: readonly GasChange[];
  /** Rose, but within the tolerance. */
  readonly withinTolerance: readonly GasChange[];
  /** Fell: the snapshot should be refreshed (`npm run gas:snapshot`). */
  readonly improvements: readonly GasChange[];
  /** Measured but not in the snapshot: these fail the check until the snapshot is refreshed. */
  readonly added: readonly string[];
  /** In the snapshot but no longer measured: these fail the check until the snapshot is refreshed. */
  readonly removed: readonly string[];
  /** True when nothing above fails the check. */
  readonly ok: boolean;
}

/** The default tolerance: a rise of more than 1 % fails. */
export const DEFAULT_TOLERANCE = 0.01;

/**
 * Compares `current` gas figures with `snapshot`.
 * @param snapshot - The committed figures.
 * @param current - The figures just measured.
 * @param tolerance - Largest relative rise that passes (default {@link DEFAULT_TOLERANCE}, 1 %).
 * @returns The changes, sorted by operation name, and whether the check passes.
 * @throws {RangeError} When `tolerance` is negative or not finite, or a figure is not a non-negative integer.
 * @example
 * compareGas({ "A.f": 100 }, { "A.f": 102 }).ok; // false: +2 % > 1 %
 */
export function compareGas(snapshot: GasFigures, current: GasFigures, tolerance = DEFAULT_TOLERANCE): GasComparison {
  if (!Number.isFinite(tolerance) || tolerance < 0)
    throw new RangeError(`tolerance: expected a ratio ≥ 0, got ${tolerance}`);
  for (const [label, figures] of [
    ["snapshot", snapshot],
    ["current", current],
  ] as const) {
    for (const [operation, gas] of Object.entries(figures)) {
      if (!Number.isSafeInteger(gas) || gas < 0) {
        throw new RangeError(
          `${label}: ${operation} should be a non-negative integer amount of gas, got ${String(gas)}`,
        );
      }
    }
  }
  const regressions: GasChange[] = [];
  const withinTolerance: GasChange[] = [];
  const improvements: GasChange[] = [];
  const names = (figures: GasFigures) => Object.keys(figures).sort();
  for (const operation of names(current)) {
    const before = snapshot[operation];
    if (before === undefined) continue;
    const after = current[operation]!;
    if (after === before) continue;
    const change = {
      operation,
      snapshot: before,
      current: after,
      ratio: before === 0 ? Infinity : (after - before) / before,
    };
    if (after < before) improvements.push(change);
    else if (change.ratio > tolerance) regressions.push(change);
    else withinTolerance.push(change);
  }
  const added = names(current).filter((operation) => !(operation in snapshot));
  const removed = names(snapshot).filter((operation) => !(operation in current));
  const ok = regressions.length === 0 && added.length === 0 && removed.length === 0;
  return { regressions, withinTolerance, improvements, added, removed, ok };
}

/**
 * A report of `comparison` for a terminal or a CI log: one line per change, then the verdict.
 * @param comparison - What {@link compareGas} returned.
 * @param tolerance - The tolerance it was run with (for the message).
 * @returns The report, lines joined by `\n`.
 */
export function formatGasComparison(comparison: GasComparison, tolerance = DEFAULT_TOLERANCE): string {
  const percent = (ratio: number) => `${ratio >= 0 ? "+" : ""}${(ratio * 100).toFixed(2)} %`;
  const line = (mark: string, c: GasChange) =>
    `  ${mark} ${c.operation}: ${c.snapshot} → ${c.current} (${c.current - c.snapshot >= 0 ? "+" : ""}${c.current - c.snapshot} gas, ${percent(c.ratio)})`;
  const lines: string[] = [];
  if (comparison.regressions.length > 0) {
    lines.push(`Gas rose by more than ${percent(tolerance).slice(1)} (fails the check):`);
    for (const c of comparison.regressions) lines.push(line("✗", c));
  }
  if (comparison.withinTolerance.length > 0) {
    lines.push(`Gas rose within the tolerance of ${percent(tolerance).slice(1)}:`);
    for (const c of comparison.withinTolerance) lines.push(line("~", c));
  }
  if (comparison.improvements.length > 0) {
    lines.push("Gas fell (refresh the snapshot with `npm run gas:snapshot` and commit gas/snapshot.json):");
    for (const c of comparison.improvements) lines.push(line("↓", c));
  }
  if (comparison.added.length > 0) {
    lines.push("Operations measured but missing from the snapshot (run `npm run gas:snapshot`):");
    for (const operation of comparison.added) lines.push(`  + ${operation}`);
  }
  if (comparison.removed.length > 0) {
    lines.push("Operations in the snapshot that are no longer measured (run `npm run gas:snapshot`):");
    for (const operation of comparison.removed) lines.push(`  - ${operation}`);
  }
  lines.push(comparison.ok ? "gas:check passed." : "gas:check FAILED.");
  return lines.join("\n");
}
