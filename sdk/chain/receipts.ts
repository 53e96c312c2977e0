/**
 * Waits for a transaction's receipt by polling the node, every read awaited: nothing is left running, and a dropped
 * connection is retried or reported, never an unhandled rejection.
 * @module
 */
import { makeError, type Provider, type TransactionReceipt } from "ethers";

/** Options of {@link waitForReceipt}. */
export interface WaitForReceiptOptions {
  /** Blocks the receipt must have (the mined block counts as one); default 1. */
  readonly confirmations?: number;
  /** Give up after this long (an ethers `TIMEOUT` error); default: no limit. */
  readonly timeoutMs?: number;
  /** Consecutive failed receipt reads (network, rate limit, node errors) tolerated before giving up; default 8. */
  readonly maxReadFailures?: number;
}

/**
 * Polls the node for a transaction's receipt until it has `confirmations` blocks. Every read is awaited here, so a
 * dropped connection is retried (with backoff) or thrown to the caller, never left as an unhandled rejection, and
 * nothing is left running once it settles (unlike ethers' `wait()`, which subscribes a block poller to the
 * provider).
 * @param provider - The provider to ask.
 * @param hash - The transaction hash.
 * @param options - Confirmations, timeout, tolerated read failures.
 * @returns The receipt.
 * @throws An ethers `TIMEOUT` error when the timeout passes; the last read error after `maxReadFailures` failures in a
 * row.
 */
export async function waitForReceipt(
  provider: Provider,
  hash: string,
  options: WaitForReceiptOptions = {},
): Promise<TransactionReceipt> {
  const confirmations = options.confirmations ?? 1;
  const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
  const maxFailures = options.maxReadFailures ?? 8;
  let failures = 0;
  for (let attempt = 0; ; attempt++) {
    try {
      const receipt = await provider.getTransactionReceipt(hash);
      failures = 0;
      if (receipt && (confirmations <= 1 || (await receipt.confirmations()) >= confirmations)) return receipt;
    } catch (error) {
      if (++failures >= maxFailures) throw error;
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      throw makeError("wait for transaction timeout", "TIMEOUT", { operation: "waitForReceipt", reason: "timeout" });
    }
    // 250 ms first (ethers caches an identical request for that long), then up to 2 s between reads.
    await sleep(Math.min(remaining, Math.min(250 * 2 ** Math.min(attempt, 3), 2_000)));
  }
}

/** Resolves after `ms`. */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
