/** Memory: peak RSS of a child process that encrypts a large generated input through encryptStream. */
import { runChild } from "./child.js";
import { metric, type Metric } from "./metrics.js";

interface ChildResult {
  bytes: number;
  written: number;
  seconds: number;
  idleRssMiB: number;
  peakRssMiB: number;
  cipher: string;
}

/** `memory.encrypt<label>.peakRssMiB`, with the same child's RSS before streaming as the baseline. */
export async function memoryMetrics(options: { bytes: number; label: string }): Promise<Metric[]> {
  const r = await runChild<ChildResult>("memory-child.ts", [String(options.bytes)]);
  const expected = options.bytes + 25 + Math.max(1, Math.ceil(options.bytes / 65536)) * 16;
  if (r.written !== expected) throw new Error(`memory child wrote ${r.written} bytes, expected ${expected}`);
  return [
    metric(
      `memory.encrypt${options.label}.peakRssMiB`,
      r.peakRssMiB,
      "MiB",
      r.idleRssMiB,
      `peak RSS of a Node process streaming ${options.label} of generated plaintext through encryptStream ` +
        `(${r.cipher}, 64 KiB chunks) in ${r.seconds.toFixed(1)} s; baseline: the same process's RSS after ` +
        "loading the SDK, before streaming",
    ),
  ];
}
