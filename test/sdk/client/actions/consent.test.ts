/** Consent actions against a fake chain: argument checks before anything is sent, grants, revokes, signed requests. */
import { describe, expect, it } from "vitest";

import { grantConsent, revokeConsent } from "../../../../sdk/client/actions/consent.js";
import { signGrant, signRevoke } from "../../../../sdk/client/actions/signed-consent.js";
import { canAccess } from "../../../../sdk/client/actions/audit.js";
import { Category } from "../../../../sdk/fhir/categories.js";
import { FakeChain, fakeAccount } from "./_fake-context.js";

const IN_A_MONTH = 1_900_000_000 + 30 * 86_400;

describe("grantConsent", () => {
  it("grants the masks it was given, as the patient", async () => {
    const chain = new FakeChain();
    const patient = fakeAccount(chain);
    const hospital = fakeAccount(chain);
    const result = await grantConsent(patient.ctx, {
      grantee: hospital.address,
      terms: { read: ["Laboratory"], write: [Category.Laboratory], expiresAt: IN_A_MONTH },
    });
    expect(chain.sent.map((s) => s.method)).toEqual(["grant"]);
    const [grantee, terms] = chain.sent[0]!.args as [
      string,
      { readMask: bigint; writeMask: bigint; expiresAt: bigint },
    ];
    expect(grantee).toBe(hospital.address);
    expect(terms.readMask).toBe(1n << BigInt(Category.Laboratory));
    expect(terms.writeMask).toBe(1n << BigInt(Category.Laboratory));
    expect(terms.expiresAt).toBe(BigInt(IN_A_MONTH));
    expect(result).toMatchObject({ shared: 0, skipped: [], blockNumber: chain.block });
    expect(patient.ctx.state.lastBlock).toBe(chain.block);
  });

  it("grants for a patient as a delegate (grantFor) without sharing the delegate's records", async () => {
    const chain = new FakeChain();
    const delegate = fakeAccount(chain);
    const patient = fakeAccount(chain);
    const hospital = fakeAccount(chain);
    const result = await grantConsent(delegate.ctx, {
      patient: patient.address.toLowerCase(),
      grantee: hospital.address,
      terms: { read: ["Laboratory"], expiresAt: IN_A_MONTH },
    });
    expect(chain.sent.map((s) => [s.method, s.from, s.args[0]])).toEqual([
      ["grantFor", delegate.address, patient.address],
    ]);
    expect(result.shared).toBe(0);
  });

  it.each([
    [{ read: ["Astrology"], expiresAt: IN_A_MONTH }, /category: unknown category Astrology/],
    [{ read: [99], expiresAt: IN_A_MONTH }, /category: unknown category index 99/],
    [{ read: ["Laboratory"], expiresAt: -1 }, /expiresAt: expected unix seconds, got -1/],
    [{ read: ["Laboratory"], expiresAt: 1.5 }, /expiresAt: expected unix seconds, got 1.5/],
    [{ read: ["Laboratory"], expiresAt: new Date(Number.NaN) }, /expiresAt: expected a valid date/],
    [{ read: ["Laboratory"], expiresAt: IN_A_MONTH, purposes: ["GOSSIP"] }, /GOSSIP/],
  ])("refuses bad terms %j before anything is sent", async (terms, message) => {
    const chain = new FakeChain();
    const patient = fakeAccount(chain);
    await expect(
      grantConsent(patient.ctx, { grantee: fakeAccount(chain).address, terms: terms as never }),
    ).rejects.toThrow(message);
    expect(chain.sent).toEqual([]);
  });
});

describe("revokeConsent", () => {
  it("revokes, and the chain then refuses the grantee", async () => {
    const chain = new FakeChain();
    const patient = fakeAccount(chain);
    const hospital = fakeAccount(chain);
    await grantConsent(patient.ctx, {
      grantee: hospital.address,
      terms: { read: ["Laboratory"], expiresAt: IN_A_MONTH },
    });
    const asked = {
      patient: patient.address,
      grantee: hospital.address,
      category: "Laboratory",
      action: "read",
    } as const;
    expect(await canAccess(hospital.ctx, asked)).toBe(true);
    await revokeConsent(patient.ctx, { grantee: hospital.address });
    expect(chain.sent.map((s) => s.method)).toEqual(["grant", "revoke"]);
    expect(await canAccess(hospital.ctx, asked)).toBe(false);
  });

  it("revokes for a patient as a delegate (revokeFor)", async () => {
    const chain = new FakeChain();
    const delegate = fakeAccount(chain);
    const patient = fakeAccount(chain);
    await revokeConsent(delegate.ctx, { patient: patient.address, grantee: fakeAccount(chain).address });
    expect(chain.sent.map((s) => [s.method, s.args[0]])).toEqual([["revokeFor", patient.address]]);
  });
});

describe("signed consent", () => {
  it("names the deadline, not expiresAt, when the deadline is bad (nothing signed or sent)", async () => {
    const chain = new FakeChain();
    const patient = fakeAccount(chain);
    const grantee = fakeAccount(chain).address;
    const terms = { read: ["Laboratory"] as const, expiresAt: IN_A_MONTH };
    await expect(signGrant(patient.ctx, { grantee, terms, deadline: -5 })).rejects.toThrow(
      /^deadline: expected unix seconds, got -5$/,
    );
    await expect(signRevoke(patient.ctx, { grantee, deadline: 2.5 })).rejects.toThrow(
      /^deadline: expected unix seconds/,
    );
    await expect(signGrant(patient.ctx, { grantee, terms: { ...terms, expiresAt: -1 } })).rejects.toThrow(
      /^expiresAt:/,
    );
    expect(chain.sent).toEqual([]);
  });

  it("signs a grant with the default deadline one hour after the latest block", async () => {
    const chain = new FakeChain();
    const patient = fakeAccount(chain);
    const grantee = fakeAccount(chain).address;
    const signed = await signGrant(patient.ctx, { grantee, terms: { read: ["Laboratory"], expiresAt: IN_A_MONTH } });
    expect(signed.request.deadline).toBe(BigInt(chain.now + 3600));
    expect(signed.request.patient).toBe(patient.address);
    expect(signed.request.signer).toBe(patient.address);
    expect(signed.request.chainId).toBe(31337n);
    expect(signed.signature).toMatch(/^0x[0-9a-f]{130}$/);
    expect(chain.sent).toEqual([]);
  });
});
