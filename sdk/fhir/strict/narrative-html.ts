/**
 * Internal: a narrative as a WHATWG HTML parser (parse5, the parser of jsdom and of many sanitisers) reads it
 * when a page inserts it into a `<div>`. Any HTML parse error, comment, CDATA section, processing instruction,
 * foreign (SVG, MathML) or unknown element, or attribute outside the narrative rules refuses it; elements the
 * parser implies (the `<tbody>` of a `<table><tr>`) are folded into their parent, so the tree can be compared with
 * the XML reading.
 * @internal
 */
import { defaultTreeAdapter, html, parseFragment, type DefaultTreeAdapterTypes } from "parse5";

import { XhtmlProblem } from "../../errors/_signals.js";
import { checkElement, MAX_NARRATIVE_DEPTH, type NarrativeElement, type NarrativeNode } from "./narrative-rules.js";

type Parse5Node = DefaultTreeAdapterTypes.ChildNode;

/**
 * Reads `xhtml` as an HTML fragment inside a `<div>` and checks every node of the parsed tree.
 * @returns The one root element, with implied elements folded into their parents.
 * @throws {XhtmlProblem}
 */
export function readNarrativeHtml(xhtml: string): NarrativeElement {
  const errors: string[] = [];
  const context = defaultTreeAdapter.createElement("div", html.NS.HTML, []);
  const fragment = parseFragment(context, xhtml, {
    sourceCodeLocationInfo: true,
    scriptingEnabled: true,
    onParseError: (error) => errors.push(error.code),
  });
  // `<p/>` and `<td/>` (empty in XHTML, an open tag in HTML) are the one error tolerated: they change nesting only,
  // which the comparison with the XML reading allows (documentOrder).
  const fatal = errors.filter((code) => code !== "non-void-html-element-start-tag-with-trailing-solidus");
  if (fatal.length > 0) {
    throw new XhtmlProblem(`an HTML parser reads this narrative with errors (${[...new Set(fatal)].join(", ")})`);
  }
  const roots: NarrativeNode[] = [];
  for (const node of fragment.childNodes) convert(node, roots, false, 0);
  const elements = roots.filter((n): n is NarrativeElement => n.kind === "element");
  const strayText = roots.some((n) => n.kind === "text" && /\S/.test(n.value));
  const [root] = elements;
  if (!root || elements.length !== 1 || strayText)
    throw new XhtmlProblem("an HTML parser reads more than the one <div>");
  checkElement(root.name, root.attributes, false, true);
  return root;
}

/** Converts `node` (checking it) and appends it to `out`; implied elements add their children instead. */
function convert(node: Parse5Node, out: NarrativeNode[], inParagraph: boolean, depth: number): void {
  if (depth > MAX_NARRATIVE_DEPTH) throw new XhtmlProblem(`nested deeper than ${MAX_NARRATIVE_DEPTH} levels`);
  if (defaultTreeAdapter.isTextNode(node)) {
    const last = out.at(-1);
    if (last?.kind === "text") out[out.length - 1] = { kind: "text", value: last.value + node.value };
    else out.push({ kind: "text", value: node.value });
    return;
  }
  if (defaultTreeAdapter.isCommentNode(node)) {
    throw new XhtmlProblem(
      "an HTML parser reads a comment here (comments, CDATA and processing instructions are not allowed)",
    );
  }
  if (!defaultTreeAdapter.isElementNode(node)) throw new XhtmlProblem(`an HTML parser reads a ${node.nodeName} node`);
  if (node.namespaceURI !== html.NS.HTML) {
    throw new XhtmlProblem(`an HTML parser reads <${node.tagName}> as ${node.namespaceURI} content`);
  }
  if (node.attrs.some((a) => a.namespace !== undefined)) {
    throw new XhtmlProblem(`an HTML parser reads a namespaced attribute on <${node.tagName}>`);
  }
  const attributes = node.attrs.map((a) => [a.name, a.value] as const);
  const implied = node.sourceCodeLocation?.startTag === undefined;
  if (!implied) checkElement(node.tagName, attributes, inParagraph, false);
  const children: NarrativeNode[] = implied ? out : [];
  const childInParagraph = inParagraph || node.tagName === "p";
  for (const child of node.childNodes) convert(child, children, childInParagraph, depth + 1);
  if (!implied) out.push({ kind: "element", name: node.tagName, attributes, children });
}
