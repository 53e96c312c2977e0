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
const startedAt = performance.now();

// ── Checks ───────────────────────────────────────────────────────────────────────────────────────────────────
let passed = 0;
let failed = 0;
/**
 * Runs one check and prints its line. A check whose prerequisite failed is reported as failed, not run.
 * @template T
 * @param {string} name
 * @param {() => Promise<{ detail: string, value?: T }>} body
 * @param {unknown[]} [needs] - Values of earlier checks; undefined means that check failed.
 * @returns {Promise<T | undefined>}
 */
async function check(name, body, needs = []) {
  if (needs.some((n) => n === undefined)) {
    failed++;
    console.log(`FAIL ${name}: not run (an earlier check it needs failed)`);
    return undefined;
  }
  const t0 = performance.now();
  try {
    const { detail, value } = await body();
    passed++;
    console.log(`ok   ${name}: ${detail} [${seconds(performance.now() - t0)}]`);
    return value ?? true;
  } catch (error) {
    failed++;
    const message = error instanceof Error ? error.message : String(error);
    console.log(`FAIL ${name}: ${message.replaceAll("\n", "\n     ")}`);
    return undefined;
  }
}
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

// ── The run ──────────────────────────────────────────────────────────────────────────────────────────────────
try {
  if (Number(process.versions.node.split(".")[0]) < 22) {
    throw new Error(`test:package needs Node >= 22 (this is ${process.version}); run it with \`npm run test:package\``);
  }
  work = mkdtempSync(join(tmpdir(), "carechain-package-"));
  const consumerDir = join(work, "consumer");
  const browserDir = join(work, "browser");
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
      writeFileSync(
        join(REPORTS, "install.json"),
        `${JSON.stringify({ packages: installed.packages, bytes: installed.bytes }, null, 2)}\n`,
      );
      return { detail: `${installed.packages} packages, ${mib(installed.bytes)} on disk`, value: installed };
    },
    [pack],
  );

  const rpcUrl = await check("hardhat node on 127.0.0.1", async () => {
    const url = await startHardhatNode();
    return { detail: url, value: url };
  });

  const exampleReady = install && existsSync(join(ROOT, "examples", "node", "index.mjs")) ? true : undefined;
  if (exampleReady) copyFileSync(join(ROOT, "examples", "node", "index.mjs"), join(consumerDir, "index.mjs"));
  const exampleEnv = rpcUrl ? cleanEnv({ CARECHAIN_RPC_URL: rpcUrl }) : undefined;

  await check(
    `examples/node × ${RUNS} on Node ${process.versions.node} (fresh accounts, --unhandled-rejections=strict)`,
    async () => {
      const times = [];
      const failures = [];
      for (let i = 1; i <= RUNS; i++) {
        const result = await run(process.execPath, ["--unhandled-rejections=strict", "index.mjs"], {
          cwd: consumerDir,
          env: exampleEnv,
          timeoutMs: 180_000,
        });
        times.push(result.ms);
        try {
          expectExampleSummary(summaryOf(result, `run ${i}`), 22);
        } catch (error) {
          failures.push(`run ${i}: ${error.message}`);
        }
      }
      if (failures.length > 0) throw new Error(`${RUNS - failures.length}/${RUNS} passed\n${failures.join("\n")}`);
      const sorted = [...times].sort((a, b) => a - b);
      return {
        detail: `${RUNS}/${RUNS} passed, median ${seconds(sorted[Math.floor(RUNS / 2)])}, slowest ${seconds(
          sorted.at(-1),
        )}`,
      };
    },
    [exampleReady, rpcUrl],
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
    [exampleReady, rpcUrl],
  );

  await check(
    "require() from CommonJS on Node 22 and 24: carechain, carechain/node, carechain/contracts",
    async () => {
      copyFileSync(join(FIXTURES, "require.cjs"), join(consumerDir, "require.cjs"));
      const on22 = summaryOf(await run(process.execPath, ["require.cjs"], { cwd: consumerDir }), "node require.cjs");
      const on24 = summaryOf(
        await run("npx", ["-y", "-p", "node@24", "node", "require.cjs"], { cwd: consumerDir }),
        "npx -p node@24 node require.cjs",
      );
      if (JSON.stringify(on22) !== JSON.stringify(on24))
        throw new Error(`Node 22 and 24 differ: ${JSON.stringify([on22, on24])}`);
      return {
        detail: Object.entries(on22.exports)
          .map(([entry, n]) => `${entry} ${n} names`)
          .join(", "),
      };
    },
    [install],
  );

  // TypeScript consumers: @types/node added after the install was measured (a test-only tool of this project).
  const typesReady = await check(
    "TypeScript consumer set up (npm install -D @types/node@22)",
    async () => {
      const result = await run("npm", ["install", "--no-audit", "--no-fund", "-D", "@types/node@22"], {
        cwd: consumerDir,
      });
      if (result.code !== 0) throw new Error(`npm install exited with ${result.code}:\n${result.stderr.slice(-2000)}`);
      mkdirSync(join(consumerDir, "types"));
      for (const file of ["core.ts", "optional.ts"])
        copyFileSync(join(FIXTURES, file), join(consumerDir, "types", file));
      return { detail: "types/core.ts, types/optional.ts" };
    },
    [install],
  );
  for (const resolution of ["nodenext", "bundler"]) {
    await check(
      `tsc --strict, moduleResolution ${resolution}: every entry's main names`,
      async () => {
        const details = [];
        // The entries without optional peers are checked with their declaration files (skipLibCheck off); the
        // optional entries' declarations name peers this project has not installed, so those skip lib checks.
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
          writeFileSync(
            join(consumerDir, config),
            JSON.stringify({ compilerOptions, files: [`types/${file}.ts`] }, null, 2),
          );
          const result = await run(process.execPath, [TSC, "-p", config], { cwd: consumerDir });
          if (result.code !== 0)
            throw new Error(`tsc -p ${config} exited with ${result.code}:\n${result.stdout}${result.stderr}`);
          details.push(`${file}.ts${skipLibCheck ? " (skipLibCheck)" : ""}`);
        }
        return { detail: details.join(", ") };
      },
      [typesReady],
    );
  }

  const built = await check(
    "examples/browser: npm install (vite from its package.json) and vite build",
    async () => {
      cpSync(join(ROOT, "examples", "browser"), browserDir, {
        recursive: true,
        filter: (source) => !/[\\/](node_modules|dist)$/.test(source),
      });
      const manifest = JSON.parse(readFileSync(join(browserDir, "package.json"), "utf8"));
      manifest.dependencies.carechain = `file:${pack.tarball}`;
      writeFileSync(join(browserDir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
      const installed = await run("npm", ["install", "--no-audit", "--no-fund"], { cwd: browserDir });
      if (installed.code !== 0)
        throw new Error(`npm install exited with ${installed.code}:\n${installed.stderr.slice(-2000)}`);
      const vite = join(browserDir, "node_modules", "vite", "bin", "vite.js");
      const build = await run(process.execPath, [vite, "build"], {
        cwd: browserDir,
        env: cleanEnv({ CARECHAIN_RPC_URL: rpcUrl ?? "" }),
      });
      if (build.code !== 0) throw new Error(`vite build exited with ${build.code}:\n${build.stdout}${build.stderr}`);
      // The FHIR definitions pack is a chunk of its own, not preloaded by the page: fetched when validation needs it.
      const dist = join(browserDir, "dist");
      const assets = readdirSync(join(dist, "assets"));
      const chunk = assets.find((name) => /^fhir-r4-definitions-.*\.js$/.test(name));
      if (!chunk) throw new Error(`no fhir-r4-definitions chunk among the assets: ${assets.join(", ")}`);
      if (readFileSync(join(dist, "index.html"), "utf8").includes(chunk))
        throw new Error(`index.html loads ${chunk} up front`);
      const version = JSON.parse(
        readFileSync(join(browserDir, "node_modules", "vite", "package.json"), "utf8"),
      ).version;
      const size = (name) => `${(statSync(join(dist, "assets", name)).size / 1024).toFixed(0)} KiB`;
      const entry = assets.find((name) => /^index-.*\.js$/.test(name));
      return {
        detail: `vite ${version}: ${entry} ${entry ? size(entry) : "?"}, ${chunk} ${size(chunk)} (lazy chunk)`,
        value: { dist, chunk },
      };
    },
    [pack],
  );

  await check(
    "examples/browser in headless Chromium (screenshot in reports/package/browser.png)",
    async () => {
      ensureChromium();
      const { chromium } = await import("playwright-core");
      const site = await serveStatic(built.dist);
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          "--no-sandbox",
          "--disable-gpu",
          "--disable-quic",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
        ],
      });
      const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
      const errors = [];
      page.on("pageerror", (error) => errors.push(error.message));
      const scripts = [];
      page.on("response", (response) => {
        if (response.url().startsWith(site) && response.url().endsWith(".js"))
          scripts.push(response.url().slice(site.length));
      });
      await page.goto(`${site}/?rpc=${encodeURIComponent(rpcUrl)}`);
      const status = page.locator('#status[data-state="passed"], #status[data-state="failed"]');
      await status.waitFor({ timeout: 180_000 });
      const screenshot = join(REPORTS, "browser.png");
      await page.screenshot({ path: screenshot, fullPage: true });
      if (options["update-docs"]) {
        mkdirSync(join(ROOT, "docs", "images"), { recursive: true });
        copyFileSync(screenshot, join(ROOT, "docs", "images", "package-browser.png"));
      }
      const state = await status.getAttribute("data-state");
      const text = await status.textContent();
      if (state !== "passed") {
        const steps = await page.locator("#steps li").allTextContents();
        throw new Error(
          `the page says: ${text}\n${steps.join("\n")}${errors.length ? `\npage errors: ${errors.join("; ")}` : ""}`,
        );
      }
      expectExampleSummary(JSON.parse((await status.getAttribute("data-summary")) ?? "{}"));
      if (!scripts.includes(`/assets/${built.chunk}`))
        throw new Error(`the page did not fetch ${built.chunk}: ${scripts.join(", ")}`);
      return { detail: `${text} Scripts fetched: ${scripts.join(", ")}` };
    },
    [built, rpcUrl],
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
