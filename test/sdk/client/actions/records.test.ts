/**
 * Record actions against a fake chain: argument checks, consent refusals before anything is fetched or stored,
 * verified and authenticated reads (a hostile store's bytes never decrypt), and exactly-once writes.
 */
import { assert, describe, expect, it } from "vitest";
import type { CID } from "multiformats/cid";

import { grantConsent, revokeConsent } from "../../../../sdk/client/actions/consent.js";
import { getRecord, readRecord, verifyRecord } from "../../../../sdk/client/actions/records-read.js";
import { addRecord, amendRecord } from "../../../../sdk/client/actions/records-write.js";
import type { BlobStore } from "../../../../sdk/content/blob-store.js";
import { MemoryBlobStore } from "../../../../sdk/content/memory-store.js";
import { RecordReadConsentRequiredError, RecordWriteConsentRequiredError } from "../../../../sdk/errors/contract.js";
import { DecryptionError, FhirValidationError, IntegrityError } from "../../../../sdk/errors/data.js";
import { WriteError } from "../../../../sdk/errors/write.js";
import { FakeChain, fakeAccount, labObservation } from "./_fake-context.js";

const IN_A_MONTH = 1_900_000_000 + 30 * 86_400;
const LAB = { read: ["Laboratory"], write: ["Laboratory"], expiresAt: IN_A_MONTH } as const;

/** A store that counts reads, and can be told to hand back other bytes than it was given (without checking CIDs). */
class SpyStore implements BlobStore {
  readonly inner = new MemoryBlobStore();
  readonly raw = new Map<string, Uint8Array>();
  gets = 0;
  puts = 0;
  hostile: ((cid: CID, bytes: Uint8Array) => Uint8Array) | undefined;
  async put(bytes: Uint8Array): Promise<CID> {
    this.puts++;
    const cid = await this.inner.put(bytes);
    this.raw.set(cid.toString(), bytes.slice());
    return cid;
  }
  async get(cid: CID): Promise<Uint8Array> {
    this.gets++;
    if (this.hostile) return this.hostile(cid, this.raw.get(cid.toString()) ?? new Uint8Array());
    return this.inner.get(cid);
  }
  has(cid: CID): Promise<boolean> {
    return this.inner.has(cid);
  }
  delete(cid: CID): Promise<void> {
    return this.inner.delete(cid);
  }
}

/** A patient and a hospital sharing one store; the hospital has the lab grant and wrote one record. */
async function written() {
  const chain = new FakeChain();
  const store = new SpyStore();
  const patient = fakeAccount(chain, { store });
  const hospital = fakeAccount(chain, { store });
  await grantConsent(patient.ctx, { grantee: hospital.address, terms: LAB });
  const added = await addRecord(hospital.ctx, { patient: patient.address, resource: labObservation() });
  return { chain, store, patient, hospital, added };
}

describe("addRecord", () => {
  it("anchors the encrypted record once, for the patient and the author", async () => {
    const { chain, patient, hospital, added } = await written();
    expect(chain.sent.map((s) => [s.method, s.from])).toEqual([
      ["grant", patient.address],
      ["anchor", hospital.address],
    ]);
    expect(added.recipients).toBe(2); // the patient (a reader of every category) and the author
    expect((await getRecord(hospital.ctx, { recordId: added.recordId })).patient).toBe(patient.address);
    expect(await hospital.ctx.journal.list()).toEqual([]);
    // The same content again is the same record: no second anchor.
    const again = await addRecord(hospital.ctx, { patient: patient.address, resource: labObservation() });
    expect(again.recordId).toBe(added.recordId);
    expect(chain.sent.filter((s) => s.method === "anchor")).toHaveLength(1);
  });

  it("refuses an invalid resource before anything is stored or sent", async () => {
    const chain = new FakeChain();
    const store = new SpyStore();
    const patient = fakeAccount(chain, { store });
    await expect(
      addRecord(patient.ctx, {
        patient: patient.address,
        resource: { resourceType: "Observation", status: "nonsense" },
      }),
    ).rejects.toThrow(FhirValidationError);
    expect(store.puts).toBe(0);
    expect(chain.sent).toEqual([]);
  });

  it("refuses a write without write consent, naming the category, before anything is stored", async () => {
    const chain = new FakeChain();
    const store = new SpyStore();
    const patient = fakeAccount(chain, { store });
    const stranger = fakeAccount(chain, { store });
    const error = await addRecord(stranger.ctx, { patient: patient.address, resource: labObservation() }).catch(
      (e: unknown) => e,
    );
    assert.instanceOf(error, RecordWriteConsentRequiredError);
    expect(error.args).toMatchObject({ patient: patient.address, author: stranger.address });
    expect(store.puts).toBe(0);
    expect(chain.sent).toEqual([]);
    expect(await stranger.ctx.journal.list()).toEqual([]);
  });

  it("refuses a malformed amended-version id with a typed write error naming it", async () => {
    const { patient, hospital } = await written();
    const error = await addRecord(hospital.ctx, {
      patient: patient.address,
      resource: labObservation(6),
      previous: "0x1234",
    }).catch((e: unknown) => e);
    assert.instanceOf(error, RangeError);
    expect(error.message).toMatch(/previous/);
    await expect(amendRecord(hospital.ctx, { previous: "0xzz", resource: labObservation(6) })).rejects.toThrow(
      WriteError,
    );
  });
});

describe("readRecord", () => {
  it("reads, verifies and logs a grantee's read", async () => {
    const { chain, hospital, added } = await written();
    const read = await readRecord(hospital.ctx, { recordId: added.recordId });
    expect(read.resource).toMatchObject({ resourceType: "Observation", valueQuantity: { value: 5.4 } });
    expect(read.contentCid.equals(added.contentCid)).toBe(true);
    expect(read.accessLog).toBeDefined();
    expect(chain.sent.at(-1)).toMatchObject({ method: "logAccess", from: hospital.address, args: [added.recordId, 0] });
  });

  it("does not log the patient's own read", async () => {
    const { chain, patient, added } = await written();
    const read = await readRecord(patient.ctx, { recordId: added.recordId });
    expect(read.accessLog).toBeUndefined();
    expect(chain.sent.map((s) => s.method)).not.toContain("logAccess");
  });

  it("refuses an account without consent before fetching anything", async () => {
    const { chain, store, patient, added } = await written();
    const lab = fakeAccount(chain, { store });
    store.gets = 0;
    const error = await readRecord(lab.ctx, { recordId: added.recordId }).catch((e: unknown) => e);
    assert.instanceOf(error, RecordReadConsentRequiredError);
    expect(error.args).toMatchObject({ patient: patient.address, reader: lab.address });
    expect(store.gets).toBe(0);
    expect(chain.sent.map((s) => s.method)).not.toContain("logAccess");
  });

  it("refuses a grantee once its consent is revoked", async () => {
    const { store, patient, hospital, added } = await written();
    await readRecord(hospital.ctx, { recordId: added.recordId });
    await revokeConsent(patient.ctx, { grantee: hospital.address });
    store.gets = 0;
    await expect(readRecord(hospital.ctx, { recordId: added.recordId })).rejects.toThrow(
      RecordReadConsentRequiredError,
    );
    expect(store.gets).toBe(0);
  });

  it("refuses a grantee whose consent has expired", async () => {
    const { chain, hospital, added } = await written();
    chain.now = IN_A_MONTH + 1;
    await expect(readRecord(hospital.ctx, { recordId: added.recordId })).rejects.toThrow(
      RecordReadConsentRequiredError,
    );
  });

  it("never decrypts bytes a hostile store swapped in, and logs nothing", async () => {
    const { chain, store, hospital, added } = await written();
    const content = added.contentCid.toString();
    store.hostile = (cid, bytes) => {
      if (cid.toString() !== content) return bytes;
      const tampered = bytes.slice();
      tampered[tampered.length - 1]! ^= 1;
      return tampered;
    };
    const sent = chain.sent.length;
    await expect(readRecord(hospital.ctx, { recordId: added.recordId })).rejects.toThrow(DecryptionError);
    expect(chain.sent.length).toBe(sent);
  });

  it("refuses bytes that do not match their CID when the store checks them", async () => {
    const { store, hospital, added } = await written();
    store.inner.tamper(added.contentCid, new Uint8Array([1, 2, 3]));
    await expect(readRecord(hospital.ctx, { recordId: added.recordId })).rejects.toThrow(IntegrityError);
    await expect(verifyRecord(hospital.ctx, { recordId: added.recordId })).rejects.toThrow(IntegrityError);
  });

  it.each([
    ["0x1234", /recordId/],
    ["not hex", /recordId/],
  ])("refuses the record id %j, naming the argument", async (recordId, message) => {
    const { hospital } = await written();
    await expect(readRecord(hospital.ctx, { recordId })).rejects.toThrow(message);
  });
});
