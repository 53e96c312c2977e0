import { createFhirValidator, FhirValidationError } from "./sdk/index.js";
import { loadFhirDefinitions } from "./sdk/node.js";
const v = createFhirValidator(loadFhirDefinitions());
const obs = { resourceType: "Observation", status: "final", code: { text: "HR" } };
const div = (x: string) => ({ resourceType: "Patient", text: { status: "generated", div: `<div xmlns="http://www.w3.org/1999/xhtml">${x}</div>` } });
const cases: [string, unknown][] = [
  ["_given misaligned", { resourceType: "Patient", name: [{ given: ["a", "b"], _given: [null] }] }],
  ["_code complex", { ...obs, _code: { id: "x", extension: [{ url: "http://x", valueString: "y" }] } }],
  ["ele-1 id only", { resourceType: "Patient", maritalStatus: { id: "a" } }],
  ["obs-6 in entry", { resourceType: "Bundle", type: "collection", entry: [{ resource: { ...obs, valueString: "x", dataAbsentReason: { text: "y" } } }] }],
  ["sqty-1", { ...obs, referenceRange: [{ low: { value: 1, comparator: "<" } }] }],
  ["qty-3", { ...obs, valueQuantity: { value: 1, code: "mg" } }],
  ["rng-2", { ...obs, valueRange: { low: { value: 5, unit: "mg", system: "http://unitsofmeasure.org", code: "mg" }, high: { value: 3, unit: "mg", system: "http://unitsofmeasure.org", code: "mg" } } }],
  ["cpt-2", { resourceType: "Patient", telecom: [{ value: "555" }] }],
  ["dup type/id", { resourceType: "Bundle", type: "collection", entry: [{ resource: { resourceType: "Patient", id: "1" } }, { resource: { resourceType: "Patient", id: "1" } }] }],
  ["fullUrl disagrees", { resourceType: "Bundle", type: "collection", entry: [{ fullUrl: "http://x/fhir/Patient/2", resource: { resourceType: "Patient", id: "1" } }] }],
  ["fullUrl relative", { resourceType: "Bundle", type: "collection", entry: [{ fullUrl: "Patient/1", resource: { resourceType: "Patient", id: "1" } }] }],
  ["history dup ok", { resourceType: "Bundle", type: "history", entry: [{ fullUrl: "http://x/Patient/1", resource: { resourceType: "Patient", id: "1" }, request: { method: "PUT", url: "Patient/1" }, response: { status: "200" } }, { fullUrl: "http://x/Patient/1", resource: { resourceType: "Patient", id: "1" }, request: { method: "PUT", url: "Patient/1" }, response: { status: "200" } }] }],
  ["js href", div('<a href="javascript:alert(1)">x</a>')],
  ["js href entity", div('<a href="&#106;avascript:alert(1)">x</a>')],
  ["iframe", div('<iframe src="x"></iframe>')],
  ["nbsp", div("a&nbsp;b")],
  ["unclosed", div("<p>x")],
  ["no content", div("  ")],
  ["p>div", div("<p><div>x</div></p>")],
  ["style expr", div('<span style="width: expression(alert(1))">x</span>')],
  ["data href", div('<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>')],
  ["img data ok", div('<img src="data:image/png;base64,iVBORw0KGgo=" alt="x"/>')],
  ["ok narrative", div('<p>Hello <b>world</b> &amp; &#160;<a href="http://x.org/?a=1&amp;b=2">link</a></p><table><tr><td>1</td></tr></table>')],
  ["dom-3", { resourceType: "Patient", contained: [{ resourceType: "Organization", id: "o1", name: "x" }] }],
  ["dom-3 ok", { resourceType: "Patient", contained: [{ resourceType: "Organization", id: "o1", name: "x" }], managingOrganization: { reference: "#o1" } }],
  ["ref # from root", { resourceType: "Patient", managingOrganization: { reference: "#" } }],
  ["contained back-ref ok", { resourceType: "Patient", contained: [{ resourceType: "Provenance", id: "p", target: [{ reference: "#" }], recorded: "2020-01-01T00:00:00Z", agent: [{ who: { display: "x" } }] }] }],
  ["CC required", { resourceType: "Condition", subject: { reference: "Patient/1" }, clinicalStatus: { coding: [{ system: "http://terminology.hl7.org/CodeSystem/condition-clinical", code: "bogus" }] } }],
  ["CC ok text only", { resourceType: "Condition", subject: { reference: "Patient/1" }, clinicalStatus: { text: "active" } }],
  ["attachment ok", { resourceType: "Patient", photo: [{ contentType: "text/plain", data: "aGVsbG8=", size: 5, hash: "qvTGHdzF6KLavt4PO0gs2a6pQ00=" }] }],
  ["base64 wrapped ok", { resourceType: "Binary", contentType: "text/plain", data: "aGVs bG8=" }],
  ["base64 bad padding", { resourceType: "Binary", contentType: "text/plain", data: "a=b=" }],
  ["base64 wrap inside group", { resourceType: "Binary", contentType: "text/plain", data: "aG Vs" }],
  ["nested unknown type", { resourceType: "Bundle", type: "collection", entry: [{ resource: { resourceType: "Nope" } }] }],
  ["period precision ok", { ...obs, effectivePeriod: { start: "2020-01", end: "2020-01-15T10:00:00Z" } }],
  ["period tz", { ...obs, effectivePeriod: { start: "2020-01-01T10:00:00+05:00", end: "2020-01-01T06:00:00Z" } }],
  ["period tz bad", { ...obs, effectivePeriod: { start: "2020-01-01T10:00:00-05:00", end: "2020-01-01T06:00:00Z" } }],
  ["choice _ mismatch", { ...obs, valueString: "x", _valueBoolean: { extension: [{ url: "http://x", valueString: "y" }] } }],
];
for (const [name, value] of cases) {
  try { v.validate(value); console.log("ACCEPT  ", name); }
  catch (e) { console.log("REJECT  ", name, e instanceof FhirValidationError ? JSON.stringify(e.issues) : String(e)); }
}
for (const t of ['{"resourceType":"Patient","id":"a","id":"b"}', '\ufeff{"resourceType":"Patient"}', '{"resourceType":"Patient",}', '{"resourceType":"Patient"} // x', '{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":NaN}}', "{'resourceType':'Patient'}", '{"resourceType":"Patient","name":[{"given":["a",]}]}', '{"resourceType":"Patient","__proto__":{"x":1}}', '{"resourceType":"Patient"}']) {
  try { v.validateJson(t); console.log("ACCEPT  ", t); } catch (e) { console.log("REJECT  ", JSON.stringify(t), JSON.stringify((e as any).issues)); }
}
try { v.validateJson(new Uint8Array([0x7b, 0xff, 0x7d])); } catch (e) { console.log(JSON.stringify((e as any).issues)); }
