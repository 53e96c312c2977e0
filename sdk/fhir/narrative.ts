/**
 * Safe narratives for display: a FHIR resource's `text.div` re-written from the tree an HTML parser builds, after
 * the same checks the validator makes (sdk/fhir/strict/rules/xhtml.ts).
 */
import { FhirValidationError } from "../errors/data.js";
import { XhtmlProblem } from "../errors/_signals.js";
import { serializeNarrative } from "./strict/narrative-rules.js";
import { NarrativeBudget } from "./limits.js";
import { readNarrative } from "./strict/rules/xhtml.js";

/**
 * Returns a safe serialisation of a FHIR narrative (`Narrative.div`) for insertion into a page (`innerHTML`).
 * The narrative is read as XML and as a WHATWG HTML parser reads it (parse5); it is refused unless both readings
 * agree and hold only what FHIR allows in narratives (txt-1: no script, no event handlers, no comments, CDATA or
 * processing instructions, no SVG or MathML, only http(s)/mailto/tel/urn/ftp or relative URLs and raster data:
 * images, no url() or expression() in styles). The answer is written afresh from the parsed tree — every
 * attribute quoted and escaped, text escaped — never the input string passed through, so a page that inserts it
 * builds exactly the checked tree.
 * @param div - The narrative XHTML: `<div xmlns="http://www.w3.org/1999/xhtml">…</div>`.
 * @returns The safe XHTML (also a valid FHIR narrative).
 * @throws {FhirSizeLimitError} When the narrative is over `MAX_NARRATIVE_TAGS` tags or
 *   `MAX_NARRATIVE_CHARS` characters (nothing is parsed then).
 * @throws {FhirValidationError} When the narrative is refused (one issue at `Narrative.div` saying why).
 * @throws {TypeError} When `div` is not a string.
 * @example
 * element.innerHTML = sanitizeNarrative(resource.text.div);
 */
export function sanitizeNarrative(div: string): string {
  if (typeof div !== "string") throw new TypeError("div: expected a string (Narrative.div)");
  new NarrativeBudget().add(div);
  let tree;
  try {
    tree = readNarrative(div);
  } catch (error) {
    if (!(error instanceof XhtmlProblem)) throw error;
    throw new FhirValidationError("The narrative is not safe to display.", [
      { path: "Narrative.div", message: error.message },
    ]);
  }
  return serializeNarrative(tree);
}
