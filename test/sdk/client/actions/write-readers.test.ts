/**
 * Whom a write wraps a record key for, against a fake chain: the context's reader index stays current across grants,
 * revokes and key rotations between writes without rescanning the history, and whatever its candidate list says,
 * only readers the chain allows (with the Directory's current key) get a wrap.
 */
import { describe, expect, it } from "vitest";

import { grantConsent } from "../../../../sdk/client/actions/consent.js";
import { writeReaders } from "../../../../sdk/client/actions/_readers.js";
import { addRecord } from "../../../../sdk/client/actions/records-write.js";
import type { CarechainContext } from "../../../../sdk/client/context.js";
import { MemoryBlobStore } from "../../../../sdk/content/memory-store.js";
import { ReaderIndex, type ConsentEvent } from "../../../../sdk/client/reader-index.js";
import { generateIdentity, publicKeyHex } from "../../../../sdk/crypto/identity.js";
import { decodeKeyring } from "../../../../sdk/crypto/keyring.js";
import { RecordWriteConsentRequiredError } from "../../../../sdk/errors/contract.js";
import { Category } from "../../../../sdk/fhir/categories.js";
import { FakeChain, fakeAccount, labObservation, type FakeAccount } from "./_fake-context.js";

const IN_A_MONTH = 1_900_000_000 + 30 * 86_400;
const LAB = { read: ["Laboratory"], write: ["Laboratory"], expiresAt: IN_A_MONTH } as const;
/** On-chain terms letting a grantee read Laboratory records. */
const READ_LAB = {
  readMask: 1n << BigInt(Category.Laboratory),
  writeMask: 0n,
  purposes: 1n,
  expiresAt: BigInt(IN_A_MONTH),
};

/** A memory store that counts what is stored. */
class CountingStore extends MemoryBlobStore {
  puts = 0;
  override put(bytes: Uint8Array) {
    this.puts++;
    return super.put(bytes);
  }
}

/** A patient, a hospital (it writes) and a lab (a reader to be) on one fake chain, sharing one store. */
function setting() {
  const chain = new FakeChain();
  const store = new CountingStore();
  const patient = fakeAccount(chain, { store });
  const hospital = fakeAccount(chain, { store });
  const lab = fakeAccount(chain, { store });
  let n = 0;
  /** Writes a new record as `writer` (the hospital by default) and returns the keys its keyring holds. */
  const write = async (writer: CarechainContext = hospital.ctx) => {
    const added = await addRecord(writer, { patient: patient.address, resource: labObservation(++n) });
    const keyring = decodeKeyring(await patient.ctx.store.get(added.keyringCid));
    return keyring.recipients.map((e) => e.key);
  };
  return { chain, store, patient, hospital, lab, write };
}

const keyOf = (a: FakeAccount) => publicKeyHex(a.identity);

describe("the write path's readers", () => {
  it("a new grantee gets a wrap on the next write and a revoked one none, from the blocks since the last write", async () => {
    const { patient, hospital, lab, write } = setting();
    await grantConsent(patient.ctx, { grantee: hospital.address, terms: LAB });
    expect(new Set(await write())).toEqual(new Set([keyOf(patient), keyOf(hospital)]));

    await patient.ctx.contracts.consent.grant(lab.address, READ_LAB);
    expect(await write()).toContain(keyOf(lab));

    await patient.ctx.contracts.consent.revoke(lab.address);
    expect(await write()).not.toContain(keyOf(lab));

    // Built once from the first block; every later write read only the blocks after the last one it had read.
    expect(hospital.ctx.readerIndex.stats()).toEqual({ builds: 1, updates: 2 });
    expect(hospital.ctx.readerIndex.known(patient.address)).toEqual([hospital.address]);
  });

  it("a reader's rotated key: the next write wraps for the Directory's current key only", async () => {
    const { chain, patient, hospital, lab, write } = setting();
    await grantConsent(patient.ctx, { grantee: hospital.address, terms: LAB });
    await patient.ctx.contracts.consent.grant(lab.address, READ_LAB);
    const before = keyOf(lab);
    expect(await write()).toContain(before);
    const rotated = publicKeyHex(generateIdentity());
    chain.keys.set(lab.address, rotated);
    const after = await write();
    expect(after).toContain(rotated);
    expect(after).not.toContain(before);
  });

  it("a candidate list that lies adds no reader: each candidate is checked on chain before a wrap", async () => {
    const { chain, patient, hospital, lab, write } = setting();
    await grantConsent(patient.ctx, { grantee: hospital.address, terms: LAB });
    await patient.ctx.contracts.consent.grant(lab.address, READ_LAB);
    await patient.ctx.contracts.consent.revoke(lab.address);
    const stranger = fakeAccount(chain); // registered key, no consent at all
    // A hostile (or stale) source: says the stranger and the revoked lab were granted, and never reports a revoke.
    const lying: ConsentEvent[] = [
      { granted: true, grantee: stranger.address },
      { granted: true, grantee: lab.address },
    ];
    const ctx: CarechainContext = {
      ...hospital.ctx,
      readerIndex: new ReaderIndex({ head: async () => chain.block, events: async () => lying }, 0),
    };
    const keys = await write(ctx);
    expect(keys).not.toContain(keyOf(stranger));
    expect(keys).not.toContain(keyOf(lab));
    expect(new Set(keys)).toEqual(new Set([keyOf(patient), keyOf(hospital)]));
  });

  it("a stale index that missed a revoke still wraps nothing for the revoked reader", async () => {
    const { chain, patient, hospital, lab, write } = setting();
    await grantConsent(patient.ctx, { grantee: hospital.address, terms: LAB });
    await patient.ctx.contracts.consent.grant(lab.address, READ_LAB);
    expect(await write()).toContain(keyOf(lab));
    // The index stops seeing new blocks (its node lags), then the patient revokes.
    const frozen = chain.block;
    const ctx: CarechainContext = {
      ...hospital.ctx,
      readerIndex: new ReaderIndex(
        {
          head: async () => frozen,
          events: async () => [{ granted: true, grantee: lab.address }],
        },
        0,
      ),
    };
    await patient.ctx.contracts.consent.revoke(lab.address);
    expect(await write(ctx)).not.toContain(keyOf(lab));
  });

  it("the author's write consent is answered with the readers, and a refusal comes before anything is stored", async () => {
    const { store, patient, hospital, lab } = setting();
    await patient.ctx.contracts.consent.grant(lab.address, READ_LAB);
    const access = await writeReaders(hospital.ctx, patient.address, [Category.Laboratory], hospital.address);
    expect(access.writeDenied).toBe(Category.Laboratory);
    // Readers are still the chain's: the patient, the lab, the author's own identity.
    const keys = (await access.recipients([Category.Laboratory])).map((k) => publicKeyHex({ publicKey: k }));
    expect(new Set(keys)).toEqual(new Set([keyOf(patient), keyOf(lab), keyOf(hospital)]));
    const puts = store.puts;
    await expect(
      addRecord(hospital.ctx, { patient: patient.address, resource: labObservation() }),
    ).rejects.toBeInstanceOf(RecordWriteConsentRequiredError);
    expect(store.puts).toBe(puts);
  });
});
