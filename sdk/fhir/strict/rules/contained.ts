/**
 * Strict rule for contained resources, which @medplum/core skips:
 * - dom-3: every contained resource is referenced (`#id`) from somewhere in its container (a Reference or a
 *   uri/url/canonical, including from other contained resources), or itself refers to the container (`#`).
 *   A contained resource without an id cannot be referenced and so fails too.
 * - ref-1: a local reference `#id` names a contained resource of the container (`%rootResource`); `#` alone (the
 *   container) is only meaningful inside a contained resource.
 * @internal
 */
import type { JsonObject, RuleVisitor, StrictRule } from "../rule.js";

interface References {
  /** Every `#…` value found in the resource and its contained resources. */
  readonly local: Set<string>;
  /** Contained resources that refer to their container with `#`. */
  readonly toContainer: Set<JsonObject>;
  /** The ids of the container's contained resources, indexed once (so each reference is checked in O(1)). */
  containedIds?: Set<unknown>;
}

const LOCAL_URI_TYPES = new Set(["uri", "url", "canonical"]);

/** The ids of a resource's contained resources. */
function containedIds(resource: JsonObject): Set<unknown> {
  const contained = resource.contained;
  return new Set(Array.isArray(contained) ? contained.map((c) => (c as JsonObject | null)?.id) : []);
}

/** The rule (its state lives in the visitor of one walk). Linear in the size of the resource. */
export const containedRule: StrictRule = {
  name: "contained resources (dom-3, ref-1)",
  start: () => containedVisitor(),
};

function containedVisitor(): RuleVisitor {
  const byRoot = new WeakMap<JsonObject, References>();
  const referencesOf = (root: JsonObject): References => {
    let refs = byRoot.get(root);
    if (!refs) byRoot.set(root, (refs = { local: new Set(), toContainer: new Set() }));
    return refs;
  };

  return {
    visit(node, report) {
      const { context } = node;
      if (node.type === "Reference" && !node.isResource) {
        const reference = (node.value as { reference?: unknown }).reference;
        if (typeof reference !== "string" || !reference.startsWith("#")) return;
        const refs = referencesOf(context.root.resource);
        refs.local.add(reference);
        if (reference === "#") {
          if (context.contained) refs.toContainer.add(context.resource);
          else report(`${node.path}.reference`, `"#" refers to the container, but this resource is not contained`);
          return;
        }
        refs.containedIds ??= containedIds(context.root.resource);
        const found = refs.containedIds.has(reference.slice(1));
        if (!found) report(`${node.path}.reference`, `${reference} does not name a contained resource (ref-1)`);
      } else if (LOCAL_URI_TYPES.has(node.type) && typeof node.value === "string" && node.value.startsWith("#")) {
        const refs = referencesOf(context.root.resource);
        refs.local.add(node.value);
        if (node.value === "#" && context.contained) refs.toContainer.add(context.resource);
      }
    },
    leave(node, report) {
      if (node.context.contained) return;
      const contained = (node.value as JsonObject).contained;
      if (!Array.isArray(contained)) return;
      const refs = referencesOf(node.value as JsonObject);
      contained.forEach((c: unknown, i) => {
        if (typeof c !== "object" || c === null) return;
        const id = (c as JsonObject).id;
        const referenced =
          (typeof id === "string" && refs.local.has(`#${id}`)) || refs.toContainer.has(c as JsonObject);
        if (!referenced) {
          report(
            `${node.path}.contained[${i}]`,
            typeof id === "string"
              ? `contained resource #${id} is not referenced from the rest of the resource (dom-3)`
              : "a contained resource needs an id, and must be referenced from the rest of the resource (dom-3)",
          );
        }
      });
    },
  };
}
