import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

import { sha256 } from "@noble/hashes/sha2.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

import {
  adjudicateClaim,
  ClaimFormatError,
  explanationOfBenefit,
  fromCents,
  parsePolicy,
  percentOf,
  PolicyFormatError,
  toCents,
  type AdjudicationInput,
} from "../../../sdk/claims.js";
import { createFhirValidator } from "../../../sdk/index.js";
import { loadFhirDefinitions } from "../../../sdk/node.js";

const dir = join(import.meta.dirname, "vectors");
interface Vector {
  name: string;
  input: AdjudicationInput;
  expected: {
    decision: string;
    lines: (number | string | null)[][];
    totals: number[];
    responseCanonical: string;
    responseSha256: string;
  };
}
const vectors: Vector[] = readdirSync(dir)
  .filter((f) => f.endsWith(".json"))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(dir, f), "utf8")) as Vector);
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

describe("adjudicateClaim: fixed vectors", () => {
  const validator = createFhirValidator(loadFhirDefinitions());

  it.each(vectors.map((v) => [v.name, v] as const))("%s: hand-computed figures, byte-identical response", (_, v) => {
    const result = adjudicateClaim(v.input);
    expect(result.decision).toBe(v.expected.decision);
    expect(
      result.lines.map((l) => [
        l.sequence,
        l.submitted,
        l.eligible,
        l.deductible,
        l.coinsurance,
        l.benefit,
        l.reason ?? null,
      ]),
    ).toEqual(v.expected.lines);
    const t = result.totals;
    expect([t.submitted, t.eligible, t.deductible, t.benefit]).toEqual(v.expected.totals);
    expect(new TextDecoder().decode(result.bytes)).toBe(v.expected.responseCanonical);
    expect(hex(sha256(result.bytes))).toBe(v.expected.responseSha256);
    // Both the ClaimResponse and the patient's EOB are valid FHIR R4 (they are anchored as records).
    expect(() => validator.validate(result.response)).not.toThrow();
    expect(() =>
      validator.validate(explanationOfBenefit(v.input.claim, result.response, v.input.policy.name)),
    ).not.toThrow();
  });

  it("gives the same bytes whatever the key order of the inputs", () => {
    const reverse = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(reverse)
        : value && typeof value === "object"
          ? Object.fromEntries(
              Object.entries(value)
                .reverse()
                .map(([k, v]) => [k, reverse(v)]),
            )
          : value;
    for (const v of vectors) {
      expect(hex(adjudicateClaim(reverse(v.input) as AdjudicationInput).bytes)).toBe(
        hex(adjudicateClaim(v.input).bytes),
      );
    }
  });

  it("gives the same bytes in another process with another time zone and locale", () => {
    const script = `
      import { readdirSync, readFileSync } from "node:fs";
      import { sha256 } from "@noble/hashes/sha2.js";
      import { adjudicateClaim } from "./sdk/claims/adjudicate.ts";
      const dir = ${JSON.stringify(dir)};
      const out = readdirSync(dir).filter((f) => f.endsWith(".json")).sort().map((f) =>
        Buffer.from(sha256(adjudicateClaim(JSON.parse(readFileSync(dir + "/" + f, "utf8")).input).bytes)).toString("hex"));
      console.log(JSON.stringify(out));`;
    const output = execFileSync(
      join("node_modules", ".bin", "tsx"),
      ["--conditions=carechain-source", "--eval", script],
      {
        cwd: join(import.meta.dirname, "..", "..", ".."),
        env: { ...process.env, TZ: "Pacific/Kiritimati", LANG: "de_DE.UTF-8", LC_ALL: "de_DE.UTF-8" },
        encoding: "utf8",
      },
    );
    expect(JSON.parse(output)).toEqual(vectors.map((v) => v.expected.responseSha256));
  });

  it("refuses claims it cannot adjudicate, naming the field", () => {
    const base = vectors[0]!.input;
    const cases: [string, AdjudicationInput, string][] = [
      ["no items", { ...base, claim: { ...base.claim, item: [] } }, "claim.item"],
      [
        "three decimals",
        { ...base, claim: { ...base.claim, item: [{ ...base.claim.item![1]!, net: { value: 1.005 } }] } },
        "claim.item[0].net.value",
      ],
      [
        "negative",
        { ...base, claim: { ...base.claim, item: [{ ...base.claim.item![1]!, net: { value: -1 } }] } },
        "claim.item[0].net.value",
      ],
      [
        "no coding",
        { ...base, claim: { ...base.claim, item: [{ sequence: 1, productOrService: {}, net: { value: 1 } }] } },
        "claim.item[0].productOrService.coding",
      ],
      ["bad date", { ...base, created: "10 July 2011" }, "created"],
      ["not a claim", { ...base, claim: { resourceType: "Patient" } as never }, "claim"],
    ];
    for (const [label, input, path] of cases) {
      const error = (() => {
        try {
          adjudicateClaim(input);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error, label).toBeInstanceOf(ClaimFormatError);
      expect((error as ClaimFormatError).path, label).toBe(path);
    }
  });
});

describe("money", () => {
  it.each([
    [140.52, 14052],
    [0, 0],
    [0.5, 50],
    [12352.45, 1235245],
    [125, 12500],
  ])("toCents(%s) = %s", (value, cents) => {
    expect(toCents(value, "x")).toBe(cents);
    expect(fromCents(cents)).toBe(value);
  });

  it.each([[112.416], [1e21], [-0.01], [Number.NaN], ["1.00"]])("toCents refuses %s", (value) => {
    expect(() => toCents(value, "x")).toThrow(ClaimFormatError);
  });

  it("percentOf is the exact quotient rounded half to even", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 0, max: 10_000 }), (cents, bps) => {
        const share = percentOf(cents, bps);
        const exact = BigInt(cents) * BigInt(bps); // share × 10 000 should be within half a unit of it
        const diff = BigInt(share) * 10_000n - exact;
        expect(diff >= -5_000n && diff <= 5_000n).toBe(true);
        if (diff === 5_000n || diff === -5_000n) expect(share % 2).toBe(0);
      }),
    );
    expect(() => percentOf(1, 10_001)).toThrow(RangeError);
  });
});

describe("parsePolicy", () => {
  const good = vectors[1]!.input.policy;
  it.each([
    [{ ...good, format: "other" }, "format"],
    [{ ...good, extra: 1 }, "extra"],
    [{ ...good, currency: "usd" }, "currency"],
    [{ ...good, deductible: 1.5 }, "deductible"],
    [{ ...good, coinsuranceBps: 10_001 }, "coinsuranceBps"],
    [{ ...good, filingDays: 0 }, "filingDays"],
    [{ ...good, services: [{ system: "s", code: "c", covered: "yes" }] }, "services[0].covered"],
    [{ ...good, services: [{ system: "s", code: "c", covered: true, note: "x" }] }, "services[0].note"],
  ])("refuses a malformed policy (%#)", (policy, path) => {
    let error: unknown;
    try {
      parsePolicy(policy);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PolicyFormatError);
    expect((error as PolicyFormatError).path).toBe(path);
  });
});
