/**
 * createFhirValidator (sdk/fhir/validator.ts): each validator owns its schema and value-set indexes, so
 * validators made from different definitions keep their own verdicts however their calls interleave, and the
 * strict rules run from their one list (sdk/fhir/strict/rules/index.ts).
 */
import type { Bundle, StructureDefinition } from "@medplum/fhirtypes";
import { describe, expect, it } from "vitest";

import { STRICT_RULES } from "../../../sdk/fhir/strict/rules/index.js";
import { createFhirValidator, FhirValidationError, type FhirDefinitions } from "../../../sdk/index.js";
import { loadFhirDefinitions } from "../../../sdk/node.js";

const base = loadFhirDefinitions();

/** The pack with Patient.gender made required (min 1) and without value sets: a second, different definition set. */
function strictGenderDefinitions(): FhirDefinitions {
  const resources = structuredClone<Bundle>(base.resources);
  const patient = resources.entry?.find(
    (e) => (e.resource as StructureDefinition | undefined)?.url === "http://hl7.org/fhir/StructureDefinition/Patient",
  )?.resource as StructureDefinition | undefined;
  const gender = patient?.snapshot?.element.find((e) => e.path === "Patient.gender");
  if (!gender) throw new Error("the pack has no Patient.gender element");
  gender.min = 1;
  return { source: "test: gender required", types: base.types, resources };
}

function issuesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof FhirValidationError) return error.issues.map((i) => `${i.path}: ${i.message}`);
    throw error;
  }
  return [];
}

const patient = { resourceType: "Patient", id: "p1" };
const badStatus = { resourceType: "Observation", status: "banana", code: { text: "x" } };

describe("each validator owns its definitions", () => {
  it("two validators with different definitions do not influence each other, in any order", () => {
    const standard = createFhirValidator(base);
    const strict = createFhirValidator(strictGenderDefinitions());
    // The one created last does not take over the one created first, and back again.
    expect(standard.validate(patient)).toBe(patient);
    expect(issuesOf(() => strict.validate(patient)).join("\n")).toMatch(/gender/);
    expect(standard.validate(patient)).toBe(patient);
    expect(issuesOf(() => strict.validateJson(JSON.stringify(patient))).join("\n")).toMatch(/gender/);
    expect(standard.validateJson(JSON.stringify(patient))).toEqual(patient);
    // Value sets too: the standard one checks required bindings, the other has none to check with.
    expect(issuesOf(() => standard.validate(badStatus)).join("\n")).toMatch(/Observation\.status.*banana/);
    expect(strict.validate(badStatus)).toBe(badStatus);
    expect(issuesOf(() => standard.validate(badStatus))).not.toEqual([]);
  });

  it("a validator made later from the same definitions gives the same verdicts", () => {
    const first = createFhirValidator(base);
    const before = issuesOf(() => first.validate(badStatus));
    createFhirValidator(strictGenderDefinitions());
    const second = createFhirValidator(base);
    expect(issuesOf(() => first.validate(badStatus))).toEqual(before);
    expect(issuesOf(() => second.validate(badStatus))).toEqual(before);
  });

  it("a resource type the validator's definitions lack is refused even when another validator knows it", () => {
    const resources = structuredClone<Bundle>(base.resources);
    resources.entry = resources.entry?.filter((e) => (e.resource as StructureDefinition | undefined)?.type !== "Basic");
    const withoutBasic = createFhirValidator({ types: base.types, resources });
    const standard = createFhirValidator(base);
    const basic = { resourceType: "Basic", code: { text: "x" } };
    expect(standard.validate(basic)).toBe(basic);
    expect(issuesOf(() => withoutBasic.validate(basic)).join("\n")).toMatch(/Basic/);
    expect(standard.validate(basic)).toBe(basic);
  });
});

describe("the strict rules", () => {
  it("are one list of distinct, named rules", () => {
    const names = STRICT_RULES.map((r) => r.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.length).toBeGreaterThanOrEqual(8);
    expect(Object.isFrozen(STRICT_RULES)).toBe(true);
  });
});
