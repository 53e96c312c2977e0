/**
 * Index sources: where the SDK can read indexed chain history instead of scanning event logs — grants, the
 * reader index of the write path, records, versions, the audit trail and keyrings. This module is the contract
 * ({@link IndexSource} and the shapes it answers with); {@link HttpIndexSource} (http-index-source.ts) reads the
 * Carechain indexer (indexer/, a Ponder project) over HTTP. An index source is a speed-up, not an authority: the
 * client still checks on chain whatever decides access (consent, keys, anchors) before it acts on an answer.
 * @module
 */
import type { CID } from "multiformats/cid";

import type { CategoryId } from "../fhir/categories.js";
import type { AuditEntry, GrantInfo, RecordAnchor } from "./facts.js";

/** The last block an index source has indexed. */
export interface IndexHead {
  readonly block: number;
  /** Unix seconds. */
  readonly timestamp: number;
}

/** What an index source indexes. */
export interface IndexInfo {
  readonly chainId: bigint;
  readonly directory: string;
  readonly consentRegistry: string;
  readonly recordRegistry: string;
  /** First indexed block. */
  readonly startBlock: number;
  /** Last indexed block; null before the first. */
  readonly head: IndexHead | null;
}

/** Options of every query. */
export interface IndexReadOptions {
  /** Refuse (with {@link IndexBehindError}) an answer from an index that has not reached this block yet. */
  readonly minBlock?: number;
}

/** Options of the queries that depend on the time (grant expiry, break-glass). */
export interface IndexTimeOptions extends IndexReadOptions {
  /** The time to evaluate at (unix seconds); default the time of the index's last block. */
  readonly at?: number;
}

/** A current reader of one of a patient's categories, with the X25519 key the Directory holds for it. */
export interface IndexedReader {
  readonly account: string;
  readonly publicKey: Uint8Array;
  /** `patient` (the patient itself) or `grantee`. */
  readonly role: "patient" | "grantee";
}

/** A single-anchored record version with the CIDs and transaction of its anchor, as an index answers it. */
export interface IndexedAnchor extends Omit<RecordAnchor, "batch"> {
  /** The anchored content CID. */
  readonly contentCid: CID;
  /** The anchored keyring CID. */
  readonly keyringCid: CID;
  /** The anchor's block. */
  readonly block: number;
  /** The anchor's transaction hash. */
  readonly tx: string;
}

/** One entry of a batch's manifest, as an index holds it (checked against the on-chain root before use). */
export interface IndexedBatchEntry {
  /** The record version's id (lower-case 0x hex). */
  readonly recordId: string;
  /** Every category of the entry (its Merkle leaf's mask), ascending. */
  readonly categories: CategoryId[];
  readonly contentCid: CID;
  readonly keyringCid: CID;
}

/**
 * An anchored batch: its on-chain facts, and the entries of its manifest when the index holds them (otherwise
 * they are in the manifest, in the blob store).
 */
export interface IndexedBatch {
  /** The batch id, `batchIdOf(patient, author, root)`. */
  readonly batchId: string;
  /** The Merkle root of its members. */
  readonly root: string;
  readonly patient: string;
  readonly author: string;
  readonly categories: CategoryId[];
  readonly count: number;
  readonly manifestCid: CID;
  /** The manifest's entries in manifest order, when the index fetched and checked the manifest. */
  readonly entries?: IndexedBatchEntry[];
  /** Unix seconds. */
  readonly anchoredAt: number;
  readonly block: number;
  readonly tx: string;
}

/** A keyring of a record version: the one anchored with it, or one published later (grant, key rotation). */
export interface IndexedKeyring {
  readonly recordId: string;
  /** The record's patient. */
  readonly patient: string;
  readonly publisher: string;
  readonly keyringCid: CID;
  readonly source: "anchor" | "published";
  readonly block: number;
  readonly tx: string;
}

/**
 * The queries the SDK asks an index. Every list is in chain order. Implementations must answer from a chain
 * history that includes `minBlock` when it is given.
 */
export interface IndexSource {
  /** What is indexed, and how far. */
  info(): Promise<IndexInfo>;
  /** Every grant on `patient`'s records (as {@link Carechain.listGrants} returns them). */
  grants(patient: string, options?: IndexTimeOptions): Promise<GrantInfo[]>;
  /** The patient and every grantee that may read all of `categories` now, with their keys (the write path's readers). */
  readers(patient: string, categories: readonly CategoryId[], options?: IndexTimeOptions): Promise<IndexedReader[]>;
  /** The patient's single-anchored record versions. */
  records(patient: string, options?: IndexReadOptions): Promise<IndexedAnchor[]>;
  /** The patient's anchored batches. */
  batches(patient: string, options?: IndexReadOptions): Promise<IndexedBatch[]>;
  /** One anchored version, or undefined when the index holds none with this id. */
  record(recordId: string, options?: IndexReadOptions): Promise<IndexedAnchor | undefined>;
  /** Every version of the record `recordId` belongs to, oldest first. */
  history(recordId: string, options?: IndexReadOptions): Promise<IndexedAnchor[]>;
  /** The patient's audit trail (as {@link Carechain.auditTrail} returns it). */
  auditTrail(
    patient: string,
    range?: { fromBlock?: number; toBlock?: number } & IndexReadOptions,
  ): Promise<AuditEntry[]>;
  /** The keyrings of a record version: anchored first, then published ones in chain order. */
  keyrings(recordId: string, options?: IndexReadOptions): Promise<IndexedKeyring[]>;
}
