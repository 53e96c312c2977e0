/**
 * Internal strict rule: Narrative XHTML (every `xhtml` value, i.e. Narrative.div) is a well-formed XML
 * fragment — one `<div xmlns="http://www.w3.org/1999/xhtml">` root, only the XML entities (and numeric
 * character references), no DOCTYPE or processing instruction — that uses only the elements and attributes the
 * HL7 validator allows (txt-1: basic HTML formatting, tables, lists, links, images; so no script, style, iframe,
 * object, embed, form, no `on*` event handlers), no block element inside a paragraph, no `javascript:`,
 * `vbscript:` or non-image `data:` URL, no script in a style attribute, and some content (txt-2).
 * @internal
 */
import type { StrictRule } from "./_strict-walk.js";

export const XHTML_NS = "http://www.w3.org/1999/xhtml";

/** Elements the HL7 validator (XhtmlValidator) allows in a narrative. */
const ELEMENTS = new Set(
  (
    "p br div h1 h2 h3 h4 h5 h6 a span b em i strong small big tt dfn q var abbr acronym cite blockquote hr " +
    "address bdo kbd sub sup ul ol li dl dt dd pre table caption colgroup col thead tr tfoot tbody th td code " +
    "samp img map area"
  ).split(" "),
);

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

/** Elements that may not be inside a paragraph. */
const BLOCK = new Set(["div", "blockquote", "table", "ol", "ul", "p"]);

const XML_ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };
const NAME = /^[A-Za-z_:][A-Za-z0-9_:.-]*/;

interface Element {
  readonly name: string;
  readonly attributes: Map<string, string>;
  readonly inParagraph: boolean;
}

/** A parse/safety failure. */
class XhtmlProblem extends Error {}

/** Decodes the entities of text or an attribute value (only the XML ones and character references). */
function decodeEntities(text: string): string {
  return text.replace(/&([^;&\s]*);?/g, (match, name: string) => {
    if (!match.endsWith(";")) throw new XhtmlProblem(`"&" must start an entity reference such as &amp;`);
    if (Object.hasOwn(XML_ENTITIES, name)) return XML_ENTITIES[name]!;
    const numeric = /^#(?:x([0-9A-Fa-f]+)|([0-9]+))$/.exec(name);
    if (numeric) {
      const code = numeric[1] !== undefined ? parseInt(numeric[1], 16) : Number(numeric[2]);
      const xmlChar =
        code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) ||
        (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff);
      if (!xmlChar) throw new XhtmlProblem(`&${name}; is not an XML character`);
      return String.fromCodePoint(code);
    }
    throw new XhtmlProblem(
      `&${name}; is not an XML entity (XHTML in FHIR has only &lt; &gt; &amp; &quot; &apos; and numeric references like &#160;)`,
    );
  });
}

/** Why a URL in the narrative is unsafe, or undefined. */
export function unsafeUrl(element: string, attribute: string, value: string): string | undefined {
  // Browsers ignore whitespace and control characters inside a scheme ("java\tscript:").
  const normalized = value.replace(/[\u0000-\u0020\u007f]+/g, "").toLowerCase();
  const scheme = /^([a-z][a-z0-9+.-]*):/.exec(normalized)?.[1];
  if (scheme === "javascript" || scheme === "vbscript") return `a ${scheme}: URL in ${element}.${attribute}`;
  if (scheme === "data") {
    const image = /^data:image\/(png|jpe?g|gif|webp|bmp)[;,]/.test(normalized);
    if (!(element === "img" && attribute === "src" && image)) {
      return `a data: URL in ${element}.${attribute} (only raster images in img.src)`;
    }
  }
  return undefined;
}

/** Why a style attribute is unsafe, or undefined. */
export function unsafeStyle(value: string): string | undefined {
  const css = value.replace(/\/\*[\s\S]*?\*\//g, "").replace(/[\s\\]+/g, "").toLowerCase();
  for (const bad of ["expression(", "javascript:", "vbscript:", "-moz-binding", "behavior:", "@import"]) {
    if (css.includes(bad)) return `"${bad}" in a style attribute`;
  }
  return undefined;
}

function checkElement(name: string, attributes: Map<string, string>, inParagraph: boolean, root: boolean): void {
  if (root) {
    if (name !== "div") throw new XhtmlProblem(`the narrative must be a <div>, not <${name}>`);
    if (attributes.get("xmlns") !== XHTML_NS) {
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
 * Parses and checks a narrative.
 * @returns A problem description, or undefined when the XHTML is acceptable.
 */
export function xhtmlProblem(xhtml: string): string | undefined {
  try {
    checkXhtml(xhtml);
    return undefined;
  } catch (error) {
    if (error instanceof XhtmlProblem) return error.message;
    throw error;
  }
}

function checkXhtml(xhtml: string): void {
  const stack: Element[] = [];
  let i = 0;
  let rootClosed = false;
  let rootSeen = false;
  let content = false;
  const fail = (message: string): never => {
    throw new XhtmlProblem(`${message} (at character ${i})`);
  };
  while (i < xhtml.length) {
    const lt = xhtml.indexOf("<", i);
    const textEnd = lt === -1 ? xhtml.length : lt;
    if (textEnd > i) {
      const text = xhtml.slice(i, textEnd);
      if (stack.length === 0) {
        if (/\S/.test(text)) fail("text outside the <div>");
      } else {
        if (/\S/.test(decodeEntities(text))) content = true;
        if (text.includes("]]>")) fail(`"]]>" in text`);
      }
      i = textEnd;
      continue;
    }
    // A markup construct at i.
    if (xhtml.startsWith("<!--", i)) {
      const end = xhtml.indexOf("-->", i + 4);
      if (end === -1) fail("unterminated comment");
      if (xhtml.slice(i + 4, end).includes("--")) fail('"--" inside a comment');
      i = end + 3;
      continue;
    }
    if (xhtml.startsWith("<![CDATA[", i)) {
      if (stack.length === 0) fail("CDATA outside the <div>");
      const end = xhtml.indexOf("]]>", i + 9);
      if (end === -1) fail("unterminated CDATA section");
      if (/\S/.test(xhtml.slice(i + 9, end))) content = true;
      i = end + 3;
      continue;
    }
    if (xhtml.startsWith("<!", i)) fail("a DOCTYPE or declaration is not allowed");
    if (xhtml.startsWith("<?", i)) fail("a processing instruction is not allowed");
    if (xhtml.startsWith("</", i)) {
      const name = NAME.exec(xhtml.slice(i + 2, i + 66))?.[0];
      if (!name) fail("a malformed end tag");
      let j = i + 2 + name!.length;
      while (/\s/.test(xhtml[j] ?? "")) j++;
      if (xhtml[j] !== ">") fail(`a malformed end tag </${name}`);
      const open = stack.pop();
      if (!open || open.name !== name) fail(`</${name}> does not close ${open ? `<${open.name}>` : "anything"}`);
      if (stack.length === 0) rootClosed = true;
      i = j + 1;
      continue;
    }
    // Start tag.
    if (rootClosed) fail("content after the closing </div>");
    const name = NAME.exec(xhtml.slice(i + 1, i + 65))?.[0];
    if (!name) fail('"<" must start a tag (write &lt; in text)');
    let j = i + 1 + name!.length;
    const attributes = new Map<string, string>();
    for (;;) {
      const space = /^\s*/.exec(xhtml.slice(j, j + 1000))![0].length;
      j += space;
      if (xhtml.startsWith("/>", j) || xhtml[j] === ">") break;
      if (space === 0) fail(`a malformed tag <${name}`);
      const attribute = NAME.exec(xhtml.slice(j, j + 64))?.[0];
      if (!attribute) fail(`a malformed attribute in <${name}>`);
      j += attribute!.length;
      while (/\s/.test(xhtml[j] ?? "")) j++;
      if (xhtml[j] !== "=") fail(`the attribute ${attribute} needs a quoted value`);
      j++;
      while (/\s/.test(xhtml[j] ?? "")) j++;
      const quote = xhtml[j];
      if (quote !== '"' && quote !== "'") fail(`the value of ${attribute} must be quoted`);
      const end = xhtml.indexOf(quote!, j + 1);
      if (end === -1) fail(`unterminated value of ${attribute}`);
      const raw = xhtml.slice(j + 1, end);
      if (raw.includes("<")) fail(`"<" in the value of ${attribute}`);
      if (attributes.has(attribute!)) fail(`the attribute ${attribute} appears twice on <${name}>`);
      attributes.set(attribute!, decodeEntities(raw));
      j = end + 1;
    }
    const selfClosing = xhtml.startsWith("/>", j);
    const parent = stack.at(-1);
    if (!parent && rootSeen) fail("more than one root element");
    const inParagraph = parent ? parent.inParagraph || parent.name === "p" : false;
    checkElement(name!, attributes, inParagraph, !parent);
    rootSeen = true;
    if (name === "img") content = true;
    if (selfClosing) {
      if (!parent) rootClosed = true;
    } else {
      stack.push({ name: name!, attributes, inParagraph });
    }
    i = j + (selfClosing ? 2 : 1);
  }
  if (stack.length > 0) fail(`<${stack.at(-1)!.name}> is not closed`);
  if (!rootSeen) fail(`the narrative must be a <div xmlns="${XHTML_NS}">`);
  if (!content) throw new XhtmlProblem("the narrative has no content (txt-2)");
}

/** The rule. */
export const xhtmlRule: StrictRule = {
  name: "narrative XHTML",
  visit(node, report) {
    if (node.type !== "xhtml" || typeof node.value !== "string") return;
    const problem = xhtmlProblem(node.value);
    if (problem) report(node.path, problem);
  },
};
