import { Wallet } from "ethers";
import { describe, expect, it } from "vitest";

import { Carechain, MemoryBlobStore } from "../../sdk/index.js";
import { createChain } from "../helpers/chain.js";
import { runPilot } from "../../scripts/pilot/run.js";
import type { Actor, Pilot } from "../../scripts/pilot/runner.js";
import { defineScenario } from "../../scripts/pilot/scenario.js";

const DAY = 86_400;

/**
 * One patient, Alice, acting under six accounts, each with one provider; five leak to an observer in the ways a
 * pseudonym mode must avoid, one does not. Every account is recorded as Alice's (the ground truth), so the score
 * says which of her relationships the observer linked.
 */
const leakyPseudonyms = defineScenario({
  name: "leaky-pseudonyms",
  description: "A patient's pseudonyms linked by funding, a reused key, a keyring reader and a relayer; one clean.",
  async run(pilot, data) {
    const [hospital, lab, insurer, pharmacy, clinic] = [
      await pilot.provider("Hospital", "hospital"),
      await pilot.provider("Lab", "lab"),
      await pilot.provider("Insurer", "insurer"),
      await pilot.provider("Pharmacy", "pharmacy"),
      await pilot.provider("Clinic", "clinic"),
    ];
    const expiresAt = (await pilot.chain.getBlock("latest"))!.timestamp + 30 * DAY;
    const terms = { read: ["Laboratory"] as const, write: ["Laboratory"] as const, purposes: ["TREAT"] as const };
    const grant = (who: Actor, to: Actor) =>
      pilot.step(`grant ${to.name}`, who.name, () => who.client.grant(to.address, { ...terms, expiresAt }));

    const alice = await pilot.patient("Alice"); // account A
    await grant(alice, hospital);

    // B: funded by a transfer from A.
    const b = await pseudonym(pilot, "B");
    const fromA = await pilot.options.connection.ethers.getSigner(alice.address);
    await pilot.step("A funds B", alice.name, async () =>
      (await fromA.sendTransaction({ to: b.address, value: 10n ** 17n })).wait(),
    );
    // C: registers Alice's own identity key in the Directory.
    const c = await pseudonym(pilot, "C", alice);
    await grant(c, insurer);
    // F: its own key, but Alice's own account reads its lab results: A's key is in F's keyrings.
    const f = await pseudonym(pilot, "F");
    await grant(f, lab);
    await pilot.step("F grants A read", f.name, () =>
      f.client.grant(alice.address, { read: ["Laboratory"], purposes: ["TREAT"], expiresAt }),
    );
    const { patient: demographics, records } = data.patient(0);
    pilot.input(demographics);
    const labResult = pilot.input(
      records.find((r) => r.resourceType === "Observation" && JSON.stringify(r.category).includes("laboratory"))!,
    );
    const added = await pilot.step("lab adds a result for F", lab.name, () =>
      lab.client.addRecord(f.address, labResult),
    );
    pilot.anchored.push(added.recordId);
    // B and D: grants signed by the pseudonym and relayed by one private relay account.
    const relay = await pilot.account("Private relay", "patient");
    const d = await pseudonym(pilot, "D");
    for (const [who, to] of [
      [b, lab],
      [d, pharmacy],
    ] as const) {
      const signed = await pilot.step(`sign grant for ${to.name}`, who.name, () =>
        who.client.signGrant(to.address, { ...terms, expiresAt }),
      );
      await pilot.step(`relay ${who.name}'s grant`, relay.name, () => relay.client.relayGrant(signed));
    }
    // E: a fresh key, gas from the chain's genesis (no transfer on chain), acts by itself.
    const e = await pseudonym(pilot, "E");
    await grant(e, clinic);
  },
});

/**
 * A pseudonym of Alice: a fresh account (gas set directly, no transfer on chain), registered with its own identity
 * key, or with `sameKeyAs`'s.
 */
async function pseudonym(pilot: Pilot, label: string, sameKeyAs?: Actor): Promise<Actor> {
  const name = `Alice's pseudonym ${label}`;
  let actor = await pilot.account(name);
  if (sameKeyAs) {
    const wallet = Wallet.createRandom().connect(pilot.chain);
    await pilot.options.connection.networkHelpers.setBalance(wallet.address, 10n ** 18n);
    const { deployment, store, validator, fromBlock } = pilot.options;
    const client = await Carechain.connect({
      deployment,
      signer: wallet,
      identity: sameKeyAs.client.identity,
      store,
      validator,
      fromBlock,
    });
    actor = { name, role: "patient", address: wallet.address, client };
  }
  pilot.patientAccount("Alice", actor.address);
  await pilot.step("register pseudonym", name, () => actor.client.registerPatient());
  return actor;
}

describe("privacy.linkability on a real chain: what an outside observer links", () => {
  it("links a patient's pseudonyms by funding, keys and a relayer, and not the clean one", async () => {
    const connection = await createChain();
    const { report, failure } = await runPilot({
      scenario: leakyPseudonyms,
      connection,
      store: new MemoryBlobStore(),
      log: () => {},
    });
    await connection.close();
    expect(failure).toBeUndefined();
    expect(report.steps.every((s) => s.ok)).toBe(true);
    const l = report.privacy.linkability;
    // A–hospital, B–lab, C–insurer, D–pharmacy, E–clinic, F–lab: six accounts, one relationship each.
    expect(l.perPatient).toEqual([
      expect.objectContaining({ patient: "Alice", accounts: 6, relationships: 6, pairs: 15 }),
    ]);
    expect(l.byEvidence).toEqual({
      address: 0,
      funding: 1, // A–B: a transfer between two patient accounts
      keys: 3, // A, C (one Directory key) and F (A's key in its keyring): A–C, A–F, C–F
      relayer: 1, // B–D: one private relay sent both grants
      delegates: 0,
      timing: 0, // one transaction per block
    });
    // Combined: A, B, C, D and F are one component (10 pairs); E is alone.
    expect(l.linked).toBe(10);
    expect(l.crossPatientLinks).toBe(0);
    expect(l.unattributed).toBe(0);
    expect(l.keyringsUnavailable).toBe(0);
    expect(l.crowds).toEqual([]);
  });
});
