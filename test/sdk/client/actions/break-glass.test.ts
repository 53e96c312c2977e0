/** Break-glass actions against a fake chain: a justification and a duration are required, and only a salted hash is sent. */
import { keccak256 } from "ethers";
import { describe, expect, it } from "vitest";

import { openBreakGlass, setEmergencyCategories } from "../../../../sdk/client/actions/break-glass.js";
import { FakeChain, fakeAccount } from "./_fake-context.js";

describe("openBreakGlass", () => {
  it("sends only the salted hash of the justification, and returns the salt to keep", async () => {
    const chain = new FakeChain();
    const provider = fakeAccount(chain);
    const patient = fakeAccount(chain);
    const justification = "unconscious patient in the emergency room";
    const result = await openBreakGlass(provider.ctx, {
      patient: patient.address,
      justification,
      durationSeconds: 600,
    });
    const [sentPatient, hash, duration] = chain.sent[0]!.args;
    expect([sentPatient, duration]).toEqual([patient.address, 600n]);
    expect(hash).toBe(result.justificationHash);
    const salted = new Uint8Array([...Buffer.from(result.salt.slice(2), "hex"), ...Buffer.from(justification, "utf8")]);
    expect(keccak256(salted)).toBe(hash);
    expect(JSON.stringify(chain.sent, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v))).not.toContain(
      "unconscious",
    );
    expect(result.expiresAt).toBe(chain.now + 3600);
  });

  it.each([
    [{ justification: "" }, /^justification: must not be empty$/],
    [{ justification: "   " }, /^justification: must not be empty$/],
    [{ durationSeconds: 0 }, /^durationSeconds: expected a positive integer, got 0$/],
    [{ durationSeconds: 1.5 }, /^durationSeconds: expected a positive integer, got 1.5$/],
    [{ durationSeconds: -60 }, /^durationSeconds: expected a positive integer, got -60$/],
  ])("refuses %o before anything is sent", async (override, message) => {
    const chain = new FakeChain();
    const provider = fakeAccount(chain);
    const params = { patient: fakeAccount(chain).address, justification: "reason", durationSeconds: 60, ...override };
    await expect(openBreakGlass(provider.ctx, params)).rejects.toThrow(message);
    expect(chain.sent).toEqual([]);
  });
});

describe("setEmergencyCategories", () => {
  it("refuses an unknown category before anything is sent", async () => {
    const chain = new FakeChain();
    const patient = fakeAccount(chain);
    await expect(
      setEmergencyCategories(patient.ctx, { categories: ["Allergies", "Horoscope" as never] }),
    ).rejects.toThrow(/^category: unknown category Horoscope$/);
    expect(chain.sent).toEqual([]);
  });
});
