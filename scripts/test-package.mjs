// `npm run test:package`: the package as a dApp gets it. Packs the repository, installs the tarball and ethers into
// a temporary project outside the repository, starts a `hardhat node` on 127.0.0.1, runs examples/node 20 times on
// this Node (22) and once on Node 24, require()s the package from CommonJS (Node 22 and 24), type-checks a consumer
// with tsc (nodenext and bundler), builds examples/browser with Vite and runs it in headless Chromium (screenshot in
// reports/package/). One line per check, then `N passed, N failed`; exits non-zero on any failure. Every process it
// starts is stopped, on failure and on SIGINT/SIGTERM too. Plain Node ESM: runs without tsx.
//
// Options: --runs N (runs of examples/node on Node 22, default 20), --keep (keep the temporary directory),
// --update-docs (also copy the screenshot to docs/images/package-browser.png).
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:http";
import { createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { extname, join, normalize, sep } from "node:path";
import { parseArgs } from "node:util";

import { cleanEnv, installConsumer, packTarball, ROOT, run, start, stopAll } from "./package/consumer.mjs";

const { values: options } = parseArgs({
  options: {
    runs: { type: "string", default: "20" },
    keep: { type: "boolean", default: false },
    "update-docs": { type: "boolean", default: false },
  },
});
const RUNS = Number(options.runs);
if (!Number.isInteger(RUNS) || RUNS < 1)
  throw new RangeError(`--runs: expected a positive integer, got ${options.runs}`);

const CHROMIUM = "/usr/bin/chromium";
const REPORTS = join(ROOT, "reports", "package");
const FIXTURES = join(ROOT, "scripts", "package", "consumer");
const HARDHAT = join(ROOT, "node_modules", ".bin", "hardhat");
const TSC = join(ROOT, "node_modules", "typescript", "bin", "tsc");
const RESOLUTIONS = ["nodenext", "bundler"];
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const startedAt = performance.now();

// ── Checks ───────────────────────────────────────────────────────────────────────────────────────────────────
let passed = 0;
let failed = 0;
/**
 * Starts a check now (its line is printed by {@link report}). A check whose prerequisite failed is not run and
 * counts as failed.
 * @param {(...ready: any[]) => Promise<{ detail: string, value?: unknown }>} body - Gets the prerequisites' values.
 * @param {unknown[]} [needs] - Values (or promises of values) of earlier checks; undefined means that one failed.
 * @returns {Promise<{ ok: boolean, text: string, value?: unknown }>}
 */
function begin(body, needs = []) {
  return (async () => {
    const ready = await Promise.all(needs);
    if (ready.some((n) => n === undefined)) return { ok: false, text: "not run (an earlier check it needs failed)" };
    const t0 = performance.now();
    try {
      const { detail, value } = await body(...ready);
      return { ok: true, text: `${detail} [${seconds(performance.now() - t0)}]`, value: value ?? true };
    } catch (error) {
      return { ok: false, text: error instanceof Error ? error.message : String(error) };
    }
  })();
}
/** Prints a started check's line once it has settled; resolves with its value (undefined when it failed). */
async function report(name, job) {
  const { ok, text, value } = await job;
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? "ok  " : "FAIL"} ${name}: ${text.replaceAll("\n", "\n     ")}`);
  return ok ? value : undefined;
}
/** Runs a check and prints its line. */
const check = (name, body, needs) => report(name, begin(body, needs));
/** The value of a started check, for the checks that need it (undefined when it failed). */
const valueOf = (job) => job.then((r) => (r.ok ? r.value : undefined));
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** The last line of a run's output, parsed as the example's JSON summary. */
function summaryOf(result, what) {
  const tail = () => `${result.stdout}\n${result.stderr}`.trim().split("\n").slice(-20).join("\n");
  if (result.code !== 0) throw new Error(`${what} exited with ${result.code}:\n${tail()}`);
  const last = result.stdout.trim().split("\n").pop() ?? "";
  try {
    return JSON.parse(last);
  } catch {
    throw new Error(`${what} printed no JSON summary:\n${tail()}`);
  }
}

/** Checks what examples/node (or the page) reports: the record read back, then the typed refusal. */
function expectExampleSummary(summary, nodeMajor) {
  const problems = [];
  if (nodeMajor !== undefined && Number(String(summary.node).split(".")[0]) !== nodeMajor) {
    problems.push(`ran on Node ${summary.node}, expected ${nodeMajor}`);
  }
  if (summary.read !== "Asthma") problems.push(`read ${JSON.stringify(summary.read)}, expected "Asthma"`);
  if (!/^0x[0-9a-f]{64}$/.test(summary.recordId ?? "")) problems.push(`record id ${summary.recordId}`);
  if (summary.refusal?.error !== "RecordReadConsentRequiredError" || summary.refusal?.code !== "CONTRACT_REVERT") {
    problems.push(
      `refusal ${JSON.stringify(summary.refusal)}, expected RecordReadConsentRequiredError (CONTRACT_REVERT)`,
    );
  }
  if (problems.length > 0) throw new Error(`${problems.join("; ")}: ${JSON.stringify(summary)}`);
}

// ── Processes ────────────────────────────────────────────────────────────────────────────────────────────────
let server;
let browser;
let work;
async function cleanup() {
  await browser?.close().catch(() => {});
  browser = undefined;
  await new Promise((resolve) => (server ? server.close(resolve) : resolve()));
  server = undefined;
  await stopAll();
  if (work && !options.keep) rmSync(work, { recursive: true, force: true });
}
for (const [signal, code] of [
  ["SIGINT", 130],
  ["SIGTERM", 143],
]) {
  process.once(signal, () => {
    console.log(`test:package: ${signal}, stopping what it started`);
    void cleanup().finally(() => process.exit(code));
  });
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Starts `hardhat node` from the repository on a free loopback port; resolves with its URL once it listens. */
async function startHardhatNode() {
  const port = await freePort();
  const child = start(HARDHAT, ["node", "--hostname", "127.0.0.1", "--port", String(port)], { cwd: ROOT });
  let output = "";
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hardhat node did not start in 90 s:\n${output}`)), 90_000);
    const onData = (chunk) => {
      output += chunk;
      if (output.includes(`JSON-RPC server at http://127.0.0.1:${port}`)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`hardhat node exited with ${code}:\n${output}`));
    });
  });
  // Keep draining its output (it logs every call) so that it never blocks on a full pipe.
  child.stdout.removeAllListeners("data").resume();
  child.stderr.removeAllListeners("data").resume();
  return `http://127.0.0.1:${port}`;
}

const MIME = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".css": "text/css",
  ".json": "application/json",
  ".svg": "image/svg+xml",
};
/** Serves `dir` on a free loopback port (GET only, no directory listing, nothing outside `dir`). */
async function serveStatic(dir) {
  const root = normalize(dir + sep);
  server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    const file = normalize(join(root, path === "/" ? "index.html" : path));
    if (req.method !== "GET" || !file.startsWith(root) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": MIME[extname(file)] ?? "application/octet-stream" }).end(readFileSync(file));
  });
  const port = await freePort();
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  return `http://127.0.0.1:${port}`;
}

/** Debian's chromium, installed with apt-get when missing and running as root. */
function ensureChromium() {
  if (existsSync(CHROMIUM)) return;
  if (process.getuid?.() !== 0) {
    throw new Error(
      `${CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium) and rerun`,
    );
  }
  const apt = (...args) =>
    spawnSync("apt-get", args, {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...cleanEnv(), DEBIAN_FRONTEND: "noninteractive" },
    });
  let result = apt("install", "-y", "--no-install-recommends", "chromium");
  if (result.status !== 0) {
    apt("update");
    result = apt("install", "-y", "--no-install-recommends", "chromium");
  }
  if (result.status !== 0 || !existsSync(CHROMIUM)) {
    throw new Error(`apt-get install chromium failed (${result.status}):\n${String(result.stderr).slice(-2000)}`);
  }
}

// ── The steps ────────────────────────────────────────────────────────────────────────────────────────────────
/** Checks a step's child exited 0. */
function ensureOk(result, what) {
  if (result.code !== 0)
    throw new Error(`${what} exited with ${result.code}:\n${`${result.stdout}${result.stderr}`.slice(-3000)}`);
}

/** Runs examples/node `RUNS` times on this Node, one after the other; every run must pass. */
async function exampleRuns(dir, env) {
  const times = [];
  const failures = [];
  for (let i = 1; i <= RUNS; i++) {
    const args = ["--unhandled-rejections=strict", "index.mjs"];
    const result = await run(process.execPath, args, { cwd: dir, env, timeoutMs: 180_000 });
    times.push(result.ms);
    try {
      expectExampleSummary(summaryOf(result, `run ${i}`), 22);
    } catch (error) {
      failures.push(`run ${i}: ${error.message}`);
    }
  }
  if (failures.length > 0) throw new Error(`${RUNS - failures.length}/${RUNS} passed\n${failures.join("\n")}`);
  const sorted = [...times].sort((x, y) => x - y);
  const median = sorted[Math.floor(RUNS / 2)];
  return { detail: `${RUNS}/${RUNS} passed, median ${seconds(median)}, slowest ${seconds(sorted.at(-1))}` };
}

/** require() of the entries without optional peers, on Node 22 and on Node 24 (the same answer). */
async function requireFromCommonJs(dir) {
  copyFileSync(join(FIXTURES, "require.cjs"), join(dir, "require.cjs"));
  const on22 = summaryOf(await run(process.execPath, ["require.cjs"], { cwd: dir }), "node require.cjs");
  const npx = await run("npx", ["-y", "-p", "node@24", "node", "require.cjs"], { cwd: dir });
  const on24 = summaryOf(npx, "npx -p node@24 node require.cjs");
  if (JSON.stringify(on22) !== JSON.stringify(on24)) {
    throw new Error(`Node 22 and 24 differ: ${JSON.stringify([on22, on24])}`);
  }
  const names = Object.entries(on22.exports).map(([entry, n]) => `${entry} ${n} names`);
  return { detail: names.join(", ") };
}

/** A TypeScript dApp project of its own: the tarball, ethers and @types/node, and the consumer files. */
async function typescriptProject(dir, tarball) {
  mkdirSync(join(dir, "types"), { recursive: true });
  writeFileSync(
    join(dir, "package.json"),
    `${JSON.stringify({ name: "carechain-ts-consumer", private: true, type: "module" })}\n`,
  );
  const args = ["install", "--no-audit", "--no-fund", tarball, "ethers", "@types/node@22"];
  ensureOk(await run("npm", args, { cwd: dir }), "npm install");
  for (const file of ["core.ts", "optional.ts"]) copyFileSync(join(FIXTURES, file), join(dir, "types", file));
  return { detail: "npm install <tarball> ethers @types/node@22; types/core.ts, types/optional.ts", value: dir };
}

/**
 * tsc (strict) with `moduleResolution` `resolution`. The entries without optional peers are checked with their
 * declaration files (skipLibCheck off); the optional entries' declarations name peers this project has not
 * installed, so that file skips lib checks.
 */
async function typeCheck(dir, resolution) {
  const details = [];
  for (const [file, skipLibCheck] of [
    ["core", false],
    ["optional", true],
  ]) {
    const config = `tsconfig.${resolution}.${file}.json`;
    const compilerOptions = {
      target: "es2022",
      module: resolution === "nodenext" ? "nodenext" : "esnext",
      moduleResolution: resolution,
      lib: ["es2023", "dom"],
      types: ["node"],
      strict: true,
      noEmit: true,
      skipLibCheck,
    };
    writeFileSync(join(dir, config), JSON.stringify({ compilerOptions, files: [`types/${file}.ts`] }, null, 2));
    ensureOk(await run(process.execPath, [TSC, "-p", config], { cwd: dir }), `tsc -p ${config}`);
    details.push(`${file}.ts${skipLibCheck ? " (skipLibCheck)" : ""}`);
  }
  return { detail: details.join(", ") };
}

/**
 * examples/browser as its own project (vite from its package.json, carechain from the tarball), built with the
 * chain's URL in CARECHAIN_RPC_URL. The FHIR definitions pack must be a chunk of its own that the page does not
 * load up front.
 */
async function browserBuild(dir, tarball, rpcUrl) {
  cpSync(join(ROOT, "examples", "browser"), dir, {
    recursive: true,
    filter: (source) => !/[\\/](node_modules|dist)$/.test(source),
  });
  const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  manifest.dependencies.carechain = `file:${tarball}`;
  writeFileSync(join(dir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  ensureOk(await run("npm", ["install", "--no-audit", "--no-fund"], { cwd: dir }), "npm install");
  const vite = join(dir, "node_modules", "vite", "bin", "vite.js");
  const env = cleanEnv({ CARECHAIN_RPC_URL: rpcUrl });
  ensureOk(await run(process.execPath, [vite, "build"], { cwd: dir, env }), "vite build");
  const dist = join(dir, "dist");
  const assets = readdirSync(join(dist, "assets"));
  const chunk = assets.find((name) => /^fhir-r4-definitions-.*\.js$/.test(name));
  if (!chunk) throw new Error(`no fhir-r4-definitions chunk among the assets: ${assets.join(", ")}`);
  if (readFileSync(join(dist, "index.html"), "utf8").includes(chunk)) throw new Error(`index.html loads ${chunk}`);
  const { version } = JSON.parse(readFileSync(join(dir, "node_modules", "vite", "package.json"), "utf8"));
  const size = (name) => `${(statSync(join(dist, "assets", name)).size / 1024).toFixed(0)} KiB`;
  const entry = assets.find((name) => /^index-.*\.js$/.test(name)) ?? "?";
  return {
    detail: `vite ${version}: ${entry} ${size(entry)}, ${chunk} ${size(chunk)} (lazy chunk)`,
    value: { dist, chunk },
  };
}

/** The built page in headless Chromium, until its status says passed or failed; a screenshot either way. */
async function browserRun(built) {
  ensureChromium();
  const { chromium } = await import("playwright-core");
  const site = await serveStatic(built.dist);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
  const errors = [];
  page.on("pageerror", (error) => errors.push(error.message));
  const scripts = [];
  page.on("response", (response) => {
    const url = response.url();
    if (url.startsWith(site) && url.endsWith(".js")) scripts.push(url.slice(site.length));
  });
  // No ?rpc= parameter: the page uses the URL the build was given (CARECHAIN_RPC_URL).
  await page.goto(`${site}/`);
  const status = page.locator('#status[data-state="passed"], #status[data-state="failed"]');
  await status.waitFor({ timeout: 180_000 });
  const screenshot = join(REPORTS, "browser.png");
  await page.screenshot({ path: screenshot, fullPage: true });
  if (options["update-docs"]) {
    mkdirSync(join(ROOT, "docs", "images"), { recursive: true });
    copyFileSync(screenshot, join(ROOT, "docs", "images", "package-browser.png"));
  }
  const text = await status.textContent();
  if ((await status.getAttribute("data-state")) !== "passed") {
    const steps = await page.locator("#steps li").allTextContents();
    const pageErrors = errors.length > 0 ? `\npage errors: ${errors.join("; ")}` : "";
    throw new Error(`the page says: ${text}\n${steps.join("\n")}${pageErrors}`);
  }
  expectExampleSummary(JSON.parse((await status.getAttribute("data-summary")) ?? "{}"));
  if (!scripts.includes(`/assets/${built.chunk}`)) {
    throw new Error(`the page did not fetch ${built.chunk}: ${scripts.join(", ")}`);
  }
  return { detail: `${text} Scripts fetched: ${scripts.join(", ")}` };
}

// ── The run ──────────────────────────────────────────────────────────────────────────────────────────────────
try {
  if (Number(process.versions.node.split(".")[0]) < 22) {
    throw new Error(`test:package needs Node >= 22 (this is ${process.version}); run it with \`npm run test:package\``);
  }
  work = mkdtempSync(join(tmpdir(), "carechain-package-"));
  const consumerDir = join(work, "consumer");
  mkdirSync(consumerDir);
  mkdirSync(REPORTS, { recursive: true });

  const pack = await check("npm pack (prepack builds the contracts and dist/)", async () => {
    const packed = await packTarball(work);
    return { detail: `${packed.files} files, ${(packed.bytes / 1024).toFixed(0)} KiB`, value: packed };
  });
  const install = await check(
    "npm install <tarball> ethers in an empty project outside the repository",
    async () => {
      const installed = await installConsumer(consumerDir, pack.tarball);
      const figures = { packages: installed.packages, bytes: installed.bytes };
      writeFileSync(join(REPORTS, "install.json"), `${JSON.stringify(figures, null, 2)}\n`);
      copyFileSync(join(ROOT, "examples", "node", "index.mjs"), join(consumerDir, "index.mjs"));
      return { detail: `${installed.packages} packages, ${mib(installed.bytes)} on disk`, value: installed };
    },
    [pack],
  );
  const rpcUrl = await check("hardhat node on 127.0.0.1", async () => {
    const url = await startHardhatNode();
    return { detail: url, value: url };
  });

  // Started now, reported after the examples: the TypeScript checks and the browser build run while the examples
  // wait on the chain.
  const tsProject = begin(() => typescriptProject(join(work, "typescript"), pack.tarball), [pack]);
  const typeChecks = RESOLUTIONS.map((resolution) => begin((dir) => typeCheck(dir, resolution), [valueOf(tsProject)]));
  const built = begin((_packed, url) => browserBuild(join(work, "browser"), pack.tarball, url), [pack, rpcUrl]);

  const exampleEnv = cleanEnv({ CARECHAIN_RPC_URL: rpcUrl ?? "" });
  await check(
    `examples/node × ${RUNS} on Node ${process.versions.node} (fresh accounts, --unhandled-rejections=strict)`,
    () => exampleRuns(consumerDir, exampleEnv),
    [install, rpcUrl],
  );
  await check(
    "examples/node on Node 24 (npx -p node@24)",
    async () => {
      const args = ["-y", "-p", "node@24", "node", "--unhandled-rejections=strict", "index.mjs"];
      const result = await run("npx", args, { cwd: consumerDir, env: exampleEnv, timeoutMs: 600_000 });
      const summary = summaryOf(result, "npx -p node@24 node index.mjs");
      expectExampleSummary(summary, 24);
      return { detail: `passed on Node ${summary.node}` };
    },
    [install, rpcUrl],
  );
  await check(
    "require() from CommonJS on Node 22 and 24: carechain, carechain/node, carechain/contracts",
    () => requireFromCommonJs(consumerDir),
    [install],
  );
  await report("TypeScript consumer project (npm install <tarball> ethers @types/node@22)", tsProject);
  for (const [i, resolution] of RESOLUTIONS.entries()) {
    await report(`tsc --strict, moduleResolution ${resolution}: every entry's main names`, typeChecks[i]);
  }
  const page = await report("examples/browser: npm install (vite from its package.json) and vite build", built);
  await check(
    "examples/browser in headless Chromium (screenshot in reports/package/browser.png)",
    (builtPage) => browserRun(builtPage),
    [page, rpcUrl],
  );
} catch (error) {
  failed++;
  console.log(`FAIL test:package: ${error instanceof Error ? error.stack : error}`);
} finally {
  await cleanup();
}
console.log(`test:package: ${seconds(performance.now() - startedAt)}${options.keep && work ? `, kept ${work}` : ""}`);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
