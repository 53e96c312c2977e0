/** Runs a bench script in a child Node process (with tsx) and returns the JSON of its last stdout line. */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/**
 * Runs `scripts/bench/<script>` in a fresh Node process that loads nothing but what the script imports (the SDK,
 * not Hardhat), so its heap is an application's, not the bench runner's.
 */
export async function runChild<T>(
  script: string,
  args: readonly string[],
  nodeFlags: readonly string[] = [],
): Promise<T> {
  const file = fileURLToPath(new URL(`./${script}`, import.meta.url));
  const child = spawn(
    process.execPath,
    [...nodeFlags, "--conditions=carechain-source", "--import", "tsx", file, ...args],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  if (code !== 0) throw new Error(`${script} exited with ${code}:\n${stderr}${stdout}`);
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as T;
}
