/**
 * The strict-rule interface: what a rule of sdk/fhir/strict/rules/ implements, what it is shown of a resource (a
 * node per value, with its FHIR type and element path) and what it may read (the validator's own schema and
 * value-set indexes). A rule module holds no mutable state: state for one walk lives in the visitor `start`
 * returns, state that outlives a walk (a parse cache) in the validator's scope (`memo`).
 * @internal
 */
import type { InternalTypeSchema, InternalSchemaElement } from "@medplum/core";

/** Records one problem at an element path. */
export type Report = (path: string, message: string) => void;

/** A JSON object (a resource or a complex element). */
export type JsonObject = Record<string, unknown>;

/** The resources a value sits in. */
export interface ResourceContext {
  /** The resource this value belongs to (`%resource`). */
  readonly resource: JsonObject;
  /** Its path. */
  readonly path: string;
  /** The resource that is not contained in another (`%rootResource`): itself, or the container of a contained one. */
  readonly root: ResourceContext;
  /** Whether `resource` is in a `contained` list. */
  readonly contained: boolean;
}

/** One value of a resource, as a rule sees it. */
export interface FhirNode {
  /** The JSON value: a string, number or boolean for a primitive, an object otherwise. */
  readonly value: unknown;
  /** Its FHIR type code as @medplum/core names it (`dateTime`, `Period`, `ObservationComponent`, `Patient`). */
  readonly type: string;
  /** Its element path. */
  readonly path: string;
  /** Its element definition (undefined for the resource being validated). */
  readonly element: InternalSchemaElement | undefined;
  /** Whether the value is a resource (the root, a contained one, a Bundle entry's). */
  readonly isResource: boolean;
  /** The resources it is in. */
  readonly context: ResourceContext;
}

/** One validator's StructureDefinitions, parsed (see strict/schemas.ts). */
export interface SchemaIndex {
  /** The schema of a data type, resource type or backbone element (`Period`, `Patient`, `ObservationComponent`). */
  type(name: string): InternalTypeSchema | undefined;
  /** Whether `name` is a resource type of these definitions. */
  isResourceType(name: string): boolean;
}

/** The codes of one enumerable value set. */
export interface Expansion {
  /** The codes alone (for `code` elements, whose system is implied). */
  readonly codes: ReadonlySet<string>;
  /** (system, code) pairs, joined by NUL (for Coding). */
  readonly pairs: ReadonlySet<string>;
}

/** One validator's value sets by canonical URL, expanded lazily and cached (see strict/value-sets.ts). */
export interface ValueSetIndex {
  /** The expansion of a value set (`url` or `url|version`), or undefined when it is not enumerable here. */
  expand(url: string): Expansion | undefined;
}

/** What a rule may read: owned by one validator, shared by its walks and by no other validator. */
export interface RuleScope {
  /** The validator's schemas. */
  readonly schemas: SchemaIndex;
  /** The validator's value sets (undefined: its definitions have none, so codes are not checked). */
  readonly valueSets: ValueSetIndex | undefined;
  /**
   * A value the validator keeps for `owner` (created on first use), e.g. a rule's parse cache.
   * @param owner - The rule (the key).
   * @param create - Makes the value the first time.
   * @returns The value kept for `owner` by this validator.
   */
  memo<T>(owner: StrictRule, create: () => T): T;
}

/** What a rule does during one walk: `visit` for every value, `leave` for a resource once its content was visited. */
export interface RuleVisitor {
  visit?(node: FhirNode, report: Report): void;
  leave?(node: FhirNode, report: Report): void;
}

/** A strict check (one per file under strict/rules/, listed in strict/rules/index.ts). */
export interface StrictRule {
  /** Short name, used in tests and docs. */
  readonly name: string;
  /**
   * Starts the rule for one walk over one resource.
   * @param scope - The validator's indexes.
   * @returns The visitor the walker calls (fresh per walk when the rule keeps state).
   */
  start(scope: RuleScope): RuleVisitor;
}
