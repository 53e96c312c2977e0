import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import type { CID } from "multiformats/cid";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { BlobNotFoundError, cidOf, IntegrityError, MemoryBlobStore, type BlobStore } from "../../sdk/index.js";
import { FileSystemBlobStore } from "../../sdk/node.js";
import { utf8 } from "./_support.js";

/** One store under test plus the fault-injection and cleanup hooks its kind needs. */
interface Harness {
  store: BlobStore;
  /** Replaces the stored bytes under `cid` behind the store's back. */
  tamper(cid: CID, bytes: Uint8Array): Promise<void>;
  cleanup(): Promise<void>;
}

const kinds: { name: string; create: () => Promise<Harness> }[] = [
  {
    name: "MemoryBlobStore",
    create: async () => {
      const store = new MemoryBlobStore();
      return { store, tamper: async (cid, bytes) => store.tamper(cid, bytes), cleanup: async () => {} };
    },
  },
  {
    name: "FileSystemBlobStore",
    create: async () => {
      const dir = await mkdtemp(join(tmpdir(), "carechain-store-"));
      const store = new FileSystemBlobStore(join(dir, "blobs"));
      return {
        store,
        tamper: (cid, bytes) => writeFile(store.pathOf(cid), bytes),
        cleanup: () => rm(dir, { recursive: true, force: true }),
      };
    },
  },
];

async function rejection(promise: Promise<unknown>): Promise<unknown> {
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

describe.each(kinds)("BlobStore behaviour: $name", ({ create }) => {
  let h: Harness;
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
    expect(b.toString()).toBe(a.toString());
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

describe("FileSystemBlobStore specifics", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "carechain-fs-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("stores each blob at pathOf(cid) = <root>/<last two CID chars>/<cid>, creating the root lazily", async () => {
    const root = join(dir, "not", "yet", "there");
    const store = new FileSystemBlobStore(root);
    expect(store.root).toBe(root);
    const bytes = utf8("on disk");
    const cid = await store.put(bytes);
    const name = cid.toString();
    expect(store.pathOf(cid)).toBe(join(root, name.slice(-2), name));
    expect(new Uint8Array(await readFile(store.pathOf(cid)))).toEqual(bytes);
    expect((await stat(store.pathOf(cid))).isFile()).toBe(true);
  });

  it("get on a store whose root does not exist → BlobNotFoundError", async () => {
    const store = new FileSystemBlobStore(join(dir, "missing-root"));
    const error = await rejection(store.get(await cidOf(utf8("x"))));
    expect(error).toBeInstanceOf(BlobNotFoundError);
  });

  it("leaves no .tmp files after puts (single, repeated and concurrent)", async () => {
    const store = new FileSystemBlobStore(join(dir, "blobs"));
    const payloads = Array.from({ length: 10 }, (_, i) => utf8(`blob ${i}`));
    for (const p of payloads) await store.put(p);
    await store.put(payloads[0]!); // idempotent re-put
    await Promise.all(Array.from({ length: 6 }, () => store.put(payloads[1]!)));
    await Promise.all(payloads.map((p) => store.put(p)));
    const files = (await readdir(join(dir, "blobs"), { recursive: true, withFileTypes: true }))
      .filter((d) => d.isFile())
      .map((d) => d.name);
    expect(files.filter((f) => f.endsWith(".tmp"))).toEqual([]);
    const expected = await Promise.all(payloads.map(async (p) => (await cidOf(p)).toString()));
    expect(files.sort()).toEqual(expected.sort());
  });

  it("a second store on the same root sees the blobs (persistence)", async () => {
    const root = join(dir, "shared");
    const cid = await new FileSystemBlobStore(root).put(utf8("persisted"));
    const reopened = new FileSystemBlobStore(root);
    expect(await reopened.has(cid)).toBe(true);
    expect(await reopened.get(cid)).toEqual(utf8("persisted"));
  });
});
