/**
 * The typed error of a record write (addRecord, amendRecord, resume) that failed on the way — a store, an RPC read or
 * the anchor transaction — rather than being refused: it names the record id and says whether the anchor may be on
 * chain, so the caller knows that retrying the same write is safe (it resolves to the anchor if it landed).
 * @module
 */
import { CarechainError } from "./base.js";

/** What a {@link WriteError} knows. */
export interface WriteErrorFields {
  /**
   * The record version id the write anchors under (derived from patient, author and content before anything is
   * sent); `undefined` only when the failure came before it could be derived (amendRecord's read of the amended
   * version, resume()'s read of the journal).
   */
  readonly recordId?: string;
  /**
   * True when the anchor may be on chain (a transaction was or may have been broadcast, now or by an earlier
   * attempt of the same write); false when it certainly is not. Either way the write stays in the journal, and
   * calling addRecord again with the same content (or resume()) finishes it without a second anchor.
   */
  readonly mayHaveLanded: boolean;
  /** What the write was doing: `store`, `read`, `anchor`, `confirm` or `journal`. */
  readonly stage: WriteStage;
}

/**
 * The stage of a write at which it failed. `custody`: the record is anchored, but placing its key with the threshold
 * custodian set failed (place it again with `placeInCustody`).
 */
export type WriteStage = "store" | "read" | "anchor" | "confirm" | "journal" | "custody";

/**
 * A record write failed on the way (code `WRITE`). `cause` is the underlying error: a {@link TransactionError} for
 * a failed send, a `LogQueryError` or an ethers error for a read, a store's error for a blob.
 */
export class WriteError extends CarechainError implements WriteErrorFields {
  readonly recordId?: string;
  readonly mayHaveLanded: boolean;
  readonly stage: WriteStage;

  /**
   * @param shortMessage - One sentence naming what failed.
   * @param fields - Record id, whether it may have landed, stage.
   * @param options - `cause`: the underlying error.
   */
  constructor(shortMessage: string, fields: WriteErrorFields, options: { cause?: unknown } = {}) {
    const details = [
      fields.recordId && `record=${fields.recordId}`,
      `stage=${fields.stage}`,
      `mayHaveLanded=${fields.mayHaveLanded}`,
    ];
    super("WRITE", shortMessage, { details: details.filter(Boolean).join("; "), cause: options.cause });
    this.recordId = fields.recordId;
    this.mayHaveLanded = fields.mayHaveLanded;
    this.stage = fields.stage;
  }
}
