/** Compiles a bench-only Solidity file next to this one with the solc npm package (the project's compiler). */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/** A compiled contract. */
export interface Compiled {
  abi: unknown[];
  bytecode: string;
}

/**
 * Compiles `contract` from scripts/bench/`file` (optimizer on, Cancun).
 * @throws {Error} With solc's messages when the source does not compile.
 */
export async function compileBenchContract(file: string, contract: string): Promise<Compiled> {
  const solc = require("solc") as { compile(input: string): string };
  const source = await readFile(new URL(`./${file}`, import.meta.url), "utf8");
  const output = JSON.parse(
    solc.compile(
      JSON.stringify({
        language: "Solidity",
        sources: { [file]: { content: source } },
        settings: {
          optimizer: { enabled: true, runs: 200 },
          evmVersion: "cancun",
          outputSelection: { "*": { [contract]: ["abi", "evm.bytecode.object"] } },
        },
      }),
    ),
  ) as {
    errors?: { severity: string; formattedMessage: string }[];
    contracts: Record<string, Record<string, { abi: unknown[]; evm: { bytecode: { object: string } } }>>;
  };
  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join("\n"));
  const compiled = output.contracts[file]![contract]!;
  return { abi: compiled.abi, bytecode: `0x${compiled.evm.bytecode.object}` };
}
