/**
 * Internal: the arguments of index queries, checked before a request is made — a wrong one is a TypeError or
 * RangeError naming the argument.
 * @internal
 */
import { getAddress } from "ethers";

import type { IndexTimeOptions } from "./index-source.js";

/** The `?at=` query of a time-dependent read (empty without `at`). */
export function atQuery(options: IndexTimeOptions): string {
  return options.at === undefined ? "" : `?at=${argInteger("at", options.at)}`;
}

/** A checksummed address argument. */
export function argAddress(name: string, value: unknown): string {
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(value))
    throw new TypeError(`${name}: expected a 0x address, got ${String(value)}`);
  return getAddress(value);
}

/** A 32-byte hex argument, lower-cased. */
export function argBytes32(name: string, value: unknown): string {
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(value))
    throw new TypeError(`${name}: expected 32 bytes of 0x hex, got ${String(value)}`);
  return value.toLowerCase();
}

/** A non-negative integer argument. */
export function argInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new RangeError(`${name}: expected a non-negative integer, got ${value}`);
  return value;
}
