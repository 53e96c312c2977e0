import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

import { describe, expect, it } from "vitest";

import {
  detectOutcomeSwitching,
  ELIGIBILITY_FORMAT,
  ENDPOINTS_FORMAT,
  evaluateEligibility,
  parseEndpoints,
  studyPseudonym,
  type EligibilityCriteria,
  type StudyEndpoints,
} from "../../../sdk/trials.js";
import { FormatError, generateIdentity } from "../../../sdk/index.js";

const endpoints = (primary: [string, string][], secondary: [string, string][] = []): StudyEndpoints => ({
  format: ENDPOINTS_FORMAT,
  primary: primary.map(([id, measure]) => ({ id, measure, timeFrame: "week 24" })),
  secondary: secondary.map(([id, measure]) => ({ id, measure, timeFrame: "week 24" })),
});

describe("detectOutcomeSwitching", () => {
  const registered = endpoints(
    [["E1", "HbA1c change"]],
    [
      ["E2", "Weight change"],
      ["E3", "Hypoglycaemia events"],
    ],
  );

  it("finds nothing when the report is as registered", () => {
    expect(detectOutcomeSwitching(registered, registered)).toEqual([]);
  });

  it.each([
    ["dropped", endpoints([["E1", "HbA1c change"]], [["E2", "Weight change"]]), "E3"],
    [
      "added",
      endpoints(
        [["E1", "HbA1c change"]],
        [
          ["E2", "Weight change"],
          ["E3", "Hypoglycaemia events"],
          ["E4", "Quality of life"],
        ],
      ),
      "E4",
    ],
    [
      "changed",
      endpoints(
        [["E1", "Fasting glucose change"]],
        [
          ["E2", "Weight change"],
          ["E3", "Hypoglycaemia events"],
        ],
      ),
      "E1",
    ],
    [
      "promoted",
      endpoints(
        [
          ["E1", "HbA1c change"],
          ["E2", "Weight change"],
        ],
        [["E3", "Hypoglycaemia events"]],
      ),
      "E2",
    ],
    [
      "demoted",
      endpoints(
        [["E2", "Weight change"]],
        [
          ["E1", "HbA1c change"],
          ["E3", "Hypoglycaemia events"],
        ],
      ),
      "E1",
    ],
  ] as const)("flags a silent %s endpoint", (kind, reported, id) => {
    const switches = detectOutcomeSwitching(registered, reported);
    expect(switches.find((s) => s.endpointId === id)?.kind).toBe(kind);
    expect(switches.find((s) => s.endpointId === id)?.amendment).toBeUndefined();
  });

  it("names the amendment that made a change, and whether it came after enrolment", () => {
    const amended = endpoints(
      [["E1", "HbA1c change"]],
      [
        ["E2", "Weight change"],
        ["E3", "Hypoglycaemia events"],
        ["E4", "Quality of life"],
      ],
    );
    const switches = detectOutcomeSwitching(registered, amended, [
      { version: 3, endpoints: amended, reason: "Add QoL", afterEnrolment: true },
    ]);
    expect(switches).toEqual([
      expect.objectContaining({
        kind: "added",
        endpointId: "E4",
        amendment: { version: 3, reason: "Add QoL", afterEnrolment: true },
      }),
    ]);
  });

  it("parseEndpoints refuses duplicated ids and missing primaries", () => {
    expect(() => parseEndpoints(endpoints([]))).toThrow(FormatError);
    expect(() => parseEndpoints(endpoints([["E1", "a"]], [["E1", "b"]]))).toThrow(FormatError);
  });
});

describe("evaluateEligibility (FHIRPath, local)", () => {
  const criteria: EligibilityCriteria = {
    format: ELIGIBILITY_FORMAT,
    criteria: [
      {
        id: "I1",
        kind: "inclusion",
        description: "has prediabetes or diabetes (SNOMED CT 15777000, 44054006)",
        expression:
          "entry.resource.ofType(Condition).code.coding.where(system = 'http://snomed.info/sct' and (code = '15777000' or code = '44054006')).exists()",
      },
      {
        id: "X1",
        kind: "exclusion",
        description: "no active pregnancy (SNOMED CT 72892002)",
        expression: "entry.resource.ofType(Condition).code.coding.where(code = '72892002').exists()",
      },
    ],
  };
  const condition = (code: string) => ({
    resourceType: "Condition",
    code: { coding: [{ system: "http://snomed.info/sct", code }] },
    subject: { reference: "Patient/p" },
  });

  it.each([
    [[condition("15777000")], true],
    [[condition("44054006"), condition("38341003")], true],
    [[condition("38341003")], false],
    [[condition("15777000"), condition("72892002")], false],
    [[], false],
  ])("answers on the patient's own resources (%#)", (resources, eligible) => {
    expect(evaluateEligibility(criteria, resources).eligible).toBe(eligible);
  });

  it("names a criterion that does not evaluate", () => {
    const bad = { ...criteria, criteria: [{ ...criteria.criteria[0]!, id: "B", expression: "entry.resource.(((" }] };
    expect(() => evaluateEligibility(bad, [])).toThrow(/criterion B/);
  });

  const synthea = join(import.meta.dirname, "..", "..", "..", "..", "shared", "data", "fhir", "synthea");
  const files = (() => {
    try {
      return readdirSync(synthea).filter((f) => f.endsWith(".json"));
    } catch {
      return [];
    }
  })();
  if (files.length === 0) console.warn(`trials eligibility: Synthea checks skipped, no bundles at ${synthea}`);
  it.skipIf(files.length === 0)("evaluates on real Synthea bundles and agrees with a direct scan", () => {
    for (const file of files) {
      const bundle = JSON.parse(readFileSync(join(synthea, file), "utf8")) as {
        entry: { resource: { resourceType: string; code?: { coding?: { code: string }[] } } }[];
      };
      const resources = bundle.entry.map((e) => e.resource);
      const direct =
        resources.some(
          (r) =>
            r.resourceType === "Condition" &&
            r.code?.coding?.some((c) => c.code === "15777000" || c.code === "44054006"),
        ) &&
        !resources.some((r) => r.resourceType === "Condition" && r.code?.coding?.some((c) => c.code === "72892002"));
      expect(evaluateEligibility(criteria, resources).eligible, file).toBe(direct);
    }
  });
});

describe("studyPseudonym", () => {
  it("is stable per (patient, study), different across studies and patients", () => {
    const a = generateIdentity();
    const b = generateIdentity();
    const s1 = `0x${"11".repeat(32)}`;
    const s2 = `0x${"22".repeat(32)}`;
    expect(studyPseudonym(a.secretKey, s1).address).toBe(studyPseudonym(a.secretKey, s1).address);
    const all = new Set(
      [studyPseudonym(a.secretKey, s1), studyPseudonym(a.secretKey, s2), studyPseudonym(b.secretKey, s1)].map(
        (w) => w.address,
      ),
    );
    expect(all.size).toBe(3);
    expect(() => studyPseudonym(a.secretKey, "0x11")).toThrow(RangeError);
  });
});
