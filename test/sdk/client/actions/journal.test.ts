/**
 * Journal actions against a fake chain: a write whose anchor failed stays journaled and is finished exactly once, by
 * adding it again or by `resumeWrites`; a foreign anchor under its id is a conflict, never taken as done.
 */
import { CID } from "multiformats/cid";
import { assert, describe, expect, it } from "vitest";

import { grantConsent } from "../../../../sdk/client/actions/consent.js";
import { pendingWrites, resumeWrites } from "../../../../sdk/client/actions/journal.js";
import { addRecord } from "../../../../sdk/client/actions/records-write.js";
import { cidOf } from "../../../../sdk/content/cid.js";
import { categoryMask } from "../../../../sdk/fhir/categories.js";
import { RecordAnchorConflictError } from "../../../../sdk/errors/data.js";
import { WriteError } from "../../../../sdk/errors/write.js";
import { FakeChain, fakeAccount, labObservation } from "./_fake-context.js";

const LAB = { read: ["Laboratory"], write: ["Laboratory"], expiresAt: 1_900_000_000 + 86_400 } as const;

/** A hospital with the lab grant whose first anchor fails (`landed`: after it was mined, or before it was sent). */
async function failedWrite(landed: boolean) {
  const chain = new FakeChain();
  const patient = fakeAccount(chain);
  const hospital = fakeAccount(chain, { store: patient.ctx.store });
  await grantConsent(patient.ctx, { grantee: hospital.address, terms: LAB });
  chain.failNext = { method: "anchor", landed };
  const error = await addRecord(hospital.ctx, { patient: patient.address, resource: labObservation() }).catch(
    (e: unknown) => e,
  );
  assert.instanceOf(error, WriteError);
  return { chain, patient, hospital, error };
}

const anchors = (chain: FakeChain) => chain.sent.filter((s) => s.method === "anchor").length;

describe("a write whose anchor failed", () => {
  it.each([true, false])("stays journaled with a typed error (landed: %s)", async (landed) => {
    const { chain, hospital, error } = await failedWrite(landed);
    expect(error).toBeInstanceOf(WriteError);
    expect(error).toMatchObject({ stage: "anchor", mayHaveLanded: true });
    const pending = await pendingWrites(hospital.ctx);
    expect(pending.map((w) => w.recordId)).toEqual([error.recordId]);
    expect(pending[0]!.lastError).toMatch(/socket hang up/);
    expect(anchors(chain)).toBe(landed ? 1 : 0);
  });

  it("is finished by resumeWrites: anchored now when it had not landed, exactly once", async () => {
    const { chain, hospital, error } = await failedWrite(false);
    expect(await resumeWrites(hospital.ctx)).toEqual({
      anchored: [error.recordId],
      alreadyAnchored: [],
      failed: [],
    });
    expect(anchors(chain)).toBe(1);
    expect(await pendingWrites(hospital.ctx)).toEqual([]);
  });

  it("is taken off the journal, not anchored again, when it had landed", async () => {
    const { chain, hospital, error } = await failedWrite(true);
    expect(await resumeWrites(hospital.ctx)).toEqual({
      anchored: [],
      alreadyAnchored: [error.recordId],
      failed: [],
    });
    expect(anchors(chain)).toBe(1);
    expect(await pendingWrites(hospital.ctx)).toEqual([]);
  });

  it("is finished by adding the same resource again, meeting its own anchor", async () => {
    const { chain, patient, hospital, error } = await failedWrite(true);
    const added = await addRecord(hospital.ctx, { patient: patient.address, resource: labObservation() });
    expect(added.recordId).toBe(error.recordId);
    expect(anchors(chain)).toBe(1);
    expect(await pendingWrites(hospital.ctx)).toEqual([]);
  });

  it("is a conflict, kept in the journal, when its id holds an anchor with a keyring it can't open", async () => {
    const { hospital, error } = await failedWrite(false);
    const [pending] = await pendingWrites(hospital.ctx);
    const foreignKeyring = await cidOf(new Uint8Array([1, 2, 3]));
    await hospital.ctx.contracts.records.anchor(
      pending!.patient,
      categoryMask(pending!.categories),
      CID.parse(pending!.contentCid).bytes,
      foreignKeyring.bytes,
      pending!.previous,
    );
    const result = await resumeWrites(hospital.ctx);
    expect(result.anchored).toEqual([]);
    expect(result.alreadyAnchored).toEqual([]);
    expect(result.failed.map((f) => f.recordId)).toEqual([error.recordId]);
    expect(result.failed[0]!.error).toBeInstanceOf(RecordAnchorConflictError);
    expect((await pendingWrites(hospital.ctx)).map((w) => w.recordId)).toEqual([error.recordId]);
  });
});
