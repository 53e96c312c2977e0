// The package as a consumer sees it: pack the repository into a tarball, install it with ethers into an empty
// project outside the repository, measure the install and the browser bundle of the core entry. Children run with
// a clean environment (no NODE_OPTIONS, no `carechain-source` condition, no npm script variables of this repo),
// and every child is tracked so that `stopAll()` can end it. Used by scripts/test-package.mjs and the bench.
import { spawn } from "node:child_process";
import { lstatSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

/** The repository's root. */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const REPO_BIN = join(ROOT, "node_modules", ".bin");

/** Children started by {@link run} or {@link start} and not yet exited. */
const running = new Set();

/**
 * The environment for every child: this process's, minus NODE_OPTIONS, minus any variable that names the
 * `carechain-source` condition, minus the npm script variables of the repository (npm_package_*, npm_lifecycle_*,
 * npm_config_local_prefix, INIT_CWD), with the directory of this Node first on PATH and the repository's
 * node_modules/.bin removed from it (a consumer does not see the repository's tools).
 * @param {Record<string, string>} [extra] - Variables to add.
 * @returns {Record<string, string>}
 */
export function cleanEnv(extra = {}) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || key === "NODE_OPTIONS" || key === "INIT_CWD") continue;
    if (/^npm_(package_|lifecycle_|config_local_prefix$)/.test(key)) continue;
    if (value.includes("carechain-source")) continue;
    env[key] = value;
  }
  const path = (env.PATH ?? "")
    .split(delimiter)
    .filter((p) => p && p !== REPO_BIN && !p.startsWith(join(ROOT, "node_modules")));
  env.PATH = [dirname(process.execPath), ...path].join(delimiter);
  return { ...env, ...extra };
}

/**
 * Starts a child in a process group of its own (so that its own children end with it) and tracks it.
 * @param {string} command
 * @param {string[]} args
 * @param {{ cwd: string, env?: Record<string, string> }} options
 * @returns {import("node:child_process").ChildProcess}
 */
export function start(command, args, { cwd, env = cleanEnv() }) {
  const child = spawn(command, args, { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  running.add(child);
  child.once("exit", () => running.delete(child));
  child.once("error", () => running.delete(child));
  return child;
}

/**
 * Runs a command to completion (or until `timeoutMs`, when its process group is stopped).
 * @param {string} command
 * @param {string[]} args
 * @param {{ cwd: string, env?: Record<string, string>, timeoutMs?: number }} options
 * @returns {Promise<{ code: number | null, stdout: string, stderr: string, ms: number }>}
 */
export function run(command, args, { cwd, env, timeoutMs = 600_000 }) {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = start(command, args, { cwd, env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => (stdout += c));
    child.stderr.on("data", (c) => (stderr += c));
    const timer = setTimeout(() => {
      stderr += `\n[timed out after ${timeoutMs} ms]`;
      void stop(child);
    }, timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
}

/**
 * Stops a child's process group: SIGTERM, then SIGKILL after 5 s.
 * @param {import("node:child_process").ChildProcess} child
 * @returns {Promise<void>}
 */
export async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const signal = (name) => {
    try {
      process.kill(-child.pid, name);
    } catch {
      // Already gone.
    }
  };
  signal("SIGTERM");
  const timer = setTimeout(() => signal("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}

/** Stops every child still running. */
export async function stopAll() {
  await Promise.all([...running].map(stop));
}

/** @param {{ code: number | null, stdout: string, stderr: string }} result @param {string} what */
function ensureOk(result, what) {
  if (result.code === 0) return;
  const tail = `${result.stdout}\n${result.stderr}`.trim().split("\n").slice(-25).join("\n");
  throw new Error(`${what} exited with ${result.code}:\n${tail}`);
}

/**
 * `npm pack` of the repository (its `prepack` builds the contracts and dist/) into `destination`.
 * @param {string} destination - A directory outside the repository.
 * @returns {Promise<{ tarball: string, bytes: number, files: number, ms: number }>}
 */
export async function packTarball(destination) {
  const result = await run("npm", ["pack", "--json", "--pack-destination", destination], { cwd: ROOT });
  ensureOk(result, "npm pack");
  // The prepack build prints before the JSON report.
  const json = result.stdout.slice(result.stdout.search(/^\[/m));
  const [info] = JSON.parse(json);
  return { tarball: join(destination, info.filename), bytes: info.size, files: info.entryCount, ms: result.ms };
}

/**
 * Creates an empty ES-module project in `dir` and runs `npm install <tarball> ethers` in it.
 * @param {string} dir - An empty directory outside the repository.
 * @param {string} tarball - The packed package.
 * @returns {Promise<{ packages: number, bytes: number, ms: number }>} Installed packages (package-lock entries)
 *   and the disk usage of node_modules (`du`).
 */
export async function installConsumer(dir, tarball) {
  writeFileSync(
    join(dir, "package.json"),
    `${JSON.stringify({ name: "carechain-consumer", private: true, type: "module" }, null, 2)}\n`,
  );
  const result = await run("npm", ["install", "--no-audit", "--no-fund", tarball, "ethers"], { cwd: dir });
  ensureOk(result, "npm install");
  return { ...measureInstall(dir), ms: result.ms };
}

/**
 * What an install put on disk.
 * @param {string} dir - The project.
 * @returns {{ packages: number, bytes: number }}
 */
export function measureInstall(dir) {
  const lock = JSON.parse(readFileSync(join(dir, "package-lock.json"), "utf8"));
  const packages = Object.keys(lock.packages ?? {}).filter((key) => key !== "").length;
  return { packages, bytes: diskUsage(join(dir, "node_modules")) };
}

/**
 * Disk usage of a directory tree in bytes, as `du` counts it (allocated 512-byte blocks; hard links once).
 * @param {string} path
 * @returns {number}
 */
export function diskUsage(path) {
  const seen = new Set();
  const walk = (p) => {
    const stat = lstatSync(p);
    const key = `${stat.dev}:${stat.ino}`;
    if (seen.has(key)) return 0;
    seen.add(key);
    let total = stat.blocks * 512;
    if (stat.isDirectory()) for (const name of readdirSync(p)) total += walk(join(p, name));
    return total;
  };
  return walk(path);
}

/**
 * Bundles `export { Carechain } from "carechain"` for the browser with esbuild (minified, ethers external) and
 * gzips it (level 9).
 * @param {string} resolveDir - Where `carechain` resolves from: a consumer project, or the repository root with
 *   `conditions: ["carechain-source"]` (the sources; the same modules tsc compiles into dist/).
 * @param {string[]} [conditions]
 * @returns {Promise<{ bytes: number, gzipBytes: number }>}
 */
export async function bundleCore(resolveDir, conditions = []) {
  const { build } = await import("esbuild");
  const result = await build({
    stdin: { contents: 'export { Carechain } from "carechain";', resolveDir, loader: "js" },
    bundle: true,
    platform: "browser",
    format: "esm",
    minify: true,
    external: ["ethers"],
    conditions,
    write: false,
    logLevel: "silent",
  });
  const code = result.outputFiles[0].contents;
  return { bytes: code.length, gzipBytes: gzipSync(code, { level: 9 }).length };
}
