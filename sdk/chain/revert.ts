/**
 * Revert decoding: turns a failed call's revert data into the SDK error class named after the Solidity custom error.
 * @module
 */
import { Interface, isError, type ErrorDescription } from "ethers";

import { CONSENT_REGISTRY_ABI, DIRECTORY_ABI, RECORD_REGISTRY_ABI } from "../contracts/generated/abi.js";
import { CarechainError } from "../errors/base.js";
import { ContractRevertError, REVERT_ERRORS, UnknownRevertError } from "../errors/contract.js";

/** Every custom error of the Carechain contracts, from their generated ABIs (no ABI written by hand). */
const ERRORS = new Interface([
  ...new Map(
    [DIRECTORY_ABI, CONSENT_REGISTRY_ABI, RECORD_REGISTRY_ABI]
      .flat()
      .filter((f) => f.type === "error")
      .map((f) => [f.name, f]),
  ).values(),
]);

/** Names of every custom error in the contracts' ABIs (kept equal to the SDK's classes by a test). */
export const CONTRACT_ERROR_NAMES: readonly string[] = ERRORS.fragments
  .filter((f) => f.type === "error")
  .map((f) => (f as unknown as { name: string }).name);

/**
 * Turns revert data into the SDK error class named after the Solidity error.
 * @param data - ABI-encoded revert data (selector and arguments).
 * @param cause - The original error.
 */
export function decodeRevert(data: string, cause?: unknown): ContractRevertError {
  let parsed: ErrorDescription | null = null;
  try {
    parsed = ERRORS.parseError(data);
  } catch {
    parsed = null;
  }
  if (!parsed) return new UnknownRevertError("Unknown", { data }, { cause });
  const args: Record<string, unknown> = {};
  parsed.fragment.inputs.forEach((input, i) => {
    args[input.name || String(i)] = parsed.args[i] as unknown;
  });
  const cls = REVERT_ERRORS.get(parsed.name);
  return cls ? new cls(args, { cause }) : new UnknownRevertError(parsed.name, args, { cause });
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
 */
export async function withRevertDecoding<T>(action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof CarechainError) throw error;
    throw revertErrorOf(error) ?? new CarechainError("CHAIN", `The chain call "${action}" failed.`, { cause: error });
  }
}

/**
 * The typed revert inside an ethers / provider error: the class named after the Solidity error when the revert
 * data is there, {@link UnknownRevertError} for a `CALL_EXCEPTION` without data.
 * @param error - Any error thrown by a contract call, a gas estimate or a receipt wait.
 * @returns The revert error, or `undefined` when `error` is not a revert (a network or node failure).
 */
export function revertErrorOf(error: unknown): ContractRevertError | undefined {
  if (error instanceof ContractRevertError) return error;
  const data = revertDataOf(error);
  if (data) return decodeRevert(data, error);
  if (isError(error, "CALL_EXCEPTION")) return new UnknownRevertError("Unknown", {}, { cause: error });
  return undefined;
}
