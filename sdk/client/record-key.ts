/**
 * The data key of a record version, derived instead of drawn at random, so that writing the same content twice (a
 * retry after a lost answer, a re-run after a crash) gives the same ciphertext, the same content CID and therefore
 * the same record id: the contract refuses the second anchor and the SDK resolves to the first.
 * @module
 */
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { getAddress } from "ethers";

import { concatBytes, fromHex, utf8 } from "../crypto/bytes.js";

const SALT = utf8("carechain/record-key/v1");
const DEK_LENGTH = 32;
const PREFIX_LENGTH = 19;

/** What a record version's key is derived from, besides the author's identity secret key. */
export interface RecordKeyInput {
  /** The patient's address. */
  readonly patient: string;
  /** The author's address. */
  readonly author: string;
  /** The anchored category mask. */
  readonly categoryMask: bigint;
  /** The version amended (0x00…00 for a new record), 0x hex of 32 bytes. */
  readonly previous: string;
  /** The record's canonical plaintext. */
  readonly plaintext: Uint8Array;
}

/**
 * The DEK and envelope nonce prefix of a record version: HKDF-SHA256 keyed with the author's identity secret key
 * over (patient, author, category mask, previous version, SHA-256 of the plaintext). Each DEK encrypts exactly one
 * plaintext, so the derived nonce prefix is never reused under a key for different content. Only the author (who
 * holds the secret) can tell that two envelopes hold the same content; to anyone else they are as random as before.
 * @param secretKey - The author's 32-byte X25519 identity secret key.
 * @param input - Patient, author, mask, previous version and plaintext.
 * @returns `dek` (32 bytes) and `noncePrefix` (19 bytes) for `encryptEnvelope`.
 * @throws {RangeError} When the secret key is not 32 bytes or `previous` not 32 bytes of hex.
 */
export function deriveRecordKey(
  secretKey: Uint8Array,
  input: RecordKeyInput,
): { dek: Uint8Array; noncePrefix: Uint8Array } {
  if (secretKey.length !== 32) throw new RangeError(`secretKey: expected 32 bytes, got ${secretKey.length}`);
  const mask = fromHex("categoryMask", input.categoryMask.toString(16).padStart(64, "0"), 32);
  const info = concatBytes(
    fromHex("patient", getAddress(input.patient), 20),
    fromHex("author", getAddress(input.author), 20),
    mask,
    fromHex("previous", input.previous, 32),
    sha256(input.plaintext),
  );
  const okm = hkdf(sha256, secretKey, SALT, info, DEK_LENGTH + PREFIX_LENGTH);
  return { dek: okm.slice(0, DEK_LENGTH), noncePrefix: okm.slice(DEK_LENGTH) };
}
