/**
 * Record and batch ids as `RecordRegistry` derives them: a version is keyed by its patient, its author and the
 * SHA-256 digest of its ciphertext, a batch by its patient, its author and its Merkle root, so nobody can take an
 * id before its author anchors it.
 */
import { AbiCoder, getAddress, keccak256 } from "ethers";
import type { CID } from "multiformats/cid";

import { toHex } from "../crypto/bytes.js";

const coder = AbiCoder.defaultAbiCoder();

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
  return keccak256(
    coder.encode(
      ["address", "address", "bytes32"],
      [getAddress(patient), getAddress(author), toHex(contentCid.multihash.digest)],
    ),
  );
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
  return keccak256(coder.encode(["address", "address", "bytes32"], [getAddress(patient), getAddress(author), root]));
}
