import { readFileSync } from "node:fs";

import { describe, expect, it } from "vitest";

import {
  CarechainError,
  DecryptionError,
  generateIdentity,
  HPKE_SUITE,
  HPKE_SUITE_NAME,
  unwrapKey,
  wrapKey,
  type WrappedKey,
} from "../../../sdk/index.js";
import { flipBit, hex, sharedData, toHex, utf8 } from "../_support.js";

interface HpkeVector {
  mode: number;
  kem_id: number;
  kdf_id: number;
  aead_id: number;
  info: string;
  ikmR: string;
  ikmE: string;
  skRm: string;
  skEm: string;
  pkRm: string;
  pkEm: string;
  enc: string;
  encryptions: { aad: string; ct: string; nonce: string; pt: string }[];
  exports: { exporter_context: string; L: number; exported_value: string }[];
}

const vectorsFile = sharedData("vectors/hpke-x25519.json");
const vectors: HpkeVector[] = vectorsFile.exists
  ? (JSON.parse(readFileSync(vectorsFile.path, "utf8")) as HpkeVector[])
  : [];
// RFC 9180 §A.2.1: base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20Poly1305 — the SDK's suite.
const chacha = vectors.find((v) => v.mode === 0 && v.kem_id === 0x20 && v.kdf_id === 1 && v.aead_id === 3);

describe("HPKE_SUITE", () => {
  it("is DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / ChaCha20Poly1305", () => {
    expect(HPKE_SUITE.kem.id).toBe(0x0020);
    expect(HPKE_SUITE.kdf.id).toBe(0x0001);
    expect(HPKE_SUITE.aead.id).toBe(0x0003);
    expect(HPKE_SUITE_NAME).toBe("HPKE-Base-X25519-SHA256-ChaCha20Poly1305");
  });
});

describe.skipIf(!vectorsFile.exists)("RFC 9180 test vector A.2.1 (../shared/data/vectors/hpke-x25519.json)", () => {
  it("the file holds the ChaCha20Poly1305 base-mode vector with 257 encryptions and 3 exports", () => {
    expect(chacha).toBeDefined();
    expect(chacha!.encryptions.length).toBe(257);
    expect(chacha!.exports.length).toBe(3);
  });

  it("derives the recipient and ephemeral key pairs from ikmR / ikmE", async () => {
    const v = chacha!;
    const recipient = await HPKE_SUITE.kem.deriveKeyPair(hex(v.ikmR));
    const ephemeral = await HPKE_SUITE.kem.deriveKeyPair(hex(v.ikmE));
    expect(toHex(await HPKE_SUITE.kem.serializePublicKey(recipient.publicKey))).toBe(v.pkRm);
    expect(toHex(await HPKE_SUITE.kem.serializePrivateKey(recipient.privateKey))).toBe(v.skRm);
    expect(toHex(await HPKE_SUITE.kem.serializePublicKey(ephemeral.publicKey))).toBe(v.pkEm);
    expect(toHex(await HPKE_SUITE.kem.serializePrivateKey(ephemeral.privateKey))).toBe(v.skEm);
  });

  it("seals every encryption in order, opens them with skRm, and matches the exports", async () => {
    const v = chacha!;
    const recipient = await HPKE_SUITE.kem.deriveKeyPair(hex(v.ikmR));
    const ephemeral = await HPKE_SUITE.kem.deriveKeyPair(hex(v.ikmE));
    const sender = await HPKE_SUITE.createSenderContext({
      recipientPublicKey: recipient.publicKey,
      info: hex(v.info),
      ekm: ephemeral,
    });
    expect(toHex(sender.enc)).toBe(v.enc);

    const sealed: string[] = [];
    for (const e of v.encryptions) sealed.push(toHex(await sender.seal(hex(e.pt), hex(e.aad))));
    expect(sealed).toEqual(v.encryptions.map((e) => e.ct));

    const recipientKey = await HPKE_SUITE.kem.deserializePrivateKey(hex(v.skRm));
    const opener = await HPKE_SUITE.createRecipientContext({ recipientKey, enc: hex(v.enc), info: hex(v.info) });
    const opened: string[] = [];
    for (const e of v.encryptions) opened.push(toHex(await opener.open(hex(e.ct), hex(e.aad))));
    expect(opened).toEqual(v.encryptions.map((e) => e.pt));

    for (const x of v.exports) {
      expect(toHex(await sender.export(hex(x.exporter_context), x.L))).toBe(x.exported_value);
      expect(toHex(await opener.export(hex(x.exporter_context), x.L))).toBe(x.exported_value);
    }
  });

  it("unwrapKey opens a single-shot seal made with the vector's keys (enc, skRm, info)", async () => {
    const v = chacha!;
    const recipient = await HPKE_SUITE.kem.deriveKeyPair(hex(v.ikmR));
    const ephemeral = await HPKE_SUITE.kem.deriveKeyPair(hex(v.ikmE));
    const sender = await HPKE_SUITE.createSenderContext({
      recipientPublicKey: recipient.publicKey,
      info: hex(v.info),
      ekm: ephemeral,
    });
    const pt = hex(v.encryptions[0]!.pt);
    const ct = new Uint8Array(await sender.seal(pt)); // sequence number 0, empty AAD: what wrapKey does
    expect(toHex(sender.enc)).toBe(v.enc);
    expect(await unwrapKey(hex(v.skRm), { enc: hex(v.enc), ciphertext: ct }, hex(v.info))).toEqual(pt);
    await expect(unwrapKey(hex(v.skEm), { enc: hex(v.enc), ciphertext: ct }, hex(v.info))).rejects.toBeInstanceOf(
      DecryptionError,
    );
  });
});

describe("wrapKey / unwrapKey", () => {
  const info = utf8("carechain/keyring/v1|bafkrei-test-record");

  it("roundtrips 32-byte keys and other lengths; enc is 32 bytes and ciphertext = key + 16", async () => {
    const alice = generateIdentity();
    for (const length of [0, 1, 16, 32, 64]) {
      const key = Uint8Array.from({ length }, (_, i) => (i * 7 + length) & 0xff);
      const wrapped = await wrapKey(alice.publicKey, key, info);
      expect(wrapped.enc.length).toBe(32);
      expect(wrapped.ciphertext.length).toBe(length + 16);
      expect(await unwrapKey(alice.secretKey, wrapped, info)).toEqual(key);
    }
  });

  it("two wraps of the same key differ (fresh ephemeral key)", async () => {
    const alice = generateIdentity();
    const key = new Uint8Array(32).fill(9);
    const a = await wrapKey(alice.publicKey, key, info);
    const b = await wrapKey(alice.publicKey, key, info);
    expect(toHex(a.enc)).not.toBe(toHex(b.enc));
    expect(toHex(a.ciphertext)).not.toBe(toHex(b.ciphertext));
  });

  describe("refusals", async () => {
    const alice = generateIdentity();
    const key = Uint8Array.from({ length: 32 }, (_, i) => i);
    const wrapped = await wrapKey(alice.publicKey, key, info);
    const cases: { name: string; secretKey: () => Uint8Array; wrapped: () => WrappedKey; info: Uint8Array }[] = [
      { name: "wrong recipient", secretKey: () => generateIdentity().secretKey, wrapped: () => wrapped, info },
      {
        name: "wrong info",
        secretKey: () => alice.secretKey,
        wrapped: () => wrapped,
        info: utf8("carechain/keyring/v1|other"),
      },
      { name: "empty info", secretKey: () => alice.secretKey, wrapped: () => wrapped, info: new Uint8Array(0) },
      {
        name: "enc: bit 0 of byte 0 flipped",
        secretKey: () => alice.secretKey,
        wrapped: () => ({ ...wrapped, enc: flipBit(wrapped.enc, 0) }),
        info,
      },
      // X25519 ignores the top bit of a u-coordinate, but HPKE binds the enc bytes into the KEM context.
      {
        name: "enc: top bit (ignored by X25519) flipped",
        secretKey: () => alice.secretKey,
        wrapped: () => ({ ...wrapped, enc: flipBit(wrapped.enc, 31, 7) }),
        info,
      },
      {
        name: "enc: all zero (low-order point)",
        secretKey: () => alice.secretKey,
        wrapped: () => ({ ...wrapped, enc: new Uint8Array(32) }),
        info,
      },
      {
        name: "enc of another wrap",
        secretKey: () => alice.secretKey,
        wrapped: () => ({ ...wrapped, enc: new Uint8Array(32).fill(5) }),
        info,
      },
      {
        name: "ciphertext: first byte flipped",
        secretKey: () => alice.secretKey,
        wrapped: () => ({ ...wrapped, ciphertext: flipBit(wrapped.ciphertext, 0) }),
        info,
      },
      {
        name: "ciphertext: tag flipped",
        secretKey: () => alice.secretKey,
        wrapped: () => ({ ...wrapped, ciphertext: flipBit(wrapped.ciphertext, -1, 7) }),
        info,
      },
      {
        name: "ciphertext: truncated by 1",
        secretKey: () => alice.secretKey,
        wrapped: () => ({ ...wrapped, ciphertext: wrapped.ciphertext.slice(0, -1) }),
        info,
      },
      {
        name: "ciphertext: one byte appended",
        secretKey: () => alice.secretKey,
        wrapped: () => ({ ...wrapped, ciphertext: new Uint8Array([...wrapped.ciphertext, 0]) }),
        info,
      },
      {
        name: "ciphertext: empty",
        secretKey: () => alice.secretKey,
        wrapped: () => ({ ...wrapped, ciphertext: new Uint8Array(0) }),
        info,
      },
    ];
    it.each(cases)("$name → DecryptionError", async (c) => {
      const error = await unwrapKey(c.secretKey(), c.wrapped(), c.info).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(DecryptionError);
      expect((error as CarechainError).code).toBe("DECRYPTION");
    });

    it("the untampered wrap still opens", async () => {
      expect(await unwrapKey(alice.secretKey, wrapped, info)).toEqual(key);
    });

    const argCases: {
      name: string;
      call: () => Promise<unknown>;
      error: typeof RangeError | typeof TypeError;
      arg: RegExp;
    }[] = [
      {
        name: "wrapKey: 31-byte public key",
        call: () => wrapKey(new Uint8Array(31), key, info),
        error: RangeError,
        arg: /^recipientPublicKey: expected 32 bytes/,
      },
      {
        name: "wrapKey: public key as hex string",
        call: () => wrapKey("0x00" as never, key, info),
        error: TypeError,
        arg: /^recipientPublicKey:/,
      },
      {
        name: "wrapKey: key as string",
        call: () => wrapKey(alice.publicKey, "k" as never, info),
        error: TypeError,
        arg: /^key:/,
      },
      {
        name: "wrapKey: info undefined",
        call: () => wrapKey(alice.publicKey, key, undefined as never),
        error: TypeError,
        arg: /^info:/,
      },
      {
        name: "unwrapKey: 33-byte secret key",
        call: () => unwrapKey(new Uint8Array(33), wrapped, info),
        error: RangeError,
        arg: /^recipientSecretKey: expected 32 bytes/,
      },
      {
        name: "unwrapKey: 31-byte enc",
        call: () => unwrapKey(alice.secretKey, { ...wrapped, enc: wrapped.enc.slice(1) }, info),
        error: RangeError,
        arg: /^wrapped\.enc: expected 32 bytes, got 31/,
      },
      {
        name: "unwrapKey: ciphertext as string",
        call: () => unwrapKey(alice.secretKey, { ...wrapped, ciphertext: "x" as never }, info),
        error: TypeError,
        arg: /^wrapped\.ciphertext:/,
      },
    ];
    it.each(argCases)("$name → $error.name naming the argument", async ({ call, error, arg }) => {
      const thrown = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(thrown).toBeInstanceOf(error);
      expect((thrown as Error).message).toMatch(arg);
    });
  });
});

describe("the WebCrypto X25519 fast path and the portable (noble) suite interoperate", () => {
  it("each opens what the other sealed, and the runtime picks the native suite on Node 22", async () => {
    const { hpkeSuite, generateIdentity } = await import("../../../sdk/index.js");
    const native = await hpkeSuite();
    expect(native).not.toBe(HPKE_SUITE); // Node 22 has X25519 in WebCrypto
    const recipient = generateIdentity();
    const info = new TextEncoder().encode("carechain/test");
    const key = crypto.getRandomValues(new Uint8Array(32));
    for (const [sealer, opener] of [
      [native, HPKE_SUITE],
      [HPKE_SUITE, native],
    ] as const) {
      const sealed = await sealer.seal(
        { recipientPublicKey: await sealer.kem.deserializePublicKey(recipient.publicKey), info },
        key,
      );
      const opened = await opener.open(
        { recipientKey: await opener.kem.deserializePrivateKey(recipient.secretKey), enc: sealed.enc, info },
        sealed.ct,
      );
      expect(Buffer.from(opened).equals(Buffer.from(key))).toBe(true);
    }
  });
});
