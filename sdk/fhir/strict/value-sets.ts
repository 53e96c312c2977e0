/**
 * One validator's value-set index: the R4 ValueSets and CodeSystems bundled with its definitions (no terminology
 * server), enumerated lazily where they can be: explicit concept lists, whole code systems with
 * `content: complete`, other value sets, and excludes. A value set that needs anything else (an external code
 * system such as MIME types `urn:ietf:bcp:13`, currencies, UCUM or SNOMED CT; a filter; a missing ValueSet) is not
 * enumerable here.
 * @internal
 */
import type { Bundle } from "@medplum/fhirtypes";

import type { Expansion, ValueSetIndex } from "./rule.js";

export type { Expansion, ValueSetIndex } from "./rule.js";

interface Concept {
  code?: string;
  concept?: Concept[];
}

interface ConceptSetComponent {
  system?: string;
  concept?: { code?: string }[];
  filter?: unknown[];
  valueSet?: string[];
}

interface ValueSetResource {
  resourceType: "ValueSet";
  url?: string;
  compose?: { include?: ConceptSetComponent[]; exclude?: ConceptSetComponent[] };
  expansion?: { contains?: ExpansionContains[] };
}

interface ExpansionContains {
  system?: string;
  code?: string;
  contains?: ExpansionContains[];
}

interface CodeSystemResource {
  resourceType: "CodeSystem";
  url?: string;
  content?: string;
  concept?: Concept[];
}

const SEPARATOR = "\u0000"; // in neither a system URI nor a code

/** The key of a (system, code) pair in {@link Expansion.pairs}. */
export const pair = (system: string, code: string) => `${system}${SEPARATOR}${code}`;

/** A canonical URL without its `|version`. */
function unversioned(url: string): string {
  const bar = url.indexOf("|");
  return bar < 0 ? url : url.slice(0, bar);
}

/**
 * Builds the index from ValueSet/CodeSystem bundles (valuesets.json, v3-codesystems.json, …).
 * @param bundles - The bundles (the first ValueSet or CodeSystem with a URL wins).
 * @returns The index, owned by the caller (its caches are its own).
 */
export function indexValueSets(bundles: readonly Bundle[]): ValueSetIndex {
  const valueSets = new Map<string, ValueSetResource>();
  const codeSystems = new Map<string, CodeSystemResource>();
  for (const bundle of bundles) {
    for (const entry of bundle.entry ?? []) {
      const resource = entry.resource as unknown as ValueSetResource | CodeSystemResource | undefined;
      if (!resource?.url) continue;
      if (resource.resourceType === "ValueSet" && !valueSets.has(resource.url)) valueSets.set(resource.url, resource);
      if (resource.resourceType === "CodeSystem" && !codeSystems.has(resource.url)) {
        codeSystems.set(resource.url, resource);
      }
    }
  }
  const cache = new Map<string, Set<string> | null>();

  /** All (system, code) pairs of a value set, or null when not enumerable. */
  function pairsOf(url: string, visiting: Set<string>): Set<string> | null {
    const key = unversioned(url);
    const cached = cache.get(key);
    if (cached !== undefined) return cached;
    if (visiting.has(key)) return null;
    visiting.add(key);
    const result = computePairs(key, visiting);
    visiting.delete(key);
    cache.set(key, result);
    return result;
  }

  function computePairs(url: string, visiting: Set<string>): Set<string> | null {
    const vs = valueSets.get(url);
    if (!vs) return null;
    if (!vs.compose) {
      if (!vs.expansion?.contains) return null;
      const out = new Set<string>();
      const walk = (list: ExpansionContains[]) => {
        for (const c of list) {
          if (c.system && c.code) out.add(pair(c.system, c.code));
          walk(c.contains ?? []);
        }
      };
      walk(vs.expansion.contains);
      return out;
    }
    const out = new Set<string>();
    for (const include of vs.compose.include ?? []) {
      const part = componentPairs(include, visiting);
      if (!part) return null;
      for (const p of part) out.add(p);
    }
    for (const exclude of vs.compose.exclude ?? []) {
      const part = componentPairs(exclude, visiting);
      if (!part) return null;
      for (const p of part) out.delete(p);
    }
    return out;
  }

  function componentPairs(component: ConceptSetComponent, visiting: Set<string>): Set<string> | null {
    if (component.filter?.length) return null;
    let result: Set<string> | null = null;
    if (component.system) {
      const system = component.system;
      if (component.concept) {
        result = new Set(component.concept.flatMap((c) => (c.code ? [pair(system, c.code)] : [])));
      } else {
        const cs = codeSystems.get(system);
        if (cs?.content !== "complete") return null;
        const all = new Set<string>();
        result = all;
        const walk = (list: Concept[]) => {
          for (const c of list) {
            if (c.code) all.add(pair(system, c.code));
            walk(c.concept ?? []);
          }
        };
        walk(cs.concept ?? []);
      }
    }
    for (const url of component.valueSet ?? []) {
      const other = pairsOf(url, visiting);
      if (!other) return null;
      result = result ? new Set([...result].filter((p) => other.has(p))) : new Set(other);
    }
    return result;
  }

  const expansions = new Map<string, Expansion | null>();
  return {
    expand(url) {
      const key = unversioned(url);
      let expansion = expansions.get(key);
      if (expansion === undefined) {
        const pairs = pairsOf(key, new Set());
        expansion = pairs && { pairs, codes: new Set([...pairs].map((p) => p.slice(p.indexOf(SEPARATOR) + 1))) };
        expansions.set(key, expansion);
      }
      return expansion ?? undefined;
    },
  };
}
