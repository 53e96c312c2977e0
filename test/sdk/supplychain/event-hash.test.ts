// EPCIS Event Hash ID: every vector of the reference implementation (../shared/data/epcis/event-hash), plus
// representation-independence properties and the canonicalisation helpers.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

import { describe, expect, it } from "vitest";

import {
  epcisEventHashIds,
  epcisPreHashStrings,
  eventHashDigest,
  eventHashIdOf,
} from "../../../sdk/supplychain/event-hash.js";
import { gs1CheckDigit, normaliseGs1Uri } from "../../../sdk/supplychain/_dl-normaliser.js";
import { canonicalTimestamp, pythonFloatRepr } from "../../../sdk/supplychain/_epcis-values.js";
import { sharedData } from "../_support.js";

const vectors = sharedData("epcis/event-hash");

interface Vector {
  name: string;
  document: unknown;
  hashes: string[];
  preHashes: (string | undefined)[];
}

function loadVectors(): Vector[] {
  const lines = (file: string): string[] =>
    readFileSync(file, "utf8")
      .split("\n")
      .filter((l) => l.length > 0);
  return readdirSync(vectors.path)
    .filter((f) => f.endsWith(".jsonld"))
    .sort()
    .map((f) => {
      const base = join(vectors.path, f.replace(/\.jsonld$/, ""));
      let preHashes: string[];
      try {
        preHashes = lines(`${base}.prehashes`);
      } catch {
        preHashes = [];
      }
      return {
        name: f,
        document: JSON.parse(readFileSync(`${base}.jsonld`, "utf8")) as unknown,
        hashes: lines(`${base}.hashes`),
        preHashes,
      };
    });
}

describe.skipIf(!vectors.exists)("EPCIS Event Hash ID: the reference vectors", () => {
  const all = vectors.exists ? loadVectors() : [];

  it("the vector set is complete (14 documents, 31 events, 30 pre-hash strings)", () => {
    expect(all).toHaveLength(14);
    expect(all.reduce((n, v) => n + v.hashes.length, 0)).toBe(31);
    expect(all.reduce((n, v) => n + v.preHashes.length, 0)).toBe(30);
  });

  it.each(all.map((v) => [v.name, v] as const))("%s: every event's hash ID", (_name, v) => {
    expect(epcisEventHashIds(v.document)).toEqual(v.hashes);
  });

  // Two pre-hash lines in the source are stale: their SHA-256 is not the event's published hash
  // (epcisDocWithCustomSchemaInContext #2 is an old rendering of event #1; epcisDocWithDefaultSchemaInContext #2
  // is cut off mid-identifier). The hash file is the authority; the test proves each stale line is stale.
  const STALE = new Set(["epcisDocWithCustomSchemaInContext.jsonld#2", "epcisDocWithDefaultSchemaInContext.jsonld#2"]);
  const preHashCases = all.flatMap((v) => v.preHashes.map((p, i) => [`${v.name}#${i + 1}`, v, i, p!] as const));

  it.each(preHashCases)("%s: the pre-hash string", (id, v, i, expected) => {
    const actual = epcisPreHashStrings(v.document)[i];
    if (STALE.has(id)) {
      expect(eventHashIdOf(expected)).not.toBe(v.hashes[i]);
      expect(actual).not.toBe(expected);
      expect(eventHashIdOf(actual!)).toBe(v.hashes[i]);
    } else {
      expect(eventHashIdOf(expected)).toBe(v.hashes[i]);
      expect(actual).toBe(expected);
    }
  });
});

const base = {
  "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
  type: "EPCISDocument",
  schemaVersion: "2.0",
  creationDate: "2026-01-01T00:00:00Z",
};
const doc = (event: Record<string, unknown>): unknown => ({ ...base, epcisBody: { eventList: [event] } });
const event = {
  type: "ObjectEvent",
  eventTime: "2026-03-04T11:00:30+01:00",
  eventTimeZoneOffset: "+01:00",
  epcList: ["urn:epc:id:sgtin:4012345.011111.1001", "urn:epc:id:sgtin:4012345.011111.1002"],
  action: "ADD",
  bizStep: "commissioning",
  disposition: "active",
  readPoint: { id: "urn:epc:id:sgln:4012345.00011.0" },
};

describe("EPCIS Event Hash ID: representation independence", () => {
  const [reference] = epcisEventHashIds(doc(event));

  it.each([
    ["keys in another order", Object.fromEntries(Object.entries(event).reverse())],
    ["epcList in another order", { ...event, epcList: [...event.epcList].reverse() }],
    [
      "Digital Link identifiers on a custom domain",
      {
        ...event,
        epcList: ["https://example.com/01/04012345111118/21/1001", "https://id.gs1.org/01/04012345111118/21/1002?x=1"],
      },
    ],
    [
      "CBV 1.x URNs",
      { ...event, bizStep: "urn:epcglobal:cbv:bizstep:commissioning", disposition: "urn:epcglobal:cbv:disp:active" },
    ],
    ["another time zone and precision", { ...event, eventTime: "2026-03-04T10:00:30.0000Z" }],
    ["recordTime and eventID (ignored)", { ...event, recordTime: "2026-03-05T00:00:00Z", eventID: "urn:uuid:1" }],
  ])("the same event with %s has the same hash", (_what, variant) => {
    expect(epcisEventHashIds(doc(variant))).toEqual([reference]);
  });

  it.each([
    [
      "another serial",
      { ...event, epcList: ["urn:epc:id:sgtin:4012345.011111.1001", "urn:epc:id:sgtin:4012345.011111.1003"] },
    ],
    ["another action", { ...event, action: "OBSERVE" }],
    ["another time", { ...event, eventTime: "2026-03-04T11:00:30.001+01:00" }],
    ["a user extension", { ...event, "example:x": "1", "@context": undefined }],
    ["one serial fewer", { ...event, epcList: ["urn:epc:id:sgtin:4012345.011111.1001"] }],
  ])("a different event (%s) has a different hash", (_what, variant) => {
    expect(epcisEventHashIds(doc(variant))[0]).not.toBe(reference);
  });

  it("names the digest as bytes32 and refuses other forms", () => {
    expect(eventHashDigest(reference!)).toBe(`0x${reference!.slice(14, 78)}`);
    expect(() => eventHashDigest("ni:///sha-384;00?ver=CBV2.0")).toThrow(TypeError);
  });

  it("refuses a document without events", () => {
    expect(() => epcisEventHashIds({ type: "EPCISDocument" })).toThrow(/epcisBody/);
    expect(() => epcisEventHashIds({ epcisBody: {} })).toThrow(/eventList/);
  });
});

describe("EPCIS Event Hash ID: canonicalisation helpers", () => {
  it.each([
    ["urn:epc:id:sgtin:4012345.011111.1001", "https://id.gs1.org/01/04012345111118/21/1001"],
    ["urn:epc:id:sscc:4012345.0000000333", "https://id.gs1.org/00/040123450000003338"],
    ["urn:epc:id:sgln:4012345.00011.987", "https://id.gs1.org/414/4012345000115/254/987"],
    ["urn:epc:id:sgln:4012345.00011.0", "https://id.gs1.org/414/4012345000115"],
    ["urn:epc:class:lgtin:4012345.011111.LOT-7", "https://id.gs1.org/01/04012345111118/10/LOT-7"],
    ["https://example.org/gtin/4012345111118/lot/L1/ser/S1?exp=260101", "https://id.gs1.org/01/04012345111118/21/S1"],
    ["https://id.gs1.org/01/4012345111118", "https://id.gs1.org/01/04012345111118"],
    ["urn:epc:id:sgtin:4012345.011111.a(b)", "https://id.gs1.org/01/04012345111118/21/a%28b%29"],
    ["https://ref.gs1.org/cbv/BizStep-shipping", undefined],
    ["plain text", undefined],
  ])("normalises %s", (uri, expected) => {
    expect(normaliseGs1Uri(uri)).toBe(expected);
  });

  it("computes GS1 check digits (GTIN-13, SSCC, GLN)", () => {
    expect(gs1CheckDigit("401234511111")).toBe(8);
    expect(gs1CheckDigit("04012345000000333")).toBe(8);
    expect(gs1CheckDigit("401234500011")).toBe(5);
  });

  it.each([
    [1.5, "1.5"],
    [0.0001, "0.0001"],
    [0.00001, "1e-05"],
    [1.5e-7, "1.5e-07"],
    [1.5e16, "1.5e+16"],
    [123456.789, "123456.789"],
    [-2.5, "-2.5"],
  ])("writes %d as Python does (%s)", (x, expected) => {
    expect(pythonFloatRepr(x)).toBe(expected);
  });

  it.each([
    ["2020-03-04T11:00:30.000+01:00", "2020-03-04T10:00:30.000Z"],
    ["2019-10-21T14:45:00Z", "2019-10-21T14:45:00.000Z"],
    ["2022-02-15T01:33:31.116000-06:00", "2022-02-15T07:33:31.116Z"],
    ["2023-01-18T11:04:03.1416Z", "2023-01-18T11:04:03.142Z"],
    ["2023-01-18T11:04:03.1425Z", "2023-01-18T11:04:03.142Z"],
    ["2023-01-18T11:04:59.9996Z", "2023-01-18T11:05:00.000Z"],
    ["not a time", "not a time"],
  ])("canonical timestamp of %s", (text, expected) => {
    expect(canonicalTimestamp(text)).toBe(expected);
  });
});
