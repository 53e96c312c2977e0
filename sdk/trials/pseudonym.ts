/**
 * Study-specific pseudonyms: an EVM account per (patient, study), derived from the patient's identity secret key
 * and the study id with HKDF-SHA256 (RFC 5869). Nobody without the secret key can link two pseudonyms of one patient,
 * or a pseudonym to the patient's own account; the patient can always re-derive it.
 */
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { Wallet, type Provider } from "ethers";

import { checkBytes, fromHex, toHex, utf8 } from "../crypto/bytes.js";

const INFO = utf8("carechain/study-pseudonym/v1");

/**
 * The pseudonym account of a patient in a study.
 * @param identitySecretKey - The patient's 32-byte X25519 identity secret key.
 * @param studyId - The study's 32-byte id (0x hex).
 * @param provider - Optional provider to connect the wallet to.
 * @returns The pseudonym's wallet (its own key; fund it, or relay its transactions).
 * @throws {RangeError} When the key or the id is not 32 bytes.
 */
export function studyPseudonym(identitySecretKey: Uint8Array, studyId: string, provider?: Provider): Wallet {
  checkBytes("identitySecretKey", identitySecretKey, 32);
  const salt = fromHex("studyId", studyId, 32);
  // Re-derive with a counter in the rare case the output is not a valid secp256k1 scalar (RFC 6979-style retry).
  for (let counter = 0; ; counter++) {
    const key = hkdf(sha256, identitySecretKey, salt, new Uint8Array([...INFO, counter]), 32);
    if (secp256k1.utils.isValidSecretKey(key)) return new Wallet(toHex(key), provider ?? null);
  }
}
