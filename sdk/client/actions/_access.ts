/** Consent checks over several categories at once, on chain: the first category refused, or whether all are allowed. */
import type { PurposeCode } from "../../chain/purpose.js";
import type { CategoryId } from "../../fhir/categories.js";
import type { CarechainContext } from "../context.js";
import { canAccess } from "./audit.js";

/** Who wants to do what with which of a patient's categories. */
export interface AccessQuery {
  /** The patient. */
  readonly patient: string;
  /** The account asking. */
  readonly grantee: string;
  /** The categories, all needed. */
  readonly categories: readonly CategoryId[];
  /** Read or write. */
  readonly action: "read" | "write";
  /** The purpose of use, if any. */
  readonly purpose?: PurposeCode;
}

/**
 * The lowest of `categories` that `grantee` may not `action` (for `purpose`), asked of the chain.
 * @param ctx - The client context.
 * @param query - Patient, grantee, categories, action and purpose.
 * @returns The first refused category, or `undefined` when every one is allowed.
 */
export async function firstDenied(ctx: CarechainContext, query: AccessQuery): Promise<CategoryId | undefined> {
  const { patient, grantee, action, purpose } = query;
  for (const category of query.categories) {
    if (!(await canAccess(ctx, { patient, grantee, category, action, ...(purpose ? { purpose } : {}) })))
      return category;
  }
  return undefined;
}

/**
 * Whether `grantee` may `action` every one of `categories` of `patient`'s records (for `purpose`, if given).
 * @param ctx - The client context.
 * @param query - Patient, grantee, categories, action and purpose.
 * @returns True when the chain allows all of them.
 */
export async function mayAll(ctx: CarechainContext, query: AccessQuery): Promise<boolean> {
  return (await firstDenied(ctx, query)) === undefined;
}
