/**
 * Errors of reading from an index source (the Carechain indexer's HTTP API).
 * @module
 */
import { CarechainError, type CarechainErrorOptions } from "./base.js";

/** Base of the index-source errors; `code` says which one. */
export class IndexSourceError extends CarechainError {}

/**
 * The indexer could not be reached or did not answer in time: connection refused or reset, timeout, HTTP 5xx or
 * 429, or it has not indexed any block yet. Code `INDEX_UNAVAILABLE`. Reading from the chain instead is the
 * fallback.
 */
export class IndexUnavailableError extends IndexSourceError {
  constructor(message: string, options: CarechainErrorOptions = {}) {
    super("INDEX_UNAVAILABLE", message, options);
  }
}

/**
 * The indexer answered something the SDK does not accept: a refusal (HTTP 4xx), a body that is not the expected
 * JSON, or a value of the wrong shape (an address, id, CID or number that does not parse). Code `INDEX_RESPONSE`.
 */
export class IndexResponseError extends IndexSourceError {
  /** The HTTP status, when the indexer answered with one. */
  readonly status?: number;

  constructor(message: string, options: CarechainErrorOptions & { status?: number } = {}) {
    super("INDEX_RESPONSE", message, options);
    this.status = options.status;
  }
}

/** The indexer indexes another chain or other contracts than the deployment the client uses. Code `INDEX_MISMATCH`. */
export class IndexMismatchError extends IndexSourceError {
  constructor(message: string, options: CarechainErrorOptions = {}) {
    super("INDEX_MISMATCH", message, options);
  }
}

/**
 * The indexer has not indexed the block the caller needs yet (a read after one's own write). Code `INDEX_BEHIND`.
 * `head` is the last indexed block, `wanted` the block asked for.
 */
export class IndexBehindError extends IndexSourceError {
  readonly head: number;
  readonly wanted: number;

  constructor(head: number, wanted: number, options: CarechainErrorOptions = {}) {
    super("INDEX_BEHIND", "The indexer has not reached the block asked for yet.", {
      details: `indexed up to block ${head}, asked for block ${wanted}`,
      ...options,
    });
    this.head = head;
    this.wanted = wanted;
  }
}

/**
 * The index's answer contradicts the chain: an anchor whose patient, author, categories, version links or CIDs are
 * not what the chain holds, or a transaction that did not emit what the index says. The index is wrong or hostile;
 * nothing from the answer was used. Code `INDEX_CONTRADICTED`.
 */
export class IndexContradictedError extends IndexSourceError {
  constructor(message: string, options: CarechainErrorOptions = {}) {
    super("INDEX_CONTRADICTED", message, options);
  }
}
