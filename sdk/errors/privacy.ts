/**
 * Errors of threshold emergency custody and post-quantum key lookup: a custodian's share that fails its commitment,
 * too few valid shares to rebuild a key, a post-quantum key document that does not match its on-chain commitment, and
 * a pseudonym operation that cannot go ahead.
 */
import { CarechainError, type CarechainErrorOptions } from "./base.js";

/** One custodian's answer is wrong: its share does not match the commitment in the custody document (a liar). */
export class CustodyShareMismatchError extends CarechainError {
  /** The share's index in the custody document. */
  readonly index: number;
  /**
   * @param index - The share's index.
   * @param shortMessage - One sentence.
   * @param options - Details and cause.
   */
  constructor(index: number, shortMessage: string, options?: CarechainErrorOptions) {
    super("CUSTODY_SHARE_MISMATCH", shortMessage, options);
    this.index = index;
  }
}

/** Fewer than the threshold of custodians answered with a valid share: the record key could not be rebuilt. */
export class CustodyThresholdError extends CarechainError {
  /** Shares needed. */
  readonly threshold: number;
  /** Valid shares received. */
  readonly valid: number;
  /** Why each other custodian failed, by share index. */
  readonly failures: ReadonlyMap<number, unknown>;
  /**
   * @param threshold - Shares needed.
   * @param valid - Valid shares received.
   * @param failures - Each failed custodian's error, by share index.
   */
  constructor(threshold: number, valid: number, failures: ReadonlyMap<number, unknown>) {
    super("CUSTODY_THRESHOLD", `Only ${valid} of the ${threshold} custody shares needed were valid.`, {
      details: [...failures]
        .map(([i, e]) => `share ${i}: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`)
        .join("; "),
      cause: failures.values().next().value,
    });
    this.threshold = threshold;
    this.valid = valid;
    this.failures = failures;
  }
}

/** A post-quantum key document is missing, malformed, or does not hash to the commitment the Directory holds. */
export class PqKeyDocumentError extends CarechainError {
  /**
   * @param shortMessage - One sentence.
   * @param options - Details and cause.
   */
  constructor(shortMessage: string, options?: CarechainErrorOptions) {
    super("PQ_KEY_DOCUMENT", shortMessage, options);
  }
}

/**
 * A writer whose post-quantum policy is `required` met a reader that has committed to no post-quantum key in the
 * Directory: nothing is wrapped, stored or anchored for the record.
 */
export class PqKeyRequiredError extends CarechainError {
  /** The reader without a post-quantum key (checksummed address). */
  readonly account: string;
  /**
   * @param account - The reader's address.
   * @param options - Details and cause.
   */
  constructor(account: string, options?: CarechainErrorOptions) {
    super("PQ_KEY_REQUIRED", "A reader has no post-quantum key in the Directory, and the policy requires one.", {
      details: account,
      ...options,
    });
    this.account = account;
  }
}

/** Threshold custody was asked for (a custodied write, `placeInCustody`) by a client configured with no custodian set. */
export class CustodianSetRequiredError extends CarechainError {
  /**
   * @param operation - What asked for custody.
   */
  constructor(operation: string) {
    super("CUSTODIAN_SET_REQUIRED", "Threshold custody needs a custodian set in the client's options.", {
      details: `${operation}: connect with { custodianSet: { threshold, nodes } }`,
    });
  }
}

/**
 * A must-log record left out of a grant's keyrings: its key is wrapped for the patient and the author only, and
 * every other reader reads it through the threshold custodian set, each read logged on chain first.
 */
export class MustLogRecordError extends CarechainError {
  /** The record version. */
  readonly recordId: string;
  /**
   * @param recordId - The record version.
   */
  constructor(recordId: string) {
    super("MUST_LOG_RECORD", "The record is must-log: a grantee reads it through the custodian set, not a keyring.", {
      details: recordId,
    });
    this.recordId = recordId;
  }
}

/**
 * A pseudonym operation cannot go ahead: the record is not one of this patient's pseudonyms, the target
 * relationship is unknown, or a pseudonym that must send a transaction itself holds no ETH and no funding hook was
 * given.
 */
export class PseudonymError extends CarechainError {
  /**
   * @param shortMessage - One sentence.
   * @param options - Details and cause.
   */
  constructor(shortMessage: string, options?: CarechainErrorOptions) {
    super("PSEUDONYM", shortMessage, options);
  }
}
