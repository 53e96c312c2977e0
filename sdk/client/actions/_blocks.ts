/** Block headers the actions need: the latest block and the timestamps of blocks that events landed in. */
import type { Block } from "ethers";

import { CarechainError } from "../../errors/base.js";
import type { CarechainContext } from "../context.js";
import { unixSeconds } from "./_values.js";

/**
 * A block's header.
 * @param ctx - The client context.
 * @param tag - A block number or `"latest"`.
 * @returns The header.
 * @throws {CarechainError} `CHAIN` when the provider has no such block.
 */
export async function blockAt(ctx: CarechainContext, tag: number | "latest"): Promise<Block> {
  const block = await ctx.provider.getBlock(tag);
  if (!block) throw new CarechainError("CHAIN", "The provider returned no such block.", { details: String(tag) });
  return block;
}

/**
 * The timestamp of each of `blocks` (each fetched once), as a lookup.
 * @param ctx - The client context.
 * @param blocks - Block numbers, repeats allowed.
 * @returns Unix seconds of a block number; it throws {@link CarechainError} `CHAIN` for a block not in `blocks`.
 * @throws {CarechainError} `CHAIN` when a block is missing.
 */
export async function blockTimes(ctx: CarechainContext, blocks: readonly number[]): Promise<(block: number) => number> {
  const times = new Map<number, number>();
  for (const n of new Set(blocks)) times.set(n, (await blockAt(ctx, n)).timestamp);
  return (block) => {
    const time = times.get(block);
    if (time === undefined)
      throw new CarechainError("CHAIN", "No timestamp was fetched for this block.", { details: String(block) });
    return time;
  };
}

/**
 * The deadline of a signed request: the one given, or one hour after the latest block.
 * @param ctx - The client context.
 * @param deadline - A `Date` or unix seconds, or undefined for the default.
 * @returns Unix seconds.
 * @throws {RangeError} When `deadline` is not a valid time.
 */
export async function signatureDeadline(ctx: CarechainContext, deadline?: Date | bigint | number): Promise<bigint> {
  return deadline === undefined
    ? BigInt((await blockAt(ctx, "latest")).timestamp + 3600)
    : unixSeconds("deadline", deadline);
}
