/**
 * Errors of reading the chain through an RPC provider (paged log reads).
 * @module
 */
import { CarechainError, type CarechainErrorOptions } from "./base.js";

/** Event logs could not be read: the provider kept failing or refuses even the smallest page. Code `LOG_QUERY`. */
export class LogQueryError extends CarechainError {
  constructor(message: string, options: CarechainErrorOptions = {}) {
    super("LOG_QUERY", message, options);
  }
}
