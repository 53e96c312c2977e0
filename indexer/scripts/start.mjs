#!/usr/bin/env node
// Starts the indexer (`ponder start`) with the defaults Carechain uses: loopback only, port 42069, and a database
// schema named after the deployment (Ponder refuses to reuse a schema for another deployment or another build:
// a new deployment gets its own schema; after changing the indexer's code, drop the old schema or set
// DATABASE_SCHEMA). Extra arguments are passed to `ponder start`.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

function deployment() {
  const text =
    process.env.CARECHAIN_DEPLOYMENT_JSON ||
    (process.env.CARECHAIN_DEPLOYMENT && readFileSync(process.env.CARECHAIN_DEPLOYMENT, "utf8"));
  if (!text) {
    console.error(
      "carechain-indexer: set CARECHAIN_DEPLOYMENT (path of a deployment JSON) or CARECHAIN_DEPLOYMENT_JSON",
    );
    process.exit(2);
  }
  return JSON.parse(text);
}

const json = deployment();
const chainId = json.chainId ?? process.env.CARECHAIN_CHAIN_ID;
const recordRegistry = json.recordRegistry ?? json["Carechain#RecordRegistry"];
const schema =
  process.env.DATABASE_SCHEMA || `carechain_${chainId}_${String(recordRegistry).slice(2, 10).toLowerCase()}`;
const args = [
  "start",
  "--schema",
  schema,
  "--port",
  process.env.CARECHAIN_INDEXER_PORT || "42069",
  "--hostname",
  process.env.CARECHAIN_INDEXER_HOST || "127.0.0.1",
  ...process.argv.slice(2),
];
// The same Node as this script (npm scripts run on the project's Node 22, which Ponder needs).
const child = spawn(
  process.execPath,
  [join(root, "node_modules", "ponder", "dist", "esm", "bin", "ponder.js"), ...args],
  {
    cwd: root,
    stdio: "inherit",
  },
);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
