/**
 * Threshold custody of a record key: the key is split into n Shamir shares (GF(2^8), the audited
 * `shamir-secret-sharing` package), any k of which rebuild it and fewer than k reveal nothing; each share is wrapped
 * with HPKE for one custodian node's X25519 key and committed to with a salted SHA-256 hash, so the reader can tell a
 * custodian's wrong answer from a right one before combining. The custody document holding the wrapped shares and
 * commitments is a content-addressed object like a keyring.
 *
 * Wire format (UTF-8 JSON, keys in this order):
 * `{"v":1,"kind":"carechain/custody","recordId":"0x…","record":"<content CID>","threshold":k,"shares":[{"index":0,
 * "custodian":"0x<X25519 key>","enc":"0x…","wrapped":"0x…","commitment":"0x…"}]}`
 * @module
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { CID } from "multiformats/cid";
import { combine, split } from "shamir-secret-sharing";

import { CustodyShareMismatchError } from "../errors/privacy.js";
import { FormatError } from "../errors/data.js";
import { checkBytes, concatBytes, fromHex, toHex, utf8 } from "./bytes.js";
import type { IdentityKeyPair } from "./identity.js";
import { unwrapKey, wrapKey, type WrappedKey } from "./keywrap.js";
import { assertX25519PublicKey } from "./public-key.js";

/** Most custodians in one set (the share x-coordinate is one byte, and the package allows 255). */
export const MAX_CUSTODIANS = 32;
/** Bytes of a share payload: a Shamir share of a 32-byte key (33 bytes) and a 32-byte commitment salt. */
export const SHARE_PAYLOAD_BYTES = 33 + 32;
/** Largest custody document {@link decodeCustodyDocument} parses. */
export const MAX_CUSTODY_DOCUMENT_BYTES = 64 * 1024;

/** One custodian's wrapped share and the commitment to it. */
export interface CustodyShare {
  /** Position of the share (0-based), bound into its HPKE info and commitment. */
  readonly index: number;
  /** The custodian node's X25519 public key (0x hex). */
  readonly custodian: `0x${string}`;
  /** HPKE encapsulated key (0x hex). */
  readonly enc: `0x${string}`;
  /** The share payload sealed for the custodian (0x hex). */
  readonly wrapped: `0x${string}`;
  /** SHA-256 commitment to the share payload (0x hex; {@link shareCommitment}). */
  readonly commitment: `0x${string}`;
}

/** A record key held by a k-of-n custodian set. */
export interface CustodyDocument {
  /** Format version (1). */
  readonly v: 1;
  /** Object kind, so a custody document is never taken for a keyring. */
  readonly kind: "carechain/custody";
  /** The record version whose key is split (0x hex, 32 bytes); every share is bound to it. */
  readonly recordId: `0x${string}`;
  /** CID string of the record ciphertext. */
  readonly record: string;
  /** Shares needed to rebuild the key (k). */
  readonly threshold: number;
  /** One share per custodian (n). */
  readonly shares: readonly CustodyShare[];
}

const NODE_INFO = utf8("carechain/custody/v1/node");
const RELEASE_INFO = utf8("carechain/custody/v1/release");
const COMMIT_PREFIX = utf8("carechain/custody/v1/commit");

/** HPKE info of share `index` of `recordId` sealed for its custodian. */
function nodeInfo(recordId: Uint8Array, index: number): Uint8Array {
  return concatBytes(NODE_INFO, recordId, Uint8Array.of(index));
}

/** HPKE info of share `index` of `recordId` re-sealed by its custodian for a reader. */
function releaseInfo(recordId: Uint8Array, index: number): Uint8Array {
  return concatBytes(RELEASE_INFO, recordId, Uint8Array.of(index));
}

/**
 * The commitment to share `index` of `recordId`: SHA-256("carechain/custody/v1/commit" ‖ recordId ‖ index ‖ payload),
 * where the payload is the Shamir share followed by a random 32-byte salt (so the commitment hides the share).
 * @param recordId - 32-byte record id.
 * @param index - The share's index.
 * @param payload - The share payload ({@link SHARE_PAYLOAD_BYTES} bytes).
 * @returns The 32-byte commitment.
 * @throws {RangeError} When an argument has the wrong length.
 */
export function shareCommitment(recordId: Uint8Array, index: number, payload: Uint8Array): Uint8Array {
  checkBytes("recordId", recordId, 32);
  checkBytes("payload", payload, SHARE_PAYLOAD_BYTES);
  return sha256(concatBytes(COMMIT_PREFIX, recordId, Uint8Array.of(index), payload));
}

/**
 * Splits a record key among custodian nodes, k of n.
 * @param params - `recordId` (0x hex), `record` (content CID), `dek` (32 bytes), `custodians` (their X25519 public
 * keys, distinct, 2..{@link MAX_CUSTODIANS}) and `threshold` (2..n).
 * @returns The custody document (wrapped shares and commitments; no share in clear).
 * @throws {RangeError} When the threshold or custodian count is out of range, or a key repeats.
 * @throws {InvalidPublicKeyError} When a custodian key is not a usable X25519 key.
 * @example
 * const doc = await splitRecordKey({ recordId, record: contentCid, dek, custodians: nodeKeys, threshold: 2 });
 */
export async function splitRecordKey(params: {
  recordId: string;
  record: CID;
  dek: Uint8Array;
  custodians: readonly Uint8Array[];
  threshold: number;
}): Promise<CustodyDocument> {
  const recordId = fromHex("recordId", params.recordId, 32);
  checkBytes("dek", params.dek, 32);
  const n = params.custodians.length;
  if (n < 2 || n > MAX_CUSTODIANS) throw new RangeError(`custodians: expected 2..${MAX_CUSTODIANS} keys, got ${n}`);
  if (!Number.isInteger(params.threshold) || params.threshold < 2 || params.threshold > n) {
    throw new RangeError(`threshold: expected an integer in 2..${n}, got ${params.threshold}`);
  }
  const keys = params.custodians.map((key, i) => {
    assertX25519PublicKey(key, `custodians[${i}]`);
    return toHex(key);
  });
  if (new Set(keys).size !== n) throw new RangeError("custodians: a custodian key is listed twice");
  const parts = await split(params.dek, n, params.threshold);
  const shares = await Promise.all(
    params.custodians.map(async (key, index): Promise<CustodyShare> => {
      const part = parts[index];
      const custodian = keys[index];
      if (!part || custodian === undefined) throw new RangeError(`split: ${parts.length} parts for ${n} custodians`);
      const payload = concatBytes(part, globalThis.crypto.getRandomValues(new Uint8Array(32)));
      const sealed = await wrapKey(key, payload, nodeInfo(recordId, index));
      return {
        index,
        custodian,
        enc: toHex(sealed.enc),
        wrapped: toHex(sealed.ciphertext),
        commitment: toHex(shareCommitment(recordId, index, payload)),
      };
    }),
  );
  return {
    v: 1,
    kind: "carechain/custody",
    recordId: toHex(recordId),
    record: params.record.toString(),
    threshold: params.threshold,
    shares,
  };
}

/**
 * The custodian node's side: opens its share of `recordId` (sealed for its key and bound to the record and index).
 * @param node - The custodian node's identity key pair.
 * @param recordId - The record the request is about (0x hex); a share of another record does not open.
 * @param share - The share's index and sealed payload, as in the custody document.
 * @returns The share payload.
 * @throws {DecryptionError} When the share is not this node's, not for `recordId`, or altered.
 */
export async function openCustodyShare(
  node: IdentityKeyPair,
  recordId: string,
  share: { index: number; enc: string; wrapped: string },
): Promise<Uint8Array> {
  const id = fromHex("recordId", recordId, 32);
  const wrapped: WrappedKey = {
    enc: fromHex("share.enc", share.enc, 32),
    ciphertext: fromHex("share.wrapped", share.wrapped),
  };
  const payload = await unwrapKey(node.secretKey, wrapped, nodeInfo(id, share.index));
  if (payload.length !== SHARE_PAYLOAD_BYTES) throw new FormatError("A custody share payload has the wrong length.");
  return payload;
}

/**
 * The custodian node's side: seals an opened share payload for the reader's X25519 key.
 * @param readerKey - The reader's Directory encryption key (32 bytes).
 * @param recordId - The record (0x hex).
 * @param index - The share's index.
 * @param payload - The payload from {@link openCustodyShare}.
 * @returns The sealed share (what the node answers).
 * @throws {InvalidPublicKeyError} When `readerKey` is not a usable X25519 key.
 */
export async function sealShareForReader(
  readerKey: Uint8Array,
  recordId: string,
  index: number,
  payload: Uint8Array,
): Promise<WrappedKey> {
  assertX25519PublicKey(readerKey, "readerKey");
  checkBytes("payload", payload, SHARE_PAYLOAD_BYTES);
  return wrapKey(readerKey, payload, releaseInfo(fromHex("recordId", recordId, 32), index));
}

/**
 * The reader's side: opens a share a custodian released and checks it against the document's commitment.
 * @param reader - The reader's identity key pair.
 * @param document - The custody document (from a chain-authenticated CID).
 * @param index - The share's index.
 * @param released - What the custodian answered.
 * @returns The Shamir share (without its salt).
 * @throws {CustodyShareMismatchError} When the answer does not open or does not match the commitment (a custodian
 * that lies, or answers for another record or reader).
 */
export async function openReleasedShare(
  reader: IdentityKeyPair,
  document: CustodyDocument,
  index: number,
  released: WrappedKey,
): Promise<Uint8Array> {
  const entry = document.shares[index];
  if (entry?.index !== index) throw new RangeError(`index: the custody document has no share ${index}`);
  const recordId = fromHex("recordId", document.recordId, 32);
  let payload: Uint8Array;
  try {
    payload = await unwrapKey(reader.secretKey, released, releaseInfo(recordId, index));
  } catch (cause) {
    throw new CustodyShareMismatchError(index, `Custodian ${index}'s answer does not open with your key.`, { cause });
  }
  if (payload.length !== SHARE_PAYLOAD_BYTES || toHex(shareCommitment(recordId, index, payload)) !== entry.commitment) {
    throw new CustodyShareMismatchError(index, `Custodian ${index}'s share does not match its commitment.`, {
      details: `custodian=${entry.custodian}`,
    });
  }
  return payload.slice(0, 33);
}

/**
 * Rebuilds the record key from k verified shares.
 * @param document - The custody document.
 * @param shares - At least `document.threshold` shares from {@link openReleasedShare}.
 * @returns The 32-byte record key (check it opens the envelope: a document from a hostile writer could hold shares
 * of another key).
 * @throws {RangeError} When fewer than the threshold are given.
 */
export async function combineShares(document: CustodyDocument, shares: readonly Uint8Array[]): Promise<Uint8Array> {
  if (shares.length < document.threshold) {
    throw new RangeError(`shares: expected at least ${document.threshold}, got ${shares.length}`);
  }
  return combine(shares.slice(0, document.threshold).map((s) => new Uint8Array(s)));
}

/**
 * Serialises a custody document.
 * @param document - The document.
 * @returns UTF-8 JSON in the documented key order.
 */
export function encodeCustodyDocument(document: CustodyDocument): Uint8Array {
  return utf8(
    JSON.stringify({
      v: 1,
      kind: document.kind,
      recordId: document.recordId,
      record: document.record,
      threshold: document.threshold,
      shares: document.shares.map((s) => ({
        index: s.index,
        custodian: s.custodian,
        enc: s.enc,
        wrapped: s.wrapped,
        commitment: s.commitment,
      })),
    }),
  );
}

const HEX32 = /^0x[0-9a-f]{64}$/;
const WRAPPED_HEX_LENGTH = 2 + 2 * (SHARE_PAYLOAD_BYTES + 16);

/**
 * Parses and checks custody document bytes (size first).
 * @param bytes - The document's wire bytes.
 * @returns The document.
 * @throws {FormatError} When the bytes are too large, not JSON, or not a v1 custody document with 2..32 well-formed
 * shares indexed 0..n-1 and a threshold in 2..n.
 */
export function decodeCustodyDocument(bytes: Uint8Array): CustodyDocument {
  if (bytes.length > MAX_CUSTODY_DOCUMENT_BYTES) {
    throw new FormatError("The custody document is too large.", { details: `${bytes.length} bytes` });
  }
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new FormatError("The custody document is not valid UTF-8 JSON.", { cause });
  }
  const d = value as Partial<CustodyDocument> | null;
  if (typeof d !== "object" || d?.v !== 1 || d.kind !== "carechain/custody") {
    throw new FormatError("Not a version 1 custody document.");
  }
  if (typeof d.recordId !== "string" || !HEX32.test(d.recordId))
    throw new FormatError("The custody document's recordId is malformed.");
  try {
    CID.parse(String(d.record));
  } catch (cause) {
    throw new FormatError("The custody document names no valid record CID.", { cause });
  }
  const shares = d.shares;
  if (!Array.isArray(shares) || shares.length < 2 || shares.length > MAX_CUSTODIANS) {
    throw new FormatError("The custody document's share list is missing or of the wrong size.");
  }
  if (
    typeof d.threshold !== "number" ||
    !Number.isInteger(d.threshold) ||
    d.threshold < 2 ||
    d.threshold > shares.length
  ) {
    throw new FormatError("The custody document's threshold is out of range.", {
      details: `threshold=${String(d.threshold)}`,
    });
  }
  shares.forEach((s: Partial<CustodyShare> | null, i) => {
    const ok =
      typeof s === "object" &&
      s !== null &&
      s.index === i &&
      typeof s.custodian === "string" &&
      HEX32.test(s.custodian) &&
      typeof s.enc === "string" &&
      HEX32.test(s.enc) &&
      typeof s.wrapped === "string" &&
      s.wrapped.length === WRAPPED_HEX_LENGTH &&
      /^0x[0-9a-f]+$/.test(s.wrapped) &&
      typeof s.commitment === "string" &&
      HEX32.test(s.commitment);
    if (!ok) throw new FormatError(`Custody share ${i} is malformed.`);
  });
  return d as CustodyDocument;
}
