/**
 * EPCIS 2.0 JSON-LD document → the element trees the EPCIS Event Hash ID is computed over: bare
 * CBV strings expanded to Web URIs, namespace prefixes resolved to `{namespace}local` names, and
 * the JSON data model reshaped into the XML one (list element names, quantity elements), as the
 * reference implementation (RalphTro/epcis-event-hash-generator, json_to_py.py) does.
 */
import { CBV_TERMS, EPCIS_CONTEXT_PREFIXES } from "./_cbv-terms.js";
import { pythonStr } from "./_epcis-values.js";

/** An element: name, text value (empty for a parent), children. */
export type Triple = [name: string, value: string, children: EpcisNode[]];
/** A source, destination or business transaction: its first two fields, in document order. */
export type Pair = [Triple] | [Triple, Triple];
/** A node of the tree. */
export type EpcisNode = Triple | Pair;

/** Whether `node` is a source/destination/business-transaction pair. */
export const isPair = (node: EpcisNode): node is Pair => Array.isArray(node[0]);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = Record<string, Json>;

const isObject = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

/** Python's ordering of tuples and lists of strings (element by element, shorter prefix first). */
function comparePy(a: unknown, b: unknown): number {
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = comparePy(a[i], b[i]);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  return 0;
}

const UNSORTED_KEYS = ["bizTransaction", "source", "destination"];

/** The document's namespace prefixes (`{uri}` per prefix) and the JSON → tree conversion. */
class TreeBuilder {
  readonly namespaces = new Map<string, string>();

  /** Resolves `prefix:local` to `{uri}local` (a key) or `urilocal` (a value). */
  resolve(text: string, isValue = false): string {
    const colon = text.indexOf(":");
    if (colon < 0) return text;
    const ns = this.namespaces.get(text.slice(0, colon));
    if (ns === undefined) return text;
    return (isValue ? ns.replaceAll("{", "").replaceAll("}", "") : ns) + text.slice(colon + 1);
  }

  /** `json_to_py`: a JSON value as a tree. */
  toTree(json: Json, ignore: readonly string[] = []): Triple {
    let node: Triple = ["", "", []];
    if (Array.isArray(json)) {
      for (const child of json) node[2].push(this.toTree(child));
    } else if (isObject(json)) {
      if ("type" in json) node = [pythonStr(json.type), "", []];
      if ("#text" in json) node = [node[0], pythonStr(json["#text"]), node[2]];
      const skipped = new Set(["#text", "rdfs:comment", "comment", ...ignore]);
      for (const [rawKey, val] of Object.entries(json)) {
        if (skipped.has(rawKey)) continue;
        if (rawKey.startsWith("@xmlns")) {
          this.namespaces.set(rawKey.slice(7), `{${pythonStr(val)}}`);
          node = [this.resolve(node[0]), node[1], node[2]];
          continue;
        }
        const child = this.toTree(val);
        const key = this.resolve(rawKey);
        if (Array.isArray(val)) for (const el of child[2] as Triple[]) node[2].push([key, el[1], el[2]]);
        else node[2].push([key, child[1], child[2]]);
      }
    } else {
      return ["", pythonStr(typeof json === "string" ? this.resolve(json, true) : json), []];
    }
    const keys = Array.isArray(json) ? json : Object.keys(json);
    if (!UNSORTED_KEYS.some((k) => keys.includes(k))) node[2].sort(comparePy);
    return node;
  }
}

const PAIR_LISTS = new Set(["sourceList", "destinationList", "bizTransactionList"]);

/** `deep_structure_correction`: the JSON data model reshaped into the XML one. */
export function correctStructure(node: Triple): Triple {
  const lists = new Map<string, Triple[]>();
  const children = node[2].filter((el) => {
    if (isPair(el) || !el[0].endsWith("List")) return true;
    const items = lists.get(el[0]) ?? [];
    items.push([el[0].slice(0, -4), el[1], el[2]]);
    lists.set(el[0], items);
    return false;
  });
  for (const [name, items] of lists) {
    if (PAIR_LISTS.has(name)) children.push([name, "", items.map((e) => e[2].slice(0, 2) as Pair)]);
    else children.push([name, "", items]);
  }
  const childEpcs: Triple[] = [];
  const rest = children.filter((el) => {
    if (isPair(el) || el[0] !== "childEPCs") return true;
    childEpcs.push(["epc", el[1], []]);
    return false;
  });
  if (childEpcs.length > 0) rest.push(["childEPCs", "", childEpcs]);

  const corrected = rest.map((el) => (isPair(el) || PAIR_LISTS.has(el[0]) ? el : correctStructure(el)));
  const [name, value] = node;
  if (name === "inputEPC" || name === "outputEPC") return ["epc", value, corrected];
  const quantity = name === "inputQuantity" || name === "outputQuantity" || name === "childQuantity";
  if (quantity || (name === "quantity" && corrected.length > 0)) return ["quantityElement", value, corrected];
  return [name, value, corrected];
}

const CBV = "https://ref.gs1.org/cbv";
const VOC = "https://gs1.org/voc";

/** Expands `prefix:local` with the document's or the EPCIS context's prefixes. */
function expandCurie(text: string, prefixes: ReadonlyMap<string, string>): string {
  const colon = text.indexOf(":");
  if (colon < 0) return text;
  const base = prefixes.get(text.slice(0, colon));
  return base === undefined ? text : base + text.slice(colon + 1);
}

/**
 * The CBV and GS1 vocabulary IRIs a JSON-LD expansion of the document yields (what the reference
 * collects with pyld): values of vocabulary-typed fields expanded through the EPCIS context's terms,
 * compact IRIs expanded, and every value already written as such an IRI.
 */
function vocabularyIris(doc: Json, prefixes: ReadonlyMap<string, string>): Set<string> {
  const out = new Set<string>();
  const vocab = (value: Json | undefined, terms: Readonly<Record<string, string>>): void => {
    for (const v of Array.isArray(value) ? value : [value]) {
      if (typeof v !== "string") continue;
      const term = Object.hasOwn(terms, v) ? terms[v] : undefined;
      out.add(expandCurie(term ?? v, prefixes));
    }
  };
  const objects = (value: Json | undefined): JsonObject[] => (Array.isArray(value) ? value : [value]).filter(isObject);
  const walk = (json: Json, parentKey: string): void => {
    if (typeof json === "string") {
      out.add(json);
      if (parentKey === "type") out.add(expandCurie(json, prefixes));
      return;
    }
    if (Array.isArray(json)) {
      json.forEach((j) => walk(j, parentKey));
      return;
    }
    if (!isObject(json)) return;
    vocab(json.bizStep, CBV_TERMS.bizStep);
    vocab(json.disposition, CBV_TERMS.disposition);
    for (const pd of objects(json.persistentDisposition)) {
      vocab(pd.set, CBV_TERMS.persistentDisposition);
      vocab(pd.unset, CBV_TERMS.persistentDisposition);
    }
    for (const bt of objects(json.bizTransactionList)) vocab(bt.type, CBV_TERMS.bizTransactionType);
    for (const sd of [...objects(json.sourceList), ...objects(json.destinationList)]) {
      vocab(sd.type, CBV_TERMS.sourceOrDestinationType);
    }
    for (const ed of objects(json.errorDeclaration)) vocab(ed.reason, CBV_TERMS.errorReason);
    for (const se of objects(json.sensorElementList)) {
      for (const report of objects(se.sensorReport)) {
        vocab(report.type, CBV_TERMS.measurementType);
        vocab(report.exception, CBV_TERMS.sensorException);
        vocab(report.component, CBV_TERMS.component);
      }
    }
    for (const [key, value] of Object.entries(json)) walk(value, key);
  };
  walk(doc, "");
  return new Set([...out].filter((iri) => iri.startsWith(CBV) || iri.startsWith(VOC)));
}

/** Replaces each bare string value that names exactly one vocabulary IRI (`…-value` or `…/value`) with it. */
function expandBareStrings(json: Json, iris: readonly string[]): Json {
  if (typeof json === "string") {
    const matches = iris.filter((iri) => iri.endsWith(`-${json}`) || iri.endsWith(`/${json}`));
    return matches.length === 1 ? (matches[0] ?? json) : json;
  }
  if (Array.isArray(json)) return json.map((j) => expandBareStrings(j, iris));
  if (isObject(json)) {
    return Object.fromEntries(Object.entries(json).map(([k, v]) => [k, expandBareStrings(v, iris)]));
  }
  return json;
}

const IGNORE_FIELDS_NAMESPACE = "{https://repository-x.example.com/}";

/**
 * The events of an EPCIS document (`EPCISDocument` event list, `EPCISQueryDocument` results, or a
 * single `event`) as trees ready for the pre-hash string.
 * @param document - The parsed JSON-LD document.
 * @returns One `[eventType, "", children]` tree per event, in document order.
 * @throws {TypeError} When the document has no `epcisBody` with events.
 */
export function eventTrees(document: unknown): Triple[] {
  if (!isObject(document) || !isObject(document.epcisBody)) {
    throw new TypeError("EPCIS document: expected an object with an `epcisBody`");
  }
  const context = Array.isArray(document["@context"])
    ? document["@context"].filter((c) => !isObject(c) || Object.keys(c).length > 0)
    : document["@context"];
  const docPrefixes = new Map(Object.entries(EPCIS_CONTEXT_PREFIXES));
  for (const c of Array.isArray(context) ? context : [context]) {
    if (isObject(c)) for (const [k, v] of Object.entries(c)) if (typeof v === "string") docPrefixes.set(k, v);
  }
  const doc = expandBareStrings({ ...document, "@context": context ?? null }, [
    ...vocabularyIris(document, docPrefixes),
  ]) as JsonObject;

  const builder = new TreeBuilder();
  if (Array.isArray(context)) {
    for (const c of context) {
      if (typeof c === "string") builder.namespaces.set(c, `{${c}}`);
      else if (isObject(c)) for (const [k, v] of Object.entries(c)) builder.namespaces.set(k, `{${pythonStr(v)}}`);
    }
  }
  let ignoreKey = ":ignoreFields";
  for (const [prefix, ns] of builder.namespaces) {
    if (ns === IGNORE_FIELDS_NAMESPACE) {
      ignoreKey = prefix + ignoreKey;
      break;
    }
  }
  const body = doc.epcisBody as JsonObject;
  let events: Json[];
  let ignore: Json | undefined;
  if ("eventList" in body) {
    events = asArray(body.eventList);
    ignore = doc[ignoreKey];
  } else if (isObject(body.queryResults)) {
    const results = body.queryResults;
    events = asArray(isObject(results.resultsBody) ? results.resultsBody.eventList : undefined);
    ignore = results[ignoreKey];
  } else if (body.event !== undefined) {
    events = [body.event];
    ignore = doc[ignoreKey];
  } else {
    throw new TypeError("EPCIS document: `epcisBody` has no `eventList`, `queryResults` or `event`");
  }
  const ignored = Array.isArray(ignore) ? ignore.filter((i): i is string => typeof i === "string") : [];
  return events.map((event) => correctStructure(builder.toTree(event, ignored)));
}

function asArray(value: Json | undefined): Json[] {
  if (!Array.isArray(value)) throw new TypeError("EPCIS document: the event list is not an array");
  return value;
}
