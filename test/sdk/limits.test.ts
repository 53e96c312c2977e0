/**
 * Issue 11.13 (keyrings, manifests, records): one set of limits (sdk/limits.ts) that the writer and the reader
 * both apply, the reader checking the size before parsing anything.
 */
import { afterEach, describe, expect, it, vi } from "vitest";

import { decodeManifest, encodeManifest, type BatchEntry } from "../../sdk/client/batch.js";
import {
  Category,
  cidOf,
  createKeyring,
  decodeKeyring,
  encodeKeyring,
  FormatError,
  generateDek,
  generateIdentity,
  LIMITS,
  MAX_KEYRING_BYTES,
  MAX_KEYRING_RECIPIENTS,
  MAX_MANIFEST_BYTES,
  MAX_MANIFEST_ENTRIES,
  MAX_RECORD_BYTES,
  MAX_RECORD_ENVELOPE_BYTES,
  openKeyring,
  recordIdOf,
  sealKeyring,
  SizeLimitError,
  type CategoryId,
  type Keyring,
} from "../e2e/_sdk.js";
import { utf8 } from "./_support.js";

afterEach(() => vi.restoreAllMocks());

const PATIENT = `0x${"ab".repeat(20)}`;
const AUTHOR = `0x${"cd".repeat(20)}`;

/** Runs `fn` and returns what it threw. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

/** `bytes` padded with JSON whitespace to `length` (still valid JSON of the same value). */
function padded(bytes: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length).fill(0x20);
  out.set(bytes);
  return out;
}

const record = await cidOf(utf8("a record"));
const reader = generateIdentity();
const dek = generateDek();
const genuine = await createKeyring(record, dek, [reader.publicKey]);
const decoy = (await createKeyring(record, dek, [generateIdentity().publicKey])).recipients[0]!;
/** A keyring of `count` recipients (decoys, then the reader). */
const keyringOf = (count: number): Keyring => ({
  ...genuine,
  recipients: [...Array<typeof decoy>(count - 1).fill(decoy), genuine.recipients[0]!],
});

describe("the limits", () => {
  it("are the documented numbers, by name", () => {
    expect(LIMITS).toEqual({
      keyringRecipients: 10_000,
      keyringBytes: 3 * 2 ** 20,
      manifestEntries: 10_000,
      manifestBytes: 4 * 2 ** 20,
      recordBytes: 8 * 2 ** 20,
      recordEnvelopeBytes: MAX_RECORD_ENVELOPE_BYTES,
    });
    // The envelope limit is the record limit sealed with the smallest chunk (1 KiB: a 16-byte tag each) + header.
    expect(MAX_RECORD_ENVELOPE_BYTES).toBe(MAX_RECORD_BYTES + (MAX_RECORD_BYTES / 1024 + 1) * 16 + 25);
  });

  it("a keyring at the recipient limit fits the byte limit: what the writer may make, the reader reads", async () => {
    const wire = encodeKeyring(keyringOf(MAX_KEYRING_RECIPIENTS));
    expect(wire.length).toBeLessThanOrEqual(MAX_KEYRING_BYTES);
    const decoded = decodeKeyring(wire);
    expect(decoded.recipients).toHaveLength(MAX_KEYRING_RECIPIENTS);
    expect(await openKeyring(decoded, record, reader)).toEqual(dek);
  });

  it("a manifest at the entry limit (every entry in every category) fits the byte limit and decodes", async () => {
    const entries: BatchEntry[] = [];
    const every = (Object.values(Category) as CategoryId[]).sort((a, b) => a - b);
    for (let i = 0; i < MAX_MANIFEST_ENTRIES; i++) {
      const content = await cidOf(utf8(`record ${i}`));
      entries.push({
        recordId: recordIdOf(PATIENT, AUTHOR, content),
        categories: every,
        content: content.toString(),
        keyring: content.toString(),
      });
    }
    const manifest = { v: 2 as const, patient: PATIENT, author: AUTHOR, records: entries };
    const wire = encodeManifest(manifest);
    expect(wire.length).toBeLessThanOrEqual(MAX_MANIFEST_BYTES);
    expect(decodeManifest(wire).records).toHaveLength(MAX_MANIFEST_ENTRIES);
    // One more: the writer refuses to encode it, the reader to decode it.
    const over = { ...manifest, records: [...entries, entries[0]!] };
    expect((thrown(() => encodeManifest(over)) as SizeLimitError).limit).toBe("manifestEntries");
    const overWire = utf8(JSON.stringify(over));
    expect(overWire.length).toBeLessThanOrEqual(MAX_MANIFEST_BYTES);
    expect((thrown(() => decodeManifest(overWire)) as SizeLimitError).limit).toBe("manifestEntries");
  });
});

describe("the reader: size first, before any parsing", () => {
  it("decodeKeyring: a genuine keyring padded to MAX_KEYRING_BYTES + 1 → SizeLimitError, JSON.parse never called", () => {
    const wire = padded(encodeKeyring(genuine), MAX_KEYRING_BYTES + 1);
    const parse = vi.spyOn(JSON, "parse");
    const error = thrown(() => decodeKeyring(wire));
    expect(parse).not.toHaveBeenCalled();
    expect(error).toBeInstanceOf(SizeLimitError);
    expect(error).toBeInstanceOf(FormatError); // still a FormatError for callers that catch those
    expect(error).toMatchObject({
      code: "SIZE_LIMIT",
      limit: "keyringBytes",
      actual: MAX_KEYRING_BYTES + 1,
      max: MAX_KEYRING_BYTES,
    });
    // One byte less and it is an ordinary keyring.
    parse.mockRestore();
    expect(decodeKeyring(padded(encodeKeyring(genuine), MAX_KEYRING_BYTES)).recipients).toHaveLength(1);
  });

  it("decodeManifest: a genuine manifest padded to MAX_MANIFEST_BYTES + 1 → SizeLimitError, JSON.parse never called", async () => {
    const content = await cidOf(utf8("one"));
    const manifest = {
      v: 2 as const,
      patient: PATIENT,
      author: AUTHOR,
      records: [
        {
          recordId: recordIdOf(PATIENT, AUTHOR, content),
          categories: [Category.Laboratory],
          content: content.toString(),
          keyring: content.toString(),
        },
      ],
    };
    const wire = padded(encodeManifest(manifest), MAX_MANIFEST_BYTES + 1);
    const parse = vi.spyOn(JSON, "parse");
    const error = thrown(() => decodeManifest(wire));
    expect(parse).not.toHaveBeenCalled();
    expect(error).toMatchObject({ code: "SIZE_LIMIT", limit: "manifestBytes" });
    parse.mockRestore();
    expect(decodeManifest(padded(encodeManifest(manifest), MAX_MANIFEST_BYTES)).records).toHaveLength(1);
  });

  it("decodeKeyring: MAX_KEYRING_RECIPIENTS + 1 recipients under the byte limit → SizeLimitError (keyringRecipients)", () => {
    const wire = utf8(JSON.stringify(keyringOf(MAX_KEYRING_RECIPIENTS + 1)));
    expect(wire.length).toBeLessThanOrEqual(MAX_KEYRING_BYTES);
    expect(thrown(() => decodeKeyring(wire))).toMatchObject({ code: "SIZE_LIMIT", limit: "keyringRecipients" });
  });
});

describe("the writer refuses to make what a reader would refuse", () => {
  it("createKeyring / sealKeyring: MAX_KEYRING_RECIPIENTS + 1 distinct recipients → SizeLimitError before any wrapping", async () => {
    // Distinct non-canonical keys (bit 255 set): had any recipient been looked at first, the error would be
    // InvalidPublicKeyError; the count is checked before anything else.
    const keys = Array.from({ length: MAX_KEYRING_RECIPIENTS + 1 }, (_, i) => {
      const k = new Uint8Array(32);
      new DataView(k.buffer).setUint32(0, i + 9, true);
      k[31] = 0x80;
      return k;
    });
    await expect(createKeyring(record, dek, keys)).rejects.toMatchObject({
      code: "SIZE_LIMIT",
      limit: "keyringRecipients",
    });
    await expect(sealKeyring(record, dek, keys)).rejects.toBeInstanceOf(SizeLimitError);
    // At the limit the same keys are looked at (and all refused as keys).
    await expect(sealKeyring(record, dek, keys.slice(1))).rejects.toMatchObject({ code: "INVALID_PUBLIC_KEY" });
  });

  it("encodeKeyring: a keyring object over the recipient limit → SizeLimitError", () => {
    expect(thrown(() => encodeKeyring(keyringOf(MAX_KEYRING_RECIPIENTS + 1)))).toMatchObject({
      limit: "keyringRecipients",
    });
  });
});
