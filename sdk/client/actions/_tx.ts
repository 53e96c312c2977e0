/** Sending a client transaction: through the account's queue, confirmed, and remembered for read-your-writes. */
import type { ContractTransactionResponse } from "ethers";

import { sendAndConfirm } from "../../chain/sender.js";
import { CarechainError } from "../../errors/base.js";
import type { CarechainContext } from "../context.js";
import type { TxResult } from "../types.js";

/**
 * Sends a transaction through the account's queue and waits for it: reverts as their typed errors, any other
 * failure as a `TransactionError` naming `action` (see sdk/chain/sender.ts). The block is kept as the context's
 * last block, which index answers must include.
 * @param ctx - The client context.
 * @param action - The operation, for errors.
 * @param call - Sends the transaction.
 * @param minedTimeoutMs - How long to wait for the receipt (default: no limit).
 * @returns Hash, gas used and block.
 * @throws {ContractRevertError | TransactionError}
 */
export async function sendTx(
  ctx: CarechainContext,
  action: string,
  call: () => Promise<ContractTransactionResponse>,
  minedTimeoutMs?: number,
): Promise<TxResult> {
  const tx = await sendAndConfirm(action, ctx.sender, call, minedTimeoutMs);
  ctx.state.lastBlock = Math.max(ctx.state.lastBlock, tx.blockNumber);
  return tx;
}

/**
 * The result of a transaction sent by a helper outside the account's queue bookkeeping (threshold custody,
 * post-quantum keys), from its receipt; its block is kept as the context's last block, as {@link sendTx} does.
 * @param ctx - The client context.
 * @param hash - The mined transaction's hash.
 * @returns Hash, gas used and block.
 * @throws {CarechainError} `CHAIN` when the node has no receipt for it.
 */
export async function confirmedTx(ctx: CarechainContext, hash: string): Promise<TxResult> {
  const receipt = await ctx.provider.getTransactionReceipt(hash);
  if (!receipt) throw new CarechainError("CHAIN", "The transaction has no receipt.", { details: hash });
  ctx.state.lastBlock = Math.max(ctx.state.lastBlock, receipt.blockNumber);
  return { hash, gasUsed: receipt.gasUsed, blockNumber: receipt.blockNumber };
}
