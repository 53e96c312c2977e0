/**
 * The consent rule of the ConsentRegistry (`canAccess` for reading), applied to indexed rows: which grantees of a
 * patient may read a category at a given time. Kept equal to contracts/ConsentRegistry.sol `_canAccess` and
 * `breakGlassCovers` and contracts/types/ConsentTerms.sol `ConsentTermsLib.allows` (its constants equal to
 * sdk/contracts/enums.ts: test/sdk/contracts/enums.test.ts checks them); the SDK still asks the chain before it acts
 * on an answer.
 * @module
 */

/** Highest category index (categories are bits of a uint64 mask). */
export const MAX_CATEGORY = 63;

/** The International Patient Summary set that break-glass may read until the patient sets its own. */
export const IPS_CATEGORIES = (1n << 1n) | (1n << 2n) | (1n << 3n) | (1n << 4n);

/** The current terms of one grant (all zero after a revoke). */
export interface GrantTerms {
  readonly readMask: bigint;
  readonly purposes: number;
  readonly expiresAt: bigint;
}

/**
 * Whether a grantee may read `category` at time `now` (unix seconds): a live grant naming the category for some
 * purpose, or an open break-glass when the category is one of the patient's emergency categories; never for a
 * suspended provider.
 * @param category - Category index.
 * @param now - Unix seconds.
 * @param grant - The grantee's current terms, if any.
 * @param breakGlassExpiresAt - End of the grantee's break-glass on the patient (0 when none is open).
 * @param emergencyCategories - The patient's emergency categories.
 * @param suspended - Whether the grantee is a suspended provider.
 * @returns Whether the contract's `canAccess(patient, grantee, category, Read)` is true.
 */
export function mayRead(
  category: number,
  now: bigint,
  grant: GrantTerms | undefined,
  breakGlassExpiresAt: bigint,
  emergencyCategories: bigint,
  suspended: boolean,
): boolean {
  if (category < 0 || category > MAX_CATEGORY) return false;
  const bit = 1n << BigInt(category);
  const granted = grant !== undefined && now < grant.expiresAt && grant.purposes !== 0 && (grant.readMask & bit) !== 0n;
  const emergency = breakGlassExpiresAt > now && (emergencyCategories & bit) !== 0n;
  return (granted || emergency) && !suspended;
}

/**
 * Whether a grantee may read every category in `categories` (a mask) at `now`: {@link mayRead} for each bit, as
 * the SDK checks a reader of a record anchored in several categories.
 * @param categories - Category mask (non-zero).
 * @param now - Unix seconds.
 * @param grant - The grantee's current terms, if any.
 * @param breakGlassExpiresAt - End of the grantee's break-glass on the patient (0 when none is open).
 * @param emergencyCategories - The patient's emergency categories.
 * @param suspended - Whether the grantee is a suspended provider.
 * @returns Whether `canAccess(…, c, Read)` holds for every category `c` in the mask.
 */
export function mayReadAll(
  categories: bigint,
  now: bigint,
  grant: GrantTerms | undefined,
  breakGlassExpiresAt: bigint,
  emergencyCategories: bigint,
  suspended: boolean,
): boolean {
  if (categories === 0n) return false;
  for (let c = 0; c <= MAX_CATEGORY; c++) {
    if (((categories >> BigInt(c)) & 1n) === 0n) continue;
    if (!mayRead(c, now, grant, breakGlassExpiresAt, emergencyCategories, suspended)) return false;
  }
  return true;
}
