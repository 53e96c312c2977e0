/**
 * Record and batch ids as `RecordRegistry` derives them: a version is keyed by its patient, its author and the
 * SHA-256 digest of its ciphertext, a batch by its patient, its author and its Merkle root, so nobody can take an
 * id before its author anchors it.
 */
import { concat, getAddress, keccak256, zeroPadValue } from "ethers";
import type { CID } from "multiformats/cid";

import { checkBytes } from "../crypto/bytes.js";

/**
 * `abi.encode(address, address, bytes32)`: three static words, written directly (an `AbiCoder` parses its types on
 * every call, which a batch of thousands of records pays for each one).
 */
function encodeIdWords(patient: string, author: string, word: Uint8Array | string): string {
  return concat([zeroPadValue(getAddress(patient), 32), zeroPadValue(getAddress(author), 32), zeroPadValue(word, 32)]);
}

/**
 * The id of the version of `patient`'s record that `author` anchors with ciphertext `contentCid`:
 * `keccak256(abi.encode(patient, author, sha256 digest of contentCid))` (`RecordRegistry.recordIdOf`).
 * @param patient - The patient's address.
 * @param author - The anchoring account's address.
 * @param contentCid - The CID of the encrypted record (sha2-256).
 * @returns The record id, 0x hex.
 * @throws {Error} When an address is malformed (ethers' `getAddress`).
 */
export function recordIdOf(patient: string, author: string, contentCid: CID): string {
  const digest = contentCid.multihash.digest;
  checkBytes("contentCid digest", digest, 32);
  return keccak256(encodeIdWords(patient, author, digest));
}

/**
 * The id of the batch of `patient` that `author` anchors under Merkle `root`:
 * `keccak256(abi.encode(patient, author, root))` (`RecordRegistry.batchIdOf`).
 * @param patient - The patient's address.
 * @param author - The anchoring account's address.
 * @param root - The batch's Merkle root, 0x hex.
 * @returns The batch id, 0x hex.
 * @throws {Error} When an address or the root is malformed.
 */
export function batchIdOf(patient: string, author: string, root: string): string {
  if (!/^0x[0-9a-fA-F]{64}$/.test(root)) throw new TypeError(`root: expected 32 bytes of 0x hex, got ${root}`);
  return keccak256(encodeIdWords(patient, author, root));
}
