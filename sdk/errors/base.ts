/**
 * The one error base of the SDK. Every failure the SDK reports is a `CarechainError` with a stable
 * `code`; `shortMessage` is one human sentence, `details` the technical context, `cause` the
 * underlying error if any.
 */
export interface CarechainErrorOptions {
  /** Technical context (ids, lengths, addresses). */
  details?: string;
  /** The error that caused this one. */
  cause?: unknown;
}

/** Base class of every error thrown by the Carechain SDK. */
export class CarechainError extends Error {
  /** A stable machine-readable code, e.g. `INTEGRITY`, `DECRYPTION`, `CONTRACT_REVERT`. */
  readonly code: string;
  /** One sentence saying what went wrong. */
  readonly shortMessage: string;
  /** Technical context, if any. */
  readonly details?: string;

  constructor(code: string, shortMessage: string, options: CarechainErrorOptions = {}) {
    super(options.details ? `${shortMessage}\n\nDetails: ${options.details}` : shortMessage, {
      cause: options.cause,
    });
    this.name = new.target.name;
    this.code = code;
    this.shortMessage = shortMessage;
    this.details = options.details;
  }

  /**
   * Walks the `cause` chain and returns the first error for which `predicate` holds
   * (or the deepest error when no predicate is given).
   * @param predicate - Test applied to this error and each cause in turn.
   * @returns The matching error, or `undefined` when a predicate matches nothing.
   */
  walk(predicate?: (error: unknown) => boolean): unknown {
    return walkCauses(this, predicate);
  }
}

/** {@link CarechainError.walk} from `start`: the first of `start` and its causes that `predicate` holds for. */
function walkCauses(start: unknown, predicate?: (error: unknown) => boolean): unknown {
  let current = start;
  let last = start;
  while (current !== undefined && current !== null) {
    if (predicate?.(current)) return current;
    last = current;
    current = (current as { cause?: unknown }).cause;
  }
  return predicate ? undefined : last;
}
