/**
 * The hashes the supply-chain contracts see instead of business data: salted commitments to units, opaque lot
 * ids, nullifiers of spent units, hidden recipients and GLN commitments, and the Merkle tree of a lot's units.
 * Salts come from a per-lot secret (HMAC-SHA256), so a manufacturer keeps one 32-byte secret per lot, not one
 * salt per unit, and a unit's salt reveals nothing about its neighbours.
 * @module
 */
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { AbiCoder, keccak256 } from "ethers";

import { StandardMerkleTree, standardLeafHash } from "../content/merkle.js";
import { checkBytes, fromHex, toHex, utf8 } from "../crypto/bytes.js";
import type { ProductIdentifier } from "./product-identifier.js";

const coder = AbiCoder.defaultAbiCoder();
/** keccak256("carechain.supplychain.spent"), the ProductLedger's nullifier domain. */
const NULLIFIER_DOMAIN = keccak256(utf8("carechain.supplychain.spent"));

/** A 32-byte value as `0x…` hex. */
export type Bytes32 = `0x${string}`;

/**
 * The salt of one unit: HMAC-SHA256(lotSecret, "unit:" + serial).
 * @param lotSecret - The lot's 32-byte secret (kept by the commissioner, shared with custodians of the lot).
 * @param serial - The unit's serial number.
 * @returns The unit's salt.
 * @throws {TypeError} When `lotSecret` is not 32 bytes.
 */
export function unitSalt(lotSecret: Uint8Array, serial: string): Bytes32 {
  checkBytes("lotSecret", lotSecret, 32);
  return toHex(hmac(sha256, lotSecret, utf8(`unit:${serial}`)));
}

/**
 * A unit's commitment: keccak256(abi.encode(salt, gtin, serial, lot, expiry)).
 * @param id - The unit's product identifier.
 * @param salt - Its salt ({@link unitSalt}).
 * @returns The commitment, the value the lot's Merkle tree and the contracts hold.
 */
export function unitCommitment(id: ProductIdentifier, salt: Bytes32): Bytes32 {
  return toHex(keccak_256(encodeCommitment(fromHex("salt", salt, 32), [id.gtin, id.serial, id.lot, id.expiry])));
}

/**
 * `abi.encode(bytes32, string, string, string, string)`, written out (a lot commits to 10⁵ units: the generic
 * ABI coder would dominate). Head: the salt and four offsets; tail: each string's length and padded bytes.
 */
function encodeCommitment(salt: Uint8Array, strings: readonly string[]): Uint8Array {
  const data = strings.map(utf8);
  // Each string's tail: its length word and its bytes padded to 32.
  const tailOf = (d: Uint8Array): number => 32 + Math.ceil(d.length / 32) * 32;
  const tails = data.map(tailOf);
  const out = new Uint8Array(32 * (1 + strings.length) + tails.reduce((a, b) => a + b, 0));
  const view = new DataView(out.buffer);
  out.set(salt, 0);
  let offset = 32 * (1 + strings.length);
  data.forEach((d, i) => {
    view.setUint32(32 * (i + 1) + 28, offset);
    view.setUint32(offset + 28, d.length);
    out.set(d, offset + 32);
    offset += tailOf(d);
  });
  return out;
}

/**
 * A lot's on-chain id: keccak256(abi.encode(HMAC-SHA256(lotSecret, "lot"), gtin, lot)) — opaque without the secret.
 * @param lotSecret - The lot's 32-byte secret.
 * @param gtin - GTIN-14.
 * @param lot - Lot number.
 * @returns The lot id.
 */
export function lotIdOf(lotSecret: Uint8Array, gtin: string, lot: string): Bytes32 {
  checkBytes("lotSecret", lotSecret, 32);
  const salt = toHex(hmac(sha256, lotSecret, utf8("lot")));
  return keccak256(coder.encode(["bytes32", "string", "string"], [salt, gtin, lot])) as Bytes32;
}

/**
 * The nullifier a dispensed or decommissioned unit is known by on chain (ProductLedger.nullifierOf).
 * @param commitment - The unit's commitment.
 * @returns keccak256(abi.encode(keccak256("carechain.supplychain.spent"), commitment)).
 */
export function nullifierOf(commitment: Bytes32): Bytes32 {
  return keccak256(coder.encode(["bytes32", "bytes32"], [NULLIFIER_DOMAIN, commitment])) as Bytes32;
}

/**
 * The hidden recipient of a shipment: keccak256(abi.encode(recipient, salt)).
 * @param recipient - The recipient's address.
 * @param salt - A random 32-byte salt, given to whoever must check the custody chain.
 * @returns The recipient commitment.
 */
export function recipientCommitment(recipient: string, salt: Bytes32): Bytes32 {
  return keccak256(coder.encode(["address", "bytes32"], [recipient, salt])) as Bytes32;
}

/**
 * A partner's GLN commitment for the TradingPartners registry: keccak256(abi.encode(salt, gln)).
 * @param gln - The 13-digit Global Location Number.
 * @param salt - A random 32-byte salt.
 * @returns The commitment.
 */
export function glnCommitment(gln: string, salt: Bytes32): Bytes32 {
  return keccak256(coder.encode(["bytes32", "string"], [salt, gln])) as Bytes32;
}

/**
 * A partner's licence commitment for the TradingPartners registry: keccak256(abi.encode(salt, licence)) — salted,
 * because licence numbers are few and guessable.
 * @param licence - The licence reference (issuer and number).
 * @param salt - A random 32-byte salt.
 * @returns The commitment.
 */
export function licenceCommitment(licence: string, salt: Bytes32): Bytes32 {
  return keccak256(coder.encode(["bytes32", "string"], [salt, licence])) as Bytes32;
}

/**
 * The Merkle leaf of a unit commitment, as ProductLedger hashes it.
 * @param commitment - The unit's commitment.
 * @returns keccak256(keccak256(abi.encode(commitment))).
 */
export function unitLeaf(commitment: Bytes32): Bytes32 {
  return standardLeafHash(["bytes32"], [commitment]) as Bytes32;
}

/**
 * The StandardMerkleTree of a set of unit commitments (a lot or a shipment).
 * @param commitments - The commitments (at least one).
 * @returns The tree; its `root` is what the ledger anchors.
 * @throws {RangeError} When `commitments` is empty.
 */
export function unitTree(commitments: readonly Bytes32[]): StandardMerkleTree<[Bytes32]> {
  return StandardMerkleTree.of(
    commitments.map((c) => [c] as [Bytes32]),
    ["bytes32"],
  );
}
