/**
 * Revert decoding for the contracts of the modules beyond records (claims, trials): revert data the core's decoder
 * does not know is parsed with the module's ABIs into the module's error class, named after the Solidity error.
 */
import { Interface, type InterfaceAbi } from "ethers";

import { ContractRevertError, UnknownRevertError } from "../errors/contract.js";
import type { CarechainErrorOptions } from "../errors/base.js";
import { revertErrorOf } from "./revert.js";

/** The constructor of a module's revert error class. */
export type ModuleRevertErrorClass = new (
  errorName: string,
  args?: Record<string, unknown>,
  options?: CarechainErrorOptions,
) => ContractRevertError;

/**
 * A function that turns whatever a module-contract call threw into its typed error: the module's class for the
 * module's Solidity errors, the core's class for core errors, or the error itself when it is not a revert.
 * @param abis - The module contracts' ABIs (their `error` fragments are used).
 * @param ErrorClass - The module's revert error class.
 * @returns The decoder.
 */
export function moduleRevertDecoder(
  abis: readonly InterfaceAbi[],
  ErrorClass: ModuleRevertErrorClass,
): (error: unknown) => unknown {
  const errors = new Interface(abis.flatMap((abi) => new Interface(abi).fragments).filter((f) => f.type === "error"));
  return (error) => {
    const revert = revertErrorOf(error);
    if (!(revert instanceof UnknownRevertError)) return revert ?? error;
    const data = revert.args.data;
    if (typeof data !== "string") return revert;
    try {
      const parsed = errors.parseError(data);
      if (!parsed) return revert;
      const args: Record<string, unknown> = {};
      parsed.fragment.inputs.forEach((input, i) => (args[input.name || String(i)] = parsed.args[i] as unknown));
      return new ErrorClass(parsed.name, args, { cause: error });
    } catch {
      return revert;
    }
  };
}
