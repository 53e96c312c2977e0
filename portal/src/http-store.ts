/**
 * A `BlobStore` over HTTP (`PUT/GET/HEAD/DELETE <base>/<cid>`): the page computes each CID itself and verifies
 * every blob it fetches against its CID, so the store needs no trust.
 */
import { BlobNotFoundError, cidOf, StoreUnavailableError, verifyCid, type BlobStore } from "carechain";
import type { CID } from "multiformats/cid";

/** The blob store behind `base` (e.g. `http://127.0.0.1:5173/blobs`). */
export class HttpBlobStore implements BlobStore {
  constructor(readonly base: string) {}

  async #call(method: string, cid: CID, body?: Uint8Array): Promise<Response> {
    try {
      return await fetch(`${this.base}/${cid.toString()}`, {
        method,
        body: body as BodyInit | undefined,
        cache: "no-store",
      });
    } catch (error) {
      throw new StoreUnavailableError("The blob store could not be reached.", { details: this.base, cause: error });
    }
  }

  async put(bytes: Uint8Array): Promise<CID> {
    const cid = await cidOf(bytes);
    const response = await this.#call("PUT", cid, bytes);
    if (!response.ok) throw new StoreUnavailableError(`The blob store refused the blob (HTTP ${response.status}).`);
    return cid;
  }

  async get(cid: CID): Promise<Uint8Array> {
    const response = await this.#call("GET", cid);
    if (response.status === 404) throw new BlobNotFoundError(`No blob ${cid.toString()} in the store.`);
    if (!response.ok) throw new StoreUnavailableError(`The blob store answered HTTP ${response.status}.`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    await verifyCid(cid, bytes);
    return bytes;
  }

  async has(cid: CID): Promise<boolean> {
    return (await this.#call("HEAD", cid)).ok;
  }

  async delete(cid: CID): Promise<void> {
    await this.#call("DELETE", cid);
  }
}
