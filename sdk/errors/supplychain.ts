/**
 * Errors of the supply-chain module: reverts of the TradingPartners and ProductLedger contracts, decoded by name.
 */
import { moduleErrors, revertErrorOf, withRevertDecoding } from "../chain/revert.js";
import {
  ProductLedger__factory,
  TradingPartners__factory,
} from "../contracts/typechain/factories/supplychain/index.js";
import { ContractRevertError } from "./contract.js";

/**
 * A supply-chain contract refused a call; `errorName` is the Solidity error (e.g. `ProductLedgerAlreadySpent`)
 * and `args` its arguments by name.
 */
export class SupplyChainRevertError extends ContractRevertError {}

/** Every custom error of the supply-chain contracts, from their generated ABIs. */
const SUPPLY_CHAIN_ERRORS = moduleErrors(
  [TradingPartners__factory.abi, ProductLedger__factory.abi],
  SupplyChainRevertError,
);

/**
 * The typed revert inside an error thrown by a supply-chain contract call.
 * @param error - Any error from a contract call, gas estimate or receipt wait.
 * @returns A {@link SupplyChainRevertError} for the supply-chain contracts' errors, the core SDK's decoding for
 * others, `undefined` when `error` is no revert.
 */
export function supplyChainRevertOf(error: unknown): ContractRevertError | undefined {
  return revertErrorOf(error, SUPPLY_CHAIN_ERRORS);
}

/**
 * Runs a supply-chain contract call and rethrows a revert as a typed error, other failures as `CHAIN` errors.
 * @param action - What the call does, for the message.
 * @param call - The call.
 * @returns The call's result.
 * @throws {SupplyChainRevertError} When a supply-chain contract reverted with one of its errors.
 * @throws {CarechainError} With code `CHAIN` on a network or node failure.
 */
export function withSupplyChainReverts<T>(action: string, call: () => Promise<T>): Promise<T> {
  return withRevertDecoding(action, call, SUPPLY_CHAIN_ERRORS);
}
