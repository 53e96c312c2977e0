/** Timing helpers: repeated runs for at least a minimum time, interleaved comparisons, medians. */

/** The median of `values` (mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError("median of nothing");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Runs `fn` until `minMs` have passed (and at least `minRuns` times); returns runs per second. */
export async function runsPerSecond(fn: () => unknown, minMs: number, minRuns = 1): Promise<number> {
  let runs = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    const result = fn();
    if (result instanceof Promise) await result;
    runs++;
    elapsed = performance.now() - start;
  } while (elapsed < minMs || runs < minRuns);
  return runs / (elapsed / 1000);
}

/**
 * Compares `subject` with `baseline` in alternating rounds (so both see the same machine load), each round
 * running one for at least `minMs`, then the other. Returns the median runs per second of each.
 */
export async function interleaved(
  subject: () => unknown,
  baseline: () => unknown,
  options: { rounds: number; minMs: number; warmup?: number },
): Promise<{ subject: number; baseline: number }> {
  for (let i = 0; i < (options.warmup ?? 2); i++) {
    await subject();
    await baseline();
  }
  const s: number[] = [];
  const b: number[] = [];
  for (let round = 0; round < options.rounds; round++) {
    // Alternate which goes first, so neither always runs on a warmer (or busier) machine.
    if (round % 2 === 0) {
      s.push(await runsPerSecond(subject, options.minMs));
      b.push(await runsPerSecond(baseline, options.minMs));
    } else {
      b.push(await runsPerSecond(baseline, options.minMs));
      s.push(await runsPerSecond(subject, options.minMs));
    }
  }
  return { subject: median(s), baseline: median(b) };
}

/** Milliseconds `fn` takes, median of `runs` runs after one warm-up run. */
export async function medianMs(fn: () => unknown, runs: number): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  return median(times);
}
