/**
 * The strict rules, in the order they run: the one list a validator walks with (add a rule here and in its own
 * file beside this one).
 * @internal
 */
import type { StrictRule } from "../rule.js";
import { attachmentRule } from "./attachment.js";
import { bindingsRule } from "./bindings.js";
import { bundleRule } from "./bundle.js";
import { containedRule } from "./contained.js";
import { invariantsRule } from "./invariants.js";
import { periodRule } from "./period.js";
import { primitivesRule } from "./primitives.js";
import { xhtmlRule } from "./xhtml.js";

/** Every strict rule, each checking what @medplum/core lets through. */
export const STRICT_RULES: readonly StrictRule[] = Object.freeze([
  primitivesRule,
  periodRule,
  containedRule,
  invariantsRule,
  bundleRule,
  bindingsRule,
  xhtmlRule,
  attachmentRule,
]);
