/**
 * Keyrings v3 (batches): a batch key wrapped once per reader opens, for each reader and no one else, every record
 * key sealed under it; a sealed key is bound to its record and batch key, and hostile bytes are refused.
 */
import { xchacha20poly1305 } from "@noble/ciphers/chacha.js";
import { describe, expect, it } from "vitest";

import { cidOf } from "../../../sdk/content/cid.js";
import { concatBytes, fromHex, utf8 } from "../../../sdk/crypto/bytes.js";
import { generateDek } from "../../../sdk/crypto/envelope.js";
import { generateIdentity } from "../../../sdk/crypto/identity.js";
import {
  decodeKeyringV3,
  encodeKeyringV3,
  generateBatchKey,
  holdsBatchKey,
  isKeyringV3,
  openBatchKeyKeyring,
  openBatchRecordKeyring,
  sealBatchKeyKeyring,
  sealBatchRecordKeyring,
  type BatchRecordKeyring,
} from "../../../sdk/crypto/keyring-batch.js";
import { decodeKeyring, encodeKeyring, sealKeyring } from "../../../sdk/crypto/keyring.js";
import { DecryptionError, FormatError, NotARecipientError } from "../../../sdk/errors/data.js";

async function batch() {
  const [alice, bob, eve] = [generateIdentity(), generateIdentity(), generateIdentity()];
  const batchKey = generateBatchKey();
  const { keyring, skipped } = await sealBatchKeyKeyring(batchKey, [alice.publicKey, bob.publicKey, alice.publicKey]);
  const ringBytes = encodeKeyringV3(keyring);
  const ringCid = await cidOf(ringBytes);
  const records = await Promise.all(
    [0, 1, 2].map(async (i) => {
      const dek = generateDek();
      const cid = await cidOf(utf8(`record ${i}`));
      const ring = sealBatchRecordKeyring(batchKey, ringCid, cid, dek);
      return { dek, cid, ring };
    }),
  );
  return { alice, bob, eve, batchKey, keyring, skipped, ringBytes, ringCid, records };
}

describe("keyring v3", () => {
  it("one wrap per reader opens every record key of the batch, for each reader", async () => {
    const { alice, bob, keyring, skipped, ringBytes, records } = await batch();
    expect(skipped).toEqual([]);
    expect(keyring.recipients).toHaveLength(2); // duplicates dropped: one HPKE wrap per reader
    for (const reader of [alice, bob]) {
      const decoded = decodeKeyringV3(ringBytes, "batch-key");
      expect(holdsBatchKey(decoded, reader.publicKey)).toBe(true);
      const opened = await openBatchKeyKeyring(decoded, reader);
      for (const r of records) {
        const bytes = encodeKeyringV3(r.ring);
        expect(isKeyringV3(bytes)).toBe(true);
        expect(openBatchRecordKeyring(decodeKeyringV3(bytes, "record"), r.cid, opened)).toEqual(r.dek);
      }
    }
  });

  it("the sealed record key is XChaCha20-Poly1305 with the documented associated data (checked with @noble/ciphers)", async () => {
    const { alice, keyring, records } = await batch();
    const opened = await openBatchKeyKeyring(keyring, alice);
    const { ring, cid, dek } = records[0]!;
    const ad = concatBytes(utf8("carechain/keyring/v3/record"), opened.id, cid.bytes);
    const noble = xchacha20poly1305(opened.key, fromHex("nonce", ring.nonce), ad);
    expect(noble.decrypt(fromHex("wrapped", ring.wrapped))).toEqual(dek);
  });

  it("someone else is no recipient, and a forged entry for them does not open", async () => {
    const { eve, keyring } = await batch();
    expect(holdsBatchKey(keyring, eve.publicKey)).toBe(false);
    await expect(openBatchKeyKeyring(keyring, eve)).rejects.toBeInstanceOf(NotARecipientError);
    // Eve relabels Alice's entry as hers: the HPKE unwrap under Eve's key fails.
    const eveKey: `0x${string}` = `0x${Buffer.from(eve.publicKey).toString("hex")}`;
    const forged = { ...keyring, recipients: [{ ...keyring.recipients[0]!, key: eveKey }] };
    await expect(openBatchKeyKeyring(forged, eve)).rejects.toBeInstanceOf(DecryptionError);
  });

  it("a sealed record key is bound to its record and its batch key", async () => {
    const { alice, keyring, records } = await batch();
    const opened = await openBatchKeyKeyring(keyring, alice);
    const [first, second] = records;
    // Record 1's sealed key presented as record 2's: refused by its record field, and by the AEAD when relabelled.
    expect(() => openBatchRecordKeyring(first!.ring, second!.cid, opened)).toThrow(FormatError);
    const relabelled: BatchRecordKeyring = { ...first!.ring, record: second!.cid.toString() };
    expect(() => openBatchRecordKeyring(relabelled, second!.cid, opened)).toThrow(DecryptionError);
    // Another batch key (another batch's, or a same key under another id) does not open it.
    const other = generateBatchKey();
    expect(() => openBatchRecordKeyring(first!.ring, first!.cid, other)).toThrow(DecryptionError);
    expect(() => openBatchRecordKeyring(first!.ring, first!.cid, { key: opened.key, id: other.id })).toThrow(
      DecryptionError,
    );
    // A flipped bit of the sealed key.
    const hex = first!.ring.wrapped;
    const flipped = `${hex.slice(0, -1)}${hex.endsWith("0") ? "1" : "0"}` as `0x${string}`;
    expect(() => openBatchRecordKeyring({ ...first!.ring, wrapped: flipped }, first!.cid, opened)).toThrow(
      DecryptionError,
    );
  });

  it("a batch-key entry moved under another batch key id does not open", async () => {
    const { alice, keyring } = await batch();
    const moved = { ...keyring, id: `0x${"11".repeat(32)}` as const };
    await expect(openBatchKeyKeyring(moved, alice)).rejects.toBeInstanceOf(DecryptionError);
  });

  it("decoding refuses other versions, other kinds and malformed fields; v1 keyrings stay v1", async () => {
    const { ringBytes, records } = await batch();
    expect(() => decodeKeyringV3(ringBytes, "record")).toThrow(FormatError);
    const recordBytes = encodeKeyringV3(records[0]!.ring);
    expect(() => decodeKeyringV3(recordBytes, "batch-key")).toThrow(FormatError);
    const text = new TextDecoder().decode(recordBytes);
    for (const bad of [
      text.replace('"v":3', '"v":4'),
      text.replace(/"nonce":"0x[0-9a-f]+"/, '"nonce":"0x00"'),
      text.replace(/"wrapped":"0x[0-9a-f]+"/, '"wrapped":"0xzz"'),
      text.replace(/"batchKeyring":"[^"]+"/, '"batchKeyring":"not a cid"'),
      "[]",
      "{",
    ]) {
      expect(() => decodeKeyringV3(utf8(bad), "record"), bad).toThrow(FormatError);
    }
    const v1 = encodeKeyring(
      (await sealKeyring(records[0]!.cid, records[0]!.dek, [generateIdentity().publicKey])).keyring,
    );
    expect(isKeyringV3(v1)).toBe(false);
    expect(decodeKeyring(v1).v).toBe(1);
    expect(() => decodeKeyring(recordBytes)).toThrow(FormatError);
  });
});
