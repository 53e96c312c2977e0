/**
 * Strict rule: Narrative XHTML (every `xhtml` value, i.e. Narrative.div) is judged by two readers that
 * must agree. The XML reading: a well-formed fragment — one `<div xmlns="http://www.w3.org/1999/xhtml">` root,
 * only the XML entities (and numeric character references), no DOCTYPE, comment, CDATA section or processing
 * instruction. The HTML reading (_narrative-html.ts): what a WHATWG HTML parser builds from the same text in a
 * page, without a parse error. Both trees use only the elements and attributes the HL7 validator allows (txt-1:
 * basic HTML formatting, tables, lists, links, images; so no script, style, iframe, object, embed, form, no `on*`
 * event handlers), no block element inside a paragraph, only http(s)/mailto/tel/urn/ftp or relative URLs (and
 * raster `data:` images in img.src), no script or url() in a style attribute, and have some content (txt-2); and
 * they are the same tree. A payload that hides from one reader behind markup the other reads differently
 * (`<!--><img onerror=…>-->`, `<![CDATA[><img …>]]>`) is refused.
 * @internal
 */
import { XhtmlProblem } from "../../../errors/_signals.js";
import { readNarrativeHtml } from "../narrative-html.js";
import {
  checkElement,
  documentOrder,
  MAX_NARRATIVE_DEPTH,
  XHTML_NS,
  type NarrativeElement,
  type NarrativeNode,
} from "../narrative-rules.js";
import type { FhirNode, Report, RuleVisitor, StrictRule } from "../rule.js";

export { unsafeStyle, unsafeUrl, XHTML_NS } from "../narrative-rules.js";

const XML_ENTITIES: Readonly<Partial<Record<string, string>>> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };
const NAME = /^[A-Za-z_:][A-Za-z0-9_:.-]*/;

interface OpenElement {
  readonly name: string;
  readonly inParagraph: boolean;
  readonly children: NarrativeNode[];
}

/** Decodes the entities of text or an attribute value (only the XML ones and character references). */
function decodeEntities(text: string): string {
  return text.replace(/&([^;&\s]*);?/g, (match, name: string) => {
    if (!match.endsWith(";")) throw new XhtmlProblem(`"&" must start an entity reference such as &amp;`);
    const entity = Object.hasOwn(XML_ENTITIES, name) ? XML_ENTITIES[name] : undefined;
    if (entity !== undefined) return entity;
    const numeric = /^#(?:x([0-9A-Fa-f]+)|([0-9]+))$/.exec(name);
    if (numeric) {
      const code = numeric[1] !== undefined ? parseInt(numeric[1], 16) : Number(numeric[2]);
      const xmlChar =
        code === 0x9 ||
        code === 0xa ||
        code === 0xd ||
        (code >= 0x20 && code <= 0xd7ff) ||
        (code >= 0xe000 && code <= 0xfffd) ||
        (code >= 0x10000 && code <= 0x10ffff);
      if (!xmlChar) throw new XhtmlProblem(`&${name}; is not an XML character`);
      return String.fromCodePoint(code);
    }
    throw new XhtmlProblem(
      `&${name}; is not an XML entity (XHTML in FHIR has only &lt; &gt; &amp; &quot; &apos; and numeric references like &#160;)`,
    );
  });
}

/**
 * Parses and checks a narrative.
 * @returns A problem description, or undefined when the XHTML is acceptable.
 */
export function xhtmlProblem(xhtml: string): string | undefined {
  try {
    readNarrative(xhtml);
    return undefined;
  } catch (error) {
    if (error instanceof XhtmlProblem) return error.message;
    throw error;
  }
}

/**
 * Reads a narrative both ways and checks it.
 * @returns The tree the HTML reading built (which equals the XML reading's).
 * @throws {XhtmlProblem}
 */
export function readNarrative(xhtml: string): NarrativeElement {
  if (/<[!?]/.test(xhtml)) {
    throw new XhtmlProblem(
      "comments, CDATA sections, processing instructions and DOCTYPEs are not allowed in a narrative (HTML parsers read them differently)",
    );
  }
  const xml = readXml(xhtml);
  const htmlTree = readNarrativeHtml(xhtml);
  const [xmlOrder, htmlOrder] = [documentOrder(xml), documentOrder(htmlTree)];
  if (xmlOrder.length !== htmlOrder.length || xmlOrder.some((token, k) => token !== htmlOrder[k])) {
    throw new XhtmlProblem("an HTML parser reads this narrative differently from an XML parser");
  }
  return htmlTree;
}

function readXml(xhtml: string): NarrativeElement {
  const stack: OpenElement[] = [];
  const top: NarrativeNode[] = [];
  let i = 0;
  let rootClosed = false;
  let rootSeen = false;
  let content = false;
  // A declaration with a `never` return type, so that the checker narrows after each call.
  function fail(message: string): never {
    throw new XhtmlProblem(`${message} (at character ${i})`);
  }
  const addText = (children: NarrativeNode[], value: string) => {
    const last = children.at(-1);
    if (last?.kind === "text") children[children.length - 1] = { kind: "text", value: last.value + value };
    else children.push({ kind: "text", value });
  };
  while (i < xhtml.length) {
    const lt = xhtml.indexOf("<", i);
    const textEnd = lt === -1 ? xhtml.length : lt;
    if (textEnd > i) {
      const text = xhtml.slice(i, textEnd);
      const parent = stack.at(-1);
      if (!parent) {
        if (/\S/.test(text)) fail("text outside the <div>");
      } else {
        if (text.includes("]]>")) fail(`"]]>" in text`);
        let decoded = decodeEntities(text.replace(/\r\n?/g, "\n"));
        // An HTML parser drops the line break right after <pre>; XML keeps it. Read it as HTML does.
        if (parent.name === "pre" && parent.children.length === 0 && decoded.startsWith("\n"))
          decoded = decoded.slice(1);
        if (/\S/.test(decoded)) content = true;
        if (decoded !== "") addText(parent.children, decoded);
      }
      i = textEnd;
      continue;
    }
    // A markup construct at i (comments, CDATA, DOCTYPE and processing instructions were refused up front).
    if (xhtml.startsWith("</", i)) {
      const name = NAME.exec(xhtml.slice(i + 2, i + 66))?.[0];
      if (!name) fail("a malformed end tag");
      let j = i + 2 + name.length;
      while (/\s/.test(xhtml[j] ?? "")) j++;
      if (xhtml[j] !== ">") fail(`a malformed end tag </${name}`);
      const open = stack.pop();
      if (open?.name !== name) fail(`</${name}> does not close ${open ? `<${open.name}>` : "anything"}`);
      if (stack.length === 0) rootClosed = true;
      i = j + 1;
      continue;
    }
    // Start tag.
    if (rootClosed) fail("content after the closing </div>");
    const name = NAME.exec(xhtml.slice(i + 1, i + 65))?.[0];
    if (!name) fail('"<" must start a tag (write &lt; in text)');
    let j = i + 1 + name.length;
    const attributes: [string, string][] = [];
    const names = new Set<string>();
    for (;;) {
      const space = /^\s*/.exec(xhtml.slice(j, j + 1000))?.[0].length ?? 0;
      j += space;
      if (xhtml.startsWith("/>", j) || xhtml[j] === ">") break;
      if (space === 0) fail(`a malformed tag <${name}`);
      const attribute = NAME.exec(xhtml.slice(j, j + 64))?.[0];
      if (!attribute) fail(`a malformed attribute in <${name}>`);
      j += attribute.length;
      while (/\s/.test(xhtml[j] ?? "")) j++;
      if (xhtml[j] !== "=") fail(`the attribute ${attribute} needs a quoted value`);
      j++;
      while (/\s/.test(xhtml[j] ?? "")) j++;
      const quote = xhtml[j];
      if (quote !== '"' && quote !== "'") fail(`the value of ${attribute} must be quoted`);
      const end = xhtml.indexOf(quote, j + 1);
      if (end === -1) fail(`unterminated value of ${attribute}`);
      const raw = xhtml.slice(j + 1, end);
      if (raw.includes("<")) fail(`"<" in the value of ${attribute}`);
      if (names.has(attribute)) fail(`the attribute ${attribute} appears twice on <${name}>`);
      names.add(attribute);
      // XML attribute-value normalisation: a literal tab or line break reads as a space (a reference does not).
      attributes.push([attribute, decodeEntities(raw.replace(/\r\n?|[\n\t]/g, " "))]);
      j = end + 1;
    }
    const selfClosing = xhtml.startsWith("/>", j);
    const parent = stack.at(-1);
    if (!parent && rootSeen) fail("more than one root element");
    const inParagraph = parent ? parent.inParagraph || parent.name === "p" : false;
    checkElement(name, attributes, inParagraph, !parent);
    rootSeen = true;
    if (name === "img") content = true;
    const element: NarrativeElement = { kind: "element", name, attributes, children: [] };
    (parent ? parent.children : top).push(element);
    if (selfClosing) {
      if (!parent) rootClosed = true;
    } else {
      if (stack.length >= MAX_NARRATIVE_DEPTH) fail(`nested deeper than ${MAX_NARRATIVE_DEPTH} levels`);
      stack.push({ name, inParagraph, children: element.children });
    }
    i = j + (selfClosing ? 2 : 1);
  }
  const unclosed = stack.at(-1);
  if (unclosed) fail(`<${unclosed.name}> is not closed`);
  if (!rootSeen) fail(`the narrative must be a <div xmlns="${XHTML_NS}">`);
  if (!content) throw new XhtmlProblem("the narrative has no content (txt-2)");
  return top[0] as NarrativeElement;
}

/** The rule. */
export const xhtmlRule: StrictRule = {
  name: "narrative XHTML",
  start: () => VISITOR,
};

const VISITOR: RuleVisitor = { visit };

function visit(node: FhirNode, report: Report): void {
  if (node.type !== "xhtml" || typeof node.value !== "string") return;
  const problem = xhtmlProblem(node.value);
  if (problem) report(node.path, problem);
}
