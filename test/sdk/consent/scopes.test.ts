import { describe, expect, it } from "vitest";

import { Category, parseScopes, ScopeError, toScopes } from "../../../sdk/index.js";

const OBS = "http://terminology.hl7.org/CodeSystem/observation-category";

describe("SMART on FHIR v2 scopes ⇄ category × action", () => {
  it.each([
    ["patient/Condition.rs", [Category.Problems], []],
    ["patient/Condition.cruds", [Category.Problems], [Category.Problems]],
    ["patient/Condition.cud", [], [Category.Problems]],
    ["patient/Condition.read", [Category.Problems], []],
    ["patient/Condition.write", [], [Category.Problems]],
    ["patient/Condition.*", [Category.Problems], [Category.Problems]],
    ["patient/MedicationRequest.r", [Category.Medications], []],
    [`patient/Observation.rs?category=${OBS}|laboratory`, [Category.Laboratory], []],
    [`patient/Observation.rs?category=${OBS}|vital-signs`, [Category.VitalSigns], []],
    [
      "patient/Observation.rs",
      [
        Category.VitalSigns,
        Category.Laboratory,
        Category.Imaging,
        Category.Procedures,
        Category.SocialHistory,
        Category.Other,
      ].sort((a, b) => a - b),
      [],
    ],
    ["patient/Unknownthing.r", [Category.Other], []],
    ["patient/*.r", Object.values(Category), []],
    ["patient/Condition.rs patient/AllergyIntolerance.c", [Category.Problems], [Category.Allergies]],
  ])("%s", (scope, read, write) => {
    expect(parseScopes(scope)).toEqual({ read, write });
  });

  it.each([
    ["user/Observation.rs", "only patient/ scopes"],
    ["system/*.r", "only patient/ scopes"],
    ["patient/Observation.sr", 'subset of "cruds" in that order'],
    ["patient/Observation.rr", 'subset of "cruds" in that order'],
    ["patient/Observation.x", 'subset of "cruds" in that order'],
    ["patient/observation.rs", "expected context/ResourceType.permissions"],
    ["Observation.rs", "expected context/ResourceType.permissions"],
    ["patient/Observation.rs?code=1234", "only a single category=system|code"],
    ["patient/Condition.rs?category=a|b", "applies to Observation and DiagnosticReport"],
    ["", "no scope given"],
  ])("refuses %j: %s", (scope, problem) => {
    const error = (() => {
      try {
        parseScopes(scope);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ScopeError);
    expect((error as ScopeError).message).toContain(problem);
    expect((error as ScopeError).code).toBe("SCOPE_INVALID");
  });

  it("toScopes round-trips through parseScopes for every category and action", () => {
    for (const category of Object.values(Category)) {
      for (const grant of [
        { read: [category], write: [] },
        { read: [], write: [category] },
        { read: [category], write: [category] },
      ]) {
        const scopes = toScopes(grant);
        expect(scopes.length).toBeGreaterThan(0);
        expect(parseScopes(scopes)).toEqual(grant);
      }
    }
    expect(toScopes({ read: [Category.Problems], write: [] })).toEqual(["patient/Condition.rs"]);
    expect(toScopes({ read: [Category.Laboratory], write: [Category.Laboratory] })).toContain(
      `patient/Observation.cruds?category=${OBS}|laboratory`,
    );
  });
});
