/**
 * Revert decoding, the one way the SDK turns a failed call's revert data into a typed error: the core contracts'
 * errors into the class named after the Solidity error, and a module's errors (claims, trials, supply chain) into
 * the module's class, named in `errorName`.
 * @module
 */
import { Interface, isError, type InterfaceAbi } from "ethers";

import { CONSENT_REGISTRY_ABI, DIRECTORY_ABI, RECORD_REGISTRY_ABI } from "../contracts/generated/abi.js";
import { CarechainError, type CarechainErrorOptions } from "../errors/base.js";
import { ContractRevertError, REVERT_ERRORS, UnknownRevertError } from "../errors/contract.js";

/**
 * The custom errors of `abis` (one per name), as an interface that parses revert data.
 * @param abis - Contract ABIs; only their `error` fragments are kept.
 * @returns The interface of the errors.
 */
function errorInterface(abis: readonly InterfaceAbi[]): Interface {
  const errors = abis.flatMap((abi) => new Interface(abi).fragments).filter((f) => f.type === "error");
  return new Interface([...new Map(errors.map((f) => [(f as unknown as { name: string }).name, f])).values()]);
}

/** Every custom error of the Carechain contracts, from their generated ABIs (no ABI written by hand). */
const ERRORS = errorInterface([DIRECTORY_ABI, CONSENT_REGISTRY_ABI, RECORD_REGISTRY_ABI]);

/** Names of every custom error in the contracts' ABIs (kept equal to the SDK's classes by a test). */
export const CONTRACT_ERROR_NAMES: readonly string[] = ERRORS.fragments
  .filter((f) => f.type === "error")
  .map((f) => (f as unknown as { name: string }).name);

/** The constructor of a module's revert error class (e.g. `ClaimsRevertError`). */
export type ModuleRevertErrorClass = new (
  errorName: string,
  args?: Record<string, unknown>,
  options?: CarechainErrorOptions,
) => ContractRevertError;

/** A module's custom errors and the class its reverts are thrown as (see {@link moduleErrors}). */
export interface ModuleErrors {
  /** The module contracts' custom errors. */
  readonly errors: Interface;
  /** The module's revert error class. */
  readonly ErrorClass: ModuleRevertErrorClass;
}

/**
 * A module's errors, for {@link revertErrorOf} and {@link withRevertDecoding}: revert data the core's errors do not
 * match is parsed with these into `ErrorClass`.
 * @param abis - The module contracts' ABIs (their `error` fragments are used).
 * @param ErrorClass - The module's revert error class.
 * @returns The module's errors.
 */
export function moduleErrors(abis: readonly InterfaceAbi[], ErrorClass: ModuleRevertErrorClass): ModuleErrors {
  return { errors: errorInterface(abis), ErrorClass };
}

/**
 * The Solidity error in `data` among `errors`, with its arguments by parameter name (by position when unnamed).
 * @returns The error, or `undefined` when `data` matches none of `errors` or does not decode.
 */
function parseRevert(errors: Interface, data: string): { name: string; args: Record<string, unknown> } | undefined {
  try {
    const parsed = errors.parseError(data);
    if (!parsed) return undefined;
    const args: Record<string, unknown> = {};
    parsed.fragment.inputs.forEach((input, i) => (args[input.name || String(i)] = parsed.args[i] as unknown));
    return { name: parsed.name, args };
  } catch {
    return undefined;
  }
}

/**
 * Turns revert data into the SDK error class named after the Solidity error.
 * @param data - ABI-encoded revert data (selector and arguments).
 * @param cause - The original error.
 * @returns The class named after the error; {@link UnknownRevertError} (with `data`) when no core error matches.
 */
export function decodeRevert(data: string, cause?: unknown): ContractRevertError {
  const parsed = parseRevert(ERRORS, data);
  if (!parsed) return new UnknownRevertError("Unknown", { data }, { cause });
  const cls = REVERT_ERRORS.get(parsed.name);
  return cls ? new cls(parsed.args, { cause }) : new UnknownRevertError(parsed.name, parsed.args, { cause });
}

/** Finds revert data in an ethers / provider error, however deeply the provider nested it. */
function revertDataOf(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  const stack: unknown[] = [error];
  while (stack.length > 0) {
    const e = stack.pop();
    if (typeof e !== "object" || e === null || seen.has(e)) continue;
    seen.add(e);
    const data = (e as { data?: unknown }).data;
    if (typeof data === "string" && /^0x[0-9a-fA-F]{8}/.test(data)) return data;
    for (const key of ["error", "info", "cause", "data"]) stack.push((e as Record<string, unknown>)[key]);
  }
  return undefined;
}

/**
 * Runs a contract call and rethrows any revert as a typed {@link ContractRevertError}; other failures
 * (network, provider) are wrapped in a {@link CarechainError} with code `CHAIN`.
 * @param action - What the call does, for the error message.
 * @param call - The call.
 * @param module - The errors of the module whose contract is called (claims, trials, supply chain), if any.
 * @returns The call's result.
 */
export async function withRevertDecoding<T>(action: string, call: () => Promise<T>, module?: ModuleErrors): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof CarechainError) throw error;
    throw (
      revertErrorOf(error, module) ??
      new CarechainError("CHAIN", `The chain call "${action}" failed.`, { cause: error })
    );
  }
}

/**
 * The typed revert inside an ethers / provider error: the class named after the Solidity error when the revert
 * data is there, {@link UnknownRevertError} for a `CALL_EXCEPTION` without data.
 * @param error - Any error thrown by a contract call, a gas estimate or a receipt wait.
 * @param module - A module's errors: revert data no core error matches is parsed with them into the module's class.
 * @returns The revert error, or `undefined` when `error` is not a revert (a network or node failure).
 */
export function revertErrorOf(error: unknown, module?: ModuleErrors): ContractRevertError | undefined {
  const revert = coreRevertOf(error);
  const data = module && revert instanceof UnknownRevertError ? revert.args.data : undefined;
  const parsed = module && typeof data === "string" ? parseRevert(module.errors, data) : undefined;
  return parsed && module ? new module.ErrorClass(parsed.name, parsed.args, { cause: error }) : revert;
}

/** {@link revertErrorOf} with the core contracts' errors only. */
function coreRevertOf(error: unknown): ContractRevertError | undefined {
  if (error instanceof ContractRevertError) return error;
  const data = revertDataOf(error);
  if (data) return decodeRevert(data, error);
  if (isError(error, "CALL_EXCEPTION")) return new UnknownRevertError("Unknown", {}, { cause: error });
  return undefined;
}

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
  const module = moduleErrors(abis, ErrorClass);
  return (error) => revertErrorOf(error, module) ?? error;
}
