import { StandardMerkleTree } from "../content/merkle.js";
import { CID } from "multiformats/cid";

import { utf8 } from "../crypto/bytes.js";
import { FormatError } from "../errors/data.js";
import type { CategoryId } from "../fhir/categories.js";

/**
 * A batch manifest: the records anchored under one Merkle root (`RecordRegistry.anchorBatch`). It is its own
 * content-addressed object; its CID is in the `BatchAnchored` event.
 *
 * Wire format (UTF-8 JSON): `{"v":1,"patient":"0x…","records":[{"recordId":"0x…","category":5,"content":"bafk…","keyring":"bafk…"}]}`.
 * Merkle leaves are OpenZeppelin StandardMerkleTree leaves of `(bytes32 recordId, uint8 category, bytes32
 * keyringDigest)`, verified on chain by `RecordRegistry.verifyBatchRecord` (OpenZeppelin MerkleProof).
 */
export interface BatchManifest {
  readonly v: 1;
  readonly patient: string;
  readonly records: readonly BatchEntry[];
}

/** One record of a batch. */
export interface BatchEntry {
  /** sha2-256 digest of the content CID (0x hex): the record version's id. */
  readonly recordId: string;
  readonly category: CategoryId;
  /** Content CID string. */
  readonly content: string;
  /** Keyring CID string. */
  readonly keyring: string;
}

/** The leaf encoding of batch trees. */
export const BATCH_LEAF_ENCODING = ["bytes32", "uint8", "bytes32"];

/** The Merkle tree of a manifest (leaf order = manifest order). */
export function batchTree(manifest: BatchManifest): StandardMerkleTree<[string, number, string]> {
  return StandardMerkleTree.of(
    manifest.records.map((r) => [r.recordId, r.category, digestHex(CID.parse(r.keyring))] as [string, number, string]),
    BATCH_LEAF_ENCODING,
  );
}

/** The 0x hex sha2-256 digest inside a CID. */
export function digestHex(cid: CID): string {
  return `0x${[...cid.multihash.digest].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** Serialises a manifest. */
export function encodeManifest(manifest: BatchManifest): Uint8Array {
  return utf8(JSON.stringify({ v: 1, patient: manifest.patient, records: manifest.records.map((r) => ({ recordId: r.recordId, category: r.category, content: r.content, keyring: r.keyring })) }));
}

/**
 * Parses and checks manifest bytes.
 * @throws {FormatError} When the bytes are not a v1 manifest.
 */
export function decodeManifest(bytes: Uint8Array): BatchManifest {
  let m: Partial<BatchManifest>;
  try {
    m = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes)) as Partial<BatchManifest>;
  } catch (cause) {
    throw new FormatError("The batch manifest is not valid UTF-8 JSON.", { cause });
  }
  if (m?.v !== 1 || typeof m.patient !== "string" || !Array.isArray(m.records) || m.records.length === 0) {
    throw new FormatError("Not a v1 batch manifest.");
  }
  for (const r of m.records) {
    const ok =
      typeof r?.recordId === "string" &&
      /^0x[0-9a-f]{64}$/.test(r.recordId) &&
      Number.isInteger(r.category) &&
      typeof r.content === "string" &&
      typeof r.keyring === "string";
    if (!ok) throw new FormatError("A batch manifest entry is malformed.");
    try {
      if (digestHex(CID.parse(r.content)) !== r.recordId) throw new Error("content CID does not match the record id");
      CID.parse(r.keyring);
    } catch (cause) {
      throw new FormatError("A batch manifest entry has a bad CID.", { cause });
    }
  }
  return m as BatchManifest;
}
