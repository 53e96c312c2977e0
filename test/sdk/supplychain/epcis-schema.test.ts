// GS1 EPCIS 2.0 JSON Schema validation: every GS1 example is valid, and each mutation is refused with the document
// path and the schema path of the rule that refuses it.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

import { describe, expect, it } from "vitest";

import { createEpcisSchemaValidator, formatEpcisSchemaIssue } from "../../../sdk/supplychain/epcis-schema.js";
import { sharedData } from "../_support.js";

const schemaFile = sharedData("epcis/schema/EPCIS-JSON-Schema.json");
const examples = sharedData("epcis/examples");

/** An EPCIS document as the tests mutate it: any property, and the event list under epcisBody. */
interface Doc {
  [key: string]: unknown;
  epcisBody: { eventList: Record<string, unknown>[] };
}

describe.skipIf(!schemaFile.exists || !examples.exists)("EPCIS 2.0 JSON Schema validation", () => {
  const validate = schemaFile.exists
    ? createEpcisSchemaValidator(JSON.parse(readFileSync(schemaFile.path, "utf8")))
    : () => ({ valid: true as const });
  const files = examples.exists
    ? readdirSync(examples.path)
        .filter((f) => f.endsWith(".jsonld"))
        .sort()
    : [];
  const read = (file: string): Doc => JSON.parse(readFileSync(join(examples.path, file), "utf8")) as Doc;

  it("has all 29 GS1 examples", () => {
    expect(files).toHaveLength(29);
  });

  it.each(files)("%s is valid", (file) => {
    const result = validate(read(file));
    expect(result.valid ? "valid" : formatEpcisSchemaIssue(result.reason)).toBe("valid");
  });

  const event = (d: Doc): Record<string, unknown> => d.epcisBody.eventList[0]!;
  it.each([
    [
      "an unknown action",
      (d: Doc) => (event(d).action = "JUMP"),
      "/epcisBody/eventList/0/action",
      "#/definitions/action/enum",
    ],
    ["no eventTime", (d: Doc) => delete event(d).eventTime, "/epcisBody/eventList/0", "#/definitions/Event/required"],
    [
      "a time that is not a date-time",
      (d: Doc) => (event(d).eventTime = "yesterday"),
      "/epcisBody/eventList/0/eventTime",
      "#/definitions/time/format",
    ],
    [
      "epcList as a string",
      (d: Doc) => (event(d).epcList = "urn:epc:id:sgtin:1"),
      "/epcisBody/eventList/0/epcList",
      "#/definitions/epcList/type",
    ],
    [
      "an EPC that is not a URI",
      (d: Doc) => (event(d).epcList = ["not a uri"]),
      "/epcisBody/eventList/0/epcList/0",
      "#/definitions/uri/format",
    ],
    ["no schemaVersion", (d: Doc) => delete d.schemaVersion, "", "#/definitions/epcisDocument/required"],
    ["no @context", (d: Doc) => delete d["@context"], "", "#/definitions/epcisDocument/required"],
    [
      "a numeric bizStep",
      (d: Doc) => (event(d).bizStep = 7),
      "/epcisBody/eventList/0/bizStep",
      "#/definitions/vocab-other-uri/type",
    ],
    [
      "a malformed time zone offset",
      (d: Doc) => (event(d).eventTimeZoneOffset = "1 hour"),
      "/epcisBody/eventList/0/eventTimeZoneOffset",
      "#/definitions/Event/properties/eventTimeZoneOffset/pattern",
    ],
    [
      "a quantity that is not a number",
      (d: Doc) =>
        (event(d).quantityList = [{ epcClass: "urn:epc:class:lgtin:4012345.012345.998877", quantity: "many" }]),
      "/epcisBody/eventList/0/quantityList/0/quantity",
      "#/definitions/decimal/type",
    ],
    [
      "an un-namespaced extension field",
      (d: Doc) => (event(d).price = "12.50"),
      "/epcisBody/eventList/0",
      "#/definitions/common-event-properties/anyOf/0/enum",
    ],
  ])("refuses %s with its document and schema path", (_what, mutate, instancePath, schemaPath) => {
    const doc = read("Example_9.6.1-ObjectEvent.jsonld");
    expect(validate(doc).valid).toBe(true);
    mutate(doc);
    const result = validate(doc);
    expect(result.valid).toBe(false);
    if (result.valid) return;
    expect(result.reason.instancePath).toBe(instancePath);
    expect(result.reason.schemaPath).toBe(schemaPath);
    expect(result.issues.length).toBeGreaterThan(0);
    expect(formatEpcisSchemaIssue(result.reason)).toContain(`(schema ${schemaPath})`);
  });

  it("refuses a schema that is not an object", () => {
    expect(() => createEpcisSchemaValidator("schema")).toThrow(TypeError);
  });
});
