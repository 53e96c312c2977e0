/**
 * EPCIS 2.0 command line for trading partners' integration teams:
 *
 *   npm run -s epcis -- hash FILE...       one line per event: `FILE#N: ni:///sha-256;…?ver=CBV2.0` (N from 1)
 *   npm run -s epcis -- validate FILE...   one line per file: `FILE: valid` or `FILE: invalid: REASON`
 *
 * `validate` checks against GS1's EPCIS 2.0 JSON Schema, read from `--schema PATH`, else `$EPCIS_SCHEMA`,
 * else ../shared/data/epcis/schema/EPCIS-JSON-Schema.json. Exit status: 0 when every file is valid (hash: every
 * file hashed), 1 when any is invalid or unreadable, 2 on a usage error.
 */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";

import { epcisEventHashIds } from "../sdk/supplychain/event-hash.js";
import { createEpcisSchemaValidator, formatEpcisSchemaIssue } from "../sdk/supplychain/epcis-schema.js";

const USAGE = "usage: npm run -s epcis -- hash FILE... | validate [--schema PATH] FILE...";
const DEFAULT_SCHEMA = resolve(import.meta.dirname, "../../shared/data/epcis/schema/EPCIS-JSON-Schema.json");

interface Args {
  command: "hash" | "validate";
  files: string[];
  schema?: string;
}

function parseArgs(argv: string[]): Args | undefined {
  const [command, ...rest] = argv;
  if (command === "-h" || command === "--help") {
    console.log(USAGE);
    process.exit(0);
  }
  if (command !== "hash" && command !== "validate") {
    console.error(`epcis: unknown command ${command ?? "(none)"}\n${USAGE}`);
    return undefined;
  }
  const args: Args = { command, files: [] };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === "--schema" && command === "validate" && rest[i + 1]) args.schema = rest[++i];
    else if (arg.startsWith("-")) {
      console.error(`epcis: unknown option ${arg}\n${USAGE}`);
      return undefined;
    } else args.files.push(arg);
  }
  if (args.files.length === 0) {
    console.error(`epcis: no files given\n${USAGE}`);
    return undefined;
  }
  return args;
}

/** Reads and parses one file; the error text when it cannot. */
function readJson(file: string): { json: unknown } | { error: string } {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (cause) {
    return { error: `unreadable: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}` };
  }
  try {
    return { json: JSON.parse(text) };
  } catch (cause) {
    return { error: `not JSON: ${(cause as Error).message}` };
  }
}

function hash(files: readonly string[]): number {
  let status = 0;
  for (const file of files) {
    const read = readJson(file);
    if ("error" in read) {
      console.log(`${file}: ${read.error}`);
      status = 1;
      continue;
    }
    try {
      epcisEventHashIds(read.json).forEach((id, i) => console.log(`${file}#${i + 1}: ${id}`));
    } catch (cause) {
      console.log(`${file}: ${(cause as Error).message}`);
      status = 1;
    }
  }
  return status;
}

function validate(files: readonly string[], schemaPath: string): number {
  if (!existsSync(schemaPath)) {
    console.error(`epcis: schema not found at ${schemaPath} (use --schema PATH or EPCIS_SCHEMA)`);
    return 2;
  }
  const check = createEpcisSchemaValidator(JSON.parse(readFileSync(schemaPath, "utf8")));
  let status = 0;
  for (const file of files) {
    const read = readJson(file);
    if ("error" in read) {
      console.log(`${file}: invalid: ${read.error}`);
      status = 1;
      continue;
    }
    const result = check(read.json);
    if (result.valid) console.log(`${file}: valid`);
    else {
      console.log(`${file}: invalid: ${formatEpcisSchemaIssue(result.reason)}`);
      status = 1;
    }
  }
  return status;
}

const args = parseArgs(process.argv.slice(2));
if (!args) process.exit(2);
process.exitCode =
  args.command === "hash"
    ? hash(args.files)
    : validate(args.files, args.schema ?? process.env.EPCIS_SCHEMA ?? DEFAULT_SCHEMA);
