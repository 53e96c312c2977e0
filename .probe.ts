import { readdirSync, readFileSync } from "node:fs";
let t0 = performance.now();
const { createFhirValidator, FhirValidationError } = await import("./sdk/index.js");
const { loadFhirDefinitions } = await import("./sdk/node.js");
const d = loadFhirDefinitions(); console.log("load", (performance.now() - t0).toFixed(0)); t0 = performance.now();
const v = createFhirValidator(d); console.log("create", (performance.now() - t0).toFixed(0));
for (const dir of ["../shared/data/fhir/examples", "../shared/data/fhir/synthea"]) {
  let t = performance.now();
  for (const f of readdirSync(dir).filter((f) => f.endsWith(".json"))) {
    const text = readFileSync(`${dir}/${f}`, "utf8");
    try { v.validateJson(text); } catch (e) { console.log(f, (e as any).details?.slice(0, 1500)); }
    const r = JSON.parse(text);
    if (r.resourceType === "Bundle") for (const e of r.entry) { try { v.validate(e.resource); } catch (x) { console.log(f, "entry", (x as any).details?.slice(0, 500)); } }
  }
  console.log(dir, (performance.now() - t).toFixed(0), "ms");
}
