import { describe, expect, it } from "vitest";

import {
  analyzeLinkability,
  type ObservedHistory,
  type ObservedRelationship,
} from "../../scripts/pilot/linkability.js";
import { describeLinkability, renderLinkability } from "../../scripts/pilot/report.js";

/** A hand-built chain history: what an observer would have collected (scripts/pilot/observer.ts). */
const address = (n: number) => `0x${n.toString(16).padStart(40, "0")}`;
const key = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;

const REGISTRAR = address(0x01);
const HOSPITAL = address(0x10);
const LAB = address(0x11);
const INSURER = address(0x12);
/** Accounts of patient Alice (her own, and pseudonyms) and of patient Bob. */
const ALICE = address(0xa0);
const ALICE_2 = address(0xa1);
const ALICE_3 = address(0xa2);
const BOB = address(0xb0);
const PRIVATE_FUNDER = address(0xf0);
const RELAYER = address(0xe0);

const truth = new Map([
  [ALICE, "Alice"],
  [ALICE_2, "Alice"],
  [ALICE_3, "Alice"],
  [BOB, "Bob"],
]);

let block = 10;
/** A grant of `patient` to `provider`, in a block of its own, sent by the patient. */
function grant(patient: string, provider: string): ObservedRelationship {
  return { patient, counterpart: provider, event: "ConsentGranted", block: block++ };
}

function history(parts: Partial<ObservedHistory> = {}): ObservedHistory {
  const relationships = parts.relationships ?? [];
  return {
    providers: [HOSPITAL, LAB, INSURER],
    providerKeys: [key(0x10), key(0x11), key(0x12)],
    operators: [REGISTRAR],
    // Each relationship's transaction, sent by the patient itself, in the relationship's block.
    actions: relationships.map((r) => ({ tx: `0x${r.block}`, block: r.block, from: r.patient, patients: [r.patient] })),
    transfers: [],
    keys: [],
    delegates: [],
    keyringsUnavailable: 0,
    ...parts,
    relationships,
  };
}

const transfer = (from: string, to: string, value = 10n ** 18n) => ({ from, to, value, block: 1 });

describe("analyzeLinkability: what an outside observer links of a patient's relationships", () => {
  it("links a patient's relationships with two providers on one address (address reuse)", () => {
    const report = analyzeLinkability(history({ relationships: [grant(ALICE, HOSPITAL), grant(ALICE, LAB)] }), truth);
    expect(report.pairs).toBe(1);
    expect(report.linked).toBe(1);
    expect(report.byEvidence).toMatchObject({ address: 1, funding: 0, relayer: 0, keys: 0, timing: 0 });
    expect(report.perPatient).toEqual([
      expect.objectContaining({ patient: "Alice", accounts: 1, relationships: 2, pairs: 1, linked: 1 }),
    ]);
  });

  it("counts every pair: three providers on one address are three linked pairs", () => {
    const rels = [grant(ALICE, HOSPITAL), grant(ALICE, LAB), grant(ALICE, INSURER)];
    // Several events of one account × provider are one relationship.
    rels.push({
      patient: ALICE.toUpperCase().replace("0X", "0x"),
      counterpart: LAB,
      event: "RecordAnchored",
      block: 3,
    });
    const report = analyzeLinkability(history({ relationships: rels }), truth);
    expect(report).toMatchObject({ relationships: 3, pairs: 3, linked: 3, byEvidence: { address: 3 } });
  });

  it("links nothing between pseudonyms with no shared evidence, though the ground truth knows they are one patient", () => {
    const report = analyzeLinkability(
      history({
        relationships: [grant(ALICE, HOSPITAL), grant(ALICE_2, LAB), grant(ALICE_3, INSURER)],
        keys: [
          { account: ALICE, key: key(0xa0), source: "directory" },
          { account: ALICE_2, key: key(0xa1), source: "directory" },
          { account: ALICE_3, key: key(0xa2), source: "keyring" },
        ],
        // The operator funds every account: a crowd.
        transfers: [transfer(REGISTRAR, ALICE), transfer(REGISTRAR, ALICE_2), transfer(REGISTRAR, ALICE_3)],
      }),
      truth,
    );
    expect(report).toMatchObject({ pairs: 3, linked: 0, crossPatientLinks: 0 });
    expect(report.byEvidence).toEqual({ address: 0, funding: 0, relayer: 0, keys: 0, delegates: 0, timing: 0 });
    expect(report.crowds).toEqual([{ address: REGISTRAR, role: "funder", anonymitySet: 3, reason: "operator" }]);
  });

  it("links two accounts funded by one private funder (funding)", () => {
    const report = analyzeLinkability(
      history({
        relationships: [grant(ALICE, HOSPITAL), grant(ALICE_2, LAB)],
        transfers: [transfer(PRIVATE_FUNDER, ALICE), transfer(PRIVATE_FUNDER, ALICE_2)],
      }),
      truth,
    );
    expect(report).toMatchObject({ pairs: 1, linked: 1, byEvidence: { address: 0, funding: 1 } });
    expect(report.crowds).toEqual([]);
  });

  it("links a direct transfer from one of a patient's accounts to another, even from a funder of many", () => {
    const others = Array.from({ length: 12 }, (_, i) => address(0x1000 + i));
    const report = analyzeLinkability(
      history({
        relationships: [grant(ALICE, HOSPITAL), grant(ALICE_2, LAB)],
        transfers: [transfer(ALICE, ALICE_2), ...others.map((o) => transfer(ALICE, o))],
      }),
      truth,
    );
    expect(report.byEvidence.funding).toBe(1);
    expect(report.crowds).toEqual([{ address: ALICE, role: "funder", anonymitySet: 13, reason: "crowd-size" }]);
  });

  it("takes no funding evidence from payments to a provider, nor from a provider funding its own relationships", () => {
    const report = analyzeLinkability(
      history({
        relationships: [grant(ALICE, HOSPITAL), grant(ALICE_2, LAB), grant(BOB, HOSPITAL)],
        transfers: [
          transfer(ALICE, INSURER), // both pay the insurer: the insurer is no hub between them
          transfer(ALICE_2, INSURER),
          transfer(HOSPITAL, ALICE), // the hospital funds two of its own patients' accounts
          transfer(HOSPITAL, BOB),
        ],
      }),
      truth,
    );
    expect(report).toMatchObject({ linked: 0, crossPatientLinks: 0, byEvidence: { funding: 0 } });
    // A provider funding accounts it has no relationship with is a funder like any other: it links those two, and
    // not its own patient's account.
    const outside = analyzeLinkability(
      history({
        relationships: [grant(ALICE, HOSPITAL), grant(ALICE_2, LAB), grant(ALICE_3, INSURER)],
        transfers: [transfer(HOSPITAL, ALICE), transfer(HOSPITAL, ALICE_2), transfer(HOSPITAL, ALICE_3)],
      }),
      truth,
    );
    expect(outside.byEvidence.funding).toBe(1);
  });

  it("does not link accounts funded by a crowd faucet, and reports its anonymity set", () => {
    const others = Array.from({ length: 8 }, (_, i) => address(0x2000 + i));
    const faucet = address(0xfa);
    const funded = history({
      relationships: [grant(ALICE, HOSPITAL), grant(ALICE_2, LAB)],
      transfers: [transfer(faucet, ALICE), transfer(faucet, ALICE_2), ...others.map((o) => transfer(faucet, o))],
    });
    const report = analyzeLinkability(funded, truth);
    expect(report).toMatchObject({ pairs: 1, linked: 0, byEvidence: { funding: 0 } });
    expect(report.crowds).toEqual([{ address: faucet, role: "funder", anonymitySet: 10, reason: "crowd-size" }]);
    // The crowd size is the rule's parameter: with a larger one, the same faucet is a private funder.
    expect(analyzeLinkability(funded, truth, { crowdSize: 11 }).byEvidence.funding).toBe(1);
  });

  it("reports timing within one block without counting it as a link", () => {
    const sameBlock = 99;
    const report = analyzeLinkability(
      history({
        relationships: [
          { patient: ALICE, counterpart: HOSPITAL, event: "ConsentGranted", block: sameBlock },
          { patient: ALICE_2, counterpart: LAB, event: "ConsentGranted", block: sameBlock },
        ],
      }),
      truth,
    );
    expect(report).toMatchObject({ pairs: 1, linked: 0, byEvidence: { timing: 1 } });
    // One block apart: not within one block, but within a window of one.
    const apart = history({ relationships: [grant(ALICE, HOSPITAL), grant(ALICE_2, LAB)] });
    expect(analyzeLinkability(apart, truth).byEvidence.timing).toBe(0);
    expect(analyzeLinkability(apart, truth, { timingWindowBlocks: 1 }).byEvidence.timing).toBe(1);
  });

  it("links accounts a private relayer sent transactions for, not those a provider or a public relay sent for", () => {
    const rels = [grant(ALICE, HOSPITAL), grant(ALICE_2, LAB)];
    const relayed = (from: string, patients: string[]) =>
      patients.map((p, i) => ({ tx: `0x${from}${i}`, block: 50 + i, from, patients: [p] }));
    const byRelayer = analyzeLinkability(
      history({ relationships: rels, actions: relayed(RELAYER, [ALICE, ALICE_2]) }),
      truth,
    );
    expect(byRelayer).toMatchObject({ linked: 1, byEvidence: { relayer: 1, funding: 0 } });
    const byProvider = analyzeLinkability(
      history({ relationships: rels, actions: relayed(HOSPITAL, [ALICE, ALICE_2]) }),
      truth,
    );
    expect(byProvider.byEvidence.relayer).toBe(0);
    const crowd = Array.from({ length: 10 }, (_, i) => address(0x3000 + i));
    const byPublicRelay = analyzeLinkability(
      history({ relationships: rels, actions: relayed(RELAYER, [ALICE, ALICE_2, ...crowd]) }),
      truth,
    );
    expect(byPublicRelay.byEvidence.relayer).toBe(0);
    expect(byPublicRelay.crowds).toEqual([
      { address: RELAYER, role: "relayer", anonymitySet: 12, reason: "crowd-size" },
    ]);
  });

  const shared = key(0xaa);
  it.each([
    {
      case: "one Directory key registered by two accounts",
      keys: [
        { account: ALICE, key: shared, source: "directory" },
        { account: ALICE_2, key: shared.toUpperCase().replace("0X", "0x"), source: "directory" },
      ],
      linked: 1,
    },
    {
      case: "one account's Directory key in another's keyrings (Alice's own key reads her pseudonym's records)",
      keys: [
        { account: ALICE, key: key(0xa0), source: "directory" },
        { account: ALICE_2, key: key(0xa0), source: "keyring" },
      ],
      linked: 1,
    },
    {
      case: "a provider's key in both accounts' keyrings (never a link)",
      keys: [
        { account: ALICE, key: key(0x10), source: "keyring" },
        { account: ALICE_2, key: key(0x10), source: "keyring" },
      ],
      linked: 0,
    },
  ] as const)("keys: $case → $linked linked pair(s)", ({ keys, linked }) => {
    const report = analyzeLinkability(
      history({ relationships: [grant(ALICE, HOSPITAL), grant(ALICE_2, LAB)], keys }),
      truth,
    );
    expect(report.byEvidence.keys).toBe(linked);
    expect(report.linked).toBe(linked);
  });

  it("links accounts that named one delegate", () => {
    const guardian = address(0xd0);
    const report = analyzeLinkability(
      history({
        relationships: [grant(ALICE, HOSPITAL), grant(ALICE_2, LAB)],
        delegates: [
          { patient: ALICE, delegate: guardian },
          { patient: ALICE_2, delegate: guardian },
        ],
      }),
      truth,
    );
    expect(report.byEvidence.delegates).toBe(1);
  });

  it("combines evidence transitively: funding joins 1–2, a relayer 2–3, so all three pairs are linked", () => {
    const report = analyzeLinkability(
      history({
        relationships: [grant(ALICE, HOSPITAL), grant(ALICE_2, LAB), grant(ALICE_3, INSURER)],
        transfers: [transfer(PRIVATE_FUNDER, ALICE), transfer(PRIVATE_FUNDER, ALICE_2)],
        actions: [
          { tx: "0x1", block: 70, from: RELAYER, patients: [ALICE_2] },
          { tx: "0x2", block: 71, from: RELAYER, patients: [ALICE_3] },
        ],
      }),
      truth,
    );
    expect(report).toMatchObject({ pairs: 3, linked: 3, byEvidence: { funding: 1, relayer: 1, address: 0 } });
  });

  it("scores links across patients as false links, and leaves accounts of no patient unscored", () => {
    const stranger = address(0x5e);
    const report = analyzeLinkability(
      history({
        relationships: [grant(ALICE, HOSPITAL), grant(BOB, LAB), grant(stranger, INSURER), grant(ALICE, REGISTRAR)],
        transfers: [transfer(PRIVATE_FUNDER, ALICE), transfer(PRIVATE_FUNDER, BOB)],
      }),
      truth,
    );
    // Alice and Bob have one relationship each (the registrar is no provider): no pair of one patient.
    expect(report).toMatchObject({ patients: 2, relationships: 2, pairs: 0, linked: 0, crossPatientLinks: 1 });
    expect(report.unattributed).toBe(1);
  });

  it("refuses rules that make no sense", () => {
    expect(() => analyzeLinkability(history(), truth, { crowdSize: 1 })).toThrow(RangeError);
    expect(() => analyzeLinkability(history(), truth, { crowdSize: 2.5 })).toThrow(/crowdSize/);
    expect(() => analyzeLinkability(history(), truth, { timingWindowBlocks: -1 })).toThrow(/timingWindowBlocks/);
  });
});

describe("the linkability section of the pilot report", () => {
  it("renders the counts per evidence, the crowds with their anonymity sets, and each patient", () => {
    const report = analyzeLinkability(
      history({
        relationships: [grant(ALICE, HOSPITAL), grant(ALICE, LAB), grant(ALICE_2, INSURER)],
        transfers: [transfer(REGISTRAR, ALICE), transfer(REGISTRAR, ALICE_2), transfer(PRIVATE_FUNDER, ALICE_2)],
        actions: [
          { tx: "0x1", block: 5, from: RELAYER, patients: [ALICE] },
          { tx: "0x2", block: 6, from: RELAYER, patients: [ALICE_2] },
        ],
      }),
      truth,
    );
    const lines = renderLinkability(report);
    expect(lines).toContain("| address | 1 | 3 |");
    expect(lines).toContain("| funding | 0 | 3 |");
    expect(lines).toContain("| relayer | 2 | 3 |");
    expect(lines).toContain("| **any hard evidence, combined** | **3** | 3 |");
    expect(lines).toContain(`- funder ${REGISTRAR} (operator): anonymity set 2`);
    expect(lines).toContain("| Alice | 2 | 3 | 3 | 3 | 1 | 0 | 2 | 0 | 0 | 0 |");
    expect(describeLinkability(report)).toBe(
      "3 of 3 pairs of a patient's relationships linked by an outside observer (address 1, funding 0, relayer 2, " +
        "keys 0, delegates 0), 0 pairs acted in one block (timing, reported), 0 false links across patients",
    );
  });
});
