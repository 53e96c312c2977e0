/**
 * Internal: what a FHIR narrative (Narrative.div) may contain, shared by its two readings (the XML one in
 * rules/xhtml.ts and the WHATWG HTML one in narrative-html.ts): the elements and attributes the HL7 validator
 * allows (txt-1), safe URLs and styles, and the tree both readings produce.
 * @internal
 */
import { XhtmlProblem } from "../../errors/_signals.js";

export const XHTML_NS = "http://www.w3.org/1999/xhtml";

/** Elements the HL7 validator (XhtmlValidator) allows in a narrative. */
export const ELEMENTS: ReadonlySet<string> = new Set(
  (
    "p br div h1 h2 h3 h4 h5 h6 a span b em i strong small big tt dfn q var abbr acronym cite blockquote hr " +
    "address bdo kbd sub sup ul ol li dl dt dd pre table caption colgroup col thead tr tfoot tbody th td code " +
    "samp img map area"
  ).split(" "),
);

/** How deep a narrative may nest (a guard against stack exhaustion on hostile input). */
export const MAX_NARRATIVE_DEPTH = 256;

/** Elements without content (written `<br/>`). */
export const VOID_ELEMENTS: ReadonlySet<string> = new Set(["br", "hr", "img", "col", "area"]);

/** Attributes allowed on any element. */
const ATTRIBUTES = new Set(
  (
    "title style class id lang xml:lang dir accesskey tabindex " +
    "span width align valign char charoff abbr axis headers scope rowspan colspan"
  ).split(" "),
);

/** Attributes allowed on one element (`element.attribute`). */
const ELEMENT_ATTRIBUTES = new Set(
  (
    "a.href a.name img.src img.border div.xmlns blockquote.cite q.cite a.charset a.type a.hreflang a.rel a.rev " +
    "a.shape a.coords img.alt img.longdesc img.height img.width img.usemap img.ismap map.name area.shape " +
    "area.coords area.href area.nohref area.alt table.summary table.width table.border table.frame table.rules " +
    "table.cellspacing table.cellpadding pre.space td.nowrap"
  ).split(" "),
);

/** Attributes holding a URL. */
const URL_ATTRIBUTES = new Set(["href", "src", "cite", "longdesc", "usemap"]);

/** URL schemes a narrative may link to (a URL without a scheme — relative, `#fragment` — is fine too). */
export const SAFE_URL_SCHEMES: ReadonlySet<string> = new Set(["http", "https", "mailto", "tel", "urn", "ftp"]);

/** Elements that may not be inside a paragraph. */
const BLOCK = new Set(["div", "blockquote", "table", "ol", "ul", "p"]);

/** A narrative element as either reading sees it. */
export interface NarrativeElement {
  readonly kind: "element";
  readonly name: string;
  /** In document order, values decoded. */
  readonly attributes: readonly (readonly [string, string])[];
  readonly children: NarrativeNode[];
}

/** Decoded text. */
export interface NarrativeText {
  readonly kind: "text";
  readonly value: string;
}

/** A node of a narrative tree. */
export type NarrativeNode = NarrativeElement | NarrativeText;

/** Why a URL in the narrative is unsafe, or undefined. */
export function unsafeUrl(element: string, attribute: string, value: string): string | undefined {
  // Browsers ignore whitespace and control characters inside a scheme ("java\tscript:").
  // eslint-disable-next-line no-control-regex -- matching control characters is this line's purpose
  const normalized = value.replace(/[\u0000-\u0020\u007f]+/g, "").toLowerCase();
  const scheme = /^([^/?#]*?):/.exec(normalized)?.[1];
  if (scheme === undefined) return undefined; // relative, or a fragment
  if (scheme === "data") {
    const image = /^data:image\/(png|jpe?g|gif|webp|bmp)[;,]/.test(normalized);
    return element === "img" && attribute === "src" && image
      ? undefined
      : `a data: URL in ${element}.${attribute} (only raster images in img.src)`;
  }
  if (!SAFE_URL_SCHEMES.has(scheme)) {
    return `a ${scheme}: URL in ${element}.${attribute} (allowed: ${[...SAFE_URL_SCHEMES].join(", ")}, relative URLs)`;
  }
  return undefined;
}

/** Why a style attribute is unsafe, or undefined. */
export function unsafeStyle(value: string): string | undefined {
  const css = value
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/[\s\\]+/g, "")
    .toLowerCase();
  for (const bad of [
    "expression(",
    "javascript:",
    "vbscript:",
    "-moz-binding",
    "behavior:",
    "@import",
    "url(",
    "image-set(",
  ]) {
    if (css.includes(bad)) return `"${bad}" in a style attribute`;
  }
  return undefined;
}

/**
 * Checks one element's name and attributes (txt-1, safe URLs and styles, no block in a paragraph).
 * @throws {XhtmlProblem}
 */
export function checkElement(
  name: string,
  attributes: readonly (readonly [string, string])[],
  inParagraph: boolean,
  root: boolean,
): void {
  if (root) {
    if (name !== "div") throw new XhtmlProblem(`the narrative must be a <div>, not <${name}>`);
    if (attributes.find(([a]) => a === "xmlns")?.[1] !== XHTML_NS) {
      throw new XhtmlProblem(`the <div> must declare xmlns="${XHTML_NS}"`);
    }
  }
  if (!ELEMENTS.has(name)) throw new XhtmlProblem(`<${name}> is not allowed in a narrative (txt-1)`);
  if (inParagraph && BLOCK.has(name)) throw new XhtmlProblem(`<${name}> is not allowed inside a <p>`);
  for (const [attribute, value] of attributes) {
    if (attribute === "xmlns" || attribute.startsWith("xmlns:")) {
      if (attribute === "xmlns" && value !== XHTML_NS) {
        throw new XhtmlProblem(`<${name}> declares the namespace "${value}", not XHTML`);
      }
      continue;
    }
    if (!ATTRIBUTES.has(attribute) && !ELEMENT_ATTRIBUTES.has(`${name}.${attribute}`)) {
      throw new XhtmlProblem(`the attribute ${attribute} is not allowed on <${name}> (txt-1)`);
    }
    const problem =
      (URL_ATTRIBUTES.has(attribute) ? unsafeUrl(name, attribute, value) : undefined) ??
      (attribute === "style" ? unsafeStyle(value) : undefined);
    if (problem) throw new XhtmlProblem(`unsafe narrative: ${problem}`);
  }
}

/**
 * The elements (name and attributes) and texts of a tree in document order, without its nesting: what two
 * readings must agree on. Nesting may differ where XML and HTML close elements differently (`<p/>`, `<td/>`: empty
 * in XML, closed by what follows in HTML), which moves no text into or out of markup; any other difference — text
 * that one reading takes for markup (a comment, CDATA, a raw-text element), another attribute value, text moved
 * out of a table — changes this sequence.
 */
export function documentOrder(node: NarrativeNode, out: string[] = []): string[] {
  if (node.kind === "text") {
    const last = out.at(-1);
    if (last?.startsWith("T")) out[out.length - 1] = last + node.value;
    else out.push(`T${node.value}`);
    return out;
  }
  out.push(`E${JSON.stringify([node.name, node.attributes])}`);
  for (const child of node.children) documentOrder(child, out);
  return out;
}

const escapeText = (s: string): string =>
  s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/\u00a0/g, "&#160;");
// Tabs and line breaks as references: XML would read them literally as spaces, HTML as themselves.
const escapeAttribute = (s: string): string =>
  escapeText(s)
    .replace(/"/g, "&quot;")
    .replace(/[\t\n\r]/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Writes a checked tree as XHTML that an HTML parser reads as the same tree: every attribute double-quoted and
 * escaped, text escaped (only XML entities), void elements as `<br/>`, a `<pre>` whose text starts with a line
 * break given the extra one HTML drops.
 */
export function serializeNarrative(node: NarrativeNode): string {
  if (node.kind === "text") return escapeText(node.value);
  const attributes = node.attributes.map(([a, v]) => ` ${a}="${escapeAttribute(v)}"`).join("");
  if (VOID_ELEMENTS.has(node.name)) return `<${node.name}${attributes}/>`;
  const first = node.children[0];
  const lead = node.name === "pre" && first?.kind === "text" && first.value.startsWith("\n") ? "\n" : "";
  return `<${node.name}${attributes}>${lead}${node.children.map(serializeNarrative).join("")}</${node.name}>`;
}
