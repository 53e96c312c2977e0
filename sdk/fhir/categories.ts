/**
 * The one category table: how a FHIR R4 resource maps to the record category that consent scopes and
 * anchors use on chain (a bit in a 64-bit mask). Documented in docs/records.md; never duplicated.
 */

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
  category?: { coding?: { code?: string }[] }[];
}

/**
 * The record category of a FHIR resource: by resource type, and for Observation and DiagnosticReport by
 * their `category` codes. Anything unlisted is `Other`.
 * @param resource - A FHIR R4 resource (at least `resourceType`).
 * @returns The category id.
 * @example
 * categoryOf({ resourceType: "Condition" }); // Category.Problems
 */
export function categoryOf(resource: { resourceType: string }): CategoryId {
  const byType = own(BY_RESOURCE_TYPE, resource.resourceType);
  if (byType) return Category[byType];
  const table =
    resource.resourceType === "Observation"
      ? OBSERVATION_CATEGORY
      : resource.resourceType === "DiagnosticReport"
        ? REPORT_CATEGORY
        : undefined;
  if (table) {
    for (const concept of (resource as Coded).category ?? []) {
      for (const coding of concept.coding ?? []) {
        const name = coding.code ? own(table, coding.code) : undefined;
        if (name) return Category[name];
      }
    }
    return resource.resourceType === "DiagnosticReport" ? Category.Laboratory : Category.Other;
  }
  return Category.Other;
}

/** Code systems of the category codes that {@link categoryOf} reads. */
export const OBSERVATION_CATEGORY_SYSTEM = "http://terminology.hl7.org/CodeSystem/observation-category";
export const DIAGNOSTIC_SERVICE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v2-0074";

/** Where a category's records come from: a resource type, optionally narrowed by a category code. */
export interface CategorySource {
  readonly resourceType: string;
  /** For Observation and DiagnosticReport: the `category` coding that selects this category. */
  readonly coding?: { readonly system: string; readonly code: string };
}

/**
 * The sources of every category, derived from the same tables {@link categoryOf} uses (SMART scopes and FHIR
 * Consent exports are built from it).
 */
export function categorySources(category: CategoryId): CategorySource[] {
  const sources: CategorySource[] = [];
  for (const [resourceType, name] of Object.entries(BY_RESOURCE_TYPE)) {
    if (Category[name] === category) sources.push({ resourceType });
  }
  for (const [code, name] of Object.entries(OBSERVATION_CATEGORY)) {
    if (Category[name] === category) sources.push({ resourceType: "Observation", coding: { system: OBSERVATION_CATEGORY_SYSTEM, code } });
  }
  for (const [code, name] of Object.entries(REPORT_CATEGORY)) {
    if (Category[name] === category) sources.push({ resourceType: "DiagnosticReport", coding: { system: DIAGNOSTIC_SERVICE_SYSTEM, code } });
  }
  return sources;
}

/**
 * Every category a resource of `resourceType` can fall in (narrowed by a category code when given).
 * @example possibleCategories("Observation") // VitalSigns, Laboratory, Imaging, SocialHistory, Procedures, Other
 */
export function possibleCategories(resourceType: string, code?: string): CategoryId[] {
  if (code !== undefined) return [categoryOf({ resourceType, category: [{ coding: [{ code }] }] } as { resourceType: string })];
  const direct = own(BY_RESOURCE_TYPE, resourceType);
  if (direct) return [Category[direct]];
  const table =
    resourceType === "Observation" ? OBSERVATION_CATEGORY : resourceType === "DiagnosticReport" ? REPORT_CATEGORY : undefined;
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
 * The 64-bit mask of `categories`, as the ConsentRegistry stores it.
 * @throws {RangeError} When a category index is outside 0..63.
 */
export function categoryMask(categories: Iterable<number>): bigint {
  let mask = 0n;
  for (const c of categories) {
    if (!Number.isInteger(c) || c < 0 || c > 63) throw new RangeError(`categories: index out of 0..63: ${c}`);
    mask |= 1n << BigInt(c);
  }
  return mask;
}
