/**
 * Threshold emergency custody against real processes (issue 15, item 2): k-of-n custodian nodes run as separate
 * processes on a hardhat node; the test stops some and makes one lie. An emergency provider with an open
 * break-glass rebuilds the key from any k valid shares; a liar is detected by its commitment and skipped; without
 * an on-chain access log, or with fewer than k honest nodes, nothing opens; a grantee that is no custodian and
 * k−1 colluding custodians cannot read a must-log record.
 */
import { readFileSync } from "node:fs";

import { hexlify } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  combineShares,
  CustodyShareMismatchError,
  CustodyThresholdError,
  DecryptionError,
  decryptEnvelope,
  findCustodyDocuments,
  KeyReleaseError,
  openCustodyShare,
  placeInCustody,
  purposeMask,
  RecordReadConsentRequiredError,
  readCustodiedKey,
} from "../../sdk/index.js";
import { askEveryNode, custodyWorld, startCustodianNodes, type NodeProcess } from "../helpers/custodian-nodes.js";
import { stop } from "../helpers/processes.js";
import { ifAssigned } from "../helpers/teardown.js";

/** The record's AEAD context (as the client builds it): "carechain/record/v2" ‖ patient ‖ author ‖ mask (8 bytes BE). */
function recordContext(patient: string, author: string, mask: bigint): Uint8Array {
  const out = new Uint8Array(19 + 20 + 20 + 8);
  out.set(new TextEncoder().encode("carechain/record/v2"));
  out.set(Buffer.from(patient.slice(2), "hex"), 19);
  out.set(Buffer.from(author.slice(2), "hex"), 39);
  new DataView(out.buffer).setBigUint64(59, mask);
  return out;
}

describe("threshold custody: k-of-n custodian node processes", () => {
  let world: Awaited<ReturnType<typeof custodyWorld>>;
  const started: { stopAll: () => Promise<void> }[] = [];

  beforeAll(async () => {
    world = await custodyWorld();
  }, 120_000);

  afterAll(async () => {
    for (const s of started) await s.stopAll();
    await ifAssigned(world)?.close();
  });

  /** Opens the record's envelope with `dek` (throws unless it is the key). */
  async function read(recordId: string, dek: Uint8Array): Promise<unknown> {
    const { records } = world.patient.contracts;
    const [event] = await world.patient.context.logs.query(records, records.filters.RecordAnchored(recordId), 0);
    const { contentCid } = await world.keyOf(world.patient, recordId);
    const context = recordContext(event!.args.patient, event!.args.author, event!.args.categories);
    return JSON.parse(new TextDecoder().decode(decryptEnvelope(dek, await world.store.get(contentCid), context)));
  }

  async function nodes(count: number, threshold: number, liars: number[] = []) {
    const running = await startCustodianNodes(world.rpcUrl, world.deployment, count, threshold, liars);
    started.push(running);
    return running;
  }

  it("2-of-3: break-glass reads with one node down, and with one node lying (the liar is named)", async () => {
    const { nodes: procs, set } = await nodes(3, 2, [2]);
    const { dek } = await world.keyOf(world.patient, world.allergy.recordId);
    await placeInCustody(world.patientCtx, { recordId: world.allergy.recordId, dek, set });
    await world.er.openBreakGlass(await world.patient.address(), {
      justification: "Unconscious, allergy?",
      durationSeconds: 600,
    });

    // All up, one lying: the liar's share fails its commitment and is skipped.
    const lied = await readCustodiedKey(
      world.erCtx,
      { recordId: world.allergy.recordId, purpose: "BTG", set },
      { timeoutMs: 5000 },
    );
    expect(hexlify(lied.dek)).toBe(hexlify(dek));
    expect((await read(world.allergy.recordId, lied.dek)) as object).toMatchObject({
      resourceType: "AllergyIntolerance",
    });
    if (lied.failures.size > 0) expect(lied.failures.get(2)).toBeInstanceOf(CustodyShareMismatchError);
    expect(lied.used).not.toContain(2);

    // One honest node down, the liar up: 1 valid share of 2 → CustodyThresholdError naming the liar and the dead node.
    await stop(procs[0]!.child);
    const failed = await readCustodiedKey(
      world.erCtx,
      { recordId: world.allergy.recordId, purpose: "BTG", set },
      { timeoutMs: 5000 },
    ).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(CustodyThresholdError);
    const failures = (failed as CustodyThresholdError).failures;
    expect(failures.get(0)).toBeInstanceOf(KeyReleaseError);
    expect(failures.get(2)).toBeInstanceOf(CustodyShareMismatchError);
    expect((failed as CustodyThresholdError).valid).toBe(1);
  }, 120_000);

  it("2-of-3 with one node down (and no liar) reads; 3-of-5 with one down and one lying reads", async () => {
    const three = await nodes(3, 2);
    const five = await nodes(5, 3, [4]);
    const { dek } = await world.keyOf(world.patient, world.allergy.recordId);
    await placeInCustody(world.patientCtx, { recordId: world.allergy.recordId, dek, set: three.set });
    const twoOfThree = await findCustodyDocuments(world.erCtx, world.allergy.recordId);
    await stop(three.nodes[1]!.child);
    const a = await readCustodiedKey(
      world.erCtx,
      { recordId: world.allergy.recordId, purpose: "BTG", set: three.set, document: twoOfThree[0]! },
      { timeoutMs: 5000 },
    );
    expect(hexlify(a.dek)).toBe(hexlify(dek));
    expect(a.failures.get(1)).toBeInstanceOf(KeyReleaseError);

    await placeInCustody(world.patientCtx, { recordId: world.allergy.recordId, dek, set: five.set });
    await stop(five.nodes[0]!.child);
    const b = await readCustodiedKey(
      world.erCtx,
      { recordId: world.allergy.recordId, purpose: "BTG", set: five.set },
      { timeoutMs: 5000 },
    );
    expect(hexlify(b.dek)).toBe(hexlify(dek));
    expect(b.used.length).toBe(3);
    expect(b.used).not.toContain(0);
    expect(b.used).not.toContain(4);
    expect(b.failures.get(0)).toBeInstanceOf(KeyReleaseError);
    // The newest document is the 3-of-5 one; each node used logged its release locally (before answering).
    expect((await findCustodyDocuments(world.erCtx, world.allergy.recordId))[0]!.threshold).toBe(3);
    for (const i of b.used) {
      const lines = readFileSync(five.nodes[i]!.logPath, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { code: string; tx?: string });
      expect(lines).toContainEqual(expect.objectContaining({ code: "RELEASED", tx: b.accessTx }));
    }
    expect(b.gasUsed).toBeGreaterThan(0n);
  }, 120_000);

  it("without an on-chain access log nothing is released: no break-glass → the log reverts; another tx → refused", async () => {
    const { set } = await nodes(3, 2);
    const { dek } = await world.keyOf(world.patient, world.vitals.recordId);
    await placeInCustody(world.patientCtx, { recordId: world.vitals.recordId, dek, set });
    // Vital signs are not an emergency category: break-glass does not cover them, the access log reverts.
    await expect(
      readCustodiedKey(world.erCtx, { recordId: world.vitals.recordId, purpose: "BTG", set }),
    ).rejects.toBeInstanceOf(RecordReadConsentRequiredError);
    // A request that names a transaction without the access log (the patient's own publish) is refused by each node.
    const [document] = await findCustodyDocuments(world.erCtx, world.vitals.recordId);
    const other = await world.patient.contracts.records.publishKeyrings([], []);
    await other.wait();
    const request = {
      reader: world.er,
      signer: world.erCtx.signer,
      recordId: world.vitals.recordId,
      purpose: "BTG" as const,
      accessTx: other.hash,
    };
    for (const error of await askEveryNode(set, document!, request)) {
      expect(error).toBeInstanceOf(KeyReleaseError);
      expect((error as KeyReleaseError).reason).toBe("ACCESS_NOT_LOGGED");
    }
  }, 120_000);

  it("must-log: a grantee without keyring and k−1 colluding custodians can't read; with a logged access it can", async () => {
    const { nodes: procs, set } = await nodes(5, 3);
    const recordId = world.vitals.recordId;
    const { dek, contentCid } = await world.keyOf(world.patient, recordId);
    await placeInCustody(world.patientCtx, { recordId, dek, set });
    const [document] = await findCustodyDocuments(world.hospitalCtx, recordId);
    const categories = (await world.patient.contracts.records.record(recordId)).categories;
    // Consent straight on the contract: no keyring is published for the hospital (the record is custodied only).
    const terms = {
      readMask: categories,
      writeMask: 0n,
      purposes: purposeMask(["TREAT"]),
      expiresAt: BigInt(Math.floor(Date.now() / 1000) + 3600),
    };
    await (await world.patient.contracts.consent.grant(await world.hospital.address(), terms)).wait();

    // The grantee alone: no keyring entry, and no share opens with its key.
    await expect(world.keyOf(world.hospital, recordId)).rejects.toThrow();
    await expect(openCustodyShare(world.hospital.identity, recordId, document!.shares[0]!)).rejects.toBeInstanceOf(
      DecryptionError,
    );
    // k−1 = 2 colluding custodians (their secret keys) with the grantee: 2 shares rebuild a wrong key.
    const colluding = await Promise.all(
      procs
        .slice(0, 2)
        .map(async (p: NodeProcess, i) =>
          (await openCustodyShare(p.identity, recordId, document!.shares[i]!)).slice(0, 33),
        ),
    );
    const forged = await combineShares({ ...document!, threshold: 2 }, colluding);
    expect(hexlify(forged)).not.toBe(hexlify(dek));
    await expect(read(recordId, forged)).rejects.toBeInstanceOf(DecryptionError);
    expect(contentCid.toString()).toBe(document!.record);

    // Through the custodians, with its access logged on chain first: it reads, and the log is there.
    const got = await readCustodiedKey(world.hospitalCtx, { recordId, purpose: "TREAT", set }, { timeoutMs: 5000 });
    expect((await read(recordId, got.dek)) as object).toMatchObject({ resourceType: "Observation" });
    const { records } = world.hospital.contracts;
    const logs = await world.hospital.context.logs.query(
      records,
      records.filters.RecordAccessed(recordId, undefined, await world.hospital.address()),
      0,
    );
    expect(logs.map((l) => l.transactionHash)).toContain(got.accessTx);
    // Revoked after the access was logged: each node checks consent again when it answers.
    const logged = await world.hospital.contracts.records.logAccess(recordId, 0);
    await logged.wait();
    await (await world.patient.contracts.consent.revoke(await world.hospital.address())).wait();
    const request = {
      reader: world.hospital,
      signer: world.hospitalCtx.signer,
      recordId,
      purpose: "TREAT" as const,
      accessTx: logged.hash,
    };
    for (const error of await askEveryNode(set, document!, request)) {
      expect((error as KeyReleaseError).reason).toBe("ACCESS_DENIED");
    }
    // After revocation the chain refuses the log, so no node is even asked.
    await expect(readCustodiedKey(world.hospitalCtx, { recordId, purpose: "TREAT", set })).rejects.toBeInstanceOf(
      RecordReadConsentRequiredError,
    );
  }, 120_000);
});
