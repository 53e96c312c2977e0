// The `epcis` command line (scripts/epcis.ts): `hash` prints one Event Hash ID per event, `validate` one verdict per
// file, with a non-zero exit status when any file is invalid or unreadable.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { describe, expect, it } from "vitest";

import { run } from "../../helpers/processes.js";
import { sharedData } from "../_support.js";

const vectors = sharedData("epcis/event-hash");
const examples = sharedData("epcis/examples");

/** Runs the CLI; its exit code and output (run() rejects on a non-zero exit). */
async function cli(args: string[]): Promise<{ code: number; output: string }> {
  try {
    return { code: 0, output: await run("tsx", ["--conditions=carechain-source", "scripts/epcis.ts", ...args]) };
  } catch (error) {
    const message = (error as Error).message;
    return { code: Number(/exited with (\d+)/.exec(message)?.[1]), output: message.slice(message.indexOf("\n") + 1) };
  }
}

describe.skipIf(!vectors.exists || !examples.exists)("scripts/epcis.ts", () => {
  const dir = mkdtempSync(join(tmpdir(), "carechain-epcis-"));

  it("hash: FILE#N: <Event Hash ID> for every event of every file, in order", async () => {
    const names = ["epcisDocWithVariousEventTypes", "epcisDocWithShippingAndTransportingEvent"];
    const files = names.map((n) => join(vectors.path, `${n}.jsonld`));
    const { code, output } = await cli(["hash", ...files]);
    expect(code).toBe(0);
    const expected = names.flatMap((n, f) =>
      readFileSync(join(vectors.path, `${n}.hashes`), "utf8")
        .split("\n")
        .filter(Boolean)
        .map((h, i) => `${files[f]}#${i + 1}: ${h}`),
    );
    expect(output.trim().split("\n")).toEqual(expected);
    expect(expected).toHaveLength(15);
  });

  it("validate: FILE: valid / FILE: invalid: REASON, exit 1 when any is invalid", async () => {
    const good = join(examples.path, "Example_9.6.1-ObjectEvent.jsonld");
    const doc = JSON.parse(readFileSync(good, "utf8")) as { epcisBody: { eventList: Record<string, unknown>[] } };
    doc.epcisBody.eventList[0]!.action = "JUMP";
    const bad = join(dir, "bad.jsonld");
    writeFileSync(bad, JSON.stringify(doc));
    const broken = join(dir, "broken.jsonld");
    writeFileSync(broken, "{ not json");
    const { code, output } = await cli(["validate", good, bad, broken, join(dir, "missing.jsonld")]);
    expect(code).toBe(1);
    expect(output.trim().split("\n")).toEqual([
      `${good}: valid`,
      `${bad}: invalid: /epcisBody/eventList/0/action: must be equal to one of the allowed values: "OBSERVE", "ADD", "DELETE" (schema #/definitions/action/enum)`,
      expect.stringMatching(new RegExp(`^${broken}: invalid: not JSON: `)),
      `${join(dir, "missing.jsonld")}: invalid: unreadable: ENOENT`,
    ]);
  });

  it("validate: exit 0 when every file is valid", async () => {
    const files = ["Example_9.6.2-ObjectEvent.jsonld", "Example_9.6.3-AggregationEvent.jsonld"].map((f) =>
      join(examples.path, f),
    );
    const { code, output } = await cli(["validate", ...files]);
    expect(code).toBe(0);
    expect(output.trim().split("\n")).toEqual(files.map((f) => `${f}: valid`));
  });

  it("usage errors exit 2", async () => {
    expect((await cli(["frobnicate", "x"])).code).toBe(2);
    expect((await cli(["hash"])).code).toBe(2);
    const { code, output } = await cli(["validate", "--schema", join(dir, "none.json"), "x"]);
    expect(code).toBe(2);
    expect(output).toContain("schema not found");
  });
});
