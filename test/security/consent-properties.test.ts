import fc from "fast-check";
import { describe, expect, it } from "vitest";

import type { CategoryName, PurposeCode } from "../e2e/_sdk.js";
import { extraClients, registeredFixture } from "../helpers/fixtures.js";

/**
 * Model-based property test on the real contracts: random sequences of grants, revocations, suspensions,
 * break-glass and time passing; after every step, `canAccess` for every grantee, category, action and purpose
 * equals a plain model of the rules. Proves: no access without a live grant or break-glass; revoke and expiry
 * take effect at once; suspension removes all access.
 */
const CATEGORIES: CategoryName[] = ["Allergies", "VitalSigns", "Laboratory"];
const PURPOSES: PurposeCode[] = ["TREAT", "HRESCH", "BTG"];
const IPS = new Set<CategoryName>(["Allergies", "Medications", "Problems", "Immunizations"]);

type Command =
  | { kind: "grant"; who: number; read: boolean[]; write: boolean[]; purposes: boolean[]; duration: number }
  | { kind: "revoke"; who: number }
  | { kind: "suspend"; who: number }
  | { kind: "reinstate"; who: number }
  | { kind: "breakGlass"; duration: number }
  | { kind: "closeBreakGlass" }
  | { kind: "wait"; seconds: number };

const mask = fc.array(fc.boolean(), { minLength: 3, maxLength: 3 });
const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({
    kind: fc.constant("grant" as const),
    who: fc.integer({ min: 0, max: 1 }),
    read: mask,
    write: mask,
    purposes: mask,
    duration: fc.integer({ min: 1, max: 500 }),
  }),
  fc.record({ kind: fc.constant("revoke" as const), who: fc.integer({ min: 0, max: 1 }) }),
  fc.record({ kind: fc.constant("suspend" as const), who: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ kind: fc.constant("reinstate" as const), who: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ kind: fc.constant("breakGlass" as const), duration: fc.integer({ min: 1, max: 500 }) }),
  fc.record({ kind: fc.constant("closeBreakGlass" as const) }),
  fc.record({ kind: fc.constant("wait" as const), seconds: fc.integer({ min: 1, max: 400 }) }),
);

describe("consent properties (fast-check, on chain)", () => {
  it("canAccess always equals the model of the rules", async () => {
    const f = await registeredFixture();
    const [er] = await extraClients(f, 1);
    await f.registrar.registerProvider(await er!.address(), "emergency", er!.identity.publicKey);
    const actors = [f.hospital, f.lab, er!];
    const addresses = await Promise.all(actors.map((a) => a.address()));
    const patient = await f.patient.address();
    const snapshot = await f.connection.networkHelpers.takeSnapshot();

    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 8 }), async (commands) => {
        await snapshot.restore();
        const grants = new Map<
          number,
          { read: Set<CategoryName>; write: Set<CategoryName>; purposes: Set<PurposeCode>; until: number }
        >();
        const suspended = new Set<number>();
        let breakGlassUntil = 0;
        for (const c of commands) {
          const now = await f.now();
          const pick = <T>(items: T[], flags: boolean[]) => items.filter((_, i) => flags[i]);
          try {
            if (c.kind === "grant") {
              const read = pick(CATEGORIES, c.read);
              const write = pick(CATEGORIES, c.write);
              const purposes = pick(PURPOSES, c.purposes);
              if (read.length + write.length === 0 || purposes.length === 0) continue;
              await f.patient.grant(addresses[c.who]!, { read, write, purposes, expiresAt: now + 1 + c.duration });
              grants.set(c.who, {
                read: new Set(read),
                write: new Set(write),
                purposes: new Set(purposes),
                until: now + 1 + c.duration,
              });
            } else if (c.kind === "revoke") {
              if (!grants.has(c.who)) continue;
              await f.patient.revoke(addresses[c.who]!);
              grants.delete(c.who);
            } else if (c.kind === "suspend") {
              if (suspended.has(c.who)) continue;
              await f.registrar.suspendProvider(addresses[c.who]!);
              suspended.add(c.who);
            } else if (c.kind === "reinstate") {
              if (!suspended.has(c.who)) continue;
              await f.registrar.reinstateProvider(addresses[c.who]!);
              suspended.delete(c.who);
            } else if (c.kind === "breakGlass") {
              if (suspended.has(2) || breakGlassUntil > now) continue;
              await actors[2]!.openBreakGlass(patient, { justification: "property test", durationSeconds: c.duration });
              breakGlassUntil = now + 1 + c.duration;
            } else if (c.kind === "closeBreakGlass") {
              if (breakGlassUntil <= now + 1) continue;
              await f.patient.closeBreakGlass(addresses[2]!);
              breakGlassUntil = 0;
            } else {
              await f.advanceTime(c.seconds);
            }
          } catch (error) {
            throw new Error(`command ${JSON.stringify(c)} failed: ${String(error)}`, { cause: error });
          }
          const t = await f.now(); // the next block's view: a call sees the latest block's timestamp
          for (const [who, address] of addresses.entries()) {
            for (const category of CATEGORIES) {
              for (const action of ["read", "write"] as const) {
                for (const purpose of PURPOSES) {
                  const g = grants.get(who);
                  const granted =
                    !!g &&
                    t < g.until &&
                    g.purposes.has(purpose) &&
                    (action === "read" ? g.read : g.write).has(category);
                  const glass =
                    who === 2 &&
                    action === "read" &&
                    t < breakGlassUntil &&
                    IPS.has(category) &&
                    (purpose === "BTG" || purpose === "ETREAT");
                  const expected = (granted || glass) && !suspended.has(who);
                  const actual = await f.patient.canAccess(patient, address, category, action, purpose);
                  if (actual !== expected) {
                    throw new Error(
                      `canAccess(${who}, ${category}, ${action}, ${purpose}) = ${actual}, model says ${expected} at ${t}`,
                    );
                  }
                }
              }
            }
          }
        }
      }),
      { numRuns: 12, seed: 20261122 },
    );
    // Back at the fixture's state, nobody but the patient has access.
    await snapshot.restore();
    expect(await f.patient.canAccess(patient, addresses[0]!, "Allergies", "read")).toBe(false);
  });
});
