/** Memory: peak RSS of a child process that encrypts a large generated input through encryptStream. */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

import { metric, type Metric } from "./metrics.js";

const CHILD = fileURLToPath(new URL("./memory-child.ts", import.meta.url));

interface ChildResult {
  bytes: number;
  written: number;
  seconds: number;
  idleRssMiB: number;
  peakRssMiB: number;
  cipher: string;
}

/** Runs the child on `bytes` of input and returns what it printed. */
async function runChild(bytes: number): Promise<ChildResult> {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD, String(bytes)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  if (code !== 0) throw new Error(`memory child exited with ${code}:\n${stderr}${stdout}`);
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as ChildResult;
}

/** `memory.encrypt<label>.peakRssMiB`, with the same child's RSS before streaming as the baseline. */
export async function memoryMetrics(options: { bytes: number; label: string }): Promise<Metric[]> {
  const r = await runChild(options.bytes);
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
