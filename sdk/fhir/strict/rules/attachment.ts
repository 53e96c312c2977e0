/**
 * Strict rule: an Attachment's `size` and `hash` agree with its inline `data` (R4: size is "the number
 * of bytes of data that make up this attachment (before base64 encoding, if that is done)"; hash is "the
 * calculated hash of the data using SHA-1. Represented using base64"). Checked only when both are present and
 * `data` is valid base64 (the format rule reports it otherwise). Browser-safe: @noble/hashes and atob/btoa.
 * @internal
 */
import { sha1 } from "@noble/hashes/legacy.js";

import { fromBase64, toBase64 } from "../../../crypto/bytes.js";
import { base64Problem, stripBase64Whitespace } from "./primitives.js";
import type { FhirNode, Report, RuleVisitor, StrictRule } from "../rule.js";

/** The problems of one Attachment object: `[element, message]` pairs. */
export function attachmentProblems(attachment: Record<string, unknown>): [string, string][] {
  const { data, size, hash } = attachment;
  if (typeof data !== "string" || base64Problem(data) !== undefined) return [];
  if (size === undefined && hash === undefined) return [];
  const bytes = fromBase64("data", stripBase64Whitespace(data));
  const problems: [string, string][] = [];
  if (typeof size === "number" && size !== bytes.length) {
    problems.push(["size", `size is ${size} but data decodes to ${bytes.length} bytes`]);
  }
  if (typeof hash === "string" && base64Problem(hash) === undefined) {
    const expected = toBase64(sha1(bytes));
    if (stripBase64Whitespace(hash) !== expected) {
      problems.push(["hash", `hash is not the SHA-1 of data (base64 of the SHA-1 is ${expected})`]);
    }
  }
  return problems;
}

/** The rule. */
export const attachmentRule: StrictRule = {
  name: "Attachment size and hash",
  start: () => VISITOR,
};

const VISITOR: RuleVisitor = { visit };

function visit(node: FhirNode, report: Report): void {
  if (node.type !== "Attachment") return;
  for (const [element, message] of attachmentProblems(node.value as Record<string, unknown>)) {
    report(`${node.path}.${element}`, message);
  }
}
