/**
 * The BlobStore contract as a reusable vitest suite (not a test file: vitest only collects `*.test.ts`).
 * Same cases as the "BlobStore behaviour" suite of stores.test.ts (memory and filesystem stores), for the
 * adapters whose tests live in their own files (Helia, Kubo).
 */
import type { CID } from "multiformats/cid";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { BlobNotFoundError, cidOf, IntegrityError, type BlobStore } from "../../sdk/index.js";
import { utf8 } from "./_support.js";

/** One store under test plus the fault-injection and cleanup hooks its kind needs. */
export interface StoreHarness {
  store: BlobStore;
  /** Replaces the stored bytes under `cid` behind the store's back. */
  tamper(cid: CID, bytes: Uint8Array): Promise<void>;
  cleanup(): Promise<void>;
}

/** Resolves to the rejection reason of `promise`; fails when it fulfils. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${String(value)}`);
    },
    (error: unknown) => error,
  );
}

const blobs = [
  { name: "empty", bytes: new Uint8Array(0) },
  { name: "one byte", bytes: new Uint8Array([0x2a]) },
  { name: "text", bytes: utf8("hello carechain — ünïcødé") },
  { name: "300 KiB", bytes: Uint8Array.from({ length: 300 * 1024 }, (_, i) => (i * 131) & 0xff) },
];

/** Registers the BlobStore contract suite for one store kind. */
export function describeBlobStoreContract(name: string, create: () => Promise<StoreHarness>): void {
  describe(`BlobStore behaviour: ${name}`, () => {
    let h: StoreHarness;
    beforeEach(async () => {
      h = await create();
    });
    afterEach(async () => {
      await h.cleanup();
    });

    it.each(blobs)("put → get roundtrips ($name) under cidOf(bytes)", async ({ bytes }) => {
      const cid = await h.store.put(bytes);
      expect(cid.equals(await cidOf(bytes))).toBe(true);
      const got = await h.store.get(cid);
      expect(got.length).toBe(bytes.length);
      expect(Buffer.from(got).equals(Buffer.from(bytes))).toBe(true);
    });

    it("put is idempotent: the same bytes give the same CID and still read back", async () => {
      const bytes = utf8("same bytes twice");
      const a = await h.store.put(bytes);
      const b = await h.store.put(bytes.slice());
      expect(b.equals(a)).toBe(true);
      expect(await h.store.get(a)).toEqual(bytes);
    });

    it("concurrent puts of the same bytes agree and leave one readable blob", async () => {
      const bytes = utf8("raced");
      const cids = await Promise.all(Array.from({ length: 8 }, () => h.store.put(bytes)));
      expect(new Set(cids.map(String)).size).toBe(1);
      expect(await h.store.get(cids[0]!)).toEqual(bytes);
    });

    it("keeps its own copy: mutating the input after put or the output of get changes nothing", async () => {
      const bytes = utf8("immutable once stored");
      const original = bytes.slice();
      const cid = await h.store.put(bytes);
      bytes.fill(0);
      const got = await h.store.get(cid);
      expect(got).toEqual(original);
      got.fill(1);
      expect(await h.store.get(cid)).toEqual(original);
    });

    it("has / delete", async () => {
      const cid = await h.store.put(utf8("to be erased"));
      const other = await h.store.put(utf8("to be kept"));
      expect(await h.store.has(cid)).toBe(true);
      await h.store.delete(cid);
      expect(await h.store.has(cid)).toBe(false);
      expect(await h.store.has(other)).toBe(true);
      expect(await rejection(h.store.get(cid))).toBeInstanceOf(BlobNotFoundError);
      // Deleting a missing blob is a no-op.
      await expect(h.store.delete(cid)).resolves.toBeUndefined();
      expect(await h.store.get(other)).toEqual(utf8("to be kept"));
    });

    it("get of a CID never stored → BlobNotFoundError naming the CID; has → false", async () => {
      const missing = await cidOf(utf8("never stored"));
      await h.store.put(utf8("something else"));
      expect(await h.store.has(missing)).toBe(false);
      const error = await rejection(h.store.get(missing));
      expect(error).toBeInstanceOf(BlobNotFoundError);
      expect((error as BlobNotFoundError).code).toBe("BLOB_NOT_FOUND");
      expect((error as BlobNotFoundError).details).toBe(`cid=${missing}`);
    });

    it.each([
      { name: "other bytes", tampered: () => utf8("forged record") },
      { name: "one flipped bit", tampered: (b: Uint8Array) => Uint8Array.from(b, (x, i) => (i === 0 ? x ^ 1 : x)) },
      { name: "truncated", tampered: (b: Uint8Array) => b.slice(0, -1) },
      { name: "emptied", tampered: () => new Uint8Array(0) },
    ])("a tampered blob ($name) → IntegrityError, while has() still says true", async ({ tampered }) => {
      const bytes = utf8("the genuine ciphertext");
      const cid = await h.store.put(bytes);
      await h.tamper(cid, tampered(bytes));
      expect(await h.store.has(cid)).toBe(true);
      const error = await rejection(h.store.get(cid));
      expect(error).toBeInstanceOf(IntegrityError);
      expect((error as IntegrityError).details).toBe(`cid=${cid}`);
    });
  });
}
