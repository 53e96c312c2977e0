/**
 * Node only: a `BlobStore` on the filesystem, one file per CID, written atomically.
 * @module
 */
import { createHash, randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { once } from "node:events";
import { join } from "node:path";

import { CID } from "multiformats/cid";
import { create as createDigest } from "multiformats/hashes/digest";
import { sha256 } from "multiformats/hashes/sha2";

import type { BlobStore } from "../content/blob-store.js";
import { cidOf, RAW_CODE, verifyCid } from "../content/cid.js";
import { equalBytes } from "../crypto/bytes.js";
import { BlobNotFoundError, IntegrityError } from "../errors/data.js";

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
  async putStream(source: AsyncIterable<Uint8Array>): Promise<CID> {
    await mkdir(this.root, { recursive: true });
    const temporary = join(this.root, `.${randomUUID()}.tmp`);
    const hash = createHash("sha256");
    const out = createWriteStream(temporary, { flags: "wx" });
    try {
      for await (const piece of source) {
        hash.update(piece);
        if (!out.write(piece)) await once(out, "drain");
      }
      out.end();
      await once(out, "finish");
    } catch (error) {
      out.destroy();
      await rm(temporary, { force: true });
      throw error;
    }
    const cid = CID.createV1(RAW_CODE, createDigest(sha256.code, new Uint8Array(hash.digest())));
    await mkdir(join(this.pathOf(cid), ".."), { recursive: true });
    await rename(temporary, this.pathOf(cid));
    return cid;
  }

  /** @inheritDoc */
  async *getStream(cid: CID): AsyncIterable<Uint8Array> {
    if (!(await this.has(cid)))
      throw new BlobNotFoundError("The store holds no blob for this CID.", { details: `cid=${cid}` });
    if (cid.multihash.code !== sha256.code)
      throw new IntegrityError("Only sha2-256 CIDs can be verified.", { details: `cid=${cid}` });
    const hash = createHash("sha256");
    for await (const piece of createReadStream(this.pathOf(cid), { highWaterMark: 1 << 20 })) {
      hash.update(piece as Buffer);
      yield new Uint8Array(piece as Buffer);
    }
    if (!equalBytes(new Uint8Array(hash.digest()), cid.multihash.digest)) {
      throw new IntegrityError("The bytes a store returned do not match their CID: the blob was altered.", {
        details: `cid=${cid}`,
      });
    }
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
