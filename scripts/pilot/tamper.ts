import { writeFile } from "node:fs/promises";

import type { CID } from "multiformats/cid";

import { MemoryBlobStore, type BlobStore } from "../../sdk/index.js";
import { FileSystemBlobStore } from "../../sdk/node.js";

/**
 * An attacker with write access to the store replaces a blob's bytes (the pilot's planted tamper). Works on the
 * memory and filesystem stores; returns a function that puts the original bytes back.
 */
export async function tamperBlob(store: BlobStore, cid: CID): Promise<() => Promise<void>> {
  const original = await store.get(cid);
  const altered = original.slice();
  altered[altered.length - 1]! ^= 0x01;
  if (store instanceof MemoryBlobStore) {
    store.tamper(cid, altered);
    return async () => store.tamper(cid, original);
  }
  if (store instanceof FileSystemBlobStore) {
    await writeFile(store.pathOf(cid), altered);
    return async () => {
      await store.put(original);
    };
  }
  throw new TypeError("tamperBlob: only the memory and filesystem stores can be tampered with here");
}
