/**
 * Issue 11, items 4 and 8 at the keyring level: which recipient keys can be wrapped for (`assertX25519PublicKey`,
 * cross-checked against libsodium's blocklist and X25519 itself), `sealKeyring` wrapping per recipient and reporting
 * (not failing on) a bad one, and `openKeyring` with a candidate-key check (`verifyEnvelopeKey`) that falls through
 * to the next entry.
 */
import { x25519 } from "@noble/curves/ed25519.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

import {
  assertX25519PublicKey,
  cidOf,
  createKeyring,
  DecryptionError,
  encryptEnvelope,
  generateDek,
  generateIdentity,
  InvalidPublicKeyError,
  isX25519PublicKey,
  openKeyring,
  publicKeyHex,
  sealKeyring,
  verifyEnvelopeKey,
  type Keyring,
} from "../../../sdk/index.js";
import { utf8 } from "../_support.js";

const hex = (text: string) => Uint8Array.from(Buffer.from(text, "hex"));
const P = 2n ** 255n - 19n;
const le = (u: bigint) => {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++, u >>= 8n) out[i] = Number(u & 0xffn);
  return out;
};

/**
 * libsodium's blocklist of X25519 public keys (crypto_scalarmult/curve25519/ref10/x25519_ref10.c `has_small_order`):
 * the points of small order, their non-canonical encodings (u + p), and the same with the high bit set.
 */
const LIBSODIUM_BLOCKLIST = [
  "0000000000000000000000000000000000000000000000000000000000000000", // 0
  "0100000000000000000000000000000000000000000000000000000000000000", // 1
  "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800", // order 8
  "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157", // order 8
  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p - 1
  "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p (= 0)
  "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p + 1 (= 1)
];

describe("assertX25519PublicKey", () => {
  it.each(LIBSODIUM_BLOCKLIST)("refuses libsodium's blocklisted key %s, and its high-bit twin", (key) => {
    expect(() => assertX25519PublicKey(hex(key), "key")).toThrow(InvalidPublicKeyError);
    const high = hex(key);
    high[31]! |= 0x80;
    expect(() => assertX25519PublicKey(high, "key")).toThrow(InvalidPublicKeyError);
  });

  it("every blocklisted key is one X25519 can't agree with (noble refuses the all-zero result)", () => {
    const secret = generateIdentity().secretKey;
    for (const key of LIBSODIUM_BLOCKLIST) expect(() => x25519.getSharedSecret(secret, hex(key)), key).toThrow();
  });

  it.each([
    { name: "u = p", key: le(P) },
    { name: "u = p + 18 (largest with the high bit clear)", key: le(2n ** 255n - 1n) },
    {
      name: "high bit set on a genuine key",
      key: (() => {
        const k = generateIdentity().publicKey.slice();
        k[31]! |= 0x80;
        return k;
      })(),
    },
  ])("refuses a non-canonical encoding: $name", ({ key }) => {
    const error = (() => {
      try {
        assertX25519PublicKey(key, "encryptionKey");
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InvalidPublicKeyError);
    expect((error as InvalidPublicKeyError).code).toBe("INVALID_PUBLIC_KEY");
    expect((error as InvalidPublicKeyError).problem).toBe("non-canonical");
    expect((error as Error).message).toMatch(/^encryptionKey: not a canonical/);
  });

  it.each([31, 33, 0])("refuses %i bytes (an argument error)", (length) => {
    expect(() => assertX25519PublicKey(new Uint8Array(length).fill(9), "key")).toThrow(RangeError);
  });

  it("accepts u = 9 (the base point), u = p - 2, and 200 generated identity keys", () => {
    expect(isX25519PublicKey(le(9n))).toBe(true);
    expect(isX25519PublicKey(le(P - 2n))).toBe(true);
    for (let i = 0; i < 200; i++) expect(isX25519PublicKey(generateIdentity().publicKey)).toBe(true);
  });

  it("agrees with X25519 itself on canonical inputs: accepted ⇔ a shared secret exists (1,000 runs)", () => {
    const secret = generateIdentity().secretKey;
    const canonical = fc
      .oneof(
        fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => ((b[31]! &= 0x7f), b)),
        fc.constantFrom(...LIBSODIUM_BLOCKLIST.slice(0, 5)).map(hex),
      )
      .filter((b) => b.reduceRight((u, byte) => (u << 8n) | BigInt(byte), 0n) < P);
    fc.assert(
      fc.property(canonical, (key) => {
        let agrees = true;
        try {
          x25519.getSharedSecret(secret, key);
        } catch {
          agrees = false;
        }
        return isX25519PublicKey(key) === agrees;
      }),
      { numRuns: 1_000, seed: 42 },
    );
  });
});

const sealed = await cidOf(utf8("record with a bad reader"));

describe("sealKeyring / createKeyring: one recipient at a time", () => {
  const record = sealed;
  const dek = generateDek();
  const [patient, hospital] = [generateIdentity(), generateIdentity()];
  const lowOrder = hex(LIBSODIUM_BLOCKLIST[2]!);

  it("leaves a small-order recipient out and reports it; everyone else opens the key", async () => {
    const { keyring, skipped } = await sealKeyring(record, dek, [patient.publicKey, lowOrder, hospital.publicKey]);
    expect(keyring.recipients.map((e) => e.key)).toEqual([publicKeyHex(patient), publicKeyHex(hospital)]);
    expect(skipped).toHaveLength(1);
    expect(skipped[0]!.key).toBe(`0x${LIBSODIUM_BLOCKLIST[2]}`);
    expect(skipped[0]!.error).toBeInstanceOf(InvalidPublicKeyError);
    expect(skipped[0]!.error).toHaveProperty("problem", "low-order");
    expect(await openKeyring(keyring, record, patient)).toEqual(dek);
    expect(await openKeyring(keyring, record, hospital)).toEqual(dek);
  });

  it("createKeyring stays all-or-nothing: a bad recipient → InvalidPublicKeyError", async () => {
    await expect(createKeyring(record, dek, [patient.publicKey, lowOrder])).rejects.toBeInstanceOf(
      InvalidPublicKeyError,
    );
  });

  it("no recipient usable → InvalidPublicKeyError (nothing to store)", async () => {
    await expect(sealKeyring(record, dek, [lowOrder, hex(LIBSODIUM_BLOCKLIST[0]!)])).rejects.toBeInstanceOf(
      InvalidPublicKeyError,
    );
  });
});

const context = utf8("carechain/record/v1 test context");
const dek = generateDek();
const small = encryptEnvelope(dek, utf8("a short record"), context);
const large = encryptEnvelope(dek, new Uint8Array(5_000).fill(3), context, { chunkSizeLog2: 10 });
const record = await cidOf(small);
const reader = generateIdentity();
const genuine = await createKeyring(record, dek, [reader.publicKey]);
const wrong = await createKeyring(record, generateDek(), [reader.publicKey]);
/** A keyring listing the reader twice: first a key that opens under HPKE but is not the record's, then the right one. */
const doubled: Keyring = { ...genuine, recipients: [...wrong.recipients, ...genuine.recipients] };

describe("openKeyring with a key check: a wrong key is passed over", () => {
  it("verifyEnvelopeKey accepts the envelope's key (one or many chunks) and refuses another key or context", () => {
    expect(() => verifyEnvelopeKey(dek, small, context)).not.toThrow();
    expect(() => verifyEnvelopeKey(dek, large, context)).not.toThrow();
    expect(() => verifyEnvelopeKey(generateDek(), small, context)).toThrow(DecryptionError);
    expect(() => verifyEnvelopeKey(generateDek(), large, context)).toThrow(DecryptionError);
    expect(() => verifyEnvelopeKey(dek, small, utf8("another context"))).toThrow(DecryptionError);
  });

  it("without a check the first entry wins (the attack); with one, the right key is found", async () => {
    expect(await openKeyring(doubled, record, reader)).not.toEqual(dek);
    expect(await openKeyring(doubled, record, reader, (k) => verifyEnvelopeKey(k, small, context))).toEqual(dek);
  });

  it("a hostile keyring repeating the reader's key 10,000 times costs at most 8 unwraps", async () => {
    const flood: Keyring = {
      ...genuine,
      recipients: [...Array<(typeof wrong.recipients)[0]>(10_000).fill(wrong.recipients[0]!), ...genuine.recipients],
    };
    let checked = 0;
    const error = await openKeyring(flood, record, reader, (k) => {
      checked++;
      verifyEnvelopeKey(k, small, context);
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DecryptionError);
    expect(checked).toBe(8);
  });

  it("only wrong entries → DecryptionError", async () => {
    const twiceWrong: Keyring = { ...wrong, recipients: [...wrong.recipients, ...wrong.recipients] };
    await expect(
      openKeyring(twiceWrong, record, reader, (k) => verifyEnvelopeKey(k, small, context)),
    ).rejects.toBeInstanceOf(DecryptionError);
    await expect(openKeyring(wrong, record, reader, () => false)).rejects.toBeInstanceOf(DecryptionError);
  });
});
