/**
 * Errors of the supply-chain module: reverts of the TradingPartners and ProductLedger contracts, decoded by name.
 */
import { Interface } from "ethers";

import { revertErrorOf } from "../chain/revert.js";
import {
  ProductLedger__factory,
  TradingPartners__factory,
} from "../contracts/typechain/factories/supplychain/index.js";
import { CarechainError } from "./base.js";
import { ContractRevertError, UnknownRevertError } from "./contract.js";

/** Every custom error of the supply-chain contracts, from their generated ABIs. */
const SUPPLY_CHAIN_ERRORS = new Interface([
  ...new Map(
    [...TradingPartners__factory.abi, ...ProductLedger__factory.abi]
      .filter((f) => f.type === "error")
      .map((f) => [(f as { name: string }).name, f]),
  ).values(),
]);

/**
 * A supply-chain contract refused a call; `errorName` is the Solidity error (e.g. `ProductLedgerAlreadySpent`)
 * and `args` its arguments by name.
 */
export class SupplyChainRevertError extends ContractRevertError {}

/**
 * The typed revert inside an error thrown by a supply-chain contract call.
 * @param error - Any error from a contract call, gas estimate or receipt wait.
 * @returns A {@link SupplyChainRevertError} for the supply-chain contracts' errors, the core SDK's decoding for
 * others, `undefined` when `error` is no revert.
 */
export function supplyChainRevertOf(error: unknown): ContractRevertError | undefined {
  const revert = revertErrorOf(error);
  const data = revert instanceof UnknownRevertError ? revert.args.data : undefined;
  if (typeof data !== "string") return revert;
  const parsed = SUPPLY_CHAIN_ERRORS.parseError(data);
  if (!parsed) return revert;
  const args: Record<string, unknown> = {};
  for (const [i, input] of parsed.fragment.inputs.entries()) args[input.name || String(i)] = parsed.args[i] as unknown;
  return new SupplyChainRevertError(parsed.name, args, { cause: error });
}

/**
 * Runs a supply-chain contract call and rethrows a revert as a typed error, other failures as `CHAIN` errors.
 * @param action - What the call does, for the message.
 * @param call - The call.
 * @returns The call's result.
 * @throws {SupplyChainRevertError} When a supply-chain contract reverted with one of its errors.
 * @throws {CarechainError} With code `CHAIN` on a network or node failure.
 */
export async function withSupplyChainReverts<T>(action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof CarechainError) throw error;
    throw (
      supplyChainRevertOf(error) ?? new CarechainError("CHAIN", `The chain call "${action}" failed.`, { cause: error })
    );
  }
}
