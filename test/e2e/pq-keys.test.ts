/**
 * Post-quantum keys through the Directory (issue 15, item 3): a patient publishes its X-Wing key document and commits
 * to its digest on chain; a writer fetches the document, verifies it, and wraps for it in a v2 keyring beside a
 * classical reader; a store that swaps the document, a removed commitment, and an unregistered account are handled.
 */
import { describe, expect, it } from "vitest";

import {
  decodeAnyKeyring,
  deriveXWingKeyPair,
  DirectoryAccountNotRegisteredError,
  encodeKeyringV2,
  encodePqKeyDocument,
  fetchPqKey,
  generateXWingKeyPair,
  keyringRecipientOf,
  MemoryBlobStore,
  openAnyKeyring,
  PqKeyDocumentError,
  PqKeyRequiredError,
  pqKeyCid,
  publishPqKey,
  sealKeyringV2,
  type BlobStore,
} from "../../sdk/index.js";
import { registeredFixture } from "../helpers/fixtures.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("post-quantum keys in the Directory", () => {
  it("a writer wraps for a patient's committed X-Wing key and a lab's X25519 key in one keyring", async () => {
    const f = await registeredFixture();
    const signers = await f.connection.ethers.getSigners();
    const patientPq = await deriveXWingKeyPair(f.patient.identity.secretKey);
    const published = await publishPqKey(
      { contracts: f.patient.contracts, store: f.store, signer: signers[3]! },
      patientPq,
    );
    expect(await f.patient.contracts.directory.pqKeyOf(await f.patient.address())).toBe(published.digest);
    const { directory } = f.patient.contracts;
    const events = await f.patient.context.logs.query(directory, directory.filters.PqKeySet(), 0);
    expect(events.map((e) => [e.args.account, e.args.documentDigest])).toEqual([
      [await f.patient.address(), published.digest],
    ]);

    const writer = { contracts: f.hospital.contracts, store: f.store };
    const forPatient = await keyringRecipientOf(writer, await f.patient.address());
    const forLab = await keyringRecipientOf(writer, await f.lab.address());
    expect(forPatient.suite).toBe("xwing");
    expect(hex(forPatient.publicKey)).toBe(hex(patientPq.publicKey));
    expect(forLab).toEqual({ suite: "x25519", publicKey: f.lab.identity.publicKey });
    await expect(keyringRecipientOf(writer, await f.lab.address(), "required")).rejects.toBeInstanceOf(
      PqKeyRequiredError,
    );
    expect((await keyringRecipientOf(writer, await f.patient.address(), "never")).suite).toBe("x25519");

    const record = pqKeyCid(`0x${"11".repeat(32)}`); // any CID stands for the record ciphertext here
    const dek = crypto.getRandomValues(new Uint8Array(32));
    const { keyring } = await sealKeyringV2(record, dek, [forPatient, forLab]);
    const decoded = decodeAnyKeyring(encodeKeyringV2(keyring));
    // The patient on a new device: the X-Wing key re-derives from the identity secret.
    expect(
      hex(await openAnyKeyring(decoded, record, { xwing: await deriveXWingKeyPair(f.patient.identity.secretKey) })),
    ).toBe(hex(dek));
    expect(hex(await openAnyKeyring(decoded, record, { identity: f.lab.identity }))).toBe(hex(dek));

    // Removing the commitment: writers fall back to the X25519 key.
    await (await f.patient.contracts.directory.setPqKey(`0x${"00".repeat(32)}`)).wait();
    expect(await fetchPqKey(writer, await f.patient.address())).toBeUndefined();
  });

  it("a store that swaps the key document, or lost it, is caught; an unregistered account can't commit", async () => {
    const f = await registeredFixture();
    const signers = await f.connection.ethers.getSigners();
    const { digest } = await publishPqKey(
      { contracts: f.patient.contracts, store: f.store, signer: signers[3]! },
      await generateXWingKeyPair(),
    );
    // A hostile store answers the document's CID with an attacker's document (a store that does not check CIDs).
    const attacker = encodePqKeyDocument(await f.patient.address(), (await generateXWingKeyPair()).publicKey);
    const lying: BlobStore = Object.assign(Object.create(f.store) as BlobStore, { get: async () => attacker });
    const error = await fetchPqKey({ contracts: f.hospital.contracts, store: lying }, await f.patient.address()).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PqKeyDocumentError);
    expect(String((error as PqKeyDocumentError).details)).toContain(digest);
    await expect(
      fetchPqKey({ contracts: f.hospital.contracts, store: new MemoryBlobStore() }, await f.patient.address()),
    ).rejects.toBeInstanceOf(PqKeyDocumentError);
    const stranger = f.stranger;
    await expect(
      publishPqKey(
        { contracts: stranger.contracts, store: f.store, signer: signers[4]! },
        await generateXWingKeyPair(),
      ),
    ).rejects.toBeInstanceOf(DirectoryAccountNotRegisteredError);
  });
});
