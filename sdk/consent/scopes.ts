/**
 * SMART App Launch v2 scopes mapped to Carechain's on-chain category × action bits, both ways.
 * @module
 */
import {
  Category,
  categorySources,
  OBSERVATION_CATEGORY_SYSTEM,
  possibleCategories,
  type CategoryId,
} from "../fhir/categories.js";
import { ScopeError } from "../errors/consent.js";

/**
 * SMART App Launch v2 scopes (https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html) mapped to
 * Carechain's on-chain category × action bits, through the one category table (sdk/fhir/categories.ts).
 *
 * | scope permission | on chain |
 * |---|---|
 * | `r` (read), `s` (search) | Read |
 * | `c` (create), `u` (update), `d` (delete) | Write |
 * | v1 `read` / `write` / `*` | Read / Write / both |
 *
 * The resource type selects categories: `Condition` → Problems; `Observation` → every category an Observation can
 * fall in, or one with `?category=system|code`; `*` → every category.
 */

/** Categories to read and to write. */
export interface ScopeGrant {
  readonly read: CategoryId[];
  readonly write: CategoryId[];
}

const SCOPE = /^(patient|user|system)\/(\*|[A-Z][A-Za-z]*)\.([a-z*]+)(?:\?(.*))?$/;
const ALL: CategoryId[] = Object.values(Category);

/**
 * Parses SMART v2 (and v1) scopes into the categories they allow to read and write.
 * @param scopes - e.g. `["patient/Observation.rs", "patient/Condition.cruds"]` or one space-separated string.
 * @throws {ScopeError} Naming what is wrong: context other than `patient`, unknown permission letters or order,
 * an unsupported query, an empty list.
 * @example
 * parseScopes("patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory")
 * // { read: [Category.Laboratory], write: [] }
 */
export function parseScopes(scopes: string | readonly string[]): ScopeGrant {
  const list = typeof scopes === "string" ? scopes.split(/\s+/).filter(Boolean) : [...scopes];
  if (list.length === 0) throw new ScopeError("", "no scope given");
  const read = new Set<CategoryId>();
  const write = new Set<CategoryId>();
  for (const scope of list) {
    const match = SCOPE.exec(scope);
    if (!match) throw new ScopeError(scope, "expected context/ResourceType.permissions, e.g. patient/Observation.rs");
    const [, context, resourceType, permissions, query] = match as unknown as [string, string, string, string, string?];
    if (context !== "patient") throw new ScopeError(scope, `only patient/ scopes are supported, not ${context}/`);
    const { canRead, canWrite } = actionsOf(scope, permissions);
    const categories = resourceType === "*" ? ALL : categoriesOf(scope, resourceType, query);
    for (const c of categories) {
      if (canRead) read.add(c);
      if (canWrite) write.add(c);
    }
  }
  return { read: [...read].sort((a, b) => a - b), write: [...write].sort((a, b) => a - b) };
}

/**
 * The SMART v2 scopes that describe a grant: one per resource type (and category code) of each category.
 * `patient/Condition.rs` for read, `.cud` for write, `.cruds` for both.
 */
export function toScopes(grant: ScopeGrant): string[] {
  const scopes: string[] = [];
  for (const category of ALL) {
    const r = grant.read.includes(category);
    const w = grant.write.includes(category);
    if (!r && !w) continue;
    const permissions = r && w ? "cruds" : r ? "rs" : "cud";
    const sources = category === Category.Other ? OTHER_SOURCES : categorySources(category);
    for (const source of sources) {
      const query = source.coding ? `?category=${source.coding.system}|${source.coding.code}` : "";
      scopes.push(`patient/${source.resourceType}.${permissions}${query}`);
    }
  }
  return scopes;
}

/** Observation categories that the category table files under Other. */
const OTHER_SOURCES = ["exam", "survey", "therapy", "activity"].map((code) => ({
  resourceType: "Observation",
  coding: { system: OBSERVATION_CATEGORY_SYSTEM, code },
}));

function actionsOf(scope: string, permissions: string): { canRead: boolean; canWrite: boolean } {
  if (permissions === "read") return { canRead: true, canWrite: false };
  if (permissions === "write") return { canRead: false, canWrite: true };
  if (permissions === "*") return { canRead: true, canWrite: true };
  if (!/^c?r?u?d?s?$/.test(permissions) || permissions.length === 0) {
    throw new ScopeError(
      scope,
      `permissions must be a subset of "cruds" in that order, or read/write/*; got "${permissions}"`,
    );
  }
  return { canRead: /[rs]/.test(permissions), canWrite: /[cud]/.test(permissions) };
}

function categoriesOf(scope: string, resourceType: string, query: string | undefined): CategoryId[] {
  if (query === undefined) return possibleCategories(resourceType);
  const param = /^category=([^|&]+)\|([^|&]+)$/.exec(query);
  if (!param) throw new ScopeError(scope, "only a single category=system|code parameter is supported");
  if (resourceType !== "Observation" && resourceType !== "DiagnosticReport") {
    throw new ScopeError(
      scope,
      `a category parameter applies to Observation and DiagnosticReport, not ${resourceType}`,
    );
  }
  return possibleCategories(resourceType, param[2]);
}
