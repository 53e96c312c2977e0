/**
 * Errors about data: integrity, decryption, format, size limits, FHIR validation, missing blobs, deployments.
 * @module
 */
import { CarechainError, type CarechainErrorOptions } from "./base.js";

/** Bytes read from a store do not hash to the CID they were asked for (a tampered or corrupted blob). */
export class IntegrityError extends CarechainError {
  constructor(shortMessage: string, options?: CarechainErrorOptions) {
    super("INTEGRITY", shortMessage, options);
  }
}

/**
 * A decrypted record holds content in a category its anchor does not carry: its writer anchored it with a category
 * mask narrower than its content (e.g. a Laboratory Observation `contained` in a record anchored as Problems), so
 * its readers' consent was never asked for that category. The reader's SDK refuses the whole record.
 */
export class RecordCategoryMismatchError extends CarechainError {
  constructor(shortMessage: string, options?: CarechainErrorOptions) {
    super("CATEGORY_MISMATCH", shortMessage, options);
  }
}

/**
 * The record id of a pending write is already anchored, but not as this write: another patient, author,
 * category mask, content or keyring CID, or amended version. The write is not taken as done; it stays in the
 * journal for the caller to inspect.
 */
export class RecordAnchorConflictError extends CarechainError {
  constructor(shortMessage: string, options?: CarechainErrorOptions) {
    super("ANCHOR_CONFLICT", shortMessage, options);
  }
}

/** Authenticated decryption failed: wrong key, altered ciphertext or header, or a truncated envelope. */
export class DecryptionError extends CarechainError {
  constructor(shortMessage: string, options?: CarechainErrorOptions) {
    super("DECRYPTION", shortMessage, options);
  }
}

/** An envelope or keyring is not in a format this SDK understands (bad magic, unknown suite, bad length). */
export class FormatError extends CarechainError {
  constructor(shortMessage: string, options?: CarechainErrorOptions) {
    super("FORMAT", shortMessage, options);
  }
}

/** The keyring of a record holds no wrapped key for the caller's identity key. */
export class NotARecipientError extends CarechainError {
  constructor(shortMessage: string, options?: CarechainErrorOptions) {
    super("NOT_A_RECIPIENT", shortMessage, options);
  }
}

/** A blob store has no blob for the requested CID. */
export class BlobNotFoundError extends CarechainError {
  constructor(shortMessage: string, options?: CarechainErrorOptions) {
    super("BLOB_NOT_FOUND", shortMessage, options);
  }
}

/**
 * A blob store could not be reached or did not do what was asked (connection refused, timeout, an unexpected
 * HTTP status or reply). Says nothing about the blob itself: retry later or check the store's URL.
 */
export class StoreUnavailableError extends CarechainError {
  constructor(shortMessage: string, options?: CarechainErrorOptions) {
    super("STORE_UNAVAILABLE", shortMessage, options);
  }
}

/** One problem found by the FHIR validator. */
export interface FhirIssue {
  /** FHIRPath-like location of the problem, e.g. `Observation.status`. */
  path: string;
  /** What is wrong there. */
  message: string;
}

/** A FHIR resource failed validation (before encryption or after decryption). */
export class FhirValidationError extends CarechainError {
  /** Every problem found, with its element path. */
  readonly issues: readonly FhirIssue[];

  constructor(shortMessage: string, issues: readonly FhirIssue[], options?: CarechainErrorOptions) {
    super("FHIR_INVALID", shortMessage, {
      ...options,
      details: options?.details ?? issues.map((i) => `${i.path}: ${i.message}`).join("; "),
    });
    this.issues = issues;
  }
}

/**
 * A FHIR record is over one of the size limits (sdk/fhir/limits.ts: bytes, JSON values, nesting), refused before
 * it is validated — or, for JSON, before it is fully parsed.
 */
export class FhirSizeLimitError extends FhirValidationError {
  /** The limit's name (a key of `FHIR_LIMITS`): `fhirJsonBytes`, `fhirJsonValues` or `fhirJsonDepth`. */
  readonly limit: string;
  /** The size or count found (for values and depth: the first one over the limit). */
  readonly actual: number;
  /** The limit. */
  readonly max: number;

  constructor(limit: string, actual: number, max: number, options?: CarechainErrorOptions) {
    super(
      `The FHIR record is too large: over the ${limit} limit.`,
      [{ path: "$", message: `${limit}: ${actual} > ${max}` }],
      options,
    );
    this.limit = limit;
    this.actual = actual;
    this.max = max;
  }
}

/** A deployment description is missing, incomplete or for another chain. */
export class DeploymentError extends CarechainError {
  constructor(shortMessage: string, options?: CarechainErrorOptions) {
    super("DEPLOYMENT", shortMessage, options);
  }
}

/** Why 32 bytes are not a usable X25519 public key (see `assertX25519PublicKey`). */
export type PublicKeyProblem = "non-canonical" | "low-order";

/**
 * 32 bytes that are not a usable X25519 public key: a non-canonical encoding (bit 255 set, or u >= 2^255 - 19) or
 * a small-order point (no record key can be wrapped for it). The Directory refuses the same keys
 * (`DirectoryNonCanonicalEncryptionKey`, `DirectoryLowOrderEncryptionKey`).
 */
export class InvalidPublicKeyError extends CarechainError {
  /** What is wrong with the key. */
  readonly problem: PublicKeyProblem;

  constructor(problem: PublicKeyProblem, shortMessage: string, options?: CarechainErrorOptions) {
    super("INVALID_PUBLIC_KEY", shortMessage, options);
    this.problem = problem;
  }
}

/**
 * An object is over one of Carechain's documented size or count limits (sdk/limits.ts): refused before it is
 * parsed when read, and not created when written. A {@link FormatError} (an object no conforming writer makes),
 * with its own code.
 */
export class SizeLimitError extends FormatError {
  /** The limit's name (a key of `LIMITS`), e.g. `keyringBytes`. */
  readonly limit: string;
  /** The size or count found. */
  readonly actual: number;
  /** The limit. */
  readonly max: number;

  constructor(what: string, limit: string, actual: number, max: number, options?: CarechainErrorOptions) {
    super(`The ${what} is too long: over the ${limit} limit.`, {
      ...options,
      details: options?.details ?? `${limit}: ${actual} > ${max}`,
    });
    (this as { code: string }).code = "SIZE_LIMIT";
    this.limit = limit;
    this.actual = actual;
    this.max = max;
  }
}

/**
 * A batch manifest lists a record in a category the batch did not declare on chain (so its author's write
 * consent was never checked for it): the entry is not a record of the batch.
 */
export class BatchCategoryNotDeclaredError extends CarechainError {
  constructor(shortMessage: string, options?: CarechainErrorOptions) {
    super("BATCH_CATEGORY_NOT_DECLARED", shortMessage, options);
  }
}
