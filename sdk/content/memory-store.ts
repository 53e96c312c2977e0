/**
 * An in-memory `BlobStore`, for tests and short-lived tools.
 * @module
 */
import type { CID } from "multiformats/cid";

import { BlobNotFoundError } from "../errors/data.js";
import type { BlobStore } from "./blob-store.js";
import { cidOf, verifyCid } from "./cid.js";

/** An in-memory {@link BlobStore}, for tests and short-lived tools. Reads are verified like any store's. */
export class MemoryBlobStore implements BlobStore {
  readonly #blobs = new Map<string, Uint8Array>();

  /** @inheritDoc */
  async put(bytes: Uint8Array): Promise<CID> {
    const cid = await cidOf(bytes);
    this.#blobs.set(cid.toString(), bytes.slice());
    return cid;
  }

  /** @inheritDoc */
  async get(cid: CID): Promise<Uint8Array> {
    const bytes = this.#blobs.get(cid.toString());
    if (!bytes) throw new BlobNotFoundError("The store holds no blob for this CID.", { details: `cid=${cid}` });
    return verifyCid(cid, bytes.slice());
  }

  /** @inheritDoc */
  async has(cid: CID): Promise<boolean> {
    return this.#blobs.has(cid.toString());
  }

  /** @inheritDoc */
  async delete(cid: CID): Promise<void> {
    this.#blobs.delete(cid.toString());
  }

  /**
   * Replaces the stored bytes under `cid` without any check: a fault-injection hook for tests that prove
   * tampering is caught. Never use it for anything else.
   */
  tamper(cid: CID, bytes: Uint8Array): void {
    this.#blobs.set(cid.toString(), bytes.slice());
  }
}
