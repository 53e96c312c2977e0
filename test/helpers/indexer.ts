/**
 * Test helpers for the indexer (indexer/, a Ponder project with its own node_modules): start it as a child process
 * against a chain, wait until it has indexed a block, start a throw-away PostgreSQL server.
 * @module
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { CID } from "multiformats/cid";

import type { BlobStore, CarechainDeployment } from "../../sdk/index.js";
import { childEnv, freePort, ROOT, stop } from "./processes.js";

/** The indexer project. */
export const INDEXER_DIR = join(ROOT, "indexer");

/** Why the indexer tests can't run here (no indexer dependencies), or undefined when they can. */
export function indexerMissing(): string | undefined {
  return existsSync(join(INDEXER_DIR, "node_modules", "ponder", "package.json"))
    ? undefined
    : "indexer/node_modules is missing: run `npm run indexer:install` (cd indexer && npx -y -p node@22.23.3 npm ci)";
}

/** A running indexer. */
export interface RunningIndexer {
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  /** The CIDs the indexer asked its manifest gateway for (with `manifests`), in order. */
  readonly manifestRequests: readonly string[];
  stop(): Promise<void>;
}

/**
 * Starts the indexer (`indexer/scripts/start.mjs`, i.e. `ponder start`) against `rpcUrl` for `deployment`, with
 * PGlite in `pgliteDir` or PostgreSQL at `databaseUrl`.
 */
export async function startIndexer(options: {
  deployment: CarechainDeployment;
  rpcUrl: string;
  startBlock?: number;
  pgliteDir?: string;
  databaseUrl?: string;
  schema?: string;
  pollingMs?: number;
  getLogsRange?: number;
  /** A blob store to serve batch manifests from (a {@link ManifestGateway} the indexer fetches them through). */
  manifests?: BlobStore;
}): Promise<RunningIndexer> {
  const gateway = options.manifests ? await startManifestGateway(options.manifests) : undefined;
  const port = await freePort();
  const { deployment } = options;
  const env: Record<string, string> = {
    CARECHAIN_DEPLOYMENT_JSON: JSON.stringify({
      chainId: Number(deployment.chainId),
      directory: deployment.directory,
      consentRegistry: deployment.consentRegistry,
      recordRegistry: deployment.recordRegistry,
      startBlock: options.startBlock ?? 0,
    }),
    CARECHAIN_RPC_URL: options.rpcUrl,
    CARECHAIN_INDEXER_PORT: String(port),
    CARECHAIN_POLLING_MS: String(options.pollingMs ?? 200),
    DATABASE_SCHEMA: options.schema ?? `test_${process.pid}_${port}`,
  };
  if (options.getLogsRange) env.CARECHAIN_GETLOGS_RANGE = String(options.getLogsRange);
  if (gateway) env.CARECHAIN_MANIFEST_URL = gateway.url;
  if (options.pgliteDir) env.CARECHAIN_PGLITE_DIR = options.pgliteDir;
  const base = childEnv(env);
  if (options.databaseUrl) base.DATABASE_URL = options.databaseUrl;
  else delete base.DATABASE_URL;
  const child = spawn("node", [join(INDEXER_DIR, "scripts", "start.mjs"), "--log-format", "json"], {
    cwd: INDEXER_DIR,
    env: base,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (c: Buffer) => (output = (output + c.toString()).slice(-200_000)));
  child.stderr.on("data", (c: Buffer) => (output = (output + c.toString()).slice(-200_000)));
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    child,
    output: () => output,
    manifestRequests: gateway?.requested ?? [],
    async stop() {
      await stop(child);
      await gateway?.stop();
    },
  };
}

/** Resolves once the indexer has indexed `block` (its `/v1/info` head); rejects with its output on timeout. */
export async function waitForBlock(indexer: RunningIndexer, block: number, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (indexer.child.exitCode !== null)
      throw new Error(`the indexer exited with ${indexer.child.exitCode}:\n${indexer.output().slice(-4000)}`);
    try {
      const response = await fetch(`${indexer.url}/v1/info`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) {
        const info = (await response.json()) as { head: { block: number } | null };
        if (info.head && info.head.block >= block) return;
      }
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline)
      throw new Error(`the indexer did not reach block ${block}:\n${indexer.output().slice(-4000)}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

/** A content gateway on loopback serving a blob store's objects by CID (`GET /ipfs/<cid>`), as IPFS gateways do. */
export interface ManifestGateway {
  /** The URL template for `CARECHAIN_MANIFEST_URL`. */
  readonly url: string;
  /** CIDs asked for, in order. */
  readonly requested: string[];
  stop(): Promise<void>;
}

/** Starts a {@link ManifestGateway} in front of `store`; an unknown or malformed CID is answered 404. */
export async function startManifestGateway(store: BlobStore): Promise<ManifestGateway> {
  const requested: string[] = [];
  const server = createServer((req, res) => {
    const text = /^\/ipfs\/([a-z2-7]+)$/.exec(req.url ?? "")?.[1] ?? "";
    requested.push(text);
    void (async () => {
      try {
        const bytes = await store.get(CID.parse(text));
        res.writeHead(200, { "content-type": "application/octet-stream" }).end(bytes);
      } catch {
        res.writeHead(404).end();
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/ipfs/{cid}`,
    requested,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A PostgreSQL server of its own (Debian's postgresql package), in a temp dir, on a free loopback port. */
export interface TestPostgres {
  readonly url: string;
  /** Runs one SQL statement with psql and returns its unaligned, tuples-only output. */
  query(statement: string): string;
  stop(): Promise<void>;
}

/** The directory of Debian's PostgreSQL binaries (initdb, postgres), installing the package when root and missing. */
function postgresBin(): string | undefined {
  const find = () => {
    const out = spawnSync("sh", ["-c", "ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1"], {
      encoding: "utf8",
    });
    const dir = out.stdout.trim();
    return dir && existsSync(join(dir, "initdb")) ? dir : undefined;
  };
  let dir = find();
  if (!dir && process.getuid?.() === 0) {
    spawnSync(
      "sh",
      [
        "-c",
        "DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql >/dev/null 2>&1 || (apt-get update >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql >/dev/null 2>&1)",
      ],
      {
        stdio: "ignore",
        timeout: 300_000,
      },
    );
    dir = find();
  }
  return dir;
}

/** Why PostgreSQL can't be started here, or undefined when it can. */
export function postgresMissing(): string | undefined {
  return postgresBin()
    ? undefined
    : "PostgreSQL is not installed (apt-get install -y postgresql) and this user can't install it";
}

/**
 * Starts PostgreSQL: initdb in a temp dir (trust auth, loopback only), postgres on a free port; as root it runs
 * as the `postgres` user (PostgreSQL refuses to run as root).
 */
export async function startPostgres(): Promise<TestPostgres> {
  const bin = postgresBin();
  if (!bin) throw new Error(postgresMissing());
  const dir = await mkdtemp(join(tmpdir(), "carechain-pg-"));
  const data = join(dir, "data");
  const port = await freePort();
  const asRoot = process.getuid?.() === 0;
  const wrap = (cmd: string[]): [string, string[]] =>
    asRoot ? ["runuser", ["-u", "postgres", "--", ...cmd]] : [cmd[0]!, cmd.slice(1)];
  if (asRoot) spawnSync("chown", ["-R", "postgres:postgres", dir]);
  const [initCmd, initArgs] = wrap([
    join(bin, "initdb"),
    "-D",
    data,
    "-U",
    "postgres",
    "--auth=trust",
    "-E",
    "UTF8",
    "--no-sync",
  ]);
  const init = spawnSync(initCmd, initArgs, { encoding: "utf8" });
  if (init.status !== 0) throw new Error(`initdb failed:\n${init.stdout}\n${init.stderr}`);
  const [cmd, args] = wrap([
    join(bin, "postgres"),
    "-D",
    data,
    "-p",
    String(port),
    "-c",
    "listen_addresses=127.0.0.1",
    "-c",
    `unix_socket_directories=${dir}`,
    "-c",
    "fsync=off",
    "-c",
    "max_connections=100",
  ]);
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`postgres did not start:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("ready to accept connections")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => reject(new Error(`postgres exited with ${code}:\n${output}`)));
  });
  const url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  return {
    url,
    query(statement: string) {
      const out = spawnSync(join(bin, "psql"), [url, "-At", "-c", statement], { encoding: "utf8" });
      if (out.status !== 0) throw new Error(`psql failed: ${out.stderr}`);
      return out.stdout.trim();
    },
    async stop() {
      await stop(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
