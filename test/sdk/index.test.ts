/**
 * The package entry point's export list, frozen by a snapshot (a change to the public API shows up in review), and
 * every client action exported from it by name.
 */
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

import * as sdk from "../../sdk/index.js";

const ACTIONS_DIR = fileURLToPath(new URL("../../sdk/client/actions/", import.meta.url));

describe("sdk/index.ts", () => {
  it("exports exactly the frozen list of names", () => {
    expect(Object.keys(sdk).sort()).toMatchSnapshot();
  });

  it("exports every client action (and no internal helper) by name", async () => {
    const modules = readdirSync(ACTIONS_DIR).filter((f) => f.endsWith(".ts"));
    const exported = new Set(Object.keys(sdk));
    const missing: string[] = [];
    let actions = 0;
    for (const file of modules) {
      const module = (await import(new URL(file.replace(/\.ts$/, ".js"), `file://${ACTIONS_DIR}`).href)) as Record<
        string,
        unknown
      >;
      for (const [name, value] of Object.entries(module)) {
        if (typeof value !== "function") continue;
        if (file.startsWith("_")) {
          expect(exported.has(name) && sdk[name as keyof typeof sdk] === value, `${file} ${name} leaks`).toBe(false);
          continue;
        }
        actions++;
        if (sdk[name as keyof typeof sdk] !== value) missing.push(`${file}: ${name}`);
      }
    }
    expect(missing).toEqual([]);
    expect(actions).toBeGreaterThanOrEqual(45);
  });
});
