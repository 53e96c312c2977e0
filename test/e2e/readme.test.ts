import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

import { describe, expect, it } from "vitest";

import { ROOT, run } from "../helpers/processes.js";

describe("README", () => {
  it("the ten-line SDK example runs as written", async () => {
    const readme = await readFile(join(ROOT, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## The SDK in ten lines"));
    const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
    expect(code, "README has a ts example under 'The SDK in ten lines'").toBeTruthy();
    const dir = join(ROOT, ".carechain", `readme-${process.pid}`);
    await mkdir(dir, { recursive: true });
    const file = join(dir, "example.ts");
    // Run the example verbatim, then print what it read so the test can check it.
    await writeFile(file, `${code}\nconsole.log(JSON.stringify(resource));\n`);
    try {
      const output = await run("tsx", ["--conditions=carechain-source", file]);
      const resource = JSON.parse(output.trim().split("\n").pop()!);
      expect(resource).toMatchObject({ resourceType: "Condition", code: { text: "Asthma" } });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
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
