/** Record helpers shared by the actions: the AEAD context, object faults, size and read checks, record lists. */
import { PurposeOfUse } from "../../chain/purpose.js";
import { concatBytes, fromHex, toHex, utf8 } from "../../crypto/bytes.js";
import type { CarechainError } from "../../errors/base.js";
import { RecordErasedError } from "../../errors/contract.js";
import {
  BatchCategoryNotDeclaredError,
  BlobNotFoundError,
  DecryptionError,
  FhirValidationError,
  FormatError,
  IntegrityError,
  InvalidPublicKeyError,
  NotARecipientError,
} from "../../errors/data.js";
import { checkLimit, MAX_RECORD_BYTES } from "../../limits.js";
import type { LoggedRead, RecordAnchor, RecordList, SkippedObject } from "../types.js";

const RECORD_CONTEXT = utf8("carechain/record/v2");

/**
 * The AEAD context of a record: binds the ciphertext to its patient, its author (so nobody can anchor another
 * author's ciphertext as its own) and its category mask (8 bytes, big-endian).
 * @param patient - The patient's address.
 * @param author - The author's address.
 * @param mask - The anchored category mask.
 * @returns The associated data.
 */
export function recordContext(patient: string, author: string, mask: bigint): Uint8Array {
  const maskBytes = new Uint8Array(8);
  new DataView(maskBytes.buffer).setBigUint64(0, mask);
  return concatBytes(RECORD_CONTEXT, fromHex("patient", patient, 20), fromHex("author", author, 20), maskBytes);
}

/**
 * Whether `error` is about one object (a blob, keyring, manifest or key that is missing, malformed, oversized,
 * tampered or not ours, or a record its patient erased) — skipped and reported by the operations that isolate failures — rather than about the
 * chain or a store being unreachable (thrown).
 * @param error - Anything thrown.
 * @returns True for an object fault.
 */
export function isObjectFault(error: unknown): error is CarechainError {
  return (
    error instanceof IntegrityError ||
    error instanceof DecryptionError ||
    error instanceof FormatError ||
    error instanceof NotARecipientError ||
    error instanceof BlobNotFoundError ||
    error instanceof BatchCategoryNotDeclaredError ||
    error instanceof InvalidPublicKeyError ||
    error instanceof FhirValidationError ||
    error instanceof RecordErasedError
  );
}

/**
 * Refuses a resource whose JSON is over `MAX_RECORD_BYTES` before it is validated (the exact check is on its
 * canonical JSON after validation; canonical JSON and `JSON.stringify` differ only in key order).
 * @param resource - The resource as given.
 * @throws {SizeLimitError} When it is too large.
 */
export function checkRecordSize(resource: unknown): void {
  let json: unknown;
  try {
    json = JSON.stringify(resource);
  } catch {
    return; // not JSON at all: the validator says why
  }
  // `undefined` (which the lib's `string` return type leaves out) for undefined, a function or a symbol.
  if (typeof json !== "string") return;
  if (json.length > MAX_RECORD_BYTES) checkLimit("recordBytes", json.length, "record");
  else checkLimit("recordBytes", utf8(json).length, "record");
}

/**
 * `records` with a non-enumerable `skipped` field (see {@link RecordList}).
 * @param records - The anchors.
 * @param skipped - What was left out.
 * @returns The same array, as a {@link RecordList}.
 */
export function withSkipped(records: RecordAnchor[], skipped: readonly SkippedObject[]): RecordList {
  return Object.defineProperty(records, "skipped", { value: skipped, enumerable: false }) as RecordList;
}

/**
 * `reads` checked and encoded for the contract: record ids as 32-byte hex, purposes as PurposeOfUse numbers.
 * @param reads - The reads.
 * @returns The encoded reads.
 * @throws {RangeError} When `reads` is empty or a purpose is unknown.
 * @throws {TypeError | RangeError} When a record id is not 32 bytes of hex.
 */
export function checkedReads(reads: readonly LoggedRead[]): { recordId: string; purpose: number }[] {
  if (reads.length === 0) throw new RangeError("reads: at least one read is needed");
  return reads.map((read, i) => {
    const purpose = read.purpose ?? "TREAT";
    if (!Object.hasOwn(PurposeOfUse, purpose))
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-conversion -- a JavaScript caller may pass a symbol, which a template literal throws on
      throw new RangeError(`reads[${i}].purpose: unknown purpose ${String(purpose)}`);
    return { recordId: toHex(fromHex(`reads[${i}].recordId`, read.recordId, 32)), purpose: PurposeOfUse[purpose] };
  });
}
