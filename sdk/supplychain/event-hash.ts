/**
 * The EPCIS Event Hash ID (GS1 CBV 2.0 §8.9): a representation-independent identifier of an EPCIS
 * event, `ni:///sha-256;<hex>?ver=CBV2.0` (RFC 6920) over the event's canonical pre-hash string.
 * Agrees with the reference implementation (RalphTro/epcis-event-hash-generator) on its test vectors.
 * @module
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import { canonicalTimestamp, canonicalValue } from "./_epcis-values.js";
import { eventTrees, isPair, type EpcisNode, type Triple } from "./_epcis-tree.js";

/** A property order: element names in canonical sequence, each with the order of its children. */
type Order = readonly (readonly [name: string | null, children: Order | null])[];

const QUANTITY: Order = [
  [
    "quantityElement",
    [
      ["epcClass", null],
      ["quantity", null],
      ["uom", null],
    ],
  ],
];
const EPC: Order = [["epc", null]];

/**
 * The canonical property order (CBV 2.0 §8.9.2). Source, destination and business-transaction lists
 * have no name the reference's ordered pass can match (`null`), so they are written with the
 * remaining fields after it, exactly as the reference does.
 */
const PROPERTY_ORDER: Order = [
  ["eventTime", null],
  ["eventTimeZoneOffset", null],
  ["certificationInfo", null],
  ["parentID", null],
  ["epcList", EPC],
  ["inputEPCList", EPC],
  ["childEPCs", EPC],
  ["quantityList", QUANTITY],
  ["childQuantityList", QUANTITY],
  ["inputQuantityList", QUANTITY],
  ["outputEPCList", EPC],
  ["outputQuantityList", QUANTITY],
  ["action", null],
  ["transformationID", null],
  ["bizStep", null],
  ["disposition", null],
  [
    "persistentDisposition",
    [
      ["set", null],
      ["unset", null],
    ],
  ],
  ["readPoint", [["id", null]]],
  ["bizLocation", [["id", null]]],
  ["bizTransactionList", [[null, null]]],
  ["sourceList", [[null, null]]],
  ["destinationList", [[null, null]]],
  [
    "sensorElementList",
    [
      [
        "sensorElement",
        [
          [
            "sensorMetadata",
            [
              "time",
              "startTime",
              "endTime",
              "deviceID",
              "deviceMetadata",
              "rawData",
              "dataProcessingMethod",
              "bizRules",
            ].map((n) => [n, null] as const),
          ],
          [
            "sensorReport",
            [
              "type",
              "exception",
              "deviceID",
              "deviceMetadata",
              "rawData",
              "dataProcessingMethod",
              "time",
              "microorganism",
              "chemicalSubstance",
              "value",
              "component",
              "stringValue",
              "booleanValue",
              "hexBinaryValue",
              "uriValue",
              "minValue",
              "maxValue",
              "meanValue",
              "sDev",
              "percRank",
              "percValue",
              "uom",
              "coordinateReferenceSystem",
            ].map((n) => [n, null] as const),
          ],
        ],
      ],
    ],
  ],
];

/** Fields never hashed (step: "fields to ignore"). */
const IGNORED = new Set(["recordTime", "eventID", "type", "errorDeclaration"]);

const nameOf = (node: EpcisNode): string | undefined => (isPair(node) ? undefined : node[0]);

/** One element and its ordered children: `name=value` then the children (empty when both are empty). */
function elementString(child: Triple, order: Order | null): string {
  const childText = order ? orderedString(child[2], order) : "";
  let text = "";
  if (child[1]) {
    text = child[1].trim();
    const lower = child[0].toLowerCase();
    text = lower.includes("time") && !lower.includes("offset") ? canonicalTimestamp(text) : canonicalValue(text);
    if (text) text = "=" + text;
  }
  return text || childText ? child[0] + text + childText : "";
}

/** Removes and returns the user extensions of a standard field with an extension point (step 19). */
function takeUserExtensions(children: EpcisNode[]): EpcisNode[] {
  if (children.length <= 1) return [];
  const isCore = (c: EpcisNode): boolean => {
    const name = nameOf(c) ?? "";
    return name.includes("eventTime") || name.includes("action");
  };
  if (children.some(isCore)) return [];
  const extensions = children.filter((c) => {
    const name = nameOf(c);
    return name !== undefined && name.includes("{") && name.includes("/}");
  });
  for (const ext of extensions) children.splice(children.indexOf(ext), 1);
  return extensions;
}

/**
 * The ordered part: for each name of `order`, the matching children's strings sorted and
 * concatenated; consumed leaves are removed from `children` so only unordered fields remain.
 */
function orderedString(children: EpcisNode[], order: Order): string {
  let preHash = "";
  const extensions = takeUserExtensions(children);
  for (const [name, childOrder] of order) {
    const values: string[] = [];
    const consumed = new Set<EpcisNode>();
    for (const child of children.filter((c): c is Triple => name !== null && nameOf(c) === name)) {
      const s = elementString(child, childOrder);
      if (s) values.push(s);
      if (child[2].length === 0) consumed.add(child);
    }
    if (consumed.size > 0) {
      const kept = children.filter((c) => !consumed.has(c));
      children.length = 0;
      for (const c of kept) children.push(c);
    }
    values.sort();
    preHash += values.join("");
  }
  if (extensions.length > 0) preHash += genericString(extensions);
  return preHash;
}

const UNSORTED = new Set(["bizTransaction", "source", "destination"]);

/** Fields outside the canonical order (ILMD, user extensions, lists of pairs): sorted `name=value` strings. */
function genericString(children: readonly EpcisNode[]): string {
  const values = children.map((child) => {
    if (isPair(child)) return genericString(child);
    let text = child[1].trim();
    if (text) text = "=" + canonicalValue(text);
    return child[0] + text + genericString(child[2]);
  });
  if (children.length > 1 && !children.some((c) => UNSORTED.has(nameOf(c) ?? ""))) values.sort();
  return values.join("");
}

/** The pre-hash string of one event tree. */
function preHashOf(event: Triple): string {
  const children = event[2];
  const ordered = orderedString(children, PROPERTY_ORDER);
  const rest = children.filter((c) => !IGNORED.has(nameOf(c) ?? ""));
  return `eventType=${event[0]}${ordered}${rest.length > 0 ? genericString(rest) : ""}`;
}

/**
 * The canonical pre-hash string of each event of an EPCIS 2.0 JSON-LD document.
 * @param document - A parsed `EPCISDocument` or `EPCISQueryDocument`.
 * @returns One pre-hash string per event, in document order.
 * @throws {TypeError} When `document` is not an EPCIS document with an event list.
 * @example
 * ```ts
 * const [pre] = epcisPreHashStrings(JSON.parse(text));
 * // "eventType=ObjectEventeventTime=2020-03-04T10:00:30.000Z..."
 * ```
 */
export function epcisPreHashStrings(document: unknown): string[] {
  return eventTrees(structuredClone(document)).map(preHashOf);
}

/**
 * The EPCIS Event Hash ID of a pre-hash string: `ni:///sha-256;<hex>?ver=CBV2.0`.
 * @param preHash - A canonical pre-hash string.
 * @returns The Event Hash ID.
 */
export function eventHashIdOf(preHash: string): string {
  return `ni:///sha-256;${bytesToHex(sha256(utf8ToBytes(preHash)))}?ver=CBV2.0`;
}

/**
 * The EPCIS Event Hash ID of each event of an EPCIS 2.0 JSON-LD document (CBV 2.0 §8.9).
 * @param document - A parsed `EPCISDocument` or `EPCISQueryDocument`.
 * @returns One `ni:///sha-256;…?ver=CBV2.0` per event, in document order.
 * @throws {TypeError} When `document` is not an EPCIS document with an event list.
 * @example
 * ```ts
 * const ids = epcisEventHashIds(JSON.parse(readFileSync("events.jsonld", "utf8")));
 * ```
 */
export function epcisEventHashIds(document: unknown): string[] {
  return epcisPreHashStrings(document).map(eventHashIdOf);
}

/** The 32-byte digest inside an Event Hash ID, as `0x…` hex (what the contracts anchor). */
const NI = /^ni:\/\/\/sha-256;([0-9a-f]{64})\?ver=CBV2\.0$/;

/**
 * The SHA-256 digest an Event Hash ID names, as a `0x`-prefixed bytes32 hex string.
 * @param hashId - An Event Hash ID (`ni:///sha-256;<64 hex>?ver=CBV2.0`).
 * @returns The digest as `0x…`.
 * @throws {TypeError} When `hashId` is not a SHA-256 CBV 2.0 Event Hash ID.
 */
export function eventHashDigest(hashId: string): `0x${string}` {
  const m = NI.exec(hashId);
  if (!m) throw new TypeError(`eventHashDigest: hashId must be ni:///sha-256;<64 hex>?ver=CBV2.0, got ${hashId}`);
  return `0x${m[1]}`;
}
