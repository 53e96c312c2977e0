// Sealed supply-chain documents: readable by the recipients only, bound to their kind, and refused when altered.
import { describe, expect, it } from "vitest";

import {
  DecryptionError,
  generateIdentity,
  IntegrityError,
  MemoryBlobStore,
  NotARecipientError,
} from "../../../sdk/index.js";
import { openDocument, sealDocument, sealedDigest } from "../../../sdk/supplychain.js";

describe("sealDocument / openDocument", () => {
  const alice = generateIdentity();
  const bob = generateIdentity();
  const eve = generateIdentity();
  const doc = { type: "carechain.supplychain.alert/v1", product: "(01)09501101530003(17)281231(10)L1(21)S1" };

  it("opens for every recipient and for nobody else", async () => {
    const store = new MemoryBlobStore();
    const sealed = await sealDocument(store, "alert", doc, [alice.publicKey, bob.publicKey]);
    expect(await openDocument(store, "alert", sealed, alice)).toEqual(doc);
    expect(await openDocument(store, "alert", sealed, bob)).toEqual(doc);
    await expect(openDocument(store, "alert", sealed, eve)).rejects.toBeInstanceOf(NotARecipientError);
    expect(sealedDigest(sealed)).toMatch(/^0x[0-9a-f]{64}$/);
  });

  it("a document of one kind does not open as another", async () => {
    const store = new MemoryBlobStore();
    const sealed = await sealDocument(store, "passports", doc, [alice.publicKey]);
    await expect(openDocument(store, "epcis", sealed, alice)).rejects.toBeInstanceOf(DecryptionError);
  });

  it("an altered envelope is refused by its CID", async () => {
    const store = new MemoryBlobStore();
    const sealed = await sealDocument(store, "epcis", doc, [alice.publicKey]);
    const bytes = await store.get(sealed.ciphertext);
    const altered = Uint8Array.from(bytes);
    altered[altered.length - 1]! ^= 1;
    // a hostile store returns other bytes under the same CID
    const hostile = {
      get: async (cid: typeof sealed.ciphertext) => (cid.equals(sealed.ciphertext) ? altered : store.get(cid)),
      put: store.put.bind(store),
      has: store.has.bind(store),
      delete: store.delete.bind(store),
    };
    await expect(openDocument(hostile, "epcis", sealed, alice)).rejects.toBeInstanceOf(IntegrityError);
  });
});
