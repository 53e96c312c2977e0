/** Helpers for `afterAll` hooks that must also clean up after a `beforeAll` that failed part-way. */

/**
 * `value` typed as possibly unassigned: a `let` that a `beforeAll` assigns is declared without `undefined` for the
 * tests' sake, but the `afterAll` runs even when the `beforeAll` threw before assigning it.
 * @param value - The variable to clean up.
 * @returns The same value, typed `T | undefined`.
 */
export function ifAssigned<T>(value: T): T | undefined {
  return value;
}
