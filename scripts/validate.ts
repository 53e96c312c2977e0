/**
 * Validates FHIR R4 JSON files with the SDK's strict validator (the same one the SDK runs before encryption and
 * after decryption). For users and CI:
 *
 *   npm run -s validate -- FILE...
 *
 * Prints one line per file (`-` reads standard input), `FILE: valid` or `FILE: invalid: PATH: message` (several
 * issues are joined by "; ", at most five, then a count). Files are read as bytes and parsed strictly (UTF-8
 * without byte-order mark, no duplicate keys, comments or trailing commas). Exit status: 0 when every file is valid, 1 when any is invalid
 * or unreadable, 2 on a usage error (no files, unknown option).
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

import type { FhirIssue } from "../sdk/index.js";

const USAGE =
  "usage: npm run -s validate -- FILE...  (or: tsx --conditions=carechain-source scripts/validate.ts FILE...)";
const SHOWN = 5;

function parseArgs(argv: string[]): string[] | undefined {
  const files: string[] = [];
  let options = true;
  for (const arg of argv) {
    if (options && arg === "--") options = false;
    else if (options && (arg === "-h" || arg === "--help")) {
      console.log(USAGE);
      process.exit(0);
    } else if (options && arg.startsWith("-") && arg !== "-") {
      console.error(`validate: unknown option ${arg}\n${USAGE}`);
      return undefined;
    } else files.push(arg);
  }
  if (files.length === 0) {
    console.error(`validate: no files given\n${USAGE}`);
    return undefined;
  }
  return files;
}

function describe(issues: readonly FhirIssue[]): string {
  const shown = issues.slice(0, SHOWN).map((i) => `${i.path}: ${i.message}`);
  const more = issues.length > SHOWN ? `; … and ${issues.length - SHOWN} more` : "";
  return `${shown.join("; ")}${more}`.replace(/[\r\n]+/g, " ");
}

async function main(): Promise<number> {
  const files = parseArgs(process.argv.slice(2));
  if (!files) return 2;
  // Imported after the arguments are checked: a usage error answers at once.
  const { createFhirValidator, FhirValidationError } = await import("../sdk/index.js");
  const { loadFhirDefinitions } = await import("../sdk/node.js");
  const validator = createFhirValidator(loadFhirDefinitions());
  // npm runs scripts from the package root; INIT_CWD is where the user ran `npm run`.
  const cwd = process.env.INIT_CWD ?? process.cwd();
  let invalid = 0;
  for (const file of files) {
    let line: string;
    try {
      const bytes = file === "-" ? readFileSync(0) : readFileSync(resolve(cwd, file));
      validator.validateJson(bytes);
      line = `${file}: valid`;
    } catch (error) {
      invalid++;
      if (error instanceof FhirValidationError) {
        line = `${file}: invalid: ${describe(error.issues)}`;
      } else {
        const code = (error as NodeJS.ErrnoException).code;
        line = `${file}: invalid: cannot read the file${code ? ` (${code})` : ""}: ${(error as Error).message}`;
      }
    }
    console.log(line);
  }
  return invalid > 0 ? 1 : 0;
}

process.exitCode = await main();
