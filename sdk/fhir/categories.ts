/**
 * The one category table: how a FHIR R4 resource maps to the record category that consent scopes and
 * anchors use on chain (a bit in a 64-bit mask). Documented in docs/records.md; never duplicated.
 */
import { MAX_CATEGORY } from "../contracts/enums.js";

/** Record categories and their on-chain bit index. Indices are part of the wire format: never renumber. */
export const Category = {
  Demographics: 0,
  Allergies: 1,
  Medications: 2,
  Problems: 3,
  Immunizations: 4,
  VitalSigns: 5,
  Laboratory: 6,
  Imaging: 7,
  Procedures: 8,
  Encounters: 9,
  Documents: 10,
  CarePlans: 11,
  Financial: 12,
  SocialHistory: 13,
  Devices: 14,
  Other: 15,
} as const;

/** A category name, e.g. `"Laboratory"`. */
export type CategoryName = keyof typeof Category;
/** A category's on-chain index. */
export type CategoryId = (typeof Category)[CategoryName];

/** Resource types whose category does not depend on their content. */
const BY_RESOURCE_TYPE: Readonly<Record<string, CategoryName>> = {
  Patient: "Demographics",
  RelatedPerson: "Demographics",
  AllergyIntolerance: "Allergies",
  Medication: "Medications",
  MedicationRequest: "Medications",
  MedicationStatement: "Medications",
  MedicationDispense: "Medications",
  MedicationAdministration: "Medications",
  Condition: "Problems",
  Immunization: "Immunizations",
  ImmunizationRecommendation: "Immunizations",
  Specimen: "Laboratory",
  ImagingStudy: "Imaging",
  Media: "Imaging",
  Procedure: "Procedures",
  Encounter: "Encounters",
  EpisodeOfCare: "Encounters",
  DocumentReference: "Documents",
  Composition: "Documents",
  Bundle: "Documents",
  CarePlan: "CarePlans",
  CareTeam: "CarePlans",
  Goal: "CarePlans",
  ServiceRequest: "CarePlans",
  Claim: "Financial",
  ClaimResponse: "Financial",
  ExplanationOfBenefit: "Financial",
  Coverage: "Financial",
  Device: "Devices",
  DeviceUseStatement: "Devices",
};

/** Observation.category codes (http://terminology.hl7.org/CodeSystem/observation-category). */
const OBSERVATION_CATEGORY: Readonly<Record<string, CategoryName>> = {
  "vital-signs": "VitalSigns",
  laboratory: "Laboratory",
  imaging: "Imaging",
  "social-history": "SocialHistory",
  procedure: "Procedures",
};

/** DiagnosticReport.category codes (v2-0074 diagnostic service sections). */
const REPORT_CATEGORY: Readonly<Record<string, CategoryName>> = {
  LAB: "Laboratory",
  HM: "Laboratory",
  CH: "Laboratory",
  MB: "Laboratory",
  PAT: "Laboratory",
  SP: "Laboratory",
  CUS: "Laboratory",
  RAD: "Imaging",
  CT: "Imaging",
  US: "Imaging",
  NMR: "Imaging",
  XRC: "Imaging",
  CG: "Imaging",
};

interface Coded {
  // Elements are what the JSON holds: null where a hostile record puts null.
  category?: ({ coding?: ({ code?: unknown } | null)[] } | null)[];
}

/**
 * Every category of a FHIR record: the categories of the record itself and of every resource inside it — its
 * `contained` resources, a Bundle's entries (`entry.resource`, `entry.response.outcome`), Parameters' resources,
 * at any depth — each by its resource type, and an Observation or DiagnosticReport by **every** `category` coding
 * the table maps (not the first). A resource type the table does not list is `Other`. A record is written with
 * write consent for all of these and read with read consent for all of them (docs/records.md).
 * @param resource - A FHIR R4 resource (at least `resourceType`); already validated for records.
 * @returns The categories, ascending, without duplicates (never empty).
 * @throws {TypeError} When `resource` is not an object with a string `resourceType`.
 * @example
 * categoriesOf({ resourceType: "Condition" }); // [Category.Problems]
 * categoriesOf({ resourceType: "Condition", contained: [{ resourceType: "Observation", category: [{ coding: [{ code: "laboratory" }] }] }] });
 * // [Category.Problems, Category.Laboratory]
 */
export function categoriesOf(resource: { resourceType: string }): CategoryId[] {
  if (!isResource(resource)) throw new TypeError("resource: expected a FHIR resource with a string resourceType");
  const found = new Set<CategoryId>();
  // Every object with a string `resourceType` is a resource (FHIR JSON gives no other element that property),
  // wherever it sits: walk the whole tree, iteratively so that deep nesting can't exhaust the stack.
  const pending: unknown[] = [resource];
  while (pending.length > 0) {
    const node = pending.pop();
    if (Array.isArray(node)) {
      for (const item of node) if (typeof item === "object" && item !== null) pending.push(item);
      continue;
    }
    if (typeof node !== "object" || node === null) continue;
    if (isResource(node)) for (const c of ownCategories(node)) found.add(c);
    for (const value of Object.values(node)) if (typeof value === "object" && value !== null) pending.push(value);
  }
  return [...found].sort((a, b) => a - b);
}

/** Whether `value` is an object with a string `resourceType`. */
function isResource(value: unknown): value is { resourceType: string } {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { resourceType?: unknown }).resourceType === "string"
  );
}

/**
 * The categories of one resource on its own (not the resources inside it): by resource type, and for Observation
 * and DiagnosticReport by every `category` coding the table maps (DiagnosticReport defaults to Laboratory,
 * Observation to Other).
 */
function ownCategories(resource: { resourceType: string }): CategoryId[] {
  const byType = own(BY_RESOURCE_TYPE, resource.resourceType);
  if (byType) return [Category[byType]];
  const table =
    resource.resourceType === "Observation"
      ? OBSERVATION_CATEGORY
      : resource.resourceType === "DiagnosticReport"
        ? REPORT_CATEGORY
        : undefined;
  if (!table) return [Category.Other];
  const found: CategoryId[] = [];
  const concepts = (resource as Coded).category;
  for (const concept of Array.isArray(concepts) ? concepts : []) {
    const codings = concept?.coding;
    for (const coding of Array.isArray(codings) ? codings : []) {
      const name = typeof coding?.code === "string" ? own(table, coding.code) : undefined;
      if (name) found.push(Category[name]);
    }
  }
  if (found.length > 0) return found;
  return [resource.resourceType === "DiagnosticReport" ? Category.Laboratory : Category.Other];
}

/** Code systems of the category codes that {@link categoriesOf} reads. */
export const OBSERVATION_CATEGORY_SYSTEM = "http://terminology.hl7.org/CodeSystem/observation-category";
export const DIAGNOSTIC_SERVICE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v2-0074";

/** Where a category's records come from: a resource type, optionally narrowed by a category code. */
export interface CategorySource {
  readonly resourceType: string;
  /** For Observation and DiagnosticReport: the `category` coding that selects this category. */
  readonly coding?: { readonly system: string; readonly code: string };
}

/**
 * The sources of every category, derived from the same tables {@link categoriesOf} uses (SMART scopes and FHIR
 * Consent exports are built from it).
 */
export function categorySources(category: CategoryId): CategorySource[] {
  const sources: CategorySource[] = [];
  for (const [resourceType, name] of Object.entries(BY_RESOURCE_TYPE)) {
    if (Category[name] === category) sources.push({ resourceType });
  }
  for (const [code, name] of Object.entries(OBSERVATION_CATEGORY)) {
    if (Category[name] === category)
      sources.push({ resourceType: "Observation", coding: { system: OBSERVATION_CATEGORY_SYSTEM, code } });
  }
  for (const [code, name] of Object.entries(REPORT_CATEGORY)) {
    if (Category[name] === category)
      sources.push({ resourceType: "DiagnosticReport", coding: { system: DIAGNOSTIC_SERVICE_SYSTEM, code } });
  }
  return sources;
}

/**
 * Every category a resource of `resourceType` can fall in (narrowed by a category code when given).
 * @example possibleCategories("Observation") // VitalSigns, Laboratory, Imaging, SocialHistory, Procedures, Other
 */
export function possibleCategories(resourceType: string, code?: string): CategoryId[] {
  if (code !== undefined)
    return ownCategories({ resourceType, category: [{ coding: [{ code }] }] } as { resourceType: string });
  const direct = own(BY_RESOURCE_TYPE, resourceType);
  if (direct) return [Category[direct]];
  const table =
    resourceType === "Observation"
      ? OBSERVATION_CATEGORY
      : resourceType === "DiagnosticReport"
        ? REPORT_CATEGORY
        : undefined;
  if (!table) return [Category.Other];
  const fallback = resourceType === "DiagnosticReport" ? Category.Laboratory : Category.Other;
  return [...new Set([...Object.values(table).map((name) => Category[name]), fallback])];
}

/** `table[key]` if `key` is the table's own entry (never an inherited name such as `constructor`). */
function own<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/** The name of category `id`, or `undefined` when no category has that index. */
export function categoryName(id: number): CategoryName | undefined {
  return (Object.keys(Category) as CategoryName[]).find((name) => Category[name] === id);
}

/**
 * The categories set in a 64-bit mask that have a name in the category table, ascending.
 * @param mask - A category mask (as anchors and grants carry it).
 * @returns The named categories in it.
 */
export function categoriesOfMask(mask: bigint): CategoryId[] {
  return (Object.values(Category) as CategoryId[]).filter((c) => ((mask >> BigInt(c)) & 1n) === 1n);
}

/**
 * The 64-bit mask of `categories`, as the ConsentRegistry stores it.
 * @throws {RangeError} When a category index is outside 0..63.
 */
export function categoryMask(categories: Iterable<number>): bigint {
  let mask = 0n;
  for (const c of categories) {
    if (!Number.isInteger(c) || c < 0 || c > MAX_CATEGORY) {
      throw new RangeError(`categories: index out of 0..${MAX_CATEGORY}: ${c}`);
    }
    mask |= 1n << BigInt(c);
  }
  return mask;
}
