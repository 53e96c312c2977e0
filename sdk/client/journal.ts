/**
 * The write journal: every record write whose blobs are stored but whose anchor is not yet confirmed on chain, the
 * single truth about a write until its id is returned (it is taken off only after everything that can fail has
 * succeeded). `Carechain.resume()` finishes them, and so does calling `addRecord` again with the same content.
 * Anchoring is idempotent (a version's id is its patient, author and ciphertext digest, the ciphertext of the same
 * content is the same, and the contract refuses a second anchor of it), so resuming never duplicates a record; an
 * anchor found under the id counts as done only when it is this write (same patient, author, categories, content,
 * amended version, and a keyring that opens for the author).
 */

/** One pending anchor. */
export interface PendingWrite {
  /** The record version id (`recordIdOf(patient, author, contentCid)`, 0x hex). */
  readonly recordId: string;
  readonly patient: string;
  /** Every category of the record's content (the anchored mask). */
  readonly categories: readonly number[];
  /** Content CID string. */
  readonly contentCid: string;
  /** Keyring CID string. */
  readonly keyringCid: string;
  /** The version it amends (0x00… for a new record). */
  readonly previous: string;
  /** The account that anchors it. */
  readonly author: string;
  /** Unix milliseconds of the first attempt. */
  readonly createdAt: number;
  /** The last error, when the anchor failed. */
  readonly lastError?: string;
}

/** Where pending writes are kept. The filesystem journal (sdk/node.ts) survives a crash; the memory one does not. */
export interface WriteJournal {
  /** Records or replaces a pending write. */
  put(write: PendingWrite): Promise<void>;
  /** The pending write under `recordId`, if any (optional: without it the client searches {@link WriteJournal.list}). */
  get?(recordId: string): Promise<PendingWrite | undefined>;
  /** Forgets a pending write (anchored and confirmed, or given up). */
  remove(recordId: string): Promise<void>;
  /** Every pending write, oldest first. */
  list(): Promise<PendingWrite[]>;
}

/** A journal in memory: pending writes survive a dead RPC node or store, not a crash of the process. */
export class MemoryJournal implements WriteJournal {
  readonly #writes = new Map<string, PendingWrite>();

  /** @inheritDoc */
  async put(write: PendingWrite): Promise<void> {
    this.#writes.set(write.recordId, write);
  }

  /** @inheritDoc */
  async get(recordId: string): Promise<PendingWrite | undefined> {
    return this.#writes.get(recordId);
  }

  /** @inheritDoc */
  async remove(recordId: string): Promise<void> {
    this.#writes.delete(recordId);
  }

  /** @inheritDoc */
  async list(): Promise<PendingWrite[]> {
    return [...this.#writes.values()].sort((a, b) => a.createdAt - b.createdAt);
  }
}

/** Bounded retries with exponential backoff. */
export interface RetryPolicy {
  /** Attempts in all (the first included); default 4. */
  readonly attempts: number;
  /** Delay before the second attempt, doubled each time; default 250 ms. */
  readonly baseDelayMs: number;
  /** How long to wait for a sent transaction to be mined before sending it again; default 60 s. */
  readonly minedTimeoutMs: number;
}

/** The default retry policy. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 250, minedTimeoutMs: 60_000 };
