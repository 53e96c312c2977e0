import { randomUUID } from "node:crypto";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";

import type { CID } from "multiformats/cid";

import type { BlobStore } from "../content/blob-store.js";
import { cidOf, verifyCid } from "../content/cid.js";
import { BlobNotFoundError } from "../errors/data.js";

/**
 * A {@link BlobStore} on the local filesystem: the embedded default. Blobs live under
 * `<root>/<last two CID characters>/<cid>`; writes go to a temporary file first and are renamed into place,
 * so a crash never leaves a half-written blob under a valid name. Reads are verified against the CID.
 */
export class FileSystemBlobStore implements BlobStore {
  /** The directory that holds the blobs. */
  readonly root: string;

  /** @param root - Directory for the blobs; created on first write. */
  constructor(root: string) {
    this.root = root;
  }

  /** The file that holds (or would hold) the blob `cid`. */
  pathOf(cid: CID): string {
    const name = cid.toString();
    return join(this.root, name.slice(-2), name);
  }

  /** @inheritDoc */
  async put(bytes: Uint8Array): Promise<CID> {
    const cid = await cidOf(bytes);
    const path = this.pathOf(cid);
    await mkdir(join(path, ".."), { recursive: true });
    const temporary = `${path}.${randomUUID()}.tmp`;
    await writeFile(temporary, bytes, { flag: "wx" });
    await rename(temporary, path);
    return cid;
  }

  /** @inheritDoc */
  async get(cid: CID): Promise<Uint8Array> {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(this.pathOf(cid)));
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === "ENOENT") {
        throw new BlobNotFoundError("The store holds no blob for this CID.", { details: `cid=${cid}`, cause });
      }
      throw cause;
    }
    return verifyCid(cid, bytes);
  }

  /** @inheritDoc */
  async has(cid: CID): Promise<boolean> {
    try {
      return (await stat(this.pathOf(cid))).isFile();
    } catch {
      return false;
    }
  }

  /** @inheritDoc */
  async delete(cid: CID): Promise<void> {
    await rm(this.pathOf(cid), { force: true });
  }
}
