/**
 * Strict rule: the error-severity FHIRPath invariants @medplum/core does not evaluate, run with
 * @medplum/core's own FHIRPath engine:
 * - the invariants of data types (att-1 Attachment data needs a contentType, qty-3 a Quantity code needs a
 *   system, sqty-1 no comparator in a SimpleQuantity, cpt-2 a ContactPoint value needs a system, rng-2, rat-1,
 *   age-1, drt-1, …), which @medplum/core skips because it only checks the constraints listed on elements;
 * - the invariants of resources nested in the one validated (Bundle entries, contained resources, Parameters),
 *   which @medplum/core only checks for the top-level resource.
 * Hand-written rules replace some invariants (per-1, ref-1, dom-3, txt-1/2); ele-1 is the walker's; org-1 and
 * sdf-19 are skipped as @medplum/core skips them. An invariant the engine cannot evaluate is not reported.
 * @internal
 */
import { evalFhirPathTyped, parseFhirPath, toTypedValue, UCUM, type TypedValue } from "@medplum/core";

import type { FhirNode, Report, SchemaIndex, StrictRule } from "../rule.js";

/** Invariants checked by hand elsewhere, or deliberately not checked. */
const NOT_EVALUATED = new Set(["ele-1", "per-1", "ref-1", "dom-3", "txt-1", "txt-2", "org-1", "sdf-19"]);

type Atom = ReturnType<typeof parseFhirPath>;

/** Parses a FHIRPath expression once per validator (`atoms` is the validator's cache); null if it cannot be parsed. */
function atom(atoms: Map<string, Atom | null>, expression: string): Atom | null {
  let parsed = atoms.get(expression);
  if (parsed === undefined) {
    try {
      parsed = parseFhirPath(expression);
    } catch {
      parsed = null;
    }
    atoms.set(expression, parsed);
  }
  return parsed;
}

/** The schema name for a profile URL of the core specification (…/StructureDefinition/SimpleQuantity). */
function profileName(url: string): string | undefined {
  const m = /^http:\/\/hl7\.org\/fhir\/StructureDefinition\/([A-Za-z]+)$/.exec(url);
  return m?.[1];
}

function constraintsFor(
  schemas: SchemaIndex,
  node: FhirNode,
): { key: string; expression: string; description: string }[] {
  const schema = schemas.type(node.type);
  if (!schema) return [];
  // The top-level resource's invariants are @medplum/core's.
  if (node.isResource && !node.element) return [];
  const all = [...(schema.constraints ?? [])];
  if (!node.isResource) {
    for (const type of node.element?.type ?? []) {
      if (type.code !== node.type) continue;
      for (const url of type.profile ?? []) {
        const name = profileName(url);
        const profile = name ? schemas.type(name) : undefined;
        all.push(...(profile?.constraints ?? []));
      }
    }
  }
  const onElement = new Set(node.element?.constraints?.map((c) => c.key));
  const seen = new Set<string>();
  return all.filter((c) => {
    if (c.severity !== "error" || NOT_EVALUATED.has(c.key) || onElement.has(c.key) || seen.has(c.key)) return false;
    seen.add(c.key);
    return true;
  });
}

/** The rule. */
export const invariantsRule: StrictRule = {
  name: "FHIRPath invariants of data types and nested resources",
  start: (scope) => {
    const atoms = scope.memo(invariantsRule, () => new Map<string, Atom | null>());
    return { visit: (node, report) => visit(scope.schemas, atoms, node, report) };
  },
};

function visit(schemas: SchemaIndex, atoms: Map<string, Atom | null>, node: FhirNode, report: Report): void {
  if (typeof node.value !== "object" || node.value === null) return;
  const constraints = constraintsFor(schemas, node);
  if (constraints.length === 0) return;
  const context: TypedValue = { type: node.type, value: node.value };
  const variables: Record<string, TypedValue> = {
    "%context": context,
    "%ucum": { type: "uri", value: UCUM },
    "%resource": toTypedValue(node.context.resource),
    "%rootResource": toTypedValue(node.context.root.resource),
  };
  for (const constraint of constraints) {
    const parsed = atom(atoms, constraint.expression);
    if (!parsed) continue;
    let result: TypedValue[];
    try {
      result = evalFhirPathTyped(parsed, [context], variables);
    } catch {
      continue; // not evaluable here: not reported
    }
    const ok = result.length === 1 && result[0]?.value === true;
    if (!ok) report(node.path, `Constraint ${constraint.key} not met: ${constraint.description}`);
  }
}
