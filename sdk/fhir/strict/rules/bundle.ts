/**
 * Strict rule for Bundles (every Bundle, also one nested in another), with the entry's path where
 * @medplum/core's bdl-7 only points at the Bundle:
 * - fullUrl is unique, except in a history Bundle or for entries with different meta.versionId (bdl-7);
 * - a resource type and id appear once (under the same server base), with the same exceptions;
 * - fullUrl is absolute; a `urn:uuid:`/`urn:oid:` one is a valid uuid/oid; an http(s) one agrees with the
 *   resource's type and id (the R4 definition of Bundle.entry.fullUrl: it "SHALL NOT disagree with the id").
 * @internal
 */
import { R4_PATTERNS } from "./primitives.js";
import type { FhirNode, JsonObject, Report, RuleVisitor, StrictRule } from "../rule.js";

const UUID = new RegExp(`^(?:${R4_PATTERNS.uuid})$`);
const OID = new RegExp(`^(?:${R4_PATTERNS.oid})$`);
const ABSOLUTE = /^[A-Za-z][A-Za-z0-9+.-]*:\S/;
const RESTFUL = /^(https?:\/\/\S*\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/;

const asObject = (v: unknown): JsonObject | undefined =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as JsonObject) : undefined;

/** The rule. */
export const bundleRule: StrictRule = {
  name: "Bundle entries (fullUrl, duplicates)",
  start: () => VISITOR,
};

const VISITOR: RuleVisitor = { visit };

function visit(node: FhirNode, report: Report): void {
  if (!node.isResource || node.type !== "Bundle") return;
  const bundle = node.value as JsonObject;
  if (!Array.isArray(bundle.entry)) return;
  const history = bundle.type === "history";
  const fullUrls = new Map<string, number>();
  const resources = new Map<string, number>();
  bundle.entry.forEach((item: unknown, i) => {
    const entry = asObject(item);
    if (!entry) return;
    const entryPath = `${node.path}.entry[${i}]`;
    const resource = asObject(entry.resource);
    const type = typeof resource?.resourceType === "string" ? resource.resourceType : undefined;
    const id = typeof resource?.id === "string" ? resource.id : undefined;
    const versionId = asObject(resource?.meta)?.versionId;
    const version = typeof versionId === "string" ? versionId : "";
    const fullUrl = typeof entry.fullUrl === "string" && entry.fullUrl !== "" ? entry.fullUrl : undefined;
    let base = "";
    if (fullUrl !== undefined) {
      const at = `${entryPath}.fullUrl`;
      const restful = RESTFUL.exec(fullUrl);
      if (!ABSOLUTE.test(fullUrl)) {
        report(at, `"${fullUrl}" is not an absolute URI`);
      } else if (fullUrl.startsWith("urn:uuid:") && !UUID.test(fullUrl)) {
        report(at, `"${fullUrl}" is not a valid urn:uuid (lower-case 8-4-4-4-12 hex digits)`);
      } else if (fullUrl.startsWith("urn:oid:") && !OID.test(fullUrl)) {
        report(at, `"${fullUrl}" is not a valid urn:oid`);
      } else if (/^https?:/.test(fullUrl) && type !== undefined && id !== undefined) {
        if (restful?.[2] !== type || restful[3] !== id) {
          report(at, `"${fullUrl}" disagrees with the resource (${type}/${id}): it must end with /${type}/${id}`);
        }
      }
      const restfulBase = restful?.[1];
      if (restfulBase !== undefined) base = restfulBase;
      const key = `${fullUrl}|${version}`;
      const first = fullUrls.get(key);
      if (first !== undefined && !history) {
        report(at, `duplicate fullUrl ${fullUrl} (also entry[${first}]) (bdl-7)`);
      } else {
        fullUrls.set(key, i);
      }
    }
    if (type !== undefined && id !== undefined) {
      const key = `${base}|${type}/${id}|${version}`;
      const first = resources.get(key);
      if (first !== undefined && !history) {
        report(`${entryPath}.resource.id`, `duplicate resource ${type}/${id} in the Bundle (also entry[${first}])`);
      } else {
        resources.set(key, i);
      }
    }
  });
}
