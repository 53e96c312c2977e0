import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { BlobNotFoundError, cidOf, MemoryBlobStore } from "../../../sdk/index.js";
import { FileSystemBlobStore } from "../../../sdk/node.js";
import { describeBlobStoreContract, rejection, type StoreHarness } from "../_store-contract.js";
import { utf8 } from "../_support.js";

const kinds: { name: string; create: () => Promise<StoreHarness> }[] = [
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

for (const { name, create } of kinds) describeBlobStoreContract(name, create);

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
