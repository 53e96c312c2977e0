/**
 * One validator's schema index: the StructureDefinitions of its definitions parsed into @medplum/core's schema
 * form and kept by the validator (no module-level state), and the hand-over of those schemas to @medplum/core's
 * process-wide type map just before @medplum/core validates for this validator.
 * @internal
 */
import { getAllDataTypes, parseStructureDefinition, type InternalTypeSchema } from "@medplum/core";
import type { Bundle, StructureDefinition } from "@medplum/fhirtypes";

import type { SchemaIndex } from "./rule.js";

/** StructureDefinitions that are profiles but serve as base types (as @medplum/core's `loadDataType` names them). */
const TYPE_SPECIAL_CASES: Readonly<Record<string, string>> = {
  "http://hl7.org/fhir/StructureDefinition/MoneyQuantity": "MoneyQuantity",
  "http://hl7.org/fhir/StructureDefinition/SimpleQuantity": "SimpleQuantity",
};

/** A validator's schemas, plus `install` to make them the ones @medplum/core's `validateResource` reads. */
export interface OwnedSchemaIndex extends SchemaIndex {
  /** Writes these schemas into @medplum/core's type map where another validator (or nothing) put its own. */
  install(): void;
}

/**
 * Parses the StructureDefinitions of `bundles` into an index owned by the caller, naming types as @medplum/core
 * does: base types by `type` (and the MoneyQuantity/SimpleQuantity profiles by name), backbone elements by their
 * inner name. Other profiles are left out (the base R4 validator does not read them).
 * @param bundles - The R4 `profiles-types` and `profiles-resources` bundles.
 * @returns The index.
 */
export function indexSchemas(bundles: readonly Bundle[]): OwnedSchemaIndex {
  const types = new Map<string, InternalTypeSchema>();
  for (const bundle of bundles) {
    for (const entry of bundle.entry ?? []) {
      const sd = entry.resource as StructureDefinition | undefined;
      if (sd?.resourceType !== "StructureDefinition" || !sd.name || !sd.type) continue;
      const special = TYPE_SPECIAL_CASES[sd.url];
      if (special === undefined && sd.url !== `http://hl7.org/fhir/StructureDefinition/${sd.type}`) continue;
      const schema = parseStructureDefinition(sd);
      types.set(special ?? sd.type, schema);
      for (const inner of schema.innerTypes) {
        inner.parentType = schema;
        types.set(inner.name, inner);
      }
    }
  }
  return {
    type: (name) => types.get(name),
    isResourceType: (name) => {
      const schema = types.get(name);
      return schema?.kind === "resource" && name !== "Resource" && name !== "DomainResource";
    },
    install: () => {
      const global = getAllDataTypes();
      for (const [name, schema] of types) if (global[name] !== schema) global[name] = schema;
    },
  };
}
