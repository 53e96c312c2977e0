/**
 * CIDs of Carechain objects (CIDv1, sha2-256, raw) and their verification against the bytes they name.
 * @module
 */
import { CID } from "multiformats/cid";
import * as raw from "multiformats/codecs/raw";
import { sha256 } from "multiformats/hashes/sha2";

import { checkBytes, equalBytes } from "../crypto/bytes.js";
import { IntegrityError } from "../errors/data.js";

/** Multicodec of UnixFS / dag-pb nodes (large files). */
export const DAG_PB_CODE = 0x70;
/** Multicodec of raw bytes (small objects: envelopes and keyrings). */
export const RAW_CODE = raw.code;

/**
 * The CIDv1 (raw codec, sha2-256) of `bytes`: what `ipfs add --raw-leaves --cid-version=1` prints for a
 * single-block file, and the address under which every store keeps the bytes.
 * @param bytes - The object to address.
 * @returns Its CID.
 * @example
 * const cid = await cidOf(new TextEncoder().encode("hello"));
 * cid.toString(); // "bafkrei..."
 */
export async function cidOf(bytes: Uint8Array): Promise<CID> {
  return CID.createV1(RAW_CODE, await sha256.digest(bytes));
}

/**
 * Normalises a CID given as a `CID`, a string (`bafk...`) or its binary form.
 * @param value - The CID in any of its forms.
 * @returns The CID object.
 * @throws {TypeError} When `value` is not a CID.
 */
export function toCid(value: CID | string | Uint8Array): CID {
  let cid: CID | null;
  try {
    cid = CID.asCID(value);
    if (!cid && typeof value === "string") cid = CID.parse(value);
    if (!cid && value instanceof Uint8Array) cid = CID.decode(value);
  } catch (cause) {
    throw new TypeError(`cid: not a valid CID (${String(cause)})`, { cause });
  }
  if (!cid) throw new TypeError("cid: expected a CID, a CID string or CID bytes");
  if (cid.multihash.code === sha256.code && cid.multihash.digest.length !== 32) {
    throw new TypeError(`cid: a sha2-256 digest has 32 bytes, got ${cid.multihash.digest.length}`);
  }
  return cid;
}

/**
 * Checks that `bytes` hash to `cid` (sha2-256 CIDs only: any other hash is refused, never trusted).
 * @param cid - The CID the bytes were fetched under.
 * @param bytes - The bytes a store returned.
 * @returns `bytes`, now verified.
 * @throws {IntegrityError} When the digest differs or the CID does not use sha2-256.
 * @throws {TypeError} When `cid` is not a CID or `bytes` not a Uint8Array.
 */
export async function verifyCid(cid: CID, bytes: Uint8Array): Promise<Uint8Array> {
  if (!CID.asCID(cid)) throw new TypeError("cid: expected a CID object (use toCid to normalise)");
  checkBytes("bytes", bytes);
  if (cid.multihash.code !== sha256.code) {
    throw new IntegrityError("Only sha2-256 CIDs can be verified.", { details: `cid=${cid}` });
  }
  const actual = await sha256.digest(bytes);
  if (!equalBytes(actual.digest, cid.multihash.digest)) {
    throw new IntegrityError("The bytes a store returned do not match their CID: the blob was altered.", {
      details: `cid=${cid}`,
    });
  }
  return bytes;
}
