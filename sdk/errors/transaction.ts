/**
 * The typed error of a transaction that failed for another reason than a contract revert: refused by the node
 * (nonce, funds, gas), lost on the network, or not mined in time.
 * @module
 */
import { CarechainError } from "./base.js";

/** What a {@link TransactionError} knows about the failed send. */
export interface TransactionErrorFields {
  /** The SDK operation that sent the transaction, e.g. `grant`, `anchor`, `deploy Directory`. */
  readonly action: string;
  /**
   * The code of the underlying failure: an ethers error code (`NONCE_EXPIRED`, `INSUFFICIENT_FUNDS`,
   * `REPLACEMENT_UNDERPRICED`, `NETWORK_ERROR`, `TIMEOUT`, `SERVER_ERROR`, `UNKNOWN_ERROR`, …) or, for a raw socket
   * failure, Node's system error code (`ECONNRESET`, `ECONNREFUSED`, …); `undefined` when the cause carries none.
   */
  readonly causeCode?: string;
  /** The JSON-RPC node's own message, when the node answered with an error (e.g. "Nonce too low. Expected …"). */
  readonly nodeMessage?: string;
  /** The sending account, when known. */
  readonly from?: string;
  /** The nonce the transaction was sent with, when the SDK chose it. */
  readonly nonce?: number;
  /** The transaction hash, when the transaction was broadcast. */
  readonly transactionHash?: string;
  /**
   * False when the node certainly did not take the transaction (it answered with a refusal, or the failure came
   * before anything was sent); true when it was broadcast or when that can't be told (a connection cut mid-request),
   * so it may still be mined: check before sending it again (the SDK's journal does, for record anchors).
   */
  readonly mayHaveLanded: boolean;
}

/**
 * A transaction failed without a contract revert. Code `CHAIN`, like every failure of the chain connection; the
 * fields say which operation, what the cause's code and the node's message were, and whether it may have landed.
 */
export class TransactionError extends CarechainError implements TransactionErrorFields {
  readonly action: string;
  readonly causeCode?: string;
  readonly nodeMessage?: string;
  readonly from?: string;
  readonly nonce?: number;
  readonly transactionHash?: string;
  readonly mayHaveLanded: boolean;

  /**
   * @param shortMessage - One sentence naming the operation and the cause.
   * @param fields - What is known about the send.
   * @param options - `cause`: the underlying error.
   */
  constructor(shortMessage: string, fields: TransactionErrorFields, options: { cause?: unknown } = {}) {
    const details = [
      fields.causeCode && `code=${fields.causeCode}`,
      fields.nodeMessage && `node: ${fields.nodeMessage}`,
      fields.from && `from=${fields.from}`,
      fields.nonce !== undefined && `nonce=${fields.nonce}`,
      fields.transactionHash && `tx=${fields.transactionHash}`,
      `mayHaveLanded=${fields.mayHaveLanded}`,
    ].filter(Boolean);
    super("CHAIN", shortMessage, { details: details.join("; "), cause: options.cause });
    this.action = fields.action;
    this.causeCode = fields.causeCode;
    this.nodeMessage = fields.nodeMessage;
    this.from = fields.from;
    this.nonce = fields.nonce;
    this.transactionHash = fields.transactionHash;
    this.mayHaveLanded = fields.mayHaveLanded;
  }
}
