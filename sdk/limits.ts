/**
 * @module
 * The size and count limits of Carechain objects, in one place. The writer refuses to create an object over a
 * limit and the reader refuses to parse one (the byte size is checked before any parsing), with the same numbers
 * on both sides, so nothing a conforming writer creates is refused by a reader and nothing over a limit is ever
 * parsed. Documented in docs/records.md ("Limits").
 */

import { SizeLimitError } from "./errors/data.js";

/** Most recipients (wrapped keys) in one keyring. */
export const MAX_KEYRING_RECIPIENTS = 10_000;

/**
 * Most bytes of one encoded keyring: the v1 header and {@link MAX_KEYRING_RECIPIENTS} entries of
 * `{"key":"0x…64","enc":"0x…64","wrapped":"0x…96"},` (263 bytes each), rounded up to 3 MiB.
 */
export const MAX_KEYRING_BYTES = 3 * 2 ** 20;

/** Most records in one batch manifest (one `anchorBatch`). */
export const MAX_MANIFEST_ENTRIES = 10_000;

/**
 * Most bytes of one encoded batch manifest: {@link MAX_MANIFEST_ENTRIES} entries of
 * `{"recordId":"0x…64","category":63,"content":"bafk…","keyring":"bafk…"},` (about 250 bytes each) plus the
 * header, rounded up to 4 MiB.
 */
export const MAX_MANIFEST_BYTES = 4 * 2 ** 20;

/**
 * Most bytes of one record's plaintext (its canonical FHIR JSON). Large files go in attachments (streamed, no
 * limit here), not in the record.
 */
export const MAX_RECORD_BYTES = 8 * 2 ** 20;

/**
 * Most bytes of one record's envelope (its ciphertext as stored): {@link MAX_RECORD_BYTES} of plaintext sealed
 * with the smallest chunk size the envelope format allows (1 KiB, so one 16-byte tag per KiB) and its 25-byte
 * header.
 */
export const MAX_RECORD_ENVELOPE_BYTES = MAX_RECORD_BYTES + (MAX_RECORD_BYTES / 2 ** 10 + 1) * 16 + 25;

/** The limits by name, as {@link SizeLimitError.limit} names them. */
export const LIMITS = {
  keyringRecipients: MAX_KEYRING_RECIPIENTS,
  keyringBytes: MAX_KEYRING_BYTES,
  manifestEntries: MAX_MANIFEST_ENTRIES,
  manifestBytes: MAX_MANIFEST_BYTES,
  recordBytes: MAX_RECORD_BYTES,
  recordEnvelopeBytes: MAX_RECORD_ENVELOPE_BYTES,
} as const;

/** The name of one limit. */
export type LimitName = keyof typeof LIMITS;

/**
 * Checks a size or count against its limit.
 * @param limit - Which limit (see {@link LIMITS}).
 * @param actual - The size or count found.
 * @param what - What was measured, for the message (e.g. "keyring").
 * @throws {SizeLimitError} When `actual` is above the limit.
 */
export function checkLimit(limit: LimitName, actual: number, what: string): void {
  const max = LIMITS[limit];
  if (actual > max) throw new SizeLimitError(what, limit, actual, max);
}
