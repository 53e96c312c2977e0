/**
 * The `BlobStore` interface: content-addressed storage for ciphertext and keyrings, never trusted.
 * @module
 */
import type { CID } from "multiformats/cid";

/**
 * Content-addressed storage for ciphertext and keyrings. A store is never trusted: `get` verifies the bytes
 * against the CID before returning them. Every adapter (memory, filesystem, IPFS) implements this interface.
 */
export interface BlobStore {
  /**
   * Stores `bytes` and returns their CIDv1 (raw, sha2-256). Storing the same bytes twice is a no-op.
   * @param bytes - The blob.
   * @returns The blob's CID.
   */
  put(bytes: Uint8Array): Promise<CID>;
  /**
   * Fetches the blob under `cid`, verified against it.
   * @throws {BlobNotFoundError} When the store has no such blob.
   * @throws {IntegrityError} When the stored bytes do not hash to `cid`.
   */
  get(cid: CID): Promise<Uint8Array>;
  /** Whether the store holds a blob under `cid` (not verified). */
  has(cid: CID): Promise<boolean>;
  /** Deletes the blob under `cid` (erasure); deleting a missing blob is a no-op. */
  delete(cid: CID): Promise<void>;
  /**
   * Optional: stores a blob given in pieces without holding it whole in memory (large files). Same CID as `put`.
   */
  putStream?(source: AsyncIterable<Uint8Array>): Promise<CID>;
  /**
   * Optional: reads a blob in pieces. The digest is checked as the pieces pass and an {@link IntegrityError} is
   * thrown at the end when it differs: treat the output as complete only once the iteration finished.
   */
  getStream?(cid: CID): AsyncIterable<Uint8Array>;
}
