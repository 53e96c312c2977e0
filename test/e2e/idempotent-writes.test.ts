/**
 * A record write is idempotent for its caller (issue 13, item 5): the same content by the same author for the same
 * patient (as the same amendment) is one record, whichever path writes it again — addRecord after a lost answer, a
 * new client with an empty journal, amendRecord twice — while different content, another author or another patient
 * stays a different record.
 */
import { describe, expect, it } from "vitest";

import { Carechain, categoryMask, encryptEnvelope, MemoryJournal, WriteError, type PendingWrite } from "./_sdk.js";
import { deriveRecordKey } from "../../sdk/client/record-key.js";
import { utf8 } from "../../sdk/crypto/bytes.js";
import { heartRate, registeredFixture } from "../helpers/fixtures.js";

const ZERO_HASH = `0x${"00".repeat(32)}`;

/** A journal whose `remove` fails `failures` times (a disk error after the anchor): the write must stay journaled. */
class FailingRemoveJournal extends MemoryJournal {
  failures = 0;
  override async remove(recordId: string): Promise<void> {
    if (this.failures > 0) {
      this.failures--;
      throw new Error("EIO: journal disk error (injected)");
    }
    return super.remove(recordId);
  }
}

async function setup(journal = new MemoryJournal()) {
  const f = await registeredFixture();
  const signers = await f.connection.ethers.getSigners();
  const hospital = await Carechain.connect({
    deployment: f.deployment,
    signer: signers[1]!,
    identity: f.hospital.identity,
    store: f.store,
    validator: f.validator,
    journal,
  });
  const alice = await f.patient.address();
  await f.patient.grant(await hospital.address(), {
    read: ["VitalSigns"],
    write: ["VitalSigns"],
    expiresAt: (await f.now()) + 3600,
  });
  return { f, hospital, alice, signers };
}

describe("the same content is written once", () => {
  it("addRecord twice, and from a new client with an empty journal: one record, the same id and transaction", async () => {
    const { f, hospital, alice, signers } = await setup();
    const first = await hospital.addRecord(alice, heartRate(80));
    const again = await hospital.addRecord(alice, heartRate(80));
    expect(again.recordId).toBe(first.recordId);
    expect(again.hash).toBe(first.hash);
    expect(again.keyringCid.toString()).toBe(first.keyringCid.toString());
    // Another process (same account and identity key), knowing nothing of the first write.
    const restarted = await Carechain.connect({
      deployment: f.deployment,
      signer: signers[1]!,
      identity: f.hospital.identity,
      store: f.store,
      validator: f.validator,
      journal: new MemoryJournal(),
    });
    expect((await restarted.addRecord(alice, heartRate(80))).recordId).toBe(first.recordId);
    const other = await hospital.addRecord(alice, heartRate(81));
    expect(other.recordId).not.toBe(first.recordId);
    expect((await f.patient.listRecords(alice)).map((r) => r.recordId)).toEqual([first.recordId, other.recordId]);
    expect((await f.patient.readRecord(first.recordId)).resource).toEqual(heartRate(80));
  });

  it("amendRecord twice with the same content: one amendment; the same content as a new record is another version", async () => {
    const { f, hospital, alice } = await setup();
    const v1 = await hospital.addRecord(alice, heartRate(90));
    const v2 = await hospital.amendRecord(v1.recordId, heartRate(91));
    expect((await hospital.amendRecord(v1.recordId, heartRate(91))).recordId).toBe(v2.recordId);
    expect((await f.patient.history(v1.recordId)).map((r) => r.recordId)).toEqual([v1.recordId, v2.recordId]);
    // The amended version is part of the derivation: the same content as a record of its own is not the amendment.
    const standalone = await hospital.addRecord(alice, heartRate(91));
    expect(standalone.recordId).not.toBe(v2.recordId);
  });

  it("another author, or another patient, with the same content: other records", async () => {
    const { f, hospital, alice } = await setup();
    const mine = await hospital.addRecord(alice, heartRate(70));
    const patientsOwn = await f.patient.addRecord(alice, heartRate(70));
    expect(patientsOwn.recordId).not.toBe(mine.recordId);
    expect(patientsOwn.contentCid.toString()).not.toBe(mine.contentCid.toString());
  });

  it("a journal that fails after the anchor keeps the write; the retry returns the anchored record", async () => {
    const journal = new FailingRemoveJournal();
    const { f, hospital, alice } = await setup(journal);
    journal.failures = 1;
    const error = await hospital.addRecord(alice, heartRate(99)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WriteError);
    expect(error).toMatchObject({ stage: "journal", mayHaveLanded: true });
    const [kept] = await hospital.pendingWrites();
    expect(kept?.recordId).toBe((error as WriteError).recordId);
    expect((await f.patient.getRecord(kept!.recordId)).patient).toBe(alice); // it is on chain
    const retried = await hospital.addRecord(alice, heartRate(99));
    expect(retried.recordId).toBe(kept!.recordId);
    expect(await hospital.pendingWrites()).toEqual([]);
    expect((await f.patient.listRecords(alice)).length).toBe(1);
  });

  it("a journaled write is finished by addRecord with the same content, before anything new is stored or checked", async () => {
    const journal = new MemoryJournal();
    const { f, hospital, alice } = await setup(journal);
    // A write journaled by an earlier attempt (blobs stored, anchor not sent), then consent withdrawn: the retry
    // goes straight to the anchor, whose consent check is the contract's.
    const added = await hospital.addRecord(alice, heartRate(75));
    const entry: PendingWrite = {
      recordId: added.recordId,
      patient: alice,
      categories: added.categories,
      contentCid: added.contentCid.toString(),
      keyringCid: added.keyringCid.toString(),
      previous: ZERO_HASH,
      author: await hospital.address(),
      createdAt: Date.now(),
    };
    await journal.put(entry);
    const retried = await hospital.addRecord(alice, heartRate(75));
    expect(retried.recordId).toBe(added.recordId);
    expect(await hospital.pendingWrites()).toEqual([]);
    expect((await f.patient.listRecords(alice)).length).toBe(1);
  });
});

describe("deriveRecordKey", () => {
  const secret = new Uint8Array(32).fill(7);
  const input = {
    patient: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    author: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
    categoryMask: categoryMask([5]),
    previous: ZERO_HASH,
    plaintext: utf8('{"a":1}'),
  };
  it("is deterministic, and every input (and the secret) changes the key and the nonce prefix", () => {
    const base = deriveRecordKey(secret, input);
    expect(deriveRecordKey(secret, input)).toEqual(base);
    expect(base.dek).toHaveLength(32);
    expect(base.noncePrefix).toHaveLength(19);
    const variants = [
      deriveRecordKey(new Uint8Array(32).fill(8), input),
      deriveRecordKey(secret, { ...input, patient: input.author }),
      deriveRecordKey(secret, { ...input, author: input.patient }),
      deriveRecordKey(secret, { ...input, categoryMask: categoryMask([4]) }),
      deriveRecordKey(secret, { ...input, previous: `0x${"11".repeat(32)}` }),
      deriveRecordKey(secret, { ...input, plaintext: utf8('{"a":2}') }),
    ];
    for (const v of variants) {
      expect(v.dek).not.toEqual(base.dek);
      expect(v.noncePrefix).not.toEqual(base.noncePrefix);
    }
  });
  it("gives the same envelope for the same content, which encryptEnvelope checks the prefix length of", () => {
    const { dek, noncePrefix } = deriveRecordKey(secret, input);
    const context = utf8("ctx");
    expect(encryptEnvelope(dek, input.plaintext, context, { noncePrefix })).toEqual(
      encryptEnvelope(dek, input.plaintext, context, { noncePrefix }),
    );
    expect(() => encryptEnvelope(dek, input.plaintext, context, { noncePrefix: noncePrefix.subarray(1) })).toThrow(
      RangeError,
    );
    expect(() => deriveRecordKey(new Uint8Array(31), input)).toThrow(RangeError);
  });
});
