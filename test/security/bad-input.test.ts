/**
 * SDK bad-input matrix, fuzzed (fast-check, fixed seeds). The hardening issue asks that every malformed input gets
 * a typed error, that nothing returns unauthenticated plaintext and that nothing crashes with an untyped exception.
 * The hand-written tables live next to each module (envelope, keyring, cid, scopes, fhir, fhir-strict, deployment
 * .test.ts); this file adds random inputs around them. Every class of input tried, and its expected outcome:
 *
 * | #  | input class                                                                   | function                  | expected outcome                                        |
 * |----|-------------------------------------------------------------------------------|---------------------------|---------------------------------------------------------|
 * | a1 | a 4-, 2- (exact multiple), 1-chunk or empty-plaintext envelope (2^10-byte     | decryptEnvelope (portable | a genuine envelope → the original plaintext; anything   |
 * |    | chunks) with 0..3 random mutations: bit flips, byte sets, header-byte sets    | and node:crypto backends) | else → DecryptionError or FormatError; never other      |
 * |    | (unknown version / suite ids, chunk sizes), truncation at any offset, range   |                           | plaintext, never another error                          |
 * |    | drops, insertions, appended bytes, appended / duplicated / dropped / swapped  |                           |                                                         |
 * |    | chunks, another envelope's header, a chunk spliced from another envelope      |                           |                                                         |
 * | a2 | the same, fed in random piece sizes                                           | decryptStream (both       | as a1; every piece yielded before an error is a prefix  |
 * |    |                                                                               | backends)                 | of the original plaintext (authenticated)               |
 * | a3 | a random 32-byte key; a random context                                        | decryptEnvelope           | DecryptionError                                         |
 * | b1 | arbitrary bytes; arbitrary JSON values                                        | decodeKeyring             | FormatError                                             |
 * | b2 | keyring-shaped JSON: random or missing v / suite (unknown suite ids) /        | decodeKeyring, then       | FormatError, or a keyring that opens to the key of that |
 * |    | record (another record, CIDv0, garbage) / recipients (genuine, moved from     | openKeyring for 3         | record, or a CarechainError (FormatError,               |
 * |    | another record, one field replaced, random hex, wrong types)                  | identities (incl. a       | NotARecipientError, DecryptionError); never another     |
 * |    |                                                                               | wrong recipient), against | error, never another key                                |
 * |    |                                                                               | the expected (mismatched) |                                                         |
 * |    |                                                                               | and the named record      |                                                         |
 * | b3 | a genuine keyring's bytes with 1..3 random byte mutations                     | same                      | same                                                    |
 * | c1 | arbitrary strings and string lists; SMART-scope-shaped strings (random        | parseScopes               | ScopeError, or read/write lists of distinct, ascending, |
 * |    | contexts, resource types incl. Object.prototype names, permissions, queries), |                           | known category ids within 0..63                         |
 * |    | alone, in lists and space-separated                                           |                           |                                                         |
 * | d1 | arbitrary strings / bytes / JS values; mutated CID strings and bytes; CIDv1   | toCid                     | a CID (well-formed ones round-trip through their        |
 * |    | prefixes (any version byte, codec, hash, length) around random digests        |                           | string) or TypeError                                    |
 * | d2 | random CIDs (raw / dag-pb / dag-cbor; sha2-256, sha2-512, identity) with      | verifyCid                 | the same bytes when they hash to the CID (sha2-256      |
 * |    | random or matching bytes; a CID with its bytes mutated                        |                           | only), else IntegrityError                              |
 * | e1 | arbitrary JSON values; a valid resource with a random member set to a random  | validate / validateJson   | a resource or FhirValidationError                       |
 * |    | value or deleted; a valid resource's JSON text with random byte mutations     |                           |                                                         |
 * | f1 | oversized: 10,001 keyring recipients (10,000 decode and open); an envelope    | decodeKeyring,            | FormatError (10,000: works); DecryptionError;           |
 * |    | with 4 MiB appended; a header claiming 16 MiB chunks on a short body; a 1 MiB | openKeyring,              | ScopeError or a grant, in well under a second;          |
 * |    | scope; 20,000 scopes; a 1 MiB CID string and 1 MiB of CID bytes; a resource   | decryptEnvelope,          | TypeError; FhirValidationError (not a RangeError from   |
 * |    | nested 20,000 deep (JS object) / 257 deep (JSON text)                         | parseScopes, toCid,       | a stack overflow)                                       |
 * |    | (the batch manifest decoder is not exported from sdk/index.ts: not covered)   | validate / validateJson   |                                                         |
 * | g1 | a deployment for any other chain id; an address with no code (each of the     | connectContracts,         | DeploymentError                                         |
 * |    | three contracts, random addresses); a signer without a provider               | Carechain.connect         |                                                         |
 * | g2 | arbitrary JS values; deployment-shaped objects with random address strings    | parseDeployment           | DeploymentError, or checksummed addresses               |
 * | g3 | an "unknown" deployment: code at each address, but the wrong contracts        | Carechain.connect, then   | the first chain call throws a CarechainError (CHAIN);   |
 * |    | (directory and record registry swapped)                                       | a chain call              | GAP: connectContracts accepts it                        |
 *
 * Bugs this matrix found are fixed; their cases stay below as regression tests (was: pinned with `it.fails`; turned into
 * `it` once fixed): the FHIR validator accepts `{}` / `[]` in place of a primitive and `{}` in place of an array;
 * verifyCid throws a plain Error for non-byte input; toCid throws a plain Error for a CID-like object with a malformed
 * multihash, and accepts the malformed binary CIDv0 00 55 12 01 00 (its string does not parse back); connectContracts
 * accepts a deployment whose addresses hold the wrong contracts.
 */
import fc from "fast-check";
import { Wallet } from "ethers";
import { CID } from "multiformats/cid";
import { identity as identityHash } from "multiformats/hashes/identity";
import { sha512 } from "multiformats/hashes/sha2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  Carechain,
  CarechainError,
  Category,
  cidOf,
  connectContracts,
  createFhirValidator,
  createKeyring,
  decodeKeyring,
  decryptEnvelope,
  decryptStream,
  DecryptionError,
  DeploymentError,
  encodeKeyring,
  encryptEnvelope,
  ENVELOPE_HEADER_LENGTH,
  FhirValidationError,
  FormatError,
  generateDek,
  generateIdentity,
  getChunkCipher,
  HPKE_SUITE_NAME,
  IntegrityError,
  MemoryBlobStore,
  openKeyring,
  parseDeployment,
  parseScopes,
  PORTABLE_CHUNK_CIPHER,
  ScopeError,
  setChunkCipher,
  toCid,
  verifyCid,
  type CarechainDeployment,
  type ChunkCipher,
  type Keyring,
} from "../../sdk/index.js";
import { MAX_KEYRING_RECIPIENTS } from "../../sdk/crypto/keyring.js";
import { deployWithIgnition } from "../../sdk/hardhat.js";
import { loadFhirDefinitions, NODE_CHUNK_CIPHER, nodeChunkCipherAvailable } from "../../sdk/node.js";
import { utf8 } from "../sdk/_support.js";
import { createChain, type ChainConnection } from "../helpers/chain.js";

// ---------------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------------

/** Fixed seeds: a failure is reproducible; fast-check prints the seed, path and shrunk counterexample. */
const SEED = 20_260_301;
const params = (numRuns: number, offset = 0): fc.Parameters<unknown> => ({ seed: SEED + offset, numRuns });

type ErrorClass = abstract new (...args: never[]) => Error;

/** An unexpected outcome, thrown so that fast-check reports (and shrinks) the input. */
class PropertyViolation extends Error {}

/** Rethrows `error` unless it is an instance of one of `allowed`. */
function expectTyped(error: unknown, allowed: readonly ErrorClass[], what: string): void {
  if (allowed.some((cls) => error instanceof cls)) return;
  const name = error instanceof Error ? `${error.constructor.name}: ${error.message}` : String(error);
  throw new PropertyViolation(`${what}: expected ${allowed.map((c) => c.name).join(" or ")}, got ${name}`);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b));
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

/** Deterministic, non-repeating-looking bytes. */
function pattern(length: number, seed = 11): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Byte mutations (envelopes, keyrings, CIDs, JSON text)
// ---------------------------------------------------------------------------------------------------------------

const LOG2 = 10;
const SEALED_CHUNK = 2 ** LOG2 + 16;

type Mutation =
  | { kind: "flip"; at: number; bit: number }
  | { kind: "set"; at: number; value: number }
  | { kind: "headerByte"; index: number; value: number }
  | { kind: "truncate"; at: number }
  | { kind: "drop"; at: number; length: number }
  | { kind: "insert"; at: number; bytes: Uint8Array }
  | { kind: "append"; bytes: Uint8Array }
  | { kind: "appendChunk"; i: number }
  | { kind: "duplicateChunk"; i: number; to: number }
  | { kind: "dropChunk"; i: number }
  | { kind: "swapChunks"; i: number; j: number }
  | { kind: "otherHeader" }
  | { kind: "spliceChunk"; i: number };

const byteMutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant("set" as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("drop" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }),
  fc.record({
    kind: fc.constant("insert" as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 40 }),
  }),
  fc.record({ kind: fc.constant("append" as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 2_100 }) }),
);

const envelopeMutation: fc.Arbitrary<Mutation> = fc.oneof(
  byteMutation,
  fc.record({
    kind: fc.constant("headerByte" as const),
    index: fc.integer({ min: 0, max: ENVELOPE_HEADER_LENGTH - 1 }),
    value: fc.integer({ min: 0, max: 255 }),
  }),
  fc.record({ kind: fc.constant("appendChunk" as const), i: fc.nat() }),
  fc.record({ kind: fc.constant("duplicateChunk" as const), i: fc.nat(), to: fc.nat() }),
  fc.record({ kind: fc.constant("dropChunk" as const), i: fc.nat() }),
  fc.record({ kind: fc.constant("swapChunks" as const), i: fc.nat(), j: fc.nat() }),
  fc.constant({ kind: "otherHeader" as const }),
  fc.record({ kind: fc.constant("spliceChunk" as const), i: fc.nat() }),
);

/** Chunk `i` (mod the chunk count) of an envelope-like byte string, as [start, end). */
function chunkRange(bytes: Uint8Array, i: number): [number, number] {
  const body = Math.max(0, bytes.length - ENVELOPE_HEADER_LENGTH);
  const count = Math.max(1, Math.ceil(body / SEALED_CHUNK));
  const k = i % count;
  const start = Math.min(bytes.length, ENVELOPE_HEADER_LENGTH + k * SEALED_CHUNK);
  return [start, Math.min(bytes.length, start + SEALED_CHUNK)];
}

/** Applies `m` to `bytes`; `other` is another envelope of the same plaintext (same key and context). */
function mutate(bytes: Uint8Array, m: Mutation, other?: Uint8Array): Uint8Array {
  const n = bytes.length;
  switch (m.kind) {
    case "flip": {
      if (n === 0) return bytes;
      const out = bytes.slice();
      out[m.at % n] = out[m.at % n]! ^ (1 << m.bit);
      return out;
    }
    case "set": {
      if (n === 0) return bytes;
      const out = bytes.slice();
      out[m.at % n] = m.value;
      return out;
    }
    case "headerByte": {
      if (n <= m.index) return bytes;
      const out = bytes.slice();
      out[m.index] = m.value;
      return out;
    }
    case "truncate":
      return bytes.slice(0, m.at % (n + 1));
    case "drop": {
      const at = m.at % (n + 1);
      return concat(bytes.subarray(0, at), bytes.subarray(Math.min(n, at + m.length)));
    }
    case "insert": {
      const at = m.at % (n + 1);
      return concat(bytes.subarray(0, at), m.bytes, bytes.subarray(at));
    }
    case "append":
      return concat(bytes, m.bytes);
    case "appendChunk": {
      const [s, e] = chunkRange(bytes, m.i);
      return concat(bytes, bytes.subarray(s, e));
    }
    case "duplicateChunk": {
      const [s, e] = chunkRange(bytes, m.i);
      const [to] = chunkRange(bytes, m.to);
      return concat(bytes.subarray(0, to), bytes.subarray(s, e), bytes.subarray(to));
    }
    case "dropChunk": {
      const [s, e] = chunkRange(bytes, m.i);
      return concat(bytes.subarray(0, s), bytes.subarray(e));
    }
    case "swapChunks": {
      const [s1, e1] = chunkRange(bytes, Math.min(m.i, m.j));
      const [s2, e2] = chunkRange(bytes, Math.max(m.i, m.j));
      if (s1 === s2 || e1 > s2) return bytes;
      return concat(
        bytes.subarray(0, s1),
        bytes.subarray(s2, e2),
        bytes.subarray(e1, s2),
        bytes.subarray(s1, e1),
        bytes.subarray(e2),
      );
    }
    case "otherHeader":
      if (!other || n < ENVELOPE_HEADER_LENGTH) return bytes;
      return concat(other.subarray(0, ENVELOPE_HEADER_LENGTH), bytes.subarray(ENVELOPE_HEADER_LENGTH));
    case "spliceChunk": {
      if (!other) return bytes;
      const [s, e] = chunkRange(bytes, m.i);
      const [os, oe] = chunkRange(other, m.i);
      return concat(bytes.subarray(0, s), other.subarray(os, oe), bytes.subarray(e));
    }
  }
}

const applyAll = (bytes: Uint8Array, ms: readonly Mutation[], other?: Uint8Array) =>
  ms.reduce((acc, m) => mutate(acc, m, other), bytes);

/** 0 to 3 mutations; the empty list (the identity) is drawn often enough to check the accepting side too. */
const mutations = (arb: fc.Arbitrary<Mutation>) =>
  fc.oneof(
    { arbitrary: fc.constant([] as Mutation[]), weight: 1 },
    { arbitrary: fc.array(arb, { minLength: 1, maxLength: 3 }), weight: 12 },
  );

// ---------------------------------------------------------------------------------------------------------------
// (a) Envelopes
// ---------------------------------------------------------------------------------------------------------------

describe("(a) envelopes: any mutation → the original plaintext (identity only) or DecryptionError / FormatError", () => {
  const dek = generateDek();
  const context = utf8("patient=0x00000000000000000000000000000000000000aa;category=Laboratory");
  const plaintexts = [
    { name: "4 chunks (3 full + 100 bytes)", bytes: pattern(3 * 2 ** LOG2 + 100) },
    { name: "2 full chunks (exact multiple)", bytes: pattern(2 * 2 ** LOG2, 3) },
    { name: "1 chunk of 1 byte", bytes: pattern(1, 5) },
    { name: "empty plaintext", bytes: new Uint8Array(0) },
  ];
  const backends: { name: string; cipher: ChunkCipher | undefined }[] = [
    { name: "portable (@noble/ciphers)", cipher: PORTABLE_CHUNK_CIPHER },
    ...(nodeChunkCipherAvailable() ? [{ name: "node:crypto", cipher: NODE_CHUNK_CIPHER }] : []),
  ];

  let previous: ChunkCipher;
  beforeAll(() => {
    previous = getChunkCipher();
  });
  afterAll(() => {
    setChunkCipher(previous);
  });

  const fixtures = plaintexts.map((p) => ({
    ...p,
    sealed: encryptEnvelope(dek, p.bytes, context, { chunkSizeLog2: LOG2 }),
    other: encryptEnvelope(dek, p.bytes, context, { chunkSizeLog2: LOG2 }),
  }));
  const fixture = fc.integer({ min: 0, max: fixtures.length - 1 });
  /**
   * Whether `bytes` is one of the two genuine envelopes of the fixture: mutations may rebuild `other` exactly (its
   * header, then its chunks spliced in), which is a real envelope of the same plaintext and must decrypt.
   */
  const genuine = (bytes: Uint8Array, sealed: Uint8Array, other: Uint8Array) =>
    sameBytes(bytes, sealed) || sameBytes(bytes, other);

  for (const backend of backends) {
    it(`decryptEnvelope, ${backend.name} backend (3,000 runs)`, () => {
      setChunkCipher(backend.cipher);
      fc.assert(
        fc.property(fixture, mutations(envelopeMutation), (f, ms) => {
          const { bytes: plaintext, sealed, other } = fixtures[f]!;
          const altered = applyAll(sealed, ms, other);
          let out: Uint8Array | undefined;
          try {
            out = decryptEnvelope(dek, altered, context);
          } catch (error) {
            expectTyped(error, [DecryptionError, FormatError], "decryptEnvelope");
            if (genuine(altered, sealed, other)) throw new PropertyViolation("a genuine envelope did not decrypt");
            return;
          }
          if (!genuine(altered, sealed, other)) throw new PropertyViolation("an altered envelope decrypted");
          if (!sameBytes(out, plaintext)) throw new PropertyViolation("decrypted to other bytes");
        }),
        params(3_000),
      );
    });

    it(`decryptStream in random pieces, ${backend.name} backend (600 runs): only authenticated prefixes are yielded`, async () => {
      setChunkCipher(backend.cipher);
      await fc.assert(
        fc.asyncProperty(
          fixture,
          mutations(envelopeMutation),
          fc.array(fc.integer({ min: 1, max: 1_500 }), { minLength: 1, maxLength: 8 }),
          async (f, ms, pieceSizes) => {
            const { bytes: plaintext, sealed, other } = fixtures[f]!;
            const altered = applyAll(sealed, ms, other);
            const pieces: Uint8Array[] = [];
            for (let at = 0, i = 0; at < altered.length; i++) {
              const size = pieceSizes[i % pieceSizes.length]!;
              pieces.push(altered.slice(at, at + size));
              at += size;
            }
            const got: Uint8Array[] = [];
            try {
              for await (const piece of decryptStream(dek, pieces, context)) got.push(piece.slice());
            } catch (error) {
              expectTyped(error, [DecryptionError, FormatError], "decryptStream");
              const prefix = concat(...got);
              if (!sameBytes(prefix, plaintext.subarray(0, prefix.length))) {
                throw new PropertyViolation("decryptStream yielded bytes that are not the original plaintext");
              }
              if (genuine(altered, sealed, other)) throw new PropertyViolation("a genuine envelope did not decrypt");
              return;
            }
            if (!genuine(altered, sealed, other))
              throw new PropertyViolation("an altered envelope decrypted as a stream");
            if (!sameBytes(concat(...got), plaintext)) throw new PropertyViolation("decrypted to other bytes");
          },
        ),
        params(600, 1),
      );
    });
  }

  it("a random key or a random context → DecryptionError (300 runs)", () => {
    const { sealed } = fixtures[0]!;
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 120 }),
        fc.boolean(),
        (key, ctx, wrongKey) => {
          try {
            decryptEnvelope(wrongKey ? key : dek, sealed, wrongKey ? context : ctx);
          } catch (error) {
            expectTyped(error, [DecryptionError], "decryptEnvelope");
            return;
          }
          throw new PropertyViolation("decrypted with a wrong key or context");
        },
      ),
      params(300, 2),
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// (b) Keyrings
// ---------------------------------------------------------------------------------------------------------------

describe("(b) keyrings: decodeKeyring → FormatError, or a keyring that opens right or throws a CarechainError", () => {
  const recordCid = CID.parse("bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e");
  let otherCid: CID;
  const patient = generateIdentity();
  const hospital = generateIdentity();
  const stranger = generateIdentity();
  const dek = generateDek();
  const otherDek = generateDek();
  let keyring: Keyring;
  let other: Keyring;
  /** The key each record's genuine keyring holds: the only thing an entry may open to. */
  const keyOf = new Map<string, Uint8Array>();

  beforeAll(async () => {
    otherCid = await cidOf(utf8("another record"));
    keyring = await createKeyring(recordCid, dek, [patient.publicKey, hospital.publicKey]);
    other = await createKeyring(otherCid, otherDek, [patient.publicKey, stranger.publicKey]);
    keyOf.set(recordCid.toString(), dek);
    keyOf.set(otherCid.toString(), otherDek);
  });

  /** decodeKeyring, then openKeyring for three identities against the expected record and the named one. */
  async function check(bytes: Uint8Array): Promise<void> {
    let decoded: Keyring;
    try {
      decoded = decodeKeyring(bytes);
    } catch (error) {
      expectTyped(error, [FormatError], "decodeKeyring");
      return;
    }
    const named = toCid(decoded.record); // decodeKeyring promised a CID string
    for (const id of [patient, hospital, stranger]) {
      for (const cid of [recordCid, named]) {
        let key: Uint8Array;
        try {
          key = await openKeyring(decoded, cid, id);
        } catch (error) {
          expectTyped(error, [CarechainError], "openKeyring");
          continue;
        }
        const expected = keyOf.get(cid.toString());
        if (!expected || !sameBytes(key, expected)) throw new PropertyViolation(`opened to a key that is not ${cid}'s`);
      }
    }
  }

  it("arbitrary bytes and arbitrary JSON values → FormatError (300 + 300 runs)", async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), check), params(300, 10));
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), (value) => check(utf8(JSON.stringify(value)))),
      params(300, 11),
    );
  });

  it("keyring-shaped JSON with random fields (800 runs)", async () => {
    const genuine = [...keyring.recipients, ...other.recipients];
    const hexString = fc.oneof(
      fc.constantFrom(...genuine.flatMap((e) => [e.key, e.enc, e.wrapped])),
      fc.stringMatching(/^0x[0-9a-f]{0,100}$/),
      fc.stringMatching(/^0x[0-9a-fA-F]{64}$/),
      fc.string({ maxLength: 70 }),
    );
    const field = <T>(arb: fc.Arbitrary<T>) =>
      fc.oneof({ arbitrary: arb, weight: 4 }, { arbitrary: fc.jsonValue({ maxDepth: 1 }), weight: 1 });
    const entry = fc.oneof(
      { arbitrary: fc.constantFrom(...genuine), weight: 10 },
      // A genuine entry with one field replaced (or dropped).
      {
        arbitrary: fc
          .tuple(
            fc.constantFrom(...genuine),
            fc.constantFrom("key", "enc", "wrapped"),
            fc.option(field(hexString), { nil: undefined }),
          )
          .map(([e, k, v]) => ({ ...e, [k]: v })),
        weight: 3,
      },
      {
        arbitrary: fc.record(
          { key: field(hexString), enc: field(hexString), wrapped: field(hexString) },
          { requiredKeys: [] },
        ),
        weight: 1,
      },
      { arbitrary: fc.jsonValue({ maxDepth: 1 }), weight: 1 },
    );
    // Mostly well-formed (so that many decode and reach openKeyring), each field sometimes wrong or missing.
    const shaped = fc.record({
      v: fc.oneof({ arbitrary: fc.constant(1), weight: 12 }, { arbitrary: fc.jsonValue({ maxDepth: 1 }), weight: 1 }),
      suite: fc.oneof(
        { arbitrary: fc.constant(HPKE_SUITE_NAME), weight: 12 },
        {
          arbitrary: fc.constantFrom("HPKE-Base-X25519-SHA256-AES128GCM", HPKE_SUITE_NAME.toLowerCase(), ""),
          weight: 1,
        },
        { arbitrary: fc.jsonValue({ maxDepth: 1 }), weight: 1 },
      ),
      record: fc.oneof(
        {
          arbitrary: fc.constantFrom(
            recordCid.toString(),
            "RECORD:other",
            "QmatYkNGZnELf8cAGdyJpUca2PyY4szai3RHyyWofNY1pY",
          ),
          weight: 10,
        },
        {
          arbitrary: fc.constantFrom(recordCid.toString().toUpperCase(), recordCid.toString().slice(0, -2), "bafy"),
          weight: 1,
        },
        { arbitrary: fc.jsonValue({ maxDepth: 1 }), weight: 1 },
      ),
      recipients: fc.oneof(
        { arbitrary: fc.array(entry, { minLength: 1, maxLength: 3 }), weight: 10 },
        { arbitrary: fc.jsonValue({ maxDepth: 2 }), weight: 1 },
      ),
      drop: fc.oneof(
        { arbitrary: fc.constant([] as string[]), weight: 8 },
        { arbitrary: fc.subarray(["v", "suite", "record", "recipients"]), weight: 1 },
      ),
    });
    await fc.assert(
      fc.asyncProperty(shaped, fc.boolean(), ({ drop, ...value }, shuffleKeys) => {
        const v: Record<string, unknown> = { ...value };
        for (const key of drop) Reflect.deleteProperty(v, key);
        if (v.record === "RECORD:other") v.record = otherCid.toString();
        const ordered = shuffleKeys ? Object.fromEntries(Object.entries(v).reverse()) : v;
        return check(utf8(JSON.stringify(ordered)));
      }),
      params(800, 12),
    );
  });

  it("a genuine keyring's bytes with 1..3 random byte mutations (600 runs)", async () => {
    const wire = encodeKeyring(keyring);
    await check(wire); // sanity: the unaltered keyring opens (for patient and hospital)
    await fc.assert(
      fc.asyncProperty(fc.array(byteMutation, { minLength: 1, maxLength: 3 }), (ms) => check(applyAll(wire, ms))),
      params(600, 13),
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// (c) SMART scopes
// ---------------------------------------------------------------------------------------------------------------

describe("(c) parseScopes: ScopeError or category ids within 0..63", () => {
  const known = new Set<number>(Object.values(Category));
  const check = (input: string | string[]) => {
    let grant: { read: number[]; write: number[] };
    try {
      grant = parseScopes(input);
    } catch (error) {
      expectTyped(error, [ScopeError], "parseScopes");
      return;
    }
    for (const list of [grant.read, grant.write]) {
      if (!Array.isArray(list)) throw new PropertyViolation("not a list");
      list.forEach((c, i) => {
        if (!Number.isInteger(c) || c < 0 || c > 63 || !known.has(c))
          throw new PropertyViolation(`category ${c} out of range`);
        if (i > 0 && list[i - 1]! >= c) throw new PropertyViolation("categories not distinct and ascending");
      });
    }
  };

  const OBS = "http://terminology.hl7.org/CodeSystem/observation-category";
  const protoNames = ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf", "prototype"];
  // Mostly well-formed (so that many parse), each part sometimes wrong.
  const often = <T>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<T>, weight = 6) =>
    fc.oneof({ arbitrary: good, weight }, { arbitrary: bad, weight: 1 });
  const scopeLike = fc
    .tuple(
      often(
        fc.constant("patient"),
        fc.oneof(fc.constantFrom("user", "system", "Patient", "patient ", ""), fc.string({ maxLength: 8 })),
      ),
      often(
        fc.constantFrom(
          "*",
          "Observation",
          "Condition",
          "DiagnosticReport",
          "MedicationRequest",
          "AllergyIntolerance",
          "Immunization",
          "Encounter",
        ),
        fc.oneof(
          fc.constantFrom("Constructor", "Object", "Proto", "Observation*", "observation", ...protoNames),
          fc.stringMatching(/^[A-Z][A-Za-z]{0,12}$/),
          fc.string({ maxLength: 12 }),
        ),
        3,
      ),
      often(
        fc.constantFrom("read", "write", "*", "cruds", "rs", "cud", "r", "s", "c", "ud", "crs"),
        fc.oneof(fc.constantFrom("sr", "rr", "", "READ", "x"), fc.stringMatching(/^[crudsw*aeit]{0,7}$/)),
      ),
      fc.oneof(
        { arbitrary: fc.constant(undefined), weight: 4 },
        {
          arbitrary: fc
            .tuple(
              often(fc.constant(OBS), fc.constantFrom("x", "", "a|b", "http://loinc.org")),
              often(
                fc.constantFrom("laboratory", "vital-signs", "imaging", "exam", "social-history", "procedure"),
                fc.oneof(fc.constantFrom(...protoNames), fc.string({ maxLength: 10 })),
                2,
              ),
            )
            .map(([system, code]) => `category=${system}|${code}`),
          weight: 3,
        },
        { arbitrary: fc.string({ maxLength: 30 }), weight: 1 },
      ),
    )
    .map(
      ([context, type, permissions, query]) =>
        `${context}/${type}.${permissions}${query === undefined ? "" : `?${query}`}`,
    );

  it("arbitrary strings and string lists (500 + 300 runs)", () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.string({ unit: "binary", maxLength: 80 })), check), params(500, 20));
    fc.assert(fc.property(fc.array(fc.string({ maxLength: 40 }), { maxLength: 6 }), check), params(300, 21));
  });

  it("scope-shaped strings, alone, in lists and space-separated (800 runs)", () => {
    fc.assert(
      fc.property(fc.array(scopeLike, { minLength: 1, maxLength: 3 }), fc.boolean(), (scopes, joined) =>
        check(joined ? scopes.join(" ") : scopes),
      ),
      params(800, 22),
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// (d) CIDs
// ---------------------------------------------------------------------------------------------------------------

describe("(d) toCid / verifyCid: a CID, the verified bytes, TypeError or IntegrityError", () => {
  const knownCid = CID.parse("bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e");
  const v0 = CID.parse("QmatYkNGZnELf8cAGdyJpUca2PyY4szai3RHyyWofNY1pY");

  /** toCid, checking that a returned CID round-trips through its string form. */
  const parse = (value: unknown): CID | undefined => {
    let cid: CID;
    try {
      cid = toCid(value as never);
    } catch (error) {
      expectTyped(error, [TypeError], "toCid");
      return undefined;
    }
    if (!(cid instanceof CID)) throw new PropertyViolation("toCid returned something that is not a CID");
    // Well-formed CIDs round-trip through their string form (malformed v0 ones are refused: see below).
    const wellFormed = cid.version === 1 || (cid.multihash.code === 0x12 && cid.multihash.size === 32);
    if (wellFormed && !toCid(cid.toString()).equals(cid))
      throw new PropertyViolation("the CID does not round-trip through its string");
    return cid;
  };

  const cidString = fc.constantFrom(
    knownCid.toString(),
    v0.toString(),
    knownCid.toString(),
    knownCid.toV1().toString(),
  );
  const mutatedString = fc
    .tuple(
      cidString,
      fc.nat(),
      fc.oneof(fc.string({ minLength: 1, maxLength: 1 }), fc.constantFrom("", "0", "l", "I", "O", "=", "b", "Q")),
    )
    .map(([s, at, c]) => s.slice(0, at % (s.length + 1)) + c + s.slice((at % (s.length + 1)) + 1));
  const cidBytes = fc.constantFrom(knownCid.bytes, v0.bytes);

  it("toCid on arbitrary strings, bytes and values; mutated CID strings and bytes (1,500 runs)", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.uint8Array({ maxLength: 80 }),
          mutatedString,
          fc.tuple(cidBytes, fc.array(byteMutation, { minLength: 1, maxLength: 2 })).map(([b, ms]) => applyAll(b, ms)),
          // A well-formed CIDv1 prefix (version, codec, multihash code and length) around random digests.
          fc
            .tuple(
              fc.constantFrom(0x01, 0x00, 0x02),
              fc.constantFrom(0x55, 0x70, 0x71, 0xff),
              fc.constantFrom(0x12, 0x13, 0x00),
              fc.integer({ min: 0, max: 70 }),
              fc.uint8Array({ maxLength: 70 }),
            )
            .map(([version, codec, hash, length, digest]) => new Uint8Array([version, codec, hash, length, ...digest])),
          fc.anything(),
        ),
        (value) => {
          parse(value);
        },
      ),
      params(1_500, 30),
    );
  });

  it("verifyCid: random CIDs (any codec and hash) with random bytes; a CID with mutated bytes (500 + 500 runs)", async () => {
    const hashes = [
      { code: 0x12, digest: async (b: Uint8Array) => (await cidOf(b)).multihash },
      { code: 0x13, digest: async (b: Uint8Array) => sha512.digest(b) },
      { code: 0x00, digest: async (b: Uint8Array) => identityHash.digest(b) },
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 64 }),
        fc.uint8Array({ maxLength: 64 }),
        fc.integer({ min: 0, max: hashes.length - 1 }),
        fc.constantFrom(0x55, 0x70, 0x71),
        fc.boolean(),
        async (of, bytes, h, codec, sameInput) => {
          const { code, digest } = hashes[h]!;
          const cid = CID.createV1(codec, await digest(of));
          const input = sameInput ? of : bytes;
          let out: Uint8Array;
          try {
            out = await verifyCid(cid, input);
          } catch (error) {
            expectTyped(error, [IntegrityError], "verifyCid");
            if (code === 0x12 && sameBytes(input, of))
              throw new PropertyViolation("refused the bytes of a sha2-256 CID");
            return;
          }
          if (code !== 0x12) throw new PropertyViolation("verified a non-sha2-256 CID");
          if (out !== input || !sameBytes(input, of)) throw new PropertyViolation("verified bytes that do not match");
        },
      ),
      params(500, 31),
    );
    const bytes = pattern(300);
    const cid = await cidOf(bytes);
    await fc.assert(
      fc.asyncProperty(fc.array(byteMutation, { minLength: 1, maxLength: 3 }), async (ms) => {
        const altered = applyAll(bytes, ms);
        try {
          await verifyCid(cid, altered);
        } catch (error) {
          expectTyped(error, [IntegrityError], "verifyCid");
          return;
        }
        if (!sameBytes(altered, bytes)) throw new PropertyViolation("verified altered bytes");
      }),
      params(500, 32),
    );
  });

  // Regression (fixed): verifyCid does not check its arguments. A non-Uint8Array `bytes` reaches multiformats'
  // sha256 and escapes as a plain `Error: Unknown type, must be binary type`; expected a TypeError naming the
  // argument (as checkBytes gives elsewhere) — or IntegrityError.
  it.each([
    { name: "a string", bytes: "hello" },
    { name: "null", bytes: null },
    { name: "an ArrayBuffer", bytes: new ArrayBuffer(5) },
    { name: "number[]", bytes: [104, 101, 108, 108, 111] },
  ])("FIXED: verifyCid(cid, $name) → TypeError or IntegrityError", async ({ bytes }) => {
    const cid = await cidOf(utf8("hello"));
    const error = await verifyCid(cid, bytes as never).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error instanceof TypeError || error instanceof IntegrityError).toBe(true);
  });

  // Regression (fixed): toCid accepts malformed binary CIDs from multiformats' lenient decoder, e.g. the
  // 5 bytes 00 55 12 01 00 (a "version 0" byte, then a 1-byte sha2-256 digest) become a CIDv0 (code dag-pb) whose
  // string "73kB" no longer parses (TypeError later, wherever the string is read back). Expected: TypeError at once
  // (a CIDv0 is exactly a 34-byte sha2-256 multihash).
  it("FIXED: toCid(00 55 12 01 00) → TypeError (a CIDv0 must be a 32-byte sha2-256 multihash)", () => {
    expect(() => toCid(Uint8Array.from([0x00, 0x55, 0x12, 0x01, 0x00]))).toThrow(TypeError);
  });

  // Regression (fixed): toCid calls CID.asCID outside its try, so a CID-like object (multiformats' legacy
  // `@ipld/js-cid/CID` marker, e.g. from another copy of the library) with a malformed multihash escapes as a plain
  // `Error: Incorrect length` instead of the documented TypeError.
  it("FIXED: toCid(CID-like object with a malformed multihash) → TypeError", () => {
    const value = {
      [Symbol.for("@ipld/js-cid/CID")]: true,
      version: 1,
      code: 0x55,
      multihash: new Uint8Array([1, 2, 3]),
    };
    expect(() => toCid(value as never)).toThrow(TypeError);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// (e) FHIR validator (quick; test/sdk/fhir/strict.test.ts has the larger random-input properties)
// ---------------------------------------------------------------------------------------------------------------

describe("(e) FHIR validator: a resource or FhirValidationError", () => {
  const validator = createFhirValidator(loadFhirDefinitions());
  const valid = [
    {
      resourceType: "Observation",
      status: "final",
      code: { text: "Heart rate" },
      valueQuantity: { value: 72, unit: "/min" },
    },
    {
      resourceType: "Patient",
      id: "p1",
      gender: "female",
      birthDate: "1980-02-29",
      name: [{ family: "Doe", given: ["Jane"] }],
    },
    { resourceType: "Condition", subject: { reference: "Patient/p1" }, code: { text: "Asthma" } },
  ];
  const run = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      expectTyped(error, [FhirValidationError], "validator");
    }
  };

  it("sanity: the fixtures are valid", () => {
    for (const resource of valid) expect(validator.validate(resource)).toBe(resource);
  });

  it("validate(arbitrary JSON value) (60 runs)", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => run(() => validator.validate(value))),
      params(60, 40),
    );
  });

  it("a valid resource with a random member set to a random JSON value, or deleted (120 runs)", () => {
    const paths = (value: unknown, prefix: (string | number)[] = []): (string | number)[][] =>
      value !== null && typeof value === "object"
        ? Object.entries(value).flatMap(([k, v]) => {
            const key = Array.isArray(value) ? Number(k) : k;
            return [[...prefix, key], ...paths(v, [...prefix, key])];
          })
        : [];
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: valid.length - 1 }),
        fc.nat(),
        fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }),
        (r, p, value) => {
          const copy = structuredClone(valid[r]!) as Record<string, unknown>;
          const all = paths(copy);
          const path = all[p % all.length]!;
          let parent: Record<string | number, unknown> = copy;
          for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
          const last = path[path.length - 1]!;
          if (value === undefined) Reflect.deleteProperty(parent, last);
          else parent[last] = value;
          run(() => validator.validate(copy));
        },
      ),
      params(120, 41),
    );
  });

  it("validateJson(a valid resource's text with random byte mutations) (120 runs)", () => {
    const texts = valid.map((r) => utf8(JSON.stringify(r)));
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: texts.length - 1 }),
        fc.array(byteMutation, { minLength: 1, maxLength: 3 }),
        (t, ms) => run(() => validator.validateJson(applyAll(texts[t]!, ms))),
      ),
      params(120, 42),
    );
  });

  // Regression (fixed): an empty object or empty array in place of a primitive, and an empty object in place of an
  // array, pass validation. sdk/fhir/_strict-walk.ts `value()` returns early on `typeof value === "object"` for a
  // primitive type ("@medplum/core: Invalid JSON type"), and the object loop skips non-array values of array
  // elements ("@medplum/core: Expected array of values"), but @medplum/core only reports those for non-empty
  // objects and arrays. The HL7 validator refuses all of these.
  it.each([
    { name: "Patient.id = {}", json: '{"resourceType":"Patient","id":{}}' },
    { name: "Patient.id = []", json: '{"resourceType":"Patient","id":[]}' },
    { name: "Patient.gender = {}", json: '{"resourceType":"Patient","gender":{}}' },
    { name: "Patient.gender = []", json: '{"resourceType":"Patient","gender":[]}' },
    { name: "Patient.active = {}", json: '{"resourceType":"Patient","active":{}}' },
    { name: "Patient.birthDate = {}", json: '{"resourceType":"Patient","birthDate":{}}' },
    { name: "Patient.name = {} (an array element)", json: '{"resourceType":"Patient","name":{}}' },
    { name: "HumanName.family = {}", json: '{"resourceType":"Patient","name":[{"family":{}}]}' },
    { name: "HumanName.given[0] = {}", json: '{"resourceType":"Patient","name":[{"given":[{}]}]}' },
    { name: "Meta.versionId = {}", json: '{"resourceType":"Patient","meta":{"versionId":{}}}' },
    {
      name: "Quantity.value = {}",
      json: '{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":{}}}',
    },
  ])("FIXED: validateJson($name) → FhirValidationError", ({ json }) => {
    expect(() => validator.validateJson(json)).toThrow(FhirValidationError);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// (f) Oversized inputs
// ---------------------------------------------------------------------------------------------------------------

describe("(f) oversized inputs", () => {
  it(`decodeKeyring: ${MAX_KEYRING_RECIPIENTS + 1} recipients → FormatError; ${MAX_KEYRING_RECIPIENTS} decode and open`, async () => {
    expect(MAX_KEYRING_RECIPIENTS).toBe(10_000);
    const record = await cidOf(utf8("a record with many readers"));
    const reader = generateIdentity();
    const dek = generateDek();
    const genuine = await createKeyring(record, dek, [reader.publicKey]);
    const decoy = (await createKeyring(record, dek, [generateIdentity().publicKey])).recipients[0]!;
    const wire = (count: number) =>
      utf8(
        JSON.stringify({
          ...genuine,
          recipients: [...Array<typeof decoy>(count - 1).fill(decoy), genuine.recipients[0]!],
        }),
      );
    expect(() => decodeKeyring(wire(MAX_KEYRING_RECIPIENTS + 1))).toThrow(FormatError);
    expect(() => decodeKeyring(wire(MAX_KEYRING_RECIPIENTS + 1))).toThrow(/too long/);
    const decoded = decodeKeyring(wire(MAX_KEYRING_RECIPIENTS));
    expect(decoded.recipients).toHaveLength(MAX_KEYRING_RECIPIENTS);
    expect(await openKeyring(decoded, record, reader)).toEqual(dek);
  });

  it("decryptEnvelope: 4 MiB appended → DecryptionError; a header claiming 16 MiB chunks on a short body → DecryptionError", () => {
    const dek = generateDek();
    const context = utf8("ctx");
    const sealed = encryptEnvelope(dek, pattern(5_000), context, { chunkSizeLog2: LOG2 });
    expect(() => decryptEnvelope(dek, concat(sealed, new Uint8Array(4 * 2 ** 20)), context)).toThrow(DecryptionError);
    const claimsBig = sealed.slice();
    claimsBig[5] = 24;
    expect(() => decryptEnvelope(dek, claimsBig, context)).toThrow(DecryptionError);
  });

  it("parseScopes: a 1 MiB scope and 20,000 scopes are handled in well under a second", () => {
    const started = performance.now();
    expect(() => parseScopes(`patient/Observation.rs?category=${"a".repeat(2 ** 20)}`)).toThrow(ScopeError);
    expect(() => parseScopes(`patient/${"A".repeat(2 ** 20)}`)).toThrow(ScopeError);
    expect(parseScopes(Array<string>(20_000).fill("patient/Condition.rs").join(" ")).read).toEqual([Category.Problems]);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it("toCid: a 1 MiB string and 1 MiB of bytes → TypeError", () => {
    expect(() => toCid("b" + "a".repeat(2 ** 20))).toThrow(TypeError);
    expect(() => toCid(new Uint8Array(2 ** 20).fill(1))).toThrow(TypeError);
  });

  it("validator: nesting 20,000 deep (JS object) and 257 deep (JSON text) → FhirValidationError, not a stack overflow", () => {
    const validator = createFhirValidator(loadFhirDefinitions());
    let extension: Record<string, unknown> = { url: "http://example.org/x", valueString: "y" };
    for (let i = 0; i < 20_000; i++) extension = { url: "http://example.org/x", extension: [extension] };
    expect(() => validator.validate({ resourceType: "Patient", extension: [extension] })).toThrow(FhirValidationError);
    const deep = "[".repeat(257) + "]".repeat(257);
    expect(() => validator.validateJson(`{"resourceType":"Patient","extension":${deep}}`)).toThrow(FhirValidationError);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// (g) Deployments (Hardhat's in-process chain)
// ---------------------------------------------------------------------------------------------------------------

describe("(g) deployments: DeploymentError", () => {
  let deployment: CarechainDeployment;
  let provider: ChainConnection["ethers"]["provider"];
  let signer: Awaited<ReturnType<typeof provider.getSigner>>;

  beforeAll(async () => {
    const connection = await createChain();
    deployment = await deployWithIgnition(connection);
    provider = connection.ethers.provider;
    signer = await provider.getSigner(7);
  });

  async function deploymentError(promise: Promise<unknown>): Promise<DeploymentError> {
    const error = await promise.then(
      () => new PropertyViolation("connectContracts accepted a bad deployment"),
      (e: unknown) => e,
    );
    expectTyped(error, [DeploymentError], "connectContracts");
    return error as DeploymentError;
  }

  it("sanity: the deployment connects", async () => {
    const contracts = await connectContracts(deployment, provider);
    expect(await contracts.consent.getAddress()).toBe(deployment.consentRegistry);
  });

  it("a deployment for any other chain id → DeploymentError (25 runs)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.bigInt({ min: 0n, max: 2n ** 64n }), async (chainId) => {
        if (chainId === deployment.chainId) return;
        const error = await deploymentError(connectContracts({ ...deployment, chainId }, provider));
        if (!error.shortMessage.includes("another chain")) throw new PropertyViolation(error.shortMessage);
      }),
      params(25, 60),
    );
  });

  it("an address with no code, for each contract → DeploymentError (30 runs)", async () => {
    const keys = ["directory", "consentRegistry", "recordRegistry"] as const;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...keys), fc.uint8Array({ minLength: 20, maxLength: 20 }), async (key, raw) => {
        const address = parseDeployment(
          { ...deployment, [key]: `0x${Buffer.from(raw).toString("hex")}` },
          deployment.chainId,
        )[key];
        if ((await provider.getCode(address)) !== "0x") return; // one of the deployed contracts, or a precompile-free hit
        const error = await deploymentError(connectContracts({ ...deployment, [key]: address }, provider));
        if (!error.shortMessage.includes(`deployment's ${key} address`))
          throw new PropertyViolation(error.shortMessage);
      }),
      params(30, 61),
    );
  });

  it("a signer without a provider → DeploymentError", async () => {
    await deploymentError(connectContracts(deployment, Wallet.createRandom()));
  });

  it("Carechain.connect with a deployment for another chain → DeploymentError", async () => {
    const options = {
      signer,
      identity: generateIdentity(),
      store: new MemoryBlobStore(),
      validator: createFhirValidator(loadFhirDefinitions()),
    };
    await deploymentError(Carechain.connect({ ...options, deployment: { ...deployment, chainId: 11_155_111n } }));
  });

  // An "unknown" deployment: code at every address, but not the Carechain contracts the names say (directory and
  // record registry swapped). connectContracts only checks the chain id and that code exists, so the client is
  // built; its first chain call then fails with a typed CarechainError (code CHAIN).
  // Regression (fixed): connectContracts refuses such a deployment at once with a DeploymentError, since the
  // contracts name each other (ConsentRegistry.directory(), RecordRegistry.consent() and .directory()).
  it("FIXED: connectContracts(addresses of the wrong contracts) → DeploymentError", async () => {
    const swapped = { ...deployment, directory: deployment.recordRegistry, recordRegistry: deployment.directory };
    await deploymentError(connectContracts(swapped, provider));
  });

  it("parseDeployment(arbitrary values and deployment-shaped objects) → DeploymentError or checksummed addresses (600 runs)", () => {
    const address = fc.oneof(
      {
        arbitrary: fc.constantFrom(
          deployment.directory,
          deployment.directory.toLowerCase(),
          "0x" + deployment.consentRegistry.slice(2).toUpperCase(),
        ),
        weight: 6,
      },
      {
        arbitrary: fc.constantFrom("", deployment.consentRegistry.toUpperCase(), deployment.directory.slice(0, -1)),
        weight: 1,
      },
      { arbitrary: fc.stringMatching(/^0x[0-9a-fA-F]{38,42}$/), weight: 1 },
      { arbitrary: fc.string({ maxLength: 44 }), weight: 1 },
      { arbitrary: fc.jsonValue({ maxDepth: 1 }), weight: 1 },
    );
    const shaped = fc.record(
      {
        directory: address,
        consentRegistry: address,
        recordRegistry: address,
        "Carechain#Directory": address,
        "Carechain#ConsentRegistry": address,
        "Carechain#RecordRegistry": address,
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(fc.anything(), shaped), fc.bigInt({ min: 0n, max: 2n ** 64n }), (value, chainId) => {
        let parsed: CarechainDeployment;
        try {
          parsed = parseDeployment(value, chainId);
        } catch (error) {
          expectTyped(error, [DeploymentError], "parseDeployment");
          return;
        }
        if (parsed.chainId !== chainId) throw new PropertyViolation("chain id changed");
        for (const a of [parsed.directory, parsed.consentRegistry, parsed.recordRegistry]) {
          if (
            !/^0x[0-9a-fA-F]{40}$/.test(a) ||
            parseDeployment({ directory: a, consentRegistry: a, recordRegistry: a }, 1n).directory !== a
          ) {
            throw new PropertyViolation(`not a checksummed address: ${a}`);
          }
        }
      }),
      params(600, 62),
    );
  });
});
