/** Sending a client transaction: through the account's queue, confirmed, and remembered for read-your-writes. */
import type { ContractTransactionResponse } from "ethers";

import { sendAndConfirm } from "../../chain/sender.js";
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
