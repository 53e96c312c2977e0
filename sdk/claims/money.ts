/**
 * Exact money arithmetic for adjudication: FHIR `Money.value` decimals ↔ integer minor units (cents), and
 * percentages in basis points with round-half-even, so every machine computes the same amounts.
 */
import { ClaimFormatError } from "../errors/claims.js";

/** Minor units per major unit (cents per dollar); adjudication works in integer cents. */
export const MINOR_UNITS = 100;

/**
 * Converts a FHIR decimal amount to integer cents, exactly: the decimal's shortest text (as JSON writes it) is read
 * digit by digit, never multiplied in floating point.
 * @param value - A finite, non-negative number with at most two decimals (e.g. `140.52`).
 * @param path - Where the value is, for the error.
 * @returns Cents, a safe integer.
 * @throws {ClaimFormatError} When the value is negative, not finite, has more than two decimals, or is too large.
 * @example toCents(140.52, "net") // 14052
 */
export function toCents(value: unknown, path: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new ClaimFormatError(path, "is not a finite non-negative amount");
  }
  const text = String(value);
  const match = /^(\d+)(?:\.(\d{1,2}))?$/.exec(text);
  if (!match) throw new ClaimFormatError(path, `has more than two decimals or an exponent (${text})`);
  const cents = Number(match[1]) * MINOR_UNITS + Number((match[2] ?? "").padEnd(2, "0"));
  if (!Number.isSafeInteger(cents)) throw new ClaimFormatError(path, "is too large");
  return cents;
}

/**
 * Converts integer cents back to a FHIR decimal (the number whose shortest text has those digits).
 * @param cents - A safe integer.
 * @returns The amount, e.g. `14052` → `140.52`.
 * @throws {RangeError} When `cents` is not a safe integer.
 */
export function fromCents(cents: number): number {
  if (!Number.isSafeInteger(cents)) throw new RangeError(`fromCents: cents must be a safe integer, got ${cents}`);
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  return Number(`${sign}${Math.floor(abs / MINOR_UNITS)}.${String(abs % MINOR_UNITS).padStart(2, "0")}`);
}

/**
 * `cents × bps / 10 000`, rounded half to even (banker's rounding), in exact integer arithmetic.
 * @param cents - A non-negative safe integer.
 * @param bps - Basis points, 0..10 000.
 * @returns The share in cents.
 * @throws {RangeError} When an argument is out of range.
 * @example percentOf(14052, 2000) // 2810 (28.104 rounded)
 */
export function percentOf(cents: number, bps: number): number {
  if (!Number.isSafeInteger(cents) || cents < 0)
    throw new RangeError(`percentOf: cents must be a non-negative safe integer, got ${cents}`);
  if (!Number.isInteger(bps) || bps < 0 || bps > 10_000)
    throw new RangeError(`percentOf: bps must be 0..10000, got ${bps}`);
  const product = BigInt(cents) * BigInt(bps);
  const quotient = product / 10_000n;
  const remainder = product % 10_000n;
  const roundUp = remainder > 5_000n || (remainder === 5_000n && quotient % 2n === 1n);
  return Number(roundUp ? quotient + 1n : quotient);
}
