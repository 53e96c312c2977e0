import { readFileSync } from "node:fs";

import { CID } from "multiformats/cid";
import { identity } from "multiformats/hashes/identity";
import { sha512 } from "multiformats/hashes/sha2";
import { describe, expect, it } from "vitest";

import { cidOf, DAG_PB_CODE, IntegrityError, RAW_CODE, toCid, verifyCid } from "../../../sdk/index.js";
import { flipBit, hex, sharedData, utf8 } from "../_support.js";

interface CidVector {
  id: string;
  kind: "file" | "directory";
  input: { type: string; value?: string; hex?: string; size_bytes: number };
  params: { cid_version: number; raw_leaves: boolean; hash: string };
  expected_cid: string;
}
interface CidEncodingVector {
  id: string;
  cid_bytes_hex?: string;
  expected_cid: string;
}

const file = sharedData("vectors/cid.json");
const data: { vectors: CidVector[]; cid_encoding_vectors: CidEncodingVector[] } = file.exists
  ? (JSON.parse(readFileSync(file.path, "utf8")) as { vectors: CidVector[]; cid_encoding_vectors: CidEncodingVector[] })
  : { vectors: [], cid_encoding_vectors: [] };

/**
 * cidOf is CIDv1(raw, sha2-256(bytes)): that equals what IPFS prints only for a file imported as ONE raw block.
 * So only the vectors with kind "file", cid_version 1, raw_leaves true, sha2-256 and an inline byte input
 * (type "utf8", all far below the 256 KiB chunk size) apply: hello-world-cidv1-raw, file1-cidv1-raw,
 * file2-cidv1-raw, mars-cidv1-raw, venus-cidv1-raw. Excluded: CIDv0 / dag-pb file vectors (UnixFS-wrapped
 * blocks), directories (dag-pb nodes), the base32-upgraded CIDv0 vector, and the ChaCha20 262,144/262,145-byte
 * vectors (CIDv0, dag-pb leaves, the second multi-chunk).
 */
const rawSingleBlock = data.vectors.filter(
  (v) =>
    v.kind === "file" &&
    v.params.cid_version === 1 &&
    v.params.raw_leaves &&
    v.params.hash === "sha2-256" &&
    v.input.type === "utf8" &&
    v.input.size_bytes < 262_144,
);
/** Encoding-only vectors that give CID bytes and their string form (for toCid on bytes). */
const bytesToString = data.cid_encoding_vectors.filter((v) => typeof v.cid_bytes_hex === "string");

describe.skipIf(!file.exists)("cidOf against ../shared/data/vectors/cid.json", () => {
  it("selects exactly the five single-block CIDv1 raw vectors", () => {
    expect(rawSingleBlock.map((v) => v.id)).toEqual([
      "hello-world-cidv1-raw",
      "file1-cidv1-raw",
      "file2-cidv1-raw",
      "mars-cidv1-raw",
      "venus-cidv1-raw",
    ]);
  });

  it.each(rawSingleBlock)("$id → $expected_cid", async (v) => {
    const bytes = hex(v.input.hex!);
    expect(new TextDecoder().decode(bytes)).toBe(v.input.value);
    const cid = await cidOf(bytes);
    expect(cid.toString()).toBe(v.expected_cid);
    expect(cid.version).toBe(1);
    expect(cid.code).toBe(RAW_CODE);
    expect(cid.multihash.code).toBe(0x12);
    await expect(verifyCid(cid, bytes)).resolves.toBe(bytes);
  });

  it.each(bytesToString)("toCid(bytes of $id) → $expected_cid", (v) => {
    const cid = toCid(hex(v.cid_bytes_hex!));
    expect(cid.toString()).toBe(v.expected_cid);
    expect(toCid(v.expected_cid).equals(cid)).toBe(true);
  });
});

describe("cidOf", () => {
  it("is deterministic and content-sensitive", async () => {
    const a = await cidOf(utf8("hello"));
    expect((await cidOf(utf8("hello"))).equals(a)).toBe(true);
    expect((await cidOf(utf8("hello!"))).equals(a)).toBe(false);
    expect(a.toString()).toMatch(/^bafkrei[a-z2-7]{52}$/);
  });

  it("addresses the empty blob as the well-known empty raw CID", async () => {
    expect((await cidOf(new Uint8Array(0))).toString()).toBe(
      "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku",
    );
  });

  it("exports the raw and dag-pb multicodecs", () => {
    expect(RAW_CODE).toBe(0x55);
    expect(DAG_PB_CODE).toBe(0x70);
  });
});

describe("verifyCid", () => {
  const bytes = utf8("a blob of ciphertext, allegedly");

  it.each([
    { name: "one bit flipped", altered: () => flipBit(bytes, 3) },
    { name: "last byte flipped", altered: () => flipBit(bytes, -1, 7) },
    { name: "one byte dropped", altered: () => bytes.slice(0, -1) },
    { name: "one byte appended", altered: () => new Uint8Array([...bytes, 0]) },
    { name: "empty", altered: () => new Uint8Array(0) },
  ])("throws IntegrityError on altered bytes ($name)", async ({ altered }) => {
    const cid = await cidOf(bytes);
    const error = await verifyCid(cid, altered()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as IntegrityError).code).toBe("INTEGRITY");
    expect((error as IntegrityError).details).toBe(`cid=${cid}`);
  });

  it.each([
    { name: "identity multihash", make: async () => CID.createV1(RAW_CODE, identity.digest(bytes)) },
    { name: "sha2-512 multihash", make: async () => CID.createV1(RAW_CODE, await sha512.digest(bytes)) },
  ])("refuses a non-sha2-256 CID even when it matches the bytes ($name)", async ({ make }) => {
    const cid = await make();
    const error = await verifyCid(cid, bytes).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as IntegrityError).shortMessage).toBe("Only sha2-256 CIDs can be verified.");
  });

  it("returns the very bytes it verified", async () => {
    const cid = await cidOf(bytes);
    expect(await verifyCid(cid, bytes)).toBe(bytes);
  });
});

describe("toCid", () => {
  it("accepts a CID (same instance), its string and its bytes", async () => {
    const cid = await cidOf(utf8("hello world"));
    expect(toCid(cid)).toBe(cid);
    expect(toCid(cid.toString()).equals(cid)).toBe(true);
    expect(toCid(cid.bytes).equals(cid)).toBe(true);
    expect(toCid(cid.toString()).toString()).toBe("bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e");
  });

  it("accepts a CIDv0 string", () => {
    const cid = toCid("QmatYkNGZnELf8cAGdyJpUca2PyY4szai3RHyyWofNY1pY");
    expect(cid.version).toBe(0);
    expect(cid.code).toBe(DAG_PB_CODE);
  });

  const garbage: { name: string; value: unknown; message: RegExp }[] = [
    { name: "empty string", value: "", message: /^cid: not a valid CID/ },
    { name: "plain text", value: "not a cid", message: /^cid: not a valid CID/ },
    { name: "truncated CID string", value: "bafkreifzjut3te2nhyekklss27nh3k72", message: /^cid: not a valid CID/ },
    {
      name: "CID string with a bad character",
      value: "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5!",
      message: /^cid: not a valid CID/,
    },
    { name: "random bytes", value: new Uint8Array([1, 2, 3]), message: /^cid: not a valid CID/ },
    { name: "empty bytes", value: new Uint8Array(0), message: /^cid: not a valid CID/ },
    { name: "a number", value: 42, message: /^cid: expected a CID, a CID string or CID bytes$/ },
    { name: "null", value: null, message: /^cid: expected a CID/ },
    { name: "undefined", value: undefined, message: /^cid: expected a CID/ },
    { name: "a plain object", value: { toString: () => "bafk" }, message: /^cid: expected a CID/ },
    { name: "an ArrayBuffer", value: new ArrayBuffer(36), message: /^cid: expected a CID/ },
  ];
  it.each(garbage)("throws TypeError on $name", ({ value, message }) => {
    expect(() => toCid(value as never)).toThrow(TypeError);
    expect(() => toCid(value as never)).toThrow(message);
  });
});
