/**
 * Version 2 keyrings (sdk/crypto/keyring-v2.ts) and the X-Wing key wrap (sdk/crypto/xwing.ts): classical and
 * post-quantum recipients in one keyring; a v1 keyring made by the code before v2 (fixture) still opens; entries are
 * bound to their record and suite; hostile bytes are refused.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { CID } from "multiformats/cid";
import * as raw from "multiformats/codecs/raw";
import { sha256 } from "multiformats/hashes/sha2";
import { describe, expect, it } from "vitest";

import {
  decodeAnyKeyring,
  DecryptionError,
  deriveXWingKeyPair,
  encodeKeyringV2,
  FormatError,
  generateIdentity,
  generateXWingKeyPair,
  identityFromSecretKey,
  NotARecipientError,
  openAnyKeyring,
  sealKeyringV2,
  unwrapKeyXWing,
  wrapKeyXWing,
  XWING_ENC_BYTES,
} from "../../../sdk/index.js";

const cidOf = async (text: string) => CID.create(1, raw.code, await sha256.digest(new TextEncoder().encode(text)));
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("keyring v2: classical and post-quantum recipients", () => {
  it("mixes X25519 and X-Wing recipients; each opens its own entry", async () => {
    const record = await cidOf("record");
    const dek = crypto.getRandomValues(new Uint8Array(32));
    const classical = generateIdentity();
    const hybrid = generateIdentity();
    const pq = await deriveXWingKeyPair(hybrid.secretKey);
    const { keyring, skipped } = await sealKeyringV2(record, dek, [
      { suite: "x25519", publicKey: classical.publicKey },
      { suite: "xwing", publicKey: pq.publicKey },
      { suite: "xwing", publicKey: pq.publicKey },
    ]);
    expect(skipped).toEqual([]);
    expect(keyring.recipients.map((e) => e.suite)).toEqual(["x25519", "xwing"]);
    const decoded = decodeAnyKeyring(encodeKeyringV2(keyring));
    expect(decoded).toEqual(keyring);
    expect(hex(await openAnyKeyring(decoded, record, { identity: classical }))).toBe(hex(dek));
    expect(hex(await openAnyKeyring(decoded, record, { xwing: pq }))).toBe(hex(dek));
    // The hybrid reader's X25519 key alone is not a recipient: its entry is post-quantum only.
    await expect(openAnyKeyring(decoded, record, { identity: hybrid })).rejects.toBeInstanceOf(NotARecipientError);
  });

  it("a v1 keyring made before v2 (fixture) opens through the v2 reader", async () => {
    const fixture = JSON.parse(
      readFileSync(join(import.meta.dirname, "fixtures", "keyring-v1.json"), "utf8"),
    ) as Record<string, string>;
    const keyring = decodeAnyKeyring(new TextEncoder().encode(fixture.keyring));
    expect(keyring.v).toBe(1);
    const dek = await openAnyKeyring(keyring, CID.parse(fixture.record!), {
      identity: identityFromSecretKey(fixture.readerSecretKey!),
    });
    expect(`0x${hex(dek)}`).toBe(fixture.dek);
  });

  it("an entry is bound to its record and its suite; altered bytes do not open", async () => {
    const record = await cidOf("a");
    const other = await cidOf("b");
    const pq = await generateXWingKeyPair();
    const dek = crypto.getRandomValues(new Uint8Array(32));
    const { keyring } = await sealKeyringV2(record, dek, [{ suite: "xwing", publicKey: pq.publicKey }]);
    await expect(openAnyKeyring({ ...keyring, record: other.toString() }, other, { xwing: pq })).rejects.toBeInstanceOf(
      DecryptionError,
    );
    const entry = keyring.recipients[0]!;
    const flipped = `${entry.wrapped.slice(0, -2)}${entry.wrapped.endsWith("00") ? "01" : "00"}` as `0x${string}`;
    await expect(
      openAnyKeyring({ ...keyring, recipients: [{ ...entry, wrapped: flipped }] }, record, { xwing: pq }),
    ).rejects.toBeInstanceOf(DecryptionError);
    // The same sealed key under the v1 X25519 info does not open: a suite can't be swapped.
    const wrapped = await wrapKeyXWing(pq.publicKey, dek, new TextEncoder().encode("carechain/keyring/v2/x25519"));
    await expect(
      unwrapKeyXWing(pq.secretKey, wrapped, new TextEncoder().encode("carechain/keyring/v2/xwing")),
    ).rejects.toBeInstanceOf(DecryptionError);
  });

  it("refuses malformed v2 keyrings and unknown versions", async () => {
    const record = await cidOf("r");
    const { keyring } = await sealKeyringV2(record, new Uint8Array(32).fill(1), [
      { suite: "xwing", publicKey: (await generateXWingKeyPair()).publicKey },
    ]);
    const json = JSON.parse(new TextDecoder().decode(encodeKeyringV2(keyring))) as {
      recipients: Record<string, string>[];
    } & Record<string, unknown>;
    const bad = (mutate: (k: typeof json) => void) => {
      const copy = structuredClone(json);
      mutate(copy);
      return new TextEncoder().encode(JSON.stringify(copy));
    };
    for (const mutate of [
      (k: typeof json) => (k.v = 3),
      (k: typeof json) => (k.recipients[0]!.suite = "rsa"),
      (k: typeof json) => (k.recipients[0]!.enc = "0x" + "00".repeat(32)), // an X25519-sized enc in an X-Wing entry
      (k: typeof json) => (k.recipients = []),
      (k: typeof json) => (k.record = "not a cid"),
    ]) {
      expect(() => decodeAnyKeyring(bad(mutate))).toThrow(FormatError);
    }
    expect(keyring.recipients[0]!.enc.length).toBe(2 + 2 * XWING_ENC_BYTES);
  });

  it("bytes per recipient: X-Wing entries are about 2.4 KB, X25519 ones about 0.2 KB", async () => {
    const record = await cidOf("size");
    const dek = new Uint8Array(32).fill(9);
    const size = async (recipients: Parameters<typeof sealKeyringV2>[2]) =>
      encodeKeyringV2((await sealKeyringV2(record, dek, recipients)).keyring).length;
    const x = generateIdentity().publicKey;
    const p = (await generateXWingKeyPair()).publicKey;
    const perClassical =
      (await size([
        { suite: "x25519", publicKey: x },
        { suite: "x25519", publicKey: generateIdentity().publicKey },
      ])) - (await size([{ suite: "x25519", publicKey: x }]));
    const perHybrid =
      (await size([
        { suite: "x25519", publicKey: x },
        { suite: "xwing", publicKey: p },
      ])) - (await size([{ suite: "x25519", publicKey: x }]));
    expect(perClassical).toBeGreaterThan(200);
    expect(perClassical).toBeLessThan(300);
    expect(perHybrid).toBeGreaterThan(2300);
    expect(perHybrid).toBeLessThan(2500);
  });

  it("a must-log mark survives encoding, is bound into the bytes, and an unknown mark is refused", async () => {
    const record = await cidOf("must-log");
    const dek = crypto.getRandomValues(new Uint8Array(32));
    const patient = generateIdentity();
    const recipients = [{ suite: "x25519" as const, publicKey: patient.publicKey }];
    const { keyring } = await sealKeyringV2(record, dek, recipients, { custody: "must-log" });
    const bytes = encodeKeyringV2(keyring);
    expect(new TextDecoder().decode(bytes)).toMatch(/^\{"v":2,"record":"[^"]+","custody":"must-log","recipients":/);
    const decoded = decodeAnyKeyring(bytes);
    expect(decoded.v === 2 && decoded.custody).toBe("must-log");
    expect(hex(await openAnyKeyring(decoded, record, { identity: patient }))).toBe(hex(dek));
    // Unmarked keyrings stay byte-for-byte as before (no custody key at all).
    const plain = encodeKeyringV2((await sealKeyringV2(record, dek, recipients)).keyring);
    expect(new TextDecoder().decode(plain)).not.toContain("custody");
    const forged = new TextEncoder().encode(new TextDecoder().decode(bytes).replace('"must-log"', '"sometimes"'));
    expect(() => decodeAnyKeyring(forged)).toThrow(FormatError);
  });
});
