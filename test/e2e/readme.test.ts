import { readFile } from "node:fs/promises";
import { join } from "node:path";

import { describe, expect, it } from "vitest";

import { ROOT } from "../helpers/processes.js";

describe("README", () => {
  // The example itself runs in `npm run test:package` (scripts/test-package.mjs): from the packed package, outside
  // the repository, on Node 22 and 24. Here: the README shows exactly that file.
  it("the SDK example is examples/node/index.mjs, verbatim", async () => {
    const readme = await readFile(join(ROOT, "README.md"), "utf8");
    const at = readme.indexOf("### The SDK example");
    expect(at, "README has a section 'The SDK example'").toBeGreaterThan(0);
    const code = /```js\n([\s\S]*?)```/.exec(readme.slice(at))?.[1];
    expect(code, "README has a js code block under 'The SDK example'").toBeTruthy();
    const example = await readFile(join(ROOT, "examples", "node", "index.mjs"), "utf8");
    expect(code).toBe(example);
  });

  it("the example is plain JavaScript for a consumer: its own package.json, carechain and ethers, no tsx", async () => {
    const manifest = JSON.parse(await readFile(join(ROOT, "examples", "node", "package.json"), "utf8")) as {
      type?: string;
      dependencies: Record<string, string>;
      devDependencies?: Record<string, string>;
    };
    expect(manifest.type).toBe("module");
    expect(Object.keys(manifest.dependencies).sort()).toEqual(["carechain", "ethers"]);
    expect(manifest.devDependencies).toBeUndefined();
    const example = await readFile(join(ROOT, "examples", "node", "index.mjs"), "utf8");
    const imported = [...example.matchAll(/^import [\s\S]*? from "([^"]+)";$/gm)].map((m) => m[1]).sort();
    expect(imported).toEqual(["carechain", "carechain/node", "ethers"]);
  });

  it("names the two commands, and CI runs the test one", async () => {
    const readme = await readFile(join(ROOT, "README.md"), "utf8");
    expect(readme).toContain("npx -y -p node@22.23.3 npm ci && npm run pilot");
    expect(readme).toContain("npx -y -p node@22.23.3 npm ci && npm test");
    const ci = await readFile(join(ROOT, ".ci", "run"), "utf8");
    expect(ci).toContain("npx -y -p node@22.23.3 npm ci");
    expect(ci).toMatch(/^npm test$/m);
  });
});
