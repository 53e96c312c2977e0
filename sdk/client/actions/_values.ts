/** Parameter encodings shared by the actions: zero values, categories, unix times, consent terms, waiting. */
import { purposeMask } from "../../chain/purpose.js";
import { Category, categoryMask, type CategoryId } from "../../fhir/categories.js";
import type { CategoryRef, GrantTerms } from "../types.js";

/** The zero bytes32 (no previous version, no key). */
export const ZERO_HASH = `0x${"00".repeat(32)}`;
/** The zero address (no custodian). */
export const ZERO_ADDRESS = `0x${"00".repeat(20)}`;

/**
 * A category by name or index, checked.
 * @param ref - A category name (`"Laboratory"`) or on-chain index.
 * @returns The category index.
 * @throws {RangeError} When it names no category.
 */
export function categoryIdOf(ref: CategoryRef): CategoryId {
  if (typeof ref === "number") {
    if (!Object.values(Category).includes(ref)) throw new RangeError(`category: unknown category index ${ref}`);
    return ref;
  }
  if (typeof ref !== "string" || !Object.hasOwn(Category, ref)) {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-conversion -- a JavaScript caller may pass a symbol, which a template literal throws on
    throw new RangeError(`category: unknown category ${String(ref)}`);
  }
  return Category[ref];
}

/**
 * A time as unix seconds.
 * @param name - The argument's name, for the error (e.g. `expiresAt`, `deadline`).
 * @param value - A `Date`, unix seconds as a non-negative integer, or a bigint.
 * @returns Unix seconds.
 * @throws {RangeError} When a number is not a non-negative integer, or a bigint is negative; the error names `name`.
 */
export function unixSeconds(name: string, value: Date | bigint | number): bigint {
  if (value instanceof Date) {
    const ms = value.getTime();
    if (Number.isNaN(ms)) throw new RangeError(`${name}: expected a valid date, got an invalid Date`);
    return BigInt(Math.floor(ms / 1000));
  }
  if (typeof value === "number") {
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name}: expected unix seconds, got ${value}`);
    return BigInt(value);
  }
  if (typeof value !== "bigint" || value < 0n) {
    throw new RangeError(`${name}: expected unix seconds, got ${String(value)}`);
  }
  return value;
}

/**
 * The on-chain terms of a grant.
 * @param terms - Categories to read and write, purposes (default TREAT) and expiry.
 * @returns The masks, purposes and expiry as the ConsentRegistry takes them.
 * @throws {RangeError} When a category, purpose or the expiry is invalid.
 */
export function consentTerms(terms: GrantTerms) {
  return {
    readMask: categoryMask((terms.read ?? []).map(categoryIdOf)),
    writeMask: categoryMask((terms.write ?? []).map(categoryIdOf)),
    purposes: purposeMask(terms.purposes ?? ["TREAT"]),
    expiresAt: unixSeconds("expiresAt", terms.expiresAt),
  };
}

/**
 * Resolves after `ms`, or at once when `signal` aborts.
 * @param ms - Milliseconds.
 * @param signal - Ends the wait early.
 * @returns A promise that resolves (never rejects).
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const timer = setTimeout(resolve, ms);
    const abort = () => {
      clearTimeout(timer);
      resolve();
    };
    signal?.addEventListener("abort", abort, { once: true });
  });
}
