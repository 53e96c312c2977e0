/**
 * A schema-guided walk over a FHIR JSON resource for the strict rules (sdk/fhir/strict/rules/). It
 * resolves every JSON property to its element definition (direct, choice `value[x]` or primitive extension
 * `_name`) using the validator's own R4 schemas (strict/schemas.ts), reports the JSON-shape problems @medplum/core lets
 * through (empty arrays, objects and strings; elements with only an id; two types for one choice element;
 * `_name` on a non-primitive element or with a misaligned array; unknown names that @medplum/core finds on
 * Object.prototype, such as `__proto__` or `constructor`), and calls each rule once per value with its FHIR type
 * and element path.
 *
 * Paths follow @medplum/core's convention (so both validators' issues read alike and can be de-duplicated):
 * `Observation.value[x]`, `Patient.name[0].given[1]`, `Bundle.entry[2].resource.id`. Unknown properties are
 * reported and not descended into.
 * @internal
 */
import { capitalize, isPrimitiveType, type InternalSchemaElement, type InternalTypeSchema } from "@medplum/core";

import type { FhirNode, JsonObject, Report, ResourceContext, RuleVisitor, SchemaIndex } from "./rule.js";

/** How deep resources may nest before the walk refuses them (a guard against stack exhaustion). */
const MAX_DEPTH = 200;

/**
 * Walks `resource` (already known to be an object with a string resourceType) and calls the rules' visitors.
 * @param resource - The resource.
 * @param schemas - The validator's schemas.
 * @param rules - The visitors of one walk (each rule's `start`).
 * @param report - Records a problem.
 * @throws {RangeError} When resources nest deeper than 200 levels.
 */
export function walkResource(
  resource: JsonObject,
  schemas: SchemaIndex,
  rules: readonly RuleVisitor[],
  report: Report,
): void {
  const type = resource.resourceType as string;
  new Walker(schemas, rules, report).resource(resource, type, undefined, undefined, false);
}

class Walker {
  constructor(
    private readonly schemas: SchemaIndex,
    private readonly rules: readonly RuleVisitor[],
    private readonly report: Report,
  ) {}

  private depth = 0;

  resource(
    obj: JsonObject,
    path: string,
    element: InternalSchemaElement | undefined,
    parent: ResourceContext | undefined,
    contained: boolean,
  ): void {
    const type = obj.resourceType;
    if (typeof type !== "string") {
      this.report(`${path}.resourceType`, "a resource needs a resourceType (a string)");
      return;
    }
    const schema = this.schemas.type(type);
    if (schema?.kind !== "resource") {
      this.report(`${path}.resourceType`, `unknown resource type "${type}"`);
      return;
    }
    const base: { resource: JsonObject; path: string; contained: boolean; root?: ResourceContext } = {
      resource: obj,
      path,
      contained,
    };
    base.root = contained && parent ? parent.root : (base as ResourceContext);
    const context = base as ResourceContext;
    const node: FhirNode = { value: obj, type, path, element, isResource: true, context };
    this.enter(node);
    this.object(obj, schema, path, context);
    for (const rule of this.rules) rule.leave?.(node, this.report);
    this.leave();
  }

  private enter(node: FhirNode): void {
    if (++this.depth > MAX_DEPTH) throw new RangeError(`nested deeper than ${MAX_DEPTH} levels`);
    for (const rule of this.rules) rule.visit?.(node, this.report);
  }

  private leave(): void {
    this.depth--;
  }

  private object(obj: JsonObject, schema: InternalTypeSchema, path: string, context: ResourceContext): void {
    const choices = new Map<string, string>();
    for (const key of Object.keys(obj)) {
      if (key === "resourceType" && schema.kind === "resource") continue;
      const extension = key.startsWith("_");
      const resolved = resolveElement(schema, extension ? key.slice(1) : key);
      if (!resolved) {
        // @medplum/core reports most of these, but not names it finds on Object.prototype ("__proto__", "constructor").
        this.report(`${path}.${key}`, `unknown element "${key}"`);
        continue;
      }
      const { name, element, type } = resolved;
      const elementPath = `${path}.${name}`;
      if (name.endsWith("[x]")) {
        const seen = choices.get(name);
        const valueKey = extension ? key.slice(1) : key;
        if (seen !== undefined && seen !== valueKey) {
          this.report(elementPath, `a choice element takes one type, found ${seen} and ${valueKey}`);
          continue;
        }
        choices.set(name, valueKey);
      }
      const value = obj[key];
      if (extension) {
        this.primitiveExtension(obj, key, value, element, type, elementPath, path, context);
        continue;
      }
      if (element.isArray) {
        if (!Array.isArray(value)) {
          // @medplum/core reports most of these, but not an empty object where an array belongs.
          if (typeof value === "object" && value !== null) this.report(elementPath, "must be an array");
          continue;
        }
        if (value.length === 0) {
          this.report(elementPath, "an empty array is not allowed (leave the property out)");
          continue;
        }
        value.forEach((item, i) => this.value(item, type, element, `${elementPath}[${i}]`, context));
      } else if (!Array.isArray(value)) {
        this.value(value, type, element, elementPath, context);
      } else {
        // An array where one value belongs (@medplum/core misses the empty one).
        this.report(elementPath, "must be a single value, not an array");
      }
    }
  }

  /** `_name`: the id/extensions of a primitive (or of each item of a primitive array). */
  private primitiveExtension(
    obj: JsonObject,
    key: string,
    value: unknown,
    element: InternalSchemaElement,
    type: string,
    elementPath: string,
    parentPath: string,
    context: ResourceContext,
  ): void {
    const keyPath = `${parentPath}.${key}`;
    if (!isPrimitiveType(type)) {
      this.report(keyPath, `"${key}" is only allowed for a primitive element (${key.slice(1)} is a ${type})`);
      return;
    }
    const elementSchema = this.schemas.type("Element");
    if (!elementSchema) return;
    const partner = obj[key.slice(1)];
    const items = element.isArray && Array.isArray(value) ? value : [value];
    if (element.isArray !== Array.isArray(value)) {
      this.report(keyPath, element.isArray ? "must be an array (like its value)" : "must be an object, not an array");
      return;
    }
    if (Array.isArray(value)) {
      if (value.length === 0) {
        this.report(keyPath, "an empty array is not allowed (leave the property out)");
        return;
      }
      if (Array.isArray(partner) && partner.length !== value.length) {
        this.report(keyPath, `has ${value.length} items but ${key.slice(1)} has ${partner.length}: they must align`);
      }
      if (partner === undefined && value.some((v) => v === null)) {
        this.report(keyPath, `a null item needs a value at the same index in ${key.slice(1)}`);
      }
    }
    items.forEach((item, i) => {
      const itemPath = element.isArray ? `${elementPath}[${i}]` : elementPath;
      if (item === null) {
        if (element.isArray && Array.isArray(partner) && (partner[i] === null || partner[i] === undefined)) {
          this.report(itemPath, "neither a value nor an extension at this index");
        }
        return;
      }
      if (typeof item !== "object" || Array.isArray(item)) {
        this.report(itemPath, `"${key}" holds objects with the id and extensions of ${key.slice(1)}`);
        return;
      }
      if (!this.nonEmptyElement(item as JsonObject, itemPath)) return;
      this.object(item as JsonObject, elementSchema, itemPath, context);
    });
  }

  private value(
    value: unknown,
    type: string,
    element: InternalSchemaElement,
    path: string,
    context: ResourceContext,
  ): void {
    if (value === null || value === undefined) return; // @medplum/core reports nulls
    if (isPrimitiveType(type)) {
      if (typeof value === "object") {
        // A primitive never holds an object or array (@medplum/core only catches non-empty ones).
        this.report(
          path,
          `a ${type} must be a JSON ${type === "boolean" ? "boolean" : /integer|decimal|positiveInt|unsignedInt/.test(type) ? "number" : "string"}, not an object or array`,
        );
        return;
      }
      if (value === "") {
        this.report(path, "an empty string is not allowed (leave the property out)");
        return;
      }
      const node: FhirNode = { value, type, path, element, isResource: false, context };
      for (const rule of this.rules) rule.visit?.(node, this.report);
      return;
    }
    if (typeof value !== "object" || Array.isArray(value)) return; // @medplum/core reports the type
    const obj = value as JsonObject;
    if (type === "Resource") {
      if (Object.keys(obj).length === 0) {
        this.report(path, "an empty object is not allowed (leave the property out)");
        return;
      }
      const contained = element.path === "DomainResource.contained" || element.path.endsWith(".contained");
      this.resource(obj, path, element, context, contained);
      return;
    }
    if (!this.nonEmptyElement(obj, path)) return;
    const schema = this.schemas.type(type);
    if (!schema) return;
    const node: FhirNode = { value: obj, type, path, element, isResource: false, context };
    this.enter(node);
    this.object(obj, schema, path, context);
    this.leave();
  }

  /** ele-1: an element has a value or children other than its id. */
  private nonEmptyElement(obj: JsonObject, path: string): boolean {
    const keys = Object.keys(obj);
    if (keys.length === 0) {
      this.report(path, "an empty object is not allowed (leave the property out)");
      return false;
    }
    if (keys.every((k) => k === "id")) {
      this.report(path, "an element needs a value or children besides its id (ele-1)");
      return false;
    }
    return true;
  }
}

/** The element a JSON property name stands for: `status`, or `valueQuantity` → `value[x]` typed Quantity. */
function resolveElement(
  schema: InternalTypeSchema,
  key: string,
): { name: string; element: InternalSchemaElement; type: string } | undefined {
  const direct = Object.hasOwn(schema.elements, key) ? schema.elements[key] : undefined;
  if (direct && !key.endsWith("[x]")) {
    const type = direct.type[0]?.code;
    return type === undefined ? undefined : { name: key, element: direct, type };
  }
  // A choice: the longest prefix before an upper-case letter that names a `[x]` element.
  for (let i = key.length - 1; i > 0; i--) {
    const c = key.charCodeAt(i);
    if (c < 65 || c > 90) continue; // not A-Z
    const name = `${key.slice(0, i)}[x]`;
    const element = Object.hasOwn(schema.elements, name) ? schema.elements[name] : undefined;
    if (!element) continue;
    const suffix = key.slice(i);
    const type = element.type.find((t) => capitalize(t.code) === suffix)?.code;
    return type === undefined ? undefined : { name, element, type };
  }
  return undefined;
}
