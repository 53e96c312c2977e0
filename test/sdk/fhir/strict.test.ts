/**
 * The strict FHIR R4 validator (sdk/fhir/validator.ts + sdk/fhir/strict/): the shared HL7 examples and
 * Synthea bundles stay valid; every strict rule refuses what it should, with the element path; each rule's pure
 * function is table-tested; random input never throws anything but FhirValidationError; the `validate` CLI.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";

import { attachmentProblems } from "../../../sdk/fhir/strict/rules/attachment.js";
import { indexValueSets } from "../../../sdk/fhir/strict/value-sets.js";
import { compareDateTimes } from "../../../sdk/fhir/strict/rules/period.js";
import { base64Problem, primitiveProblem, R4_PATTERNS } from "../../../sdk/fhir/strict/rules/primitives.js";
import { unsafeStyle, unsafeUrl, xhtmlProblem } from "../../../sdk/fhir/strict/rules/xhtml.js";
import { createFhirValidator, FhirValidationError, parseFhirJson } from "../../../sdk/index.js";
import { loadFhirDefinitions } from "../../../sdk/node.js";
import { run } from "../../helpers/processes.js";
import { sharedData } from "../_support.js";

const definitions = loadFhirDefinitions();
const validator = createFhirValidator(definitions);

/** The FhirValidationError `fn` throws (fails the test when it returns or throws something else). */
function rejection(fn: () => unknown): FhirValidationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(FhirValidationError);
    return error as FhirValidationError;
  }
  throw new Error("expected a FhirValidationError, but the input was accepted");
}

const timings: string[] = [];
afterAll(() => {
  if (timings.length > 0) console.info(`[fhir-strict] ${timings.join("; ")}`);
});

// ---------------------------------------------------------------------------------------------------------------
// Shared data: every official example and every Synthea bundle (and each of its entries) stays valid.
// ---------------------------------------------------------------------------------------------------------------

const examplesDir = sharedData("fhir/examples");
const syntheaDir = sharedData("fhir/synthea");
const jsonFiles = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith(".json")) // skips SOURCE.md
    .sort();

describe.skipIf(!examplesDir.exists)("the official HL7 R4 examples in ../shared/data/fhir/examples stay valid", () => {
  const files = examplesDir.exists ? jsonFiles(examplesDir.path) : [];
  let started = 0;

  it("found the 33 examples", () => {
    expect(files).toHaveLength(33);
    started = performance.now();
  });

  it.each(files)("%s (strict JSON from the bytes, then validated)", (file) => {
    const bytes = readFileSync(join(examplesDir.path, file));
    const resource = validator.validateJson(bytes);
    expect(resource).toEqual(JSON.parse(bytes.toString("utf8")));
  });

  it("timing", () => {
    timings.push(`33 examples: ${Math.round(performance.now() - started)} ms`);
  });
});

describe.skipIf(!syntheaDir.exists)("the Synthea bundles in ../shared/data/fhir/synthea stay valid", () => {
  const files = syntheaDir.exists ? jsonFiles(syntheaDir.path) : [];
  let started = 0;
  let entries = 0;

  it("found the 16 bundles", () => {
    expect(files).toHaveLength(16);
    started = performance.now();
  });

  it.each(files)("%s: the bundle and each entry resource", (file) => {
    const bytes = readFileSync(join(syntheaDir.path, file));
    const bundle = validator.validateJson(bytes) as { entry: { resource: unknown }[] };
    expect(bundle.entry.length).toBeGreaterThan(0);
    for (const entry of bundle.entry) expect(validator.validate(entry.resource)).toBe(entry.resource);
    entries += bundle.entry.length;
  });

  it("timing", () => {
    timings.push(`16 Synthea bundles + ${entries} entries: ${Math.round(performance.now() - started)} ms`);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Invalid resources: one row per case, each naming the rule, the issue path and what the message says.
// ---------------------------------------------------------------------------------------------------------------

const XHTML = "http://www.w3.org/1999/xhtml";
const obs = { resourceType: "Observation", status: "final", code: { text: "Heart rate" } } as const;
const patient = (extra: Record<string, unknown>) => ({ resourceType: "Patient", ...extra });
const narrative = (inner: string) =>
  patient({ text: { status: "generated", div: `<div xmlns="${XHTML}">${inner}</div>` } });
const bundle = (entry: unknown[], type = "collection") => ({ resourceType: "Bundle", type, entry });
const ucum = (value: number) => ({ value, unit: "mg", system: "http://unitsofmeasure.org", code: "mg" });
// "hello": 5 bytes, SHA-1 base64 qvTGHdzF6KLavt4PO0gs2a6pQ00=
const HELLO = { contentType: "text/plain", data: "aGVsbG8=" };

interface InvalidCase {
  rule: string;
  name: string;
  value: unknown;
  path: string;
  message: RegExp;
}

const invalidCases: InvalidCase[] = [
  // Resource id
  { rule: "id", name: "a space", value: patient({ id: "a b" }), path: "Patient.id", message: /resource id/ },
  { rule: "id", name: "65 characters", value: patient({ id: "a".repeat(65) }), path: "Patient.id", message: /1-64/ },
  { rule: "id", name: "an underscore", value: patient({ id: "a_b" }), path: "Patient.id", message: /resource id/ },
  {
    rule: "id",
    name: "in a Bundle entry",
    value: bundle([{ resource: { resourceType: "Patient", id: "x/y" } }]),
    path: "Bundle.entry[0].resource.id",
    message: /resource id/,
  },
  // Empty values, ele-1
  { rule: "empty", name: "empty array", value: patient({ name: [] }), path: "Patient.name", message: /empty array/ },
  {
    rule: "empty",
    name: "empty extension list",
    value: patient({ extension: [] }),
    path: "Patient.extension",
    message: /empty array/,
  },
  {
    rule: "empty",
    name: "empty object",
    value: patient({ maritalStatus: {} }),
    path: "Patient.maritalStatus",
    message: /empty object/,
  },
  {
    rule: "empty",
    name: "empty string",
    value: patient({ gender: "" }),
    path: "Patient.gender",
    message: /empty string/,
  },
  {
    rule: "empty",
    name: "empty nested string",
    value: patient({ name: [{ family: "" }] }),
    path: "Patient.name[0].family",
    message: /empty string/,
  },
  { rule: "empty", name: "empty resource id", value: patient({ id: "" }), path: "Patient.id", message: /empty string/ },
  {
    rule: "empty",
    name: "an element with only an id (ele-1)",
    value: patient({ maritalStatus: { id: "a" } }),
    path: "Patient.maritalStatus",
    message: /ele-1/,
  },
  {
    rule: "empty",
    name: "empty primitive extension",
    value: patient({ _gender: {} }),
    path: "Patient.gender",
    message: /empty object/,
  },
  // Unknown elements, cardinality, JSON shape (@medplum/core, plus what it misses)
  {
    rule: "structure",
    name: "unknown element",
    value: patient({ favouriteColour: "blue" }),
    path: "Patient.favouriteColour",
    message: /additional property/,
  },
  {
    rule: "structure",
    name: '"constructor" (an Object.prototype name)',
    value: patient({ constructor: "x" }),
    path: "Patient.constructor",
    message: /unknown element/,
  },
  {
    rule: "structure",
    name: '"__proto__" as an own property',
    value: JSON.parse('{"resourceType":"Patient","__proto__":{"a":1}}'),
    path: "Patient.__proto__",
    message: /unknown element/,
  },
  {
    rule: "structure",
    name: "array for a single element",
    value: { ...obs, code: [{ text: "x" }] },
    path: "Observation.code",
    message: /single value/,
  },
  {
    rule: "structure",
    name: "required element missing",
    value: { resourceType: "Observation", code: { text: "x" } },
    path: "Observation.status",
    message: /required/i,
  },
  {
    rule: "structure",
    name: "required array missing (AuditEvent.agent 1..*)",
    value: {
      resourceType: "AuditEvent",
      type: { code: "rest" },
      recorded: "2020-01-01T00:00:00Z",
      source: { observer: { display: "x" } },
    },
    path: "AuditEvent.agent",
    message: /required/i,
  },
  {
    rule: "structure",
    name: "required element of a backbone element",
    value: { ...obs, component: [{ valueString: "x" }] },
    path: "Observation.component[0].code",
    message: /required/i,
  },
  {
    rule: "structure",
    name: "required element in a Bundle entry",
    value: bundle([{ resource: { resourceType: "Observation", status: "final" } }]),
    path: "Bundle.entry[0].resource.code",
    message: /required/i,
  },
  {
    rule: "structure",
    name: "two values for a 0..1 element",
    value: patient({ gender: ["male", "female"] }),
    path: "Patient.gender",
    message: /single value/,
  },
  {
    rule: "structure",
    name: "_x on a complex element",
    value: { ...obs, _code: { extension: [{ url: "http://x.org", valueString: "y" }] } },
    path: "Observation._code",
    message: /only allowed for a primitive/,
  },
  {
    rule: "structure",
    name: "_given not aligned with given",
    value: patient({ name: [{ given: ["a", "b"], _given: [null] }] }),
    path: "Patient.name[0]._given",
    message: /align/,
  },
  // Choice types
  {
    rule: "choice",
    name: "two types for value[x]",
    value: { ...obs, valueString: "a", valueBoolean: true },
    path: "Observation.value[x]",
    message: /one type/,
  },
  {
    rule: "choice",
    name: "value and _value of different types",
    value: { ...obs, valueString: "a", _valueBoolean: { extension: [{ url: "http://x.org", valueString: "y" }] } },
    path: "Observation.value[x]",
    message: /one type/,
  },
  {
    rule: "choice",
    name: "unknown type suffix",
    value: { ...obs, valueDatetime: "2020" },
    path: "Observation.valueDatetime",
    message: /additional property/,
  },
  // Primitive formats
  {
    rule: "format",
    name: "dateTime with a time but no timezone",
    value: { ...obs, effectiveDateTime: "2020-01-01T10:00:00" },
    path: "Observation.effective[x]",
    message: /timezone/,
  },
  {
    rule: "format",
    name: "dateTime with hours only",
    value: { ...obs, effectiveDateTime: "2020-01-01T10Z" },
    path: "Observation.effective[x]",
    message: /R4 dateTime/,
  },
  {
    rule: "format",
    name: "dateTime with a timezone but no day",
    value: { ...obs, effectiveDateTime: "2020-01Z" },
    path: "Observation.effective[x]",
    message: /R4 dateTime/,
  },
  {
    rule: "format",
    name: "Period.start without seconds",
    value: { ...obs, effectivePeriod: { start: "2020-01-01T10:00+01:00" } },
    path: "Observation.effective[x].start",
    message: /dateTime/,
  },
  {
    rule: "format",
    name: "instant without seconds",
    value: { ...obs, issued: "2020-01-01T10:00Z" },
    path: "Observation.issued",
    message: /instant/,
  },
  {
    rule: "format",
    name: "date that does not exist",
    value: patient({ birthDate: "2021-02-29" }),
    path: "Patient.birthDate",
    message: /date/,
  },
  {
    rule: "format",
    name: "time without seconds",
    value: { ...obs, valueTime: "10:00" },
    path: "Observation.value[x]",
    message: /time/,
  },
  {
    rule: "format",
    name: "base64 with a bad character",
    value: { resourceType: "Binary", contentType: "text/plain", data: "ab!c" },
    path: "Binary.data",
    message: /base64/,
  },
  {
    rule: "format",
    name: "base64 padding in the middle",
    value: { resourceType: "Binary", contentType: "text/plain", data: "a=b=" },
    path: "Binary.data",
    message: /base64/,
  },
  {
    rule: "format",
    name: "base64 wrapped inside a group",
    value: { resourceType: "Binary", contentType: "text/plain", data: "aG Vs" },
    path: "Binary.data",
    message: /base64/,
  },
  {
    rule: "format",
    name: "uri with a space",
    value: patient({ identifier: [{ system: "http://a b" }] }),
    path: "Patient.identifier[0].system",
    message: /uri/,
  },
  {
    rule: "format",
    name: "canonical with a space",
    value: patient({ meta: { profile: ["http://x.org/a b"] } }),
    path: "Patient.meta.profile[0]",
    message: /canonical/,
  },
  {
    rule: "format",
    name: "a lone surrogate",
    value: patient({ name: [{ family: "\ud800x" }] }),
    path: "Patient.name[0].family",
    message: /Unicode/,
  },
  // Invariants
  {
    rule: "per-1",
    name: "Encounter.period start after end",
    value: {
      resourceType: "Encounter",
      status: "finished",
      class: { code: "AMB" },
      period: { start: "2020-02-01", end: "2020-01-01" },
    },
    path: "Encounter.period",
    message: /per-1/,
  },
  {
    rule: "per-1",
    name: "effectivePeriod with timezones",
    value: { ...obs, effectivePeriod: { start: "2020-01-01T10:00:00-05:00", end: "2020-01-01T06:00:00Z" } },
    path: "Observation.effective[x]",
    message: /after end/,
  },
  {
    rule: "per-1",
    name: "Identifier.period (nested data type)",
    value: patient({ identifier: [{ value: "1", period: { start: "2021", end: "2020" } }] }),
    path: "Patient.identifier[0].period",
    message: /per-1/,
  },
  {
    rule: "invariants",
    name: "att-1: data without contentType",
    value: patient({ photo: [{ data: "aGVsbG8=" }] }),
    path: "Patient.photo[0]",
    message: /att-1/,
  },
  {
    rule: "invariants",
    name: "qty-3: a code without a system",
    value: { ...obs, valueQuantity: { value: 1, code: "mg" } },
    path: "Observation.value[x]",
    message: /qty-3/,
  },
  {
    rule: "invariants",
    name: "sqty-1: comparator in a SimpleQuantity",
    value: { ...obs, referenceRange: [{ low: { value: 1, comparator: "<" } }] },
    path: "Observation.referenceRange[0].low",
    message: /sqty-1/,
  },
  {
    rule: "invariants",
    name: "rng-2: low above high",
    value: { ...obs, valueRange: { low: ucum(5), high: ucum(3) } },
    path: "Observation.value[x]",
    message: /rng-2/,
  },
  {
    rule: "invariants",
    name: "cpt-2: a telecom value without system",
    value: patient({ telecom: [{ value: "555-1234" }] }),
    path: "Patient.telecom[0]",
    message: /cpt-2/,
  },
  {
    rule: "invariants",
    name: "obs-6 in a Bundle entry (nested resource)",
    value: bundle([{ resource: { ...obs, valueString: "x", dataAbsentReason: { text: "y" } } }]),
    path: "Bundle.entry[0].resource",
    message: /obs-6/,
  },
  {
    rule: "invariants",
    name: "obs-6 in a contained resource",
    value: {
      ...obs,
      hasMember: [{ reference: "#o" }],
      contained: [{ ...obs, id: "o", valueString: "x", dataAbsentReason: { text: "y" } }],
    },
    path: "Observation.contained[0]",
    message: /obs-6/,
  },
  {
    rule: "contained",
    name: "dom-3: contained resource not referenced",
    value: patient({ contained: [{ resourceType: "Organization", id: "o1", name: "x" }] }),
    path: "Patient.contained[0]",
    message: /dom-3/,
  },
  {
    rule: "contained",
    name: "dom-3: contained resource without id",
    value: patient({ contained: [{ resourceType: "Organization", name: "x" }] }),
    path: "Patient.contained[0]",
    message: /needs an id/,
  },
  {
    rule: "contained",
    name: "ref-1: #id names no contained resource",
    value: { ...obs, subject: { reference: "#nope" } },
    path: "Observation.subject.reference",
    message: /ref-1/,
  },
  {
    rule: "contained",
    name: '"#" outside a contained resource',
    value: patient({ managingOrganization: { reference: "#" } }),
    path: "Patient.managingOrganization.reference",
    message: /not contained/,
  },
  {
    rule: "bundle",
    name: "duplicate fullUrl",
    value: bundle([
      { fullUrl: "http://x.org/fhir/Patient/1", resource: { resourceType: "Patient", id: "1" } },
      { fullUrl: "http://x.org/fhir/Patient/1", resource: { resourceType: "Patient", id: "1" } },
    ]),
    path: "Bundle.entry[1].fullUrl",
    message: /duplicate fullUrl/,
  },
  {
    rule: "bundle",
    name: "duplicate resource type/id",
    value: bundle([
      { resource: { resourceType: "Patient", id: "1" } },
      { resource: { resourceType: "Patient", id: "2" } },
      { resource: { resourceType: "Patient", id: "1" } },
    ]),
    path: "Bundle.entry[2].resource.id",
    message: /duplicate resource Patient\/1/,
  },
  {
    rule: "bundle",
    name: "fullUrl disagrees with the resource id",
    value: bundle([{ fullUrl: "http://x.org/fhir/Patient/2", resource: { resourceType: "Patient", id: "1" } }]),
    path: "Bundle.entry[0].fullUrl",
    message: /disagrees/,
  },
  {
    rule: "bundle",
    name: "relative fullUrl",
    value: bundle([{ fullUrl: "Patient/1", resource: { resourceType: "Patient", id: "1" } }]),
    path: "Bundle.entry[0].fullUrl",
    message: /absolute/,
  },
  {
    rule: "bundle",
    name: "urn:uuid that is not a uuid",
    value: bundle([{ fullUrl: "urn:uuid:1234", resource: { resourceType: "Patient" } }]),
    path: "Bundle.entry[0].fullUrl",
    message: /urn:uuid/,
  },
  {
    rule: "bundle",
    name: "unknown resource type in an entry",
    value: bundle([{ resource: { resourceType: "HealthRecordOfDoom" } }]),
    path: "Bundle.entry[0].resource.resourceType",
    message: /unknown resource type/,
  },
  // Required bindings
  {
    rule: "binding",
    name: 'Observation.status "bogus"',
    value: { ...obs, status: "bogus" },
    path: "Observation.status",
    message: /required value set .*observation-status/,
  },
  {
    rule: "binding",
    name: 'Patient.gender "M"',
    value: patient({ gender: "M" }),
    path: "Patient.gender",
    message: /male \| female/,
  },
  {
    rule: "binding",
    name: "Quantity.comparator (in a data type)",
    value: { ...obs, valueQuantity: { value: 1, comparator: "~" } },
    path: "Observation.value[x].comparator",
    message: /quantity-comparator/,
  },
  {
    rule: "binding",
    name: "Narrative.status",
    value: patient({ text: { status: "draft", div: `<div xmlns="${XHTML}">x</div>` } }),
    path: "Patient.text.status",
    message: /narrative-status/,
  },
  {
    rule: "binding",
    name: "Bundle.type",
    value: { resourceType: "Bundle", type: "bag" },
    path: "Bundle.type",
    message: /bundle-type/,
  },
  {
    rule: "binding",
    name: "a code in a Bundle entry",
    value: bundle([{ resource: patient({ gender: "x" }) }]),
    path: "Bundle.entry[0].resource.gender",
    message: /administrative-gender/,
  },
  {
    rule: "binding",
    name: "CodeableConcept: no coding in the value set",
    value: {
      resourceType: "Condition",
      subject: { reference: "Patient/1" },
      clinicalStatus: {
        coding: [{ system: "http://terminology.hl7.org/CodeSystem/condition-clinical", code: "gone" }],
      },
    },
    path: "Condition.clinicalStatus",
    message: /condition-clinical/,
  },
  {
    rule: "binding",
    name: "CodeableConcept: right code, wrong system",
    value: {
      resourceType: "Condition",
      subject: { reference: "Patient/1" },
      clinicalStatus: { coding: [{ system: "http://example.org", code: "active" }] },
    },
    path: "Condition.clinicalStatus",
    message: /condition-clinical/,
  },
  // Narrative XHTML
  {
    rule: "xhtml",
    name: "<script>",
    value: narrative("<script>alert(1)</script>"),
    path: "Patient.text.div",
    message: /<script> is not allowed/,
  },
  {
    rule: "xhtml",
    name: "<iframe>",
    value: narrative('<iframe src="http://x.org"></iframe>'),
    path: "Patient.text.div",
    message: /<iframe>/,
  },
  {
    rule: "xhtml",
    name: "<object>",
    value: narrative('<object data="x.swf">x</object>'),
    path: "Patient.text.div",
    message: /<object>/,
  },
  {
    rule: "xhtml",
    name: "<embed>",
    value: narrative('<embed src="x.swf"/>'),
    path: "Patient.text.div",
    message: /<embed>/,
  },
  {
    rule: "xhtml",
    name: "an onclick handler",
    value: narrative('<p onclick="steal()">x</p>'),
    path: "Patient.text.div",
    message: /onclick/,
  },
  {
    rule: "xhtml",
    name: "an onerror handler on img",
    value: narrative('<img src="x.png" onerror="steal()"/>'),
    path: "Patient.text.div",
    message: /onerror/,
  },
  {
    rule: "xhtml",
    name: "a javascript: link",
    value: narrative('<a href="javascript:alert(1)">x</a>'),
    path: "Patient.text.div",
    message: /javascript:/,
  },
  {
    rule: "xhtml",
    name: "a javascript: link hidden by a character reference and a tab",
    value: narrative('<a href="&#106;ava&#9;script:alert(1)">x</a>'),
    path: "Patient.text.div",
    message: /javascript:/,
  },
  {
    rule: "xhtml",
    name: "a data:text/html link",
    value: narrative('<a href="data:text/html,&lt;script&gt;x&lt;/script&gt;">x</a>'),
    path: "Patient.text.div",
    message: /data:/,
  },
  {
    rule: "xhtml",
    name: "script in a style attribute",
    value: narrative('<span style="background: url(javascript:alert(1))">x</span>'),
    path: "Patient.text.div",
    message: /style/,
  },
  {
    rule: "xhtml",
    name: "no xmlns on the div",
    value: patient({ text: { status: "generated", div: "<div>x</div>" } }),
    path: "Patient.text.div",
    message: /xmlns/,
  },
  {
    rule: "xhtml",
    name: "not a div",
    value: patient({ text: { status: "generated", div: `<p xmlns="${XHTML}">x</p>` } }),
    path: "Patient.text.div",
    message: /must be a <div>/,
  },
  {
    rule: "xhtml",
    name: "plain text",
    value: patient({ text: { status: "generated", div: "hello" } }),
    path: "Patient.text.div",
    message: /outside the <div>/,
  },
  {
    rule: "xhtml",
    name: "not well-formed",
    value: narrative("<p>x"),
    path: "Patient.text.div",
    message: /does not close/,
  },
  { rule: "xhtml", name: "an HTML entity", value: narrative("a&nbsp;b"), path: "Patient.text.div", message: /&nbsp;/ },
  {
    rule: "xhtml",
    name: "a DOCTYPE",
    value: patient({ text: { status: "generated", div: `<!DOCTYPE html><div xmlns="${XHTML}">x</div>` } }),
    path: "Patient.text.div",
    message: /DOCTYPE/,
  },
  {
    rule: "xhtml",
    name: "no content (txt-2)",
    value: narrative("  <br/> "),
    path: "Patient.text.div",
    message: /txt-2/,
  },
  {
    rule: "xhtml",
    name: "a block inside a paragraph",
    value: narrative("<p><table><tr><td>x</td></tr></table></p>"),
    path: "Patient.text.div",
    message: /inside a <p>/,
  },
  {
    rule: "xhtml",
    name: "in a contained resource",
    value: {
      ...obs,
      hasMember: [{ reference: "#o" }],
      contained: [{ ...obs, id: "o", text: { status: "generated", div: `<div xmlns="${XHTML}"><script/>x</div>` } }],
    },
    path: "Observation.contained[0].text.div",
    message: /script/,
  },
  // Attachments
  {
    rule: "attachment",
    name: "size disagrees with data",
    value: patient({ photo: [{ ...HELLO, size: 6 }] }),
    path: "Patient.photo[0].size",
    message: /decodes to 5 bytes/,
  },
  {
    rule: "attachment",
    name: "hash is not the SHA-1 of data",
    value: patient({ photo: [{ ...HELLO, hash: "2jmj7l5rSw0yVb/vlWAYkK/YBwk=" }] }),
    path: "Patient.photo[0].hash",
    message: /SHA-1/,
  },
  {
    rule: "attachment",
    name: "in DiagnosticReport.presentedForm",
    value: {
      resourceType: "DiagnosticReport",
      status: "final",
      code: { text: "x" },
      presentedForm: [{ ...HELLO, size: 4 }],
    },
    path: "DiagnosticReport.presentedForm[0].size",
    message: /size/,
  },
];

describe("strict rules: invalid resources", () => {
  it(`has ${invalidCases.length} cases covering every rule`, () => {
    expect(invalidCases.length).toBeGreaterThanOrEqual(40);
    expect(new Set(invalidCases.map((c) => c.rule))).toEqual(
      new Set([
        "id",
        "empty",
        "structure",
        "choice",
        "format",
        "per-1",
        "invariants",
        "contained",
        "bundle",
        "binding",
        "xhtml",
        "attachment",
      ]),
    );
  });

  it.each(invalidCases)("[$rule] $name → $path", ({ value, path, message }) => {
    const error = rejection(() => validator.validate(value));
    expect(error.code).toBe("FHIR_INVALID");
    const issue = error.issues.find((i) => i.path === path);
    expect(issue, `issues: ${JSON.stringify(error.issues)}`).toBeDefined();
    expect(issue!.message).toMatch(message);
    expect(error.details).toContain(`${path}: ${issue!.message}`);
  });
});

describe("strict rules: valid edge cases stay valid", () => {
  const cases: { name: string; value: unknown }[] = [
    {
      name: "line-wrapped base64 (allowed by the R4 regex)",
      value: { resourceType: "Binary", contentType: "text/plain", data: "aGVs\nbG8=" },
    },
    { name: "a dateTime at year, month and day precision", value: { ...obs, effectiveDateTime: "2020-01" } },
    {
      name: "a dateTime with seconds, fraction and offset",
      value: { ...obs, effectiveDateTime: "2020-01-01T10:00:00.123456+14:00" },
    },
    {
      name: "Period at different precisions (not ordered: passes)",
      value: { ...obs, effectivePeriod: { start: "2020-01", end: "2020-01-15T10:00:00Z" } },
    },
    {
      name: "Period with equal start and end",
      value: { ...obs, effectivePeriod: { start: "2020-01-01T10:00:00+01:00", end: "2020-01-01T09:00:00Z" } },
    },
    { name: "Period with only an end", value: { ...obs, effectivePeriod: { end: "2020-01-01" } } },
    {
      name: "a history Bundle repeating a resource",
      value: bundle(
        [0, 1].map(() => ({
          fullUrl: "http://x.org/fhir/Patient/1",
          resource: { resourceType: "Patient", id: "1" },
          request: { method: "PUT", url: "Patient/1" },
          response: { status: "200" },
        })),
        "history",
      ),
    },
    {
      name: "the same fullUrl with different versionIds",
      value: bundle(
        ["1", "2"].map((v) => ({
          fullUrl: "http://x.org/fhir/Patient/1",
          resource: { resourceType: "Patient", id: "1", meta: { versionId: v } },
        })),
      ),
    },
    {
      name: "the same id on two servers",
      value: bundle([
        { fullUrl: "http://a.org/fhir/Patient/1", resource: { resourceType: "Patient", id: "1" } },
        { fullUrl: "http://b.org/fhir/Patient/1", resource: { resourceType: "Patient", id: "1" } },
      ]),
    },
    {
      name: "urn:uuid fullUrls",
      value: bundle([
        { fullUrl: "urn:uuid:0b5e1f0c-6b2e-4c1a-9f7e-2d3c4b5a6978", resource: { resourceType: "Patient" } },
      ]),
    },
    {
      name: "a contained resource referring to its container",
      value: patient({
        contained: [
          {
            resourceType: "Provenance",
            id: "p",
            target: [{ reference: "#" }],
            recorded: "2020-01-01T00:00:00Z",
            agent: [{ who: { display: "x" } }],
          },
        ],
      }),
    },
    {
      name: "a contained resource referenced by a canonical",
      value: {
        resourceType: "Questionnaire",
        status: "draft",
        contained: [{ resourceType: "ValueSet", id: "vs", status: "draft" }],
        item: [{ linkId: "1", type: "choice", answerValueSet: "#vs" }],
      },
    },
    {
      name: "primitive array items with extensions only",
      value: patient({
        name: [{ given: ["a", null], _given: [null, { extension: [{ url: "http://x.org", valueString: "b" }] }] }],
      }),
    },
    {
      name: "a code with an extension and no value",
      value: patient({
        _gender: {
          extension: [{ url: "http://hl7.org/fhir/StructureDefinition/data-absent-reason", valueCode: "unknown" }],
        },
      }),
    },
    {
      name: "a CodeableConcept with text only (required binding)",
      value: { resourceType: "Condition", subject: { reference: "Patient/1" }, clinicalStatus: { text: "active" } },
    },
    {
      name: "a code of a value set that is not enumerable (MIME type)",
      value: patient({ photo: [{ contentType: "application/x-anything", data: "aGVsbG8=" }] }),
    },
    {
      name: "Attachment with matching size and hash",
      value: patient({ photo: [{ ...HELLO, size: 5, hash: "qvTGHdzF6KLavt4PO0gs2a6pQ00=" }] }),
    },
    {
      name: "a rich but safe narrative",
      value: narrative(
        '<p>Hi <b>you</b> &amp; &#160;<a href="http://x.org/?a=1&amp;b=2">link</a></p><table><tbody><tr><td style="color: red">1</td></tr></tbody></table><img src="data:image/png;base64,iVBORw0KGgo=" alt="x"/><pre>\n  code</pre>',
      ),
    },
  ];

  it.each(cases)("$name", ({ value }) => {
    expect(validator.validate(value)).toBe(value);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Input that is not strict JSON.
// ---------------------------------------------------------------------------------------------------------------

describe("parseFhirJson / validateJson: input that is not strict JSON", () => {
  const bad: { name: string; text: string | Uint8Array; path: string; message: RegExp }[] = [
    {
      name: "duplicate keys (JSON.parse keeps the last)",
      text: '{"resourceType":"Observation","status":"final","status":"bogus"}',
      path: "$.status",
      message: /duplicate key "status"/,
    },
    {
      name: "duplicate keys, nested",
      text: '{"resourceType":"Patient","name":[{"family":"a","family":"b"}]}',
      path: "$.name[0].family",
      message: /duplicate key/,
    },
    {
      name: "NaN",
      text: '{"resourceType":"Observation","valueQuantity":{"value":NaN}}',
      path: "$.valueQuantity.value",
      message: /NaN/,
    },
    { name: "-Infinity", text: '{"a":-Infinity}', path: "$.a", message: /Infinity/ },
    { name: "a number that overflows", text: '{"a":1e400}', path: "$.a", message: /out of range/ },
    { name: "a leading zero", text: '{"a":01}', path: "$.a", message: /leading zeros/ },
    {
      name: "a trailing comma in an object",
      text: '{"resourceType":"Patient",}',
      path: "$",
      message: /trailing comma/,
    },
    { name: "a trailing comma in an array", text: '{"a":[1,2,]}', path: "$.a", message: /trailing comma/ },
    { name: "a line comment", text: '{"resourceType":"Patient"} // note', path: "$", message: /after the JSON value/ },
    { name: "a block comment", text: '{/* note */"resourceType":"Patient"}', path: "$", message: /comments/ },
    { name: "single quotes", text: "{'resourceType':'Patient'}", path: "$", message: /double quotes/ },
    { name: "an unquoted key", text: "{resourceType:1}", path: "$", message: /double-quoted/ },
    { name: "a BOM in text", text: '\ufeff{"resourceType":"Patient"}', path: "$", message: /byte-order mark/ },
    {
      name: "a UTF-8 BOM in bytes",
      text: new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('{"resourceType":"Patient"}')]),
      path: "$",
      message: /byte-order mark/,
    },
    {
      name: "bytes that are not UTF-8",
      text: new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]),
      path: "$",
      message: /UTF-8/,
    },
    { name: "a raw control character in a string", text: '{"a":"x\ny"}', path: "$.a", message: /control character/ },
    { name: "an invalid escape", text: '{"a":"\\x41"}', path: "$.a", message: /escape/ },
    { name: "truncated input", text: '{"resourceType":"Pat', path: "$.resourceType", message: /unterminated/ },
    { name: "two documents", text: "{}{}", path: "$", message: /after the JSON value/ },
    {
      name: "nesting deeper than 256",
      text: `${"[".repeat(300)}${"]".repeat(300)}`,
      path: `$${"[0]".repeat(256)}`,
      message: /deeper than 256/,
    },
  ];

  it.each(bad)("$name → $path", ({ text, path, message }) => {
    for (const parse of [() => parseFhirJson(text), () => validator.validateJson(text)]) {
      const error = rejection(parse);
      expect(error.issues).toHaveLength(1);
      expect(error.issues[0]!.path).toBe(path);
      expect(error.issues[0]!.message).toMatch(/^not strict JSON: /);
      expect(error.issues[0]!.message).toMatch(message);
    }
  });

  it("reports line and column", () => {
    const error = rejection(() => parseFhirJson('{\n  "resourceType": "Patient",\n  "resourceType": "Patient"\n}'));
    expect(error.issues[0]!.message).toMatch(/line 3, column 3/);
  });

  it.each([
    { name: "text", input: '{"resourceType":"Patient","gender":"female"}' },
    { name: "bytes", input: new TextEncoder().encode('{"resourceType":"Patient","gender":"female"}') },
    { name: "an ArrayBuffer", input: new TextEncoder().encode('{"resourceType":"Patient","gender":"female"}').buffer },
  ])("validateJson accepts $name", ({ input }) => {
    expect(validator.validateJson(input)).toEqual({ resourceType: "Patient", gender: "female" });
  });

  it("keeps __proto__ as an own property (never a prototype)", () => {
    const value = parseFhirJson('{"__proto__":{"polluted":true}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.hasOwn(value, "__proto__")).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("validateJson validates after parsing", () => {
    const error = rejection(() =>
      validator.validateJson('{"resourceType":"Observation","status":"bogus","code":{"text":"x"}}'),
    );
    expect(error.issues.map((i) => i.path)).toEqual(["Observation.status"]);
  });

  it("validate() on a string explains that JSON text goes to validateJson", () => {
    const error = rejection(() => validator.validate('{"resourceType":"Patient"}'));
    expect(error.issues[0]).toEqual({ path: "$", message: "not an object (JSON text: use validateJson)" });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The rules' own functions, table-tested.
// ---------------------------------------------------------------------------------------------------------------

describe("rule functions", () => {
  it("R4_PATTERNS are the regexes of the R4 definitions (profiles-types.json)", () => {
    for (const [type, pattern] of Object.entries(R4_PATTERNS)) {
      const sd = definitions.types.entry?.find(
        (e) => e.resource?.resourceType === "StructureDefinition" && (e.resource as { name?: string }).name === type,
      )?.resource as
        | {
            snapshot: { element: { path: string; type?: { extension?: { url: string; valueString?: string }[] }[] }[] };
          }
        | undefined;
      const value = sd?.snapshot.element.find((e) => e.path === `${type}.value`);
      const regex = value?.type?.[0]?.extension?.find(
        (x) => x.url === "http://hl7.org/fhir/StructureDefinition/regex",
      )?.valueString;
      expect(regex, type).toBe(pattern);
    }
  });

  it.each([
    ["dateTime", "2020", undefined],
    ["dateTime", "2020-02-29", undefined],
    ["dateTime", "2020-01-01T00:00:00Z", undefined],
    ["dateTime", "2020-01-01T23:59:60.5-03:30", undefined],
    ["dateTime", "2020-01-01T10:00:00", /timezone/],
    ["dateTime", "2020-01-01T10:00Z", /R4 dateTime/],
    ["dateTime", "0000", /R4 dateTime/],
    ["dateTime", "2019-02-29", /calendar/],
    ["date", "2020-01-01T00:00:00Z", /R4 date/],
    ["date", "2020-04-31", /calendar/],
    ["instant", "2020-01-01T00:00:00.1234567890Z", undefined],
    ["instant", "2020-01-01T00:00:00+15:00", /instant/],
    ["time", "24:00:00", /time/],
    ["uri", "urn:x:a", undefined],
    ["url", "http://x.org/a\tb", /url/],
    ["oid", "urn:oid:1.2.840.10008", undefined],
    ["oid", "urn:oid:1.02", /oid/],
    ["uuid", "urn:uuid:A0B1C2D3-0000-0000-0000-000000000000", /uuid/],
    ["base64Binary", "aGVsbG8=", undefined],
    ["base64Binary", "aGVs\r\n bG8=", undefined],
    ["base64Binary", "aGVsbG8", /multiple of 4/],
    ["base64Binary", "aGVsbG8===", /multiple of 4|padding/],
    ["string", "ok \ud83d\ude00", undefined],
    ["string", "\udc00", /Unicode/],
    ["markdown", "x\ud800", /Unicode/],
    ["code", "final", undefined],
  ] as const)("primitiveProblem(%s, %j)", (type, value, expected) => {
    const problem = primitiveProblem(type, value);
    if (expected === undefined) expect(problem).toBeUndefined();
    else expect(problem).toMatch(expected);
  });

  it.each([
    ["", /no data/],
    ["====", /more than two padding|padding/],
    ["ab=c", /only allowed at the end/],
    ["ab c", /between groups/],
    ["abc\u00e9", /not a base64 character/],
  ])("base64Problem(%j)", (value, expected) => {
    expect(base64Problem(value)).toMatch(expected);
  });

  it.each([
    ["2020-01-01", "2020-01-02", -1],
    ["2020-02", "2020-01-15", 1],
    ["2020-01", "2020-01-31", 0],
    ["2020", "2019-12-31T23:00:00Z", 1],
    ["2020-01-01T10:00:00+01:00", "2020-01-01T09:00:00Z", 0],
    ["2020-01-01T10:00:00.5Z", "2020-01-01T10:00:00.45Z", 1],
    ["0050-01-01T00:00:00Z", "1950-01-01T00:00:00Z", -1],
    ["not a date", "2020", undefined],
  ] as const)("compareDateTimes(%s, %s) has sign %s", (a, b, sign) => {
    const order = compareDateTimes(a, b);
    if (sign === undefined) expect(order).toBeUndefined();
    else expect(Math.sign(order!)).toBe(sign);
  });

  it.each([
    [`<div xmlns="${XHTML}">x</div>`, undefined],
    [`  <div xmlns="${XHTML}"><p>a<br/>b</p></div>\n`, undefined],
    [`<div xmlns="${XHTML}" xml:lang="en" lang="en"><ul><li>x</li></ul></div>`, undefined],
    [`<div xmlns="${XHTML}"><a name="x">x</a></div>`, undefined],
    [`<div xmlns="${XHTML}"><![CDATA[ x < y ]]></div>`, /CDATA/],
    [`<div xmlns="${XHTML}">x<!-- note --></div>`, /comments/],
    [`<div xmlns="${XHTML}"><svg/>x</div>`, /<svg>/],
    [`<div xmlns="${XHTML}"><form>x</form></div>`, /<form>/],
    [`<div xmlns="${XHTML}"><style>x</style></div>`, /<style>/],
    [`<div xmlns="${XHTML}"><p xmlns="http://www.w3.org/2000/svg">x</p></div>`, /namespace/],
    [`<div xmlns="${XHTML}"><a xlink:href="x">x</a></div>`, /xlink:href/],
    [`<div xmlns="${XHTML}"><p a="1" a="2">x</p></div>`, /twice/],
    [`<div xmlns="${XHTML}">a < b</div>`, /must start a tag/],
    [`<div xmlns="${XHTML}">a & b</div>`, /entity/],
    [`<div xmlns="${XHTML}">x</div><div xmlns="${XHTML}">y</div>`, /after the closing/],
    [`<?xml version="1.0"?><div xmlns="${XHTML}">x</div>`, /processing instruction/],
    [`<div xmlns="${XHTML}">&#0;</div>`, /XML character/],
    [`<div xmlns="${XHTML}"><p title=x>x</p></div>`, /quoted/],
  ])("xhtmlProblem(%j)", (xhtml, expected) => {
    const problem = xhtmlProblem(xhtml);
    if (expected === undefined) expect(problem).toBeUndefined();
    else expect(problem).toMatch(expected);
  });

  it.each([
    ["a", "href", "http://x.org", undefined],
    ["a", "href", "#section", undefined],
    ["a", "href", " JaVaScRiPt:x", /javascript:/],
    ["a", "href", "vbscript:x", /vbscript:/],
    ["a", "href", "data:image/png;base64,AAAA", /data:/],
    ["img", "src", "data:image/svg+xml;base64,AAAA", /data:/],
    ["img", "src", "data:image/png;base64,AAAA", undefined],
  ] as const)("unsafeUrl(%s.%s = %j)", (element, attribute, url, expected) => {
    const problem = unsafeUrl(element, attribute, url);
    if (expected === undefined) expect(problem).toBeUndefined();
    else expect(problem).toMatch(expected);
  });

  it.each([
    ["color: red; font-weight: bold", undefined],
    ["width: expression(alert(1))", /expression/],
    ["background: url( 'java\\script:x')", /javascript:/],
    ["-moz-binding: url(x.xml#y)", /-moz-binding/],
  ] as const)("unsafeStyle(%j)", (style, expected) => {
    const problem = unsafeStyle(style);
    if (expected === undefined) expect(problem).toBeUndefined();
    else expect(problem).toMatch(expected);
  });

  it.each([
    [{ ...HELLO }, []],
    [{ ...HELLO, size: 5, hash: "qvTGHdzF6KLavt4PO0gs2a6pQ00=" }, []],
    [{ data: "aGVs\nbG8=", size: 5 }, []],
    [{ ...HELLO, size: 4 }, ["size"]],
    [{ ...HELLO, hash: "AAAA" }, ["hash"]],
    [{ ...HELLO, size: 0, hash: "AAAA" }, ["size", "hash"]],
    [{ data: "not base64!", size: 1 }, []],
    [{ url: "http://x.org/a.pdf", size: 1, hash: "AAAA" }, []],
  ])("attachmentProblems(%j)", (attachment, elements) => {
    expect(attachmentProblems(attachment).map(([element]) => element)).toEqual(elements);
  });

  it("indexValueSets enumerates what it can and skips the rest (no terminology server)", () => {
    const bundles = [definitions.valueSets].flat() as Parameters<typeof indexValueSets>[0];
    const index = indexValueSets(bundles);
    expect([...index.expand("http://hl7.org/fhir/ValueSet/administrative-gender|4.0.1")!.codes].sort()).toEqual([
      "female",
      "male",
      "other",
      "unknown",
    ]);
    // Imports another value set (v3 TimingEvent) and a code system.
    expect(index.expand("http://hl7.org/fhir/ValueSet/event-timing")!.codes.has("ACM")).toBe(true);
    // External code systems: not enumerable, so not checked.
    expect(index.expand("http://hl7.org/fhir/ValueSet/mimetypes")).toBeUndefined();
    expect(index.expand("http://hl7.org/fhir/ValueSet/currencies")).toBeUndefined();
    expect(index.expand("http://example.org/no-such-value-set")).toBeUndefined();
    // Without value sets, required bindings are not checked.
    const noValueSets = createFhirValidator({ types: definitions.types, resources: definitions.resources });
    expect(noValueSets.validate({ ...obs, status: "bogus" })).toBeDefined();
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Random input: only FhirValidationError, ever.
// ---------------------------------------------------------------------------------------------------------------

describe("property: random input never throws anything but FhirValidationError", () => {
  const onlyFhirErrors = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      if (!(error instanceof FhirValidationError)) throw error;
    }
  };
  const types = [
    "Patient",
    "Observation",
    "Bundle",
    "Condition",
    "Encounter",
    "Binary",
    "DiagnosticReport",
    "Consent",
    "Nope",
  ];
  const keys = [
    "id",
    "meta",
    "text",
    "contained",
    "extension",
    "_id",
    "status",
    "_status",
    "code",
    "subject",
    "valueQuantity",
    "valueString",
    "valueBoolean",
    "effectivePeriod",
    "effectiveDateTime",
    "name",
    "gender",
    "birthDate",
    "photo",
    "entry",
    "type",
    "data",
    "contentType",
    "presentedForm",
    "identifier",
    "__proto__",
    "constructor",
    "resourceType",
  ];
  const resourceLike = fc
    .tuple(
      fc.constantFrom(...types),
      fc.dictionary(fc.constantFrom(...keys), fc.jsonValue({ maxDepth: 4 })),
      fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 })),
    )
    .map(([resourceType, known, random]) => {
      const value = JSON.parse(JSON.stringify({ ...random, ...known })) as Record<string, unknown>;
      value.resourceType = resourceType;
      return value;
    });

  it("validate(random JSON value)", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), (value) => onlyFhirErrors(() => validator.validate(value))),
      { numRuns: 300 },
    );
  });

  it("validate(random resource-like object)", () => {
    fc.assert(
      fc.property(resourceLike, (value) => onlyFhirErrors(() => validator.validate(value))),
      { numRuns: 500 },
    );
  });

  it("validateJson(random text) and parseFhirJson agrees with JSON.parse on valid JSON", () => {
    fc.assert(
      fc.property(fc.string(), (text) => onlyFhirErrors(() => validator.validateJson(text))),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value);
        expect(parseFhirJson(text)).toEqual(JSON.parse(text));
      }),
      { numRuns: 300 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The CLI: npm run -s validate -- FILE...
// ---------------------------------------------------------------------------------------------------------------

describe("scripts/validate.ts", () => {
  const dir = mkdtempSync(join(tmpdir(), "carechain-validate-"));
  const valid = join(dir, "valid.json");
  const invalid = join(dir, "invalid.json");
  const notJson = join(dir, "duplicate.json");
  writeFileSync(valid, JSON.stringify({ resourceType: "Patient", gender: "female", birthDate: "1990-01-01" }));
  writeFileSync(invalid, JSON.stringify({ ...obs, status: "bogus" }));
  writeFileSync(notJson, '{"resourceType":"Patient","gender":"female","gender":"male"}');

  /** Runs the CLI; resolves with its exit code and output (run() rejects on a non-zero exit). */
  async function cli(args: string[]): Promise<{ code: number; output: string }> {
    try {
      return { code: 0, output: await run("tsx", ["--conditions=carechain-source", "scripts/validate.ts", ...args]) };
    } catch (error) {
      const message = (error as Error).message;
      const code = Number(/exited with (\d+)/.exec(message)?.[1]);
      return { code, output: message.slice(message.indexOf("\n") + 1) };
    }
  }

  it("one line per file; exit 1 when any file is invalid", async () => {
    const { code, output } = await cli([valid, invalid, notJson]);
    expect(code).toBe(1);
    const lines = output.trim().split("\n");
    expect(lines).toEqual([
      `${valid}: valid`,
      expect.stringMatching(
        new RegExp(`^${invalid}: invalid: Observation\\.status: "bogus" is not in the required value set`),
      ),
      `${notJson}: invalid: $.gender: not strict JSON: duplicate key "gender" (line 1, column 45)`,
    ]);
  });

  it("exit 0 when every file is valid", async () => {
    expect(await cli([valid])).toEqual({ code: 0, output: `${valid}: valid\n` });
  });

  it("exit 2 without files", async () => {
    const { code, output } = await cli([]);
    expect(code).toBe(2);
    expect(output).toMatch(/usage: npm run -s validate -- FILE/);
  });
});
