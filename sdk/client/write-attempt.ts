/**
 * One record write's progress, for its error: the record id, the stage it is at, and whether its anchor may be on
 * chain. Every failure of a write goes through {@link RecordWrite.error}, so the caller sees a typed error carrying
 * the id, never a raw ethers or store error.
 * @module
 */
import { CarechainError } from "../errors/base.js";
import { ContractRevertError, UnknownRevertError } from "../errors/contract.js";
import { RecordAnchorConflictError } from "../errors/data.js";
import { PqKeyDocumentError, PqKeyRequiredError } from "../errors/privacy.js";
import { TransactionError } from "../errors/transaction.js";
import { WriteError, type WriteStage } from "../errors/write.js";

/** Where a record write is; see {@link RecordWrite.error}. */
export class RecordWrite {
  /** The record version id, when derived. */
  readonly recordId: string | undefined;
  /** Whether the anchor may be on chain (sticky: once true, stays true). */
  mayHaveLanded: boolean;
  /** The stage the write is at. */
  stage: WriteStage = "read";

  /**
   * @param recordId - The record id, when known.
   * @param mayHaveLanded - True for a write found in the journal (an earlier attempt may have sent it).
   */
  constructor(recordId: string | undefined, mayHaveLanded = false) {
    this.recordId = recordId;
    this.mayHaveLanded = mayHaveLanded;
  }

  /**
   * Runs `work` as stage `stage` of the write.
   * @param stage - What the work is.
   * @param work - The work.
   * @returns What `work` returns.
   */
  async step<T>(stage: WriteStage, work: () => Promise<T>): Promise<T> {
    this.stage = stage;
    return work();
  }

  /**
   * Notes a failed anchor send: a {@link TransactionError} that may have landed, or an on-chain revert, makes the
   * whole write "may have landed".
   * @param error - The send's error.
   */
  sendFailed(error: unknown): void {
    if ((error instanceof TransactionError && error.mayHaveLanded) || error instanceof UnknownRevertError)
      this.mayHaveLanded = true;
  }

  /**
   * The error the caller sees for `error`: refusals that are definite answers about this write (a contract revert
   * decoded into its class, an anchor conflict, a reader's post-quantum key refused) as they are; everything else
   * (a failed read, store, send or journal operation: raw ethers and Node errors, `TransactionError`,
   * `LogQueryError`, store errors) as a {@link WriteError} with the record id, the stage and whether the write may have landed.
   * @param error - What was thrown.
   * @returns The typed error to throw.
   */
  error(error: unknown): CarechainError {
    if (error instanceof WriteError) return error;
    if (error instanceof RecordAnchorConflictError) return error;
    // A reader's post-quantum key that is required but absent, or committed but unverifiable: a refusal of this
    // write's readers, raised before anything of it is stored.
    if (error instanceof PqKeyRequiredError || error instanceof PqKeyDocumentError) return error;
    if (error instanceof ContractRevertError && !(error instanceof UnknownRevertError)) return error;
    const mayHaveLanded =
      this.mayHaveLanded || (error instanceof TransactionError && error.mayHaveLanded && this.stage === "anchor");
    const what =
      error instanceof CarechainError
        ? error.shortMessage
        : error instanceof Error
          ? error.message.split("\n")[0]
          : String(error);
    return new WriteError(
      `The record write failed at the ${this.stage} stage${mayHaveLanded ? " and may have been anchored" : ""}: ${what}`,
      { recordId: this.recordId, mayHaveLanded, stage: this.stage },
      { cause: error },
    );
  }
}
