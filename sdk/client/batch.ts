/**
 * Batch manifests: the records anchored under one Merkle root, encoded, decoded with every field checked, and their leaves.
 * @module
 */
import { StandardMerkleTree } from "../content/merkle.js";
import { CID } from "multiformats/cid";

import { utf8 } from "../crypto/bytes.js";
import { FormatError } from "../errors/data.js";
import { Category, categoryMask, type CategoryId } from "../fhir/categories.js";
import { checkLimit } from "../limits.js";
import { recordIdOf } from "./record-id.js";

/**
 * A batch manifest: the records anchored under one Merkle root (`RecordRegistry.anchorBatch`). It is its own
 * content-addressed object; its CID is in the `BatchAnchored` event.
 *
 * Wire format (UTF-8 JSON): `{"v":2,"patient":"0x…","author":"0x…","records":[{"recordId":"0x…","categories":[5],
 * "content":"bafk…","keyring":"bafk…"}]}`. Merkle leaves are OpenZeppelin StandardMerkleTree leaves of
 * `(bytes32 recordId, uint64 categories, bytes32 keyringDigest)` (`categories` as a mask), verified on chain by
 * `RecordRegistry.verifyBatchRecord` (OpenZeppelin MerkleProof).
 */
export interface BatchManifest {
  readonly v: 2;
  readonly patient: string;
  /** The account that anchors the batch. */
  readonly author: string;
  readonly records: readonly BatchEntry[];
}

/** One record of a batch. */
export interface BatchEntry {
  /** The record version's id: `recordIdOf(patient, author, content)` (0x hex). */
  readonly recordId: string;
  /** Every category of the record's content, ascending. */
  readonly categories: readonly CategoryId[];
  /** Content CID string. */
  readonly content: string;
  /** Keyring CID string. */
  readonly keyring: string;
}

/** The leaf encoding of batch trees. */
export const BATCH_LEAF_ENCODING = ["bytes32", "uint64", "bytes32"];

/** The Merkle leaf of a batch entry: record id, category mask (decimal string), keyring digest. */
export function batchLeaf(entry: BatchEntry): [string, string, string] {
  return [entry.recordId, categoryMask(entry.categories).toString(), digestHex(CID.parse(entry.keyring))];
}

/** The Merkle tree of a manifest (leaf order = manifest order). */
export function batchTree(manifest: BatchManifest): StandardMerkleTree<[string, string, string]> {
  return StandardMerkleTree.of(manifest.records.map(batchLeaf), BATCH_LEAF_ENCODING);
}

/** The 0x hex sha2-256 digest inside a CID. */
export function digestHex(cid: CID): string {
  return `0x${[...cid.multihash.digest].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/**
 * Serialises a manifest.
 * @param manifest - The manifest.
 * @returns UTF-8 JSON.
 * @throws {SizeLimitError} When it is over `MAX_MANIFEST_ENTRIES` or `MAX_MANIFEST_BYTES` (a reader would refuse
 * it).
 */
export function encodeManifest(manifest: BatchManifest): Uint8Array {
  checkLimit("manifestEntries", manifest.records.length, "batch manifest");
  const bytes = utf8(
    JSON.stringify({
      v: 2,
      patient: manifest.patient,
      author: manifest.author,
      records: manifest.records.map((r) => ({
        recordId: r.recordId,
        categories: r.categories,
        content: r.content,
        keyring: r.keyring,
      })),
    }),
  );
  checkLimit("manifestBytes", bytes.length, "batch manifest");
  return bytes;
}

/**
 * Parses and checks manifest bytes: every entry's record id must be the one its patient, author and content CID
 * give, and its categories known category indices. Their size is checked first: nothing over
 * `MAX_MANIFEST_BYTES` is parsed.
 * @param bytes - The manifest's wire bytes.
 * @returns The manifest.
 * @throws {SizeLimitError} When the bytes are over `MAX_MANIFEST_BYTES` or list more than `MAX_MANIFEST_ENTRIES`
 * records.
 * @throws {FormatError} When the bytes are not a v2 manifest.
 */
export function decodeManifest(bytes: Uint8Array): BatchManifest {
  checkLimit("manifestBytes", bytes.length, "batch manifest");
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new FormatError("The batch manifest is not valid UTF-8 JSON.", { cause });
  }
  const m = fieldsOf(parsed);
  const isAddress = (a: unknown): a is string => typeof a === "string" && /^0x[0-9a-fA-F]{40}$/.test(a);
  if (
    m?.v !== 2 ||
    !isAddress(m.patient) ||
    !isAddress(m.author) ||
    !Array.isArray(m.records) ||
    m.records.length === 0
  ) {
    throw new FormatError("Not a v2 batch manifest.");
  }
  const { patient, author } = m;
  const records: readonly unknown[] = m.records;
  checkLimit("manifestEntries", records.length, "batch manifest");
  const known = new Set<number>(Object.values(Category));
  for (const entry of records) {
    const r = fieldsOf(entry);
    const categories: unknown = r?.categories;
    if (
      typeof r?.recordId !== "string" ||
      !/^0x[0-9a-f]{64}$/.test(r.recordId) ||
      !Array.isArray(categories) ||
      categories.length === 0 ||
      !categories.every((c: unknown) => typeof c === "number" && known.has(c)) ||
      typeof r.content !== "string" ||
      typeof r.keyring !== "string"
    ) {
      throw new FormatError("A batch manifest entry is malformed.");
    }
    try {
      if (recordIdOf(patient, author, CID.parse(r.content)) !== r.recordId) {
        throw new Error("the record id is not the one of this patient, author and content CID");
      }
      CID.parse(r.keyring);
    } catch (cause) {
      throw new FormatError("A batch manifest entry has a bad CID.", { cause });
    }
  }
  return parsed as BatchManifest; // every field checked above
}

/** The fields of a JSON object, or `undefined` for anything else (null, a number, a string...). */
function fieldsOf(value: unknown): Readonly<Record<string, unknown>> | undefined {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
}
