/**
 * Hostile writers against the record registry and the SDK's write and read paths (issue 11, items 2, 6 and 11),
 * each written from the attacker's side: a front-runner taking a record id, a second writer taking over another
 * author's version line, and a writer smuggling content of a category it may not write inside one it may.
 */
import { CID } from "multiformats/cid";
import { describe, expect, it } from "vitest";

import {
  Carechain,
  Category,
  canonicalJson,
  categoryMask,
  createKeyring,
  DecryptionError,
  encodeKeyring,
  encryptEnvelope,
  generateDek,
  MemoryBlobStore,
  MemoryJournal,
  RecordAnchorConflictError,
  RecordCategoryMismatchError,
  recordIdOf,
  RecordReadConsentRequiredError,
  RecordUnauthorizedAmenderError,
  RecordWriteConsentRequiredError,
  withRevertDecoding,
  type CategoryId,
  type PendingWrite,
} from "../e2e/_sdk.js";
import { concatBytes, fromHex, utf8 } from "../../sdk/crypto/bytes.js";
import { heartRate, penicillinAllergy, registeredFixture } from "../helpers/fixtures.js";

const ZERO_HASH = `0x${"00".repeat(32)}`;

/** A journal that runs `hook` once, right after the first pending write is journaled (before it is anchored). */
class HookedJournal extends MemoryJournal {
  hook: ((write: PendingWrite) => Promise<void>) | undefined;
  override async put(write: PendingWrite): Promise<void> {
    await super.put(write);
    const hook = this.hook;
    this.hook = undefined;
    await hook?.(write);
  }
}

/** A memory store that counts what is put in it. */
class CountingStore extends MemoryBlobStore {
  puts = 0;
  override async put(bytes: Uint8Array): Promise<CID> {
    this.puts++;
    return super.put(bytes);
  }
}

/** The registered fixture, the hospital as a client with `journal`, and one hour of VitalSigns consent. */
async function setup(journal = new HookedJournal(), store = new CountingStore()) {
  const f = await registeredFixture(store);
  const signers = await f.connection.ethers.getSigners();
  const hospital = await Carechain.connect({
    deployment: f.deployment,
    signer: signers[1]!,
    identity: f.hospital.identity,
    store,
    validator: f.validator,
    journal,
  });
  const alice = await f.patient.address();
  const expiresAt = (await f.now()) + 3600;
  await f.patient.grant(await hospital.address(), { read: ["VitalSigns"], write: ["VitalSigns"], expiresAt });
  return { f, store, journal, hospital, alice, hospitalAddress: await hospital.address(), expiresAt };
}

/** Anchors, straight through the contract, a record of `patient` with content `contentCid`. */
async function anchorDirect(
  client: Carechain,
  patient: string,
  mask: bigint,
  contentCid: CID,
  keyringCid: CID,
  previous = ZERO_HASH,
) {
  await withRevertDecoding("anchor", async () =>
    (await client.contracts.records.anchor(patient, mask, contentCid.bytes, keyringCid.bytes, previous)).wait(),
  );
}

/** A Condition (category Problems) to smuggle. */
const condition = (id?: string) => ({
  resourceType: "Condition",
  ...(id ? { id } : {}),
  code: { text: "HIV infection" },
  subject: { reference: "Patient/example" },
});

describe("item 6: record ids a front-runner can't take", () => {
  it("a hostile patient and a hostile writer anchor the same content CID first; the honest write still lands under its own id", async () => {
    const { f, journal, hospital, alice, hospitalAddress, expiresAt } = await setup();
    const bob = await f.stranger.address();
    await f.stranger.registerPatient();
    const lab = await f.lab.address();
    await f.patient.grant(lab, { write: ["VitalSigns"], expiresAt });
    // Both see the pending anchor (its CIDs) and get theirs mined first.
    journal.hook = async (write) => {
      const [content, keyring] = [CID.parse(write.contentCid), CID.parse(write.keyringCid)];
      await anchorDirect(f.stranger, bob, 1n << BigInt(Category.VitalSigns), content, keyring);
      await anchorDirect(f.lab, alice, 1n << BigInt(Category.VitalSigns), content, keyring);
    };

    const added = await hospital.addRecord(alice, heartRate(88));
    expect(added.recordId).toBe(recordIdOf(alice, hospitalAddress, added.contentCid));
    const anchor = await f.patient.getRecord(added.recordId);
    expect([anchor.patient, anchor.author]).toEqual([alice, hospitalAddress]);
    expect(await hospital.pendingWrites()).toEqual([]);
    expect((await f.patient.readRecord(added.recordId)).resource).toEqual(heartRate(88));

    // The squatters got records of their own, and nothing readable: lab's copy claims hospital's ciphertext as its
    // own, but the ciphertext is bound to its real author.
    const labCopy = recordIdOf(alice, lab, added.contentCid);
    expect((await f.patient.getRecord(labCopy)).author).toBe(lab);
    await expect(f.patient.readRecord(labCopy)).rejects.toBeInstanceOf(DecryptionError);
    expect((await f.patient.getRecord(recordIdOf(bob, bob, added.contentCid))).patient).toBe(bob);
  });

  it("a retry meeting its own earlier anchor (a lost receipt) succeeds, in addRecord and in resume()", async () => {
    const { f, journal, hospital, alice } = await setup();
    // The first attempt's transaction lands while the client thinks it was lost: the same write, mined first.
    let first: PendingWrite | undefined;
    journal.hook = async (write) => {
      first = write;
      await anchorDirect(
        hospital,
        write.patient,
        categoryMask(write.categories),
        CID.parse(write.contentCid),
        CID.parse(write.keyringCid),
      );
    };
    const added = await hospital.addRecord(alice, heartRate(61));
    expect(added.recordId).toBe(first!.recordId);
    expect(await hospital.pendingWrites()).toEqual([]);
    expect((await f.patient.listRecords(alice)).map((r) => r.recordId)).toEqual([added.recordId]);

    // The same write found in a journal again (a crash after the anchor, before the journal was cleared).
    await journal.put(first!);
    const resumed = await hospital.resume();
    expect(resumed).toEqual({ anchored: [], alreadyAnchored: [added.recordId], failed: [] });
    expect(await hospital.pendingWrites()).toEqual([]);
  });

  it("an anchor under the write's id that is not this write is never taken as success, and the write is kept", async () => {
    const { f, journal, hospital, alice, expiresAt } = await setup();
    // The hospital's own account anchors the same content with another keyring first (e.g. a second device).
    journal.hook = async (write) => {
      const other = await hospital.store.put(
        encodeKeyring(await createKeyring(CID.parse(write.contentCid), generateDek(), [f.patient.identity.publicKey])),
      );
      await anchorDirect(hospital, write.patient, categoryMask(write.categories), CID.parse(write.contentCid), other);
    };
    const error = await hospital.addRecord(alice, heartRate(62)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RecordAnchorConflictError);
    const [kept] = await hospital.pendingWrites();
    expect(kept?.lastError).toMatch(/Another anchor/);
    const resumed = await hospital.resume();
    expect(resumed.anchored).toEqual([]);
    expect(resumed.alreadyAnchored).toEqual([]);
    expect(resumed.failed.map((x) => [x.recordId, x.error instanceof RecordAnchorConflictError])).toEqual([
      [kept!.recordId, true],
    ]);
    expect(await hospital.pendingWrites()).toHaveLength(1);

    // A journal entry whose id is another author's anchor (the lab's copy of the same content): not success either.
    const lab = await f.lab.address();
    await f.patient.grant(lab, { write: ["VitalSigns"], expiresAt });
    const content = CID.parse(kept!.contentCid);
    await anchorDirect(f.lab, alice, 1n << BigInt(Category.VitalSigns), content, CID.parse(kept!.keyringCid));
    const foreign: PendingWrite = {
      ...kept!,
      recordId: recordIdOf(alice, lab, content),
      createdAt: kept!.createdAt + 1,
    };
    await journal.put(foreign);
    const again = await hospital.resume();
    expect(again.failed.map((x) => x.error instanceof RecordAnchorConflictError)).toEqual([true, true]);
    expect((await hospital.pendingWrites()).map((w) => w.recordId).sort()).toEqual(
      [kept!.recordId, foreign.recordId].sort(),
    );
  });
});

describe("item 11: only the original author, the patient or a delegate amends", () => {
  it("a hostile second writer in the category can't amend another author's record, through the SDK or the contract", async () => {
    const { f, store, hospital, alice, hospitalAddress, expiresAt } = await setup();
    const lab = await f.lab.address();
    await f.patient.grant(lab, { read: ["VitalSigns"], write: ["VitalSigns"], expiresAt });
    const v1 = await hospital.addRecord(alice, heartRate(120));

    const puts = store.puts;
    const error = await f.lab.amendRecord(v1.recordId, heartRate(40)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RecordUnauthorizedAmenderError);
    expect((error as InstanceType<typeof RecordUnauthorizedAmenderError>).args).toEqual({
      previous: v1.recordId,
      account: lab,
    });
    expect(store.puts).toBe(puts); // refused before anything was stored
    // A modified client going straight to the contract is refused there.
    const forged = await store.put(utf8("forged"));
    await expect(
      anchorDirect(f.lab, alice, 1n << BigInt(Category.VitalSigns), forged, forged, v1.recordId),
    ).rejects.toBeInstanceOf(RecordUnauthorizedAmenderError);
    expect((await f.patient.getRecord(v1.recordId)).amended).toBe(false);

    // The patient corrects it; the original author amends again; the lab still can't, nor after the patient.
    const v2 = await f.patient.amendRecord(v1.recordId, heartRate(121));
    await expect(f.lab.amendRecord(v2.recordId, heartRate(41))).rejects.toBeInstanceOf(RecordUnauthorizedAmenderError);
    const v3 = await hospital.amendRecord(v2.recordId, heartRate(122));
    const history = await f.patient.history(v3.recordId);
    expect(history.map((r) => [r.version, r.author, r.originalAuthor])).toEqual([
      [1, hospitalAddress, hospitalAddress],
      [2, alice, hospitalAddress],
      [3, hospitalAddress, hospitalAddress],
    ]);
  });

  it("a delegate of the patient may amend (with write consent); a removed one may not", async () => {
    const { f, hospital, alice, expiresAt } = await setup();
    const lab = await f.lab.address();
    await f.patient.grant(lab, { write: ["VitalSigns"], expiresAt });
    const v1 = await hospital.addRecord(alice, heartRate(130));
    await f.patient.addDelegate(lab, "proxy");
    const v2 = await f.lab.amendRecord(v1.recordId, heartRate(131));
    expect((await f.patient.getRecord(v2.recordId)).version).toBe(2);
    await f.patient.removeDelegate(lab);
    await expect(f.lab.amendRecord(v2.recordId, heartRate(132))).rejects.toBeInstanceOf(RecordUnauthorizedAmenderError);
  });
});

describe("item 2: a record is every category of its content", () => {
  it("a writer with write consent for VitalSigns only can't smuggle a Condition in contained, a Bundle entry or a second coding", async () => {
    const { f, store, hospital, alice } = await setup();
    const smuggled: [string, unknown, CategoryId][] = [
      [
        "contained",
        { ...heartRate(70), focus: [{ reference: "#c1" }], contained: [condition("c1")] },
        Category.Problems,
      ],
      [
        "a Bundle entry",
        {
          resourceType: "Bundle",
          type: "collection",
          entry: [
            { fullUrl: "urn:uuid:3f1c1d3c-7a5e-4b8e-9a4e-0d6f1e0b7a11", resource: heartRate(71) },
            { fullUrl: "urn:uuid:3f1c1d3c-7a5e-4b8e-9a4e-0d6f1e0b7a12", resource: condition() },
          ],
        },
        Category.Problems,
      ],
      [
        "a second category coding",
        {
          ...heartRate(72),
          category: [
            { coding: [{ system: "http://terminology.hl7.org/CodeSystem/observation-category", code: "vital-signs" }] },
            { coding: [{ system: "http://terminology.hl7.org/CodeSystem/observation-category", code: "laboratory" }] },
          ],
        },
        Category.Laboratory,
      ],
    ];
    for (const [how, resource, lowestDenied] of smuggled) {
      const puts = store.puts;
      const error = await hospital.addRecord(alice, resource).catch((e: unknown) => e);
      expect(error, how).toBeInstanceOf(RecordWriteConsentRequiredError);
      expect((error as InstanceType<typeof RecordWriteConsentRequiredError>).args.category, how).toBe(
        BigInt(lowestDenied),
      );
      await expect(hospital.addRecords(alice, [heartRate(1), resource]), how).rejects.toBeInstanceOf(
        RecordWriteConsentRequiredError,
      );
      expect(store.puts, how).toBe(puts); // nothing stored, nothing anchored
    }
    expect(await f.patient.listRecords(alice)).toEqual([]);
    expect(await hospital.pendingWrites()).toEqual([]);
  });

  it("a record spanning categories needs write consent for all, and a reader needs read consent for all", async () => {
    const { f, hospital, alice, hospitalAddress, expiresAt } = await setup();
    await f.patient.grant(hospitalAddress, {
      read: ["VitalSigns", "Problems"],
      write: ["VitalSigns", "Problems"],
      expiresAt,
    });
    const lab = await f.lab.address();
    await f.patient.grant(lab, { read: ["VitalSigns"], expiresAt });
    const record = { ...heartRate(73), focus: [{ reference: "#c1" }], contained: [condition("c1")] };
    const added = await hospital.addRecord(alice, record);
    expect(added.categories).toEqual([Category.Problems, Category.VitalSigns]);
    expect(added.recipients).toBe(2); // the patient and the hospital: the lab can't read Problems
    expect((await f.patient.getRecord(added.recordId)).categories).toEqual([Category.Problems, Category.VitalSigns]);
    expect((await hospital.readRecord(added.recordId)).resource).toEqual(record);
    const refused = await f.lab.readRecord(added.recordId).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RecordReadConsentRequiredError);
    expect((refused as InstanceType<typeof RecordReadConsentRequiredError>).args.category).toBe(
      BigInt(Category.Problems),
    );
    await expect(
      withRevertDecoding("logAccess", async () => (await f.lab.contracts.records.logAccess(added.recordId, 0)).wait()),
    ).rejects.toBeInstanceOf(RecordReadConsentRequiredError);

    // Batches too: each record carries its own categories; the lab reads the plain one, not the spanning one.
    const batch = await hospital.addRecords(alice, [heartRate(74), record]);
    expect(batch.records.map((r) => r.categories)).toEqual([
      [Category.VitalSigns],
      [Category.Problems, Category.VitalSigns],
    ]);
    expect((await f.lab.readRecord(batch.records[0]!.recordId, { batch: batch.batchId })).resource).toEqual(
      heartRate(74),
    );
    await expect(f.lab.readRecord(batch.records[1]!.recordId, { batch: batch.batchId })).rejects.toBeInstanceOf(
      RecordReadConsentRequiredError,
    );
  });

  it("a writer anchoring through the contract with a narrower mask than its content is caught by the reader's SDK", async () => {
    const { f, store, hospital, alice, hospitalAddress, expiresAt } = await setup();
    const lab = await f.lab.address();
    await f.patient.grant(lab, { write: ["VitalSigns"], expiresAt });
    // The lab's modified client: a vital-signs Observation carrying a Condition, anchored as VitalSigns only and
    // wrapped for the hospital (a VitalSigns reader that was never asked about Problems).
    const record = { ...heartRate(75), focus: [{ reference: "#c1" }], contained: [condition("c1")] };
    const mask = 1n << BigInt(Category.VitalSigns);
    const maskBytes = new Uint8Array(8);
    new DataView(maskBytes.buffer).setBigUint64(0, mask);
    const context = concatBytes(
      utf8("carechain/record/v2"),
      fromHex("patient", alice, 20),
      fromHex("author", lab, 20),
      maskBytes,
    );
    const dek = generateDek();
    const content = await store.put(encryptEnvelope(dek, utf8(canonicalJson(record)), context));
    const readers = [f.patient.identity.publicKey, hospital.identity.publicKey];
    const keyring = await store.put(encodeKeyring(await createKeyring(content, dek, readers)));
    await anchorDirect(f.lab, alice, mask, content, keyring);
    const recordId = recordIdOf(alice, lab, content);

    for (const reader of [hospital, f.patient]) {
      const error = await reader.readRecord(recordId).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RecordCategoryMismatchError);
    }
    // The honest reader logged nothing: the refusal comes before logAccess.
    const trail = await f.patient.auditTrail(alice);
    expect(trail.filter((e) => e.kind === "RecordAccessed" && e.actor === hospitalAddress)).toEqual([]);
    // A penicillin allergy (Allergies) written by the patient itself reads fine: the check refuses only a mismatch.
    const own = await f.patient.addRecord(alice, penicillinAllergy());
    expect((await f.patient.readRecord(own.recordId)).resource).toEqual(penicillinAllergy());
  });
});
