import { describe, expect, it } from "vitest";

import {
  cidOf,
  createKeyring,
  decodeKeyring,
  DecryptionError,
  encodeKeyring,
  FormatError,
  generateDek,
  generateIdentity,
  HPKE_SUITE_NAME,
  NotARecipientError,
  openKeyring,
  publicKeyHex,
  type Keyring,
} from "../../../sdk/index.js";
import { utf8 } from "../_support.js";

const recordCid = await cidOf(utf8("record ciphertext #1"));
const otherCid = await cidOf(utf8("record ciphertext #2"));

const patient = generateIdentity();
const hospital = generateIdentity();
const lab = generateIdentity();
const stranger = generateIdentity();
const dek = generateDek();
const keyring = await createKeyring(recordCid, dek, [patient.publicKey, hospital.publicKey, lab.publicKey]);

/** Awaits `promise` and returns what it rejected with (or fails when it resolved). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${String(value)}`);
    },
    (error: unknown) => error,
  );
}

describe("createKeyring / openKeyring", () => {
  it("has one entry per recipient, in the documented shape", () => {
    expect(keyring.v).toBe(1);
    expect(keyring.suite).toBe(HPKE_SUITE_NAME);
    expect(keyring.record).toBe(recordCid.toString());
    expect(keyring.recipients.map((e) => e.key)).toEqual([patient, hospital, lab].map(publicKeyHex));
    for (const entry of keyring.recipients) {
      expect(entry.key).toMatch(/^0x[0-9a-f]{64}$/);
      expect(entry.enc).toMatch(/^0x[0-9a-f]{64}$/);
      expect(entry.wrapped).toMatch(/^0x[0-9a-f]{96}$/); // 32-byte key + 16-byte tag
    }
  });

  it.each([
    { who: "patient", identity: patient },
    { who: "hospital", identity: hospital },
    { who: "lab", identity: lab },
  ])("the $who opens the DEK", async ({ identity }) => {
    expect(await openKeyring(keyring, recordCid, identity)).toEqual(dek);
  });

  it("drops duplicate recipients", async () => {
    const k = await createKeyring(recordCid, dek, [patient.publicKey, patient.publicKey.slice(), lab.publicKey]);
    expect(k.recipients.map((e) => e.key)).toEqual([publicKeyHex(patient), publicKeyHex(lab)]);
  });

  it("refuses an empty recipient list with a RangeError", async () => {
    const error = await rejection(createKeyring(recordCid, dek, []));
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toMatch(/^recipients:/);
  });

  it("a non-recipient gets NotARecipientError naming its key", async () => {
    const error = await rejection(openKeyring(keyring, recordCid, stranger));
    expect(error).toBeInstanceOf(NotARecipientError);
    expect((error as NotARecipientError).code).toBe("NOT_A_RECIPIENT");
    expect((error as NotARecipientError).details).toBe(`publicKey=${publicKeyHex(stranger)}`);
  });

  it("opening the keyring for another record CID → FormatError", async () => {
    const error = await rejection(openKeyring(keyring, otherCid, patient));
    expect(error).toBeInstanceOf(FormatError);
    expect((error as FormatError).details).toBe(`keyring.record=${recordCid} record=${otherCid}`);
  });

  it("relabelling a keyring with another record's CID fails to open (the CID is bound into HPKE info)", async () => {
    const relabelled: Keyring = { ...keyring, record: otherCid.toString() };
    expect(await rejection(openKeyring(relabelled, otherCid, patient))).toBeInstanceOf(DecryptionError);
  });

  it("moving an entry into a keyring of a different record fails to open", async () => {
    const other = await createKeyring(otherCid, generateDek(), [stranger.publicKey]);
    const moved: Keyring = { ...other, recipients: [...other.recipients, keyring.recipients[1]!] };
    const error = await rejection(openKeyring(moved, otherCid, hospital));
    // The brief allows DecryptionError or FormatError; the SDK gives DecryptionError (HPKE info mismatch).
    expect(error).toBeInstanceOf(DecryptionError);
    // The original still opens, and the keyring it was moved into still opens for its own recipient.
    expect(await openKeyring(keyring, recordCid, hospital)).toEqual(dek);
    expect((await openKeyring(moved, otherCid, stranger)).length).toBe(32);
  });

  it("swapping the key field of two entries makes both fail", async () => {
    const [a, b] = keyring.recipients;
    const swapped: Keyring = {
      ...keyring,
      recipients: [
        { ...a!, key: b!.key },
        { ...b!, key: a!.key },
      ],
    };
    expect(await rejection(openKeyring(swapped, recordCid, patient))).toBeInstanceOf(DecryptionError);
    expect(await rejection(openKeyring(swapped, recordCid, hospital))).toBeInstanceOf(DecryptionError);
  });
});

describe("encodeKeyring / decodeKeyring", () => {
  it("roundtrips", () => {
    const bytes = encodeKeyring(keyring);
    const decoded = decodeKeyring(bytes);
    expect(decoded).toEqual(keyring);
    expect(encodeKeyring(decoded)).toEqual(bytes);
  });

  it("writes the documented wire format (keys in order v, suite, record, recipients; key, enc, wrapped)", () => {
    const text = new TextDecoder().decode(encodeKeyring(keyring));
    const [first] = keyring.recipients;
    expect(
      text.startsWith(
        `{"v":1,"suite":"${HPKE_SUITE_NAME}","record":"${recordCid}","recipients":[` +
          `{"key":"${first!.key}","enc":"${first!.enc}","wrapped":"${first!.wrapped}"},`,
      ),
    ).toBe(true);
    expect(text.endsWith("}]}")).toBe(true);
  });

  it("a decoded keyring opens", async () => {
    const decoded = decodeKeyring(encodeKeyring(keyring));
    expect(await openKeyring(decoded, recordCid, lab)).toEqual(dek);
  });

  const base = JSON.parse(new TextDecoder().decode(encodeKeyring(keyring))) as Record<string, unknown>;
  const entry = keyring.recipients[0]!;
  const json = (value: unknown) => utf8(JSON.stringify(value));
  const withEntry = (patch: Record<string, unknown>) => json({ ...base, recipients: [{ ...entry, ...patch }] });
  const without = (key: string) => {
    const copy = { ...base };
    Reflect.deleteProperty(copy, key);
    return json(copy);
  };

  const malformed: { name: string; bytes: Uint8Array }[] = [
    { name: "not UTF-8 (0xff 0xfe)", bytes: new Uint8Array([0xff, 0xfe, 0x7b, 0x7d]) },
    { name: "not UTF-8 (lone continuation byte inside a string)", bytes: new Uint8Array([0x22, 0x80, 0x22]) },
    { name: "empty input", bytes: new Uint8Array(0) },
    { name: "not JSON", bytes: utf8("v=1;suite=HPKE") },
    { name: "truncated JSON", bytes: encodeKeyring(keyring).slice(0, -2) },
    { name: "JSON null", bytes: utf8("null") },
    { name: "JSON string", bytes: utf8('"keyring"') },
    { name: "JSON number", bytes: utf8("1") },
    { name: "JSON array", bytes: utf8("[]") },
    { name: "v missing", bytes: without("v") },
    { name: "v = 2", bytes: json({ ...base, v: 2 }) },
    { name: 'v = "1"', bytes: json({ ...base, v: "1" }) },
    { name: "v = 0", bytes: json({ ...base, v: 0 }) },
    { name: "suite missing", bytes: without("suite") },
    { name: "wrong suite (AES-128-GCM)", bytes: json({ ...base, suite: "HPKE-Base-X25519-SHA256-AES128GCM" }) },
    { name: "suite in lower case", bytes: json({ ...base, suite: HPKE_SUITE_NAME.toLowerCase() }) },
    { name: "record missing", bytes: without("record") },
    { name: "record is a number", bytes: json({ ...base, record: 42 }) },
    { name: "record is null", bytes: json({ ...base, record: null }) },
    { name: "recipients missing", bytes: without("recipients") },
    { name: "recipients empty", bytes: json({ ...base, recipients: [] }) },
    { name: "recipients is an object", bytes: json({ ...base, recipients: { 0: entry } }) },
    { name: "entry is null", bytes: json({ ...base, recipients: [null] }) },
    { name: "entry is a string", bytes: json({ ...base, recipients: [entry.key] }) },
    { name: "entry key missing", bytes: withEntry({ key: undefined }) },
    { name: "entry key without 0x", bytes: withEntry({ key: entry.key.slice(2) + "00" }) },
    { name: "entry key 31 bytes", bytes: withEntry({ key: entry.key.slice(0, -2) }) },
    { name: "entry key 33 bytes", bytes: withEntry({ key: entry.key + "00" }) },
    { name: "entry key upper-case hex", bytes: withEntry({ key: "0x" + entry.key.slice(2).toUpperCase() }) },
    { name: "entry key not hex", bytes: withEntry({ key: "0x" + "zz".repeat(32) }) },
    { name: "entry key a number", bytes: withEntry({ key: 12 }) },
    { name: "entry enc missing", bytes: withEntry({ enc: undefined }) },
    { name: "entry enc 31 bytes", bytes: withEntry({ enc: entry.enc.slice(0, -2) }) },
    { name: "entry enc not hex", bytes: withEntry({ enc: "0x" + "g".repeat(64) }) },
    { name: "entry enc an array", bytes: withEntry({ enc: [1, 2, 3] }) },
    { name: "entry wrapped missing", bytes: withEntry({ wrapped: undefined }) },
    { name: "entry wrapped empty (0x)", bytes: withEntry({ wrapped: "0x" }) },
    { name: "entry wrapped not hex", bytes: withEntry({ wrapped: "0xnothex" }) },
    { name: "second entry malformed", bytes: json({ ...base, recipients: [entry, { ...entry, enc: "0x00" }] }) },
  ];
  it.each(malformed)("refuses $name with FormatError", ({ bytes }) => {
    let thrown: unknown;
    try {
      decodeKeyring(bytes);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(FormatError);
    expect((thrown as FormatError).code).toBe("FORMAT");
  });

  // Regression (fixed): decodeKeyring checks `wrapped` only against /^0x[0-9a-f]+$/, so an odd number of hex
  // digits passes decoding; openKeyring then throws a bare TypeError ("wrapped: not a hex string") from the
  // internal fromHex instead of the FormatError that decodeKeyring documents for bad fields. This test fails
  // until decodeKeyring also requires an even number of hex digits.
  it("refuses an odd-length `wrapped` hex string with FormatError", async () => {
    const bytes = withEntry({ wrapped: entry.wrapped.slice(0, -1) });
    let thrown: unknown;
    try {
      const decoded = decodeKeyring(bytes);
      await openKeyring(decoded, recordCid, patient);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(FormatError);
  });

  it("accepts a well-formed entry whose wrapped key is garbage, then fails to open it with DecryptionError", async () => {
    const decoded = decodeKeyring(withEntry({ wrapped: "0x" + "00".repeat(48) }));
    expect(decoded.recipients[0]!.wrapped).toBe("0x" + "00".repeat(48));
    expect(await rejection(openKeyring(decoded, recordCid, patient))).toBeInstanceOf(DecryptionError);
  });
});
