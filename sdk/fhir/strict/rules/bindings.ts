/**
 * Strict rule: codes of the core specification's `required` bindings, checked against the validator's value sets
 * (strict/value-sets.ts; no terminology server). A value set that cannot be enumerated there is skipped, so its
 * codes are not checked; without value sets (FhirDefinitions.valueSets absent) the rule checks nothing.
 *
 * `code` elements must hold a code of the value set; a Coding with a required binding must be one of its
 * (system, code) pairs; a CodeableConcept must have at least one such coding when it has codings at all.
 * @internal
 */
import type { Expansion, JsonObject, RuleVisitor, StrictRule, ValueSetIndex } from "../rule.js";
import { pair } from "../value-sets.js";

function describe(expansion: Expansion): string {
  const codes = [...expansion.codes];
  return codes.length <= 12 ? `one of ${codes.join(" | ")}` : `one of its ${codes.length} codes`;
}

function codingMatches(coding: unknown, expansion: Expansion): boolean {
  const { system, code } = (coding ?? {}) as JsonObject;
  if (typeof code !== "string") return false;
  return typeof system === "string" ? expansion.pairs.has(pair(system, code)) : expansion.codes.has(code);
}

const hasCode = (coding: unknown) => typeof (coding as JsonObject | null)?.code === "string";

const NOTHING: RuleVisitor = {};

/** The rule. */
export const bindingsRule: StrictRule = {
  name: "required bindings",
  start: (scope) => (scope.valueSets ? bindingsVisitor(scope.valueSets) : NOTHING),
};

function bindingsVisitor(index: ValueSetIndex): RuleVisitor {
  return {
    visit(node, report) {
      const binding = node.element?.binding;
      if (binding?.strength !== "required" || !binding.valueSet || node.isResource) return;
      if (node.type !== "code" && node.type !== "Coding" && node.type !== "CodeableConcept") return;
      const expansion = index.expand(binding.valueSet);
      if (!expansion) return;
      const valueSet = binding.valueSet.split("|")[0];
      if (node.type === "code") {
        if (typeof node.value === "string" && !expansion.codes.has(node.value)) {
          report(node.path, `"${node.value}" is not in the required value set ${valueSet} (${describe(expansion)})`);
        }
      } else if (node.type === "Coding") {
        if (hasCode(node.value) && !codingMatches(node.value, expansion)) {
          report(node.path, `the coding is not in the required value set ${valueSet} (${describe(expansion)})`);
        }
      } else {
        const codings = (node.value as JsonObject).coding;
        if (!Array.isArray(codings)) return;
        const coded = codings.filter(hasCode);
        if (coded.length > 0 && !coded.some((c) => codingMatches(c, expansion))) {
          report(node.path, `no coding is in the required value set ${valueSet} (${describe(expansion)})`);
        }
      }
    },
  };
}
