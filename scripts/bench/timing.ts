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
  let elapsed: number;
  do {
    const result = fn();
    if (result instanceof Promise) await result;
    runs++;
    elapsed = performance.now() - start;
  } while (elapsed < minMs || runs < minRuns);
  return runs / (elapsed / 1000);
}

/** `global.gc` when Node runs with --expose-gc (the crypto child does), so each round starts from a clean heap. */
const collectGarbage = (globalThis as { gc?: () => void }).gc;

/**
 * Compares `subject` with `baseline` in alternating rounds (so both see the same machine load), each round
 * running one for at least `minMs`, then the other. Returns the median runs per second of each.
 */
export async function interleaved(
  subject: () => unknown,
  baseline: () => unknown,
  options: { rounds: number; minMs: number; warmup?: number },
): Promise<{ subject: number; baseline: number }> {
  // Warm up both for a while, not just a call or two: the JIT, and the garbage collector's sizing of the heap to
  // this allocation rate, settle in the first few hundred milliseconds.
  for (let i = 0; i < (options.warmup ?? 2); i++) {
    await subject();
    await baseline();
  }
  if (options.minMs > 0) {
    await runsPerSecond(subject, 3 * options.minMs);
    await runsPerSecond(baseline, 3 * options.minMs);
  }
  const s: number[] = [];
  const b: number[] = [];
  const measure = async (fn: () => unknown) => {
    collectGarbage?.(); // neither side inherits the other's garbage
    return runsPerSecond(fn, options.minMs);
  };
  for (let round = 0; round < options.rounds; round++) {
    // Alternate which goes first, so neither always runs on a warmer (or busier) machine.
    if (round % 2 === 0) {
      s.push(await measure(subject));
      b.push(await measure(baseline));
    } else {
      b.push(await measure(baseline));
      s.push(await measure(subject));
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
