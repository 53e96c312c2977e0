/**
 * The client's reads through an {@link IndexSource}: grants, the audit trail, single anchors, record histories,
 * anchors with their CIDs, published keyrings and the write path's readers, each checked against the chain where the
 * answer decides anything, and each falling back (an `undefined` answer) to the client's RPC path when the index is
 * unavailable, behind this client's own writes, or incomplete.
 * @module
 */
import { getAddress, type Provider } from "ethers";
import { CID } from "multiformats/cid";

import type { CarechainContracts } from "../chain/deployment.js";
import type { IndexSource, IndexedAnchor, IndexedBatchEntry } from "../chain/index-source.js";
import { fromHex, toHex } from "../crypto/bytes.js";
import { CarechainError } from "../errors/base.js";
import { RecordNotFoundError } from "../errors/contract.js";
import { IndexBehindError, IndexContradictedError, IndexUnavailableError } from "../errors/index-source.js";
import type { AuditEntry, GrantInfo } from "./types.js";
import type { CategoryId } from "../fhir/categories.js";
import { recordIdOf } from "./record-id.js";
import type { RecordAnchor } from "./types.js";

/** The client reads an index can answer. */
export type IndexedQuery = "listGrants" | "auditTrail" | "listRecords" | "history" | "readers" | "anchor" | "keyrings";

/** How often each read was answered by the index or by the chain (RPC path), and why the last fallback happened. */
export interface IndexUsage {
  /** Reads answered from the index (after the checks on chain), per query. */
  readonly index: Readonly<Record<IndexedQuery, number>>;
  /** Reads answered by the RPC path because the index was unavailable, behind or incomplete, per query. */
  readonly rpc: Readonly<Record<IndexedQuery, number>>;
  /** Readers the index named that the chain refused (no consent, or a key other than the Directory's). */
  readonly refusedReaders: number;
  /** Why the last fallback happened (an error code or `INCOMPLETE`), when one did. */
  readonly lastFallback?: { readonly query: IndexedQuery; readonly reason: string };
}

/** What {@link IndexedReads} needs from the client: the chain, and the checks it already makes. */
export interface IndexedReadsContext {
  readonly index: IndexSource;
  readonly contracts: CarechainContracts;
  readonly provider: Provider;
  /** The block of this client's last confirmed write (0 before any): answers must include it. */
  readonly minBlock: () => number;
  /** The anchor of a version from the chain's `record` view (throws `RecordNotFoundError`). */
  readonly getRecord: (recordId: string) => Promise<RecordAnchor>;
  /** Whether `account` may read every one of `categories` of `patient`'s records (`canAccess` on chain). */
  readonly mayRead: (patient: string, account: string, categories: readonly CategoryId[]) => Promise<boolean>;
}

/** A verified anchor's CIDs and transaction, as the client's RPC path reads them from the anchor event. */
export interface VerifiedAnchorEvent {
  readonly contentCid: CID;
  readonly keyringCid: CID;
  readonly anchorTx: string;
  readonly categoryMask: bigint;
  readonly previous: string;
}

/** A batch the index lists: what the client needs to expand it through its manifest, or through its entries. */
export interface IndexedBatchRef {
  readonly batchId: string;
  readonly manifestCid: CID;
  readonly anchorTx: string;
  /** The manifest's entries when the index holds them: checked against the on-chain root before use. */
  readonly entries?: readonly IndexedBatchEntry[];
}

const ZERO_HASH = `0x${"00".repeat(32)}`;
/** How long a read waits for an index that is at most {@link CATCH_UP_BLOCKS} blocks behind, in ms. */
const CATCH_UP_MS = 1_000;
const CATCH_UP_BLOCKS = 3;
const QUERIES: readonly IndexedQuery[] = [
  "listGrants",
  "auditTrail",
  "listRecords",
  "history",
  "readers",
  "anchor",
  "keyrings",
];

/**
 * The index side of the client's reads. Each method returns the answer, or `undefined` when the client must read
 * the chain instead (the index is unavailable, behind this client's writes, or its answer is incomplete).
 * Contradictions are never a fallback: they throw {@link IndexContradictedError}.
 */
export class IndexedReads {
  readonly #ctx: IndexedReadsContext;
  readonly #index = counters();
  readonly #rpc = counters();
  #refusedReaders = 0;
  #lastFallback: IndexUsage["lastFallback"];

  /** @param context - The index, the chain and the client's own checks. */
  constructor(context: IndexedReadsContext) {
    this.#ctx = context;
  }

  /** @returns A snapshot of how reads were answered. */
  usage(): IndexUsage {
    return {
      index: { ...this.#index },
      rpc: { ...this.#rpc },
      refusedReaders: this.#refusedReaders,
      ...(this.#lastFallback ? { lastFallback: this.#lastFallback } : {}),
    };
  }

  /**
   * Every grant on `patient`'s records, for display (consent decisions ask `canAccess` on chain), evaluated at the
   * chain's latest block time as the RPC path does.
   * @param patient - Checksummed address.
   * @returns The grants, or undefined to read the chain.
   * @throws {IndexResponseError | IndexMismatchError} From the index source.
   */
  async grants(patient: string): Promise<GrantInfo[] | undefined> {
    return this.#attempt("listGrants", async () => {
      const latest = await this.#ctx.provider.getBlock("latest");
      if (!latest) throw new CarechainError("CHAIN", "The provider returned no such block.", { details: "latest" });
      const at = latest.timestamp;
      return this.#ctx.index.grants(patient, { at, minBlock: await this.#head() });
    });
  }

  /**
   * The audit trail of `patient` in a block range, for display. The index must have reached `toBlock` (when given)
   * and this client's last write.
   * @param patient - Checksummed address.
   * @param fromBlock - First block.
   * @param toBlock - Last block, or undefined for the index's head.
   * @returns The entries, or undefined to read the chain.
   * @throws {IndexResponseError | IndexMismatchError} From the index source.
   */
  async auditTrail(patient: string, fromBlock: number, toBlock?: number): Promise<AuditEntry[] | undefined> {
    return this.#attempt("auditTrail", async () =>
      this.#ctx.index.auditTrail(patient, {
        fromBlock,
        ...(toBlock === undefined ? {} : { toBlock }),
        minBlock: toBlock === undefined ? await this.#head() : Math.max(this.#ctx.minBlock(), toBlock),
      }),
    );
  }

  /**
   * The patient's single anchors, each confirmed by the chain's `record` view (the chain's values are returned), and
   * its batches (with their entries when the index holds them: the caller checks them against the on-chain root).
   * Incomplete when the index holds fewer or more single anchors than `recordCount` on chain.
   * @param patient - Checksummed address.
   * @returns The anchors and batches, or undefined to read the chain.
   * @throws {IndexContradictedError} When an indexed anchor differs from the chain's.
   */
  async records(patient: string): Promise<{ single: RecordAnchor[]; batches: IndexedBatchRef[] } | undefined> {
    return this.#attempt("listRecords", async () => {
      const minBlock = await this.#head();
      const [indexed, batches, count] = await Promise.all([
        this.#ctx.index.records(patient, { minBlock }),
        this.#ctx.index.batches(patient, { minBlock }),
        this.#ctx.contracts.records.recordCount(patient),
      ]);
      if (BigInt(indexed.length) !== count) return undefined;
      const single = await Promise.all(indexed.map((a) => this.#confirmed(a, patient)));
      for (const b of batches) {
        if (b.patient !== patient)
          throw contradiction("The index lists another patient's batch.", `batch=${b.batchId}`);
      }
      return {
        single,
        batches: batches.map((b) => ({
          batchId: b.batchId,
          manifestCid: b.manifestCid,
          anchorTx: b.tx,
          ...(b.entries ? { entries: b.entries } : {}),
        })),
      };
    });
  }

  /**
   * Every version of the record `recordId` belongs to, oldest first, each confirmed by the chain's `record` view.
   * Incomplete (read the chain) unless the versions link from a first version to one that is not amended.
   * @param recordId - Lower-case 0x id.
   * @returns The versions, or undefined to read the chain.
   * @throws {IndexContradictedError} When an indexed version differs from the chain's.
   */
  async history(recordId: string): Promise<RecordAnchor[] | undefined> {
    return this.#attempt("history", async () => {
      const indexed = await this.#ctx.index.history(recordId, { minBlock: await this.#head() });
      const [first] = indexed;
      if (!first || !indexed.some((a) => a.recordId === recordId)) return undefined;
      const chain = await Promise.all(indexed.map((a) => this.#confirmed(a, first.patient)));
      const last = chain.at(-1);
      const linked =
        last !== undefined &&
        chain.every((a, i) => a.previous === (i === 0 ? ZERO_HASH : chain[i - 1]?.recordId)) &&
        !last.amended;
      return linked ? chain : undefined;
    });
  }

  /**
   * A version's CIDs and anchor transaction, confirmed from that transaction's receipt on chain: it must hold a
   * `RecordAnchored` event of the registry with this id and the same categories, previous version and CIDs.
   * @param recordId - Lower-case 0x id.
   * @returns The anchor, or undefined to read the chain (not indexed, index down or behind).
   * @throws {IndexContradictedError} When the receipt does not hold the anchor the index describes.
   */
  async anchor(recordId: string): Promise<VerifiedAnchorEvent | undefined> {
    return this.#attempt("anchor", async () => {
      const a = await this.#ctx.index.record(recordId, { minBlock: this.#ctx.minBlock() });
      if (!a) return undefined;
      const records = this.#ctx.contracts.records;
      const registry = getAddress(await records.getAddress());
      const receipt = await this.#ctx.provider.getTransactionReceipt(a.tx);
      const event = receipt?.logs
        .filter((log) => getAddress(log.address) === registry)
        .map((log) => records.interface.parseLog(log))
        .find((parsed) => parsed?.name === "RecordAnchored" && parsed.args.recordId === recordId);
      if (!event)
        throw contradiction(
          "The transaction the index names did not anchor this record.",
          `record=${recordId} tx=${a.tx}`,
        );
      const contentCid = CID.decode(fromHex("contentCid", event.args.contentCid as string));
      const keyringCid = CID.decode(fromHex("keyringCid", event.args.keyringCid as string));
      const same =
        contentCid.equals(a.contentCid) &&
        keyringCid.equals(a.keyringCid) &&
        (event.args.categories as bigint) === a.categoryMask &&
        event.args.previous === a.previous &&
        getAddress(event.args.patient as string) === a.patient &&
        getAddress(event.args.author as string) === a.author &&
        recordIdOf(a.patient, a.author, contentCid) === recordId;
      if (!same)
        throw contradiction("The index's anchor differs from the one on chain.", `record=${recordId} tx=${a.tx}`);
      return { contentCid, keyringCid, anchorTx: a.tx, categoryMask: a.categoryMask, previous: a.previous };
    });
  }

  /**
   * The keyrings published for a version after its anchor (a grant, a key rotation), with who published them.
   * Not checked on chain: every keyring is opened against the record's authenticated envelope before its key is
   * used, so a wrong one is only passed over. The client tries the chain's events after these when none of them
   * holds its key (the index may not have reached a keyring published a moment ago).
   * @param recordId - Lower-case 0x id.
   * @returns The keyrings in chain order, or undefined to read the chain.
   */
  async publishedKeyrings(
    recordId: string,
  ): Promise<{ publisher: string; patient: string; keyringCid: CID; block: number; order: number }[] | undefined> {
    return this.#attempt("keyrings", async () => {
      const rings = await this.#ctx.index.keyrings(recordId, { minBlock: this.#ctx.minBlock() });
      return rings
        .map((k, order) => ({
          publisher: k.publisher,
          patient: k.patient,
          keyringCid: k.keyringCid,
          block: k.block,
          order,
          source: k.source,
        }))
        .filter((k) => k.source === "published")
        .map(({ source: _, ...k }) => k);
    });
  }

  /**
   * The keys to wrap a record of `patient` in `categories` for: each reader the index names at the chain's head (an
   * index behind the head is a fallback) and the patient, always a candidate, kept only when `canAccess` holds on chain for every category, with the key the Directory
   * holds on chain (a reader whose key in the index differs is refused and counted; so is one without consent).
   * @param patient - Checksummed address.
   * @param categories - The record's categories.
   * @returns Each reader's account and X25519 key, or undefined to read the chain.
   */
  async readerKeys(
    patient: string,
    categories: readonly CategoryId[],
  ): Promise<{ account: string; key: Uint8Array }[] | undefined> {
    return this.#attempt("readers", async () => {
      // The readers decide who can open a new record: the index must have reached the chain's head (a grant made a
      // moment ago by the patient's client counts), not only this client's writes.
      const readers = await this.#ctx.index.readers(patient, categories, { minBlock: await this.#head() });
      const claimed = new Map<string, string | undefined>([[patient, undefined]]);
      for (const r of readers) claimed.set(r.account, toHex(r.publicKey));
      const keys: { account: string; key: Uint8Array }[] = [];
      for (const [account, claimedKey] of claimed) {
        if (!(await this.#ctx.mayRead(patient, account, categories))) {
          if (claimedKey !== undefined) this.#refusedReaders++;
          continue;
        }
        const key = (await this.#ctx.contracts.directory.encryptionKeyOf(account)).toLowerCase();
        if (key === ZERO_HASH) continue;
        if (claimedKey !== undefined && claimedKey !== key) this.#refusedReaders++;
        keys.push({ account, key: fromHex("encryptionKey", key, 32) });
      }
      return keys;
    });
  }

  /**
   * The block a list answer must include: the chain's head when the read starts (so that the answer is the one the
   * RPC path would give, other clients' writes included), and never before this client's last write.
   */
  async #head(): Promise<number> {
    // Asked of the node itself (as the LogReader does): ethers' getBlockNumber may answer from a cache.
    const provider = this.#ctx.provider as Provider & {
      send?: (method: string, params: unknown[]) => Promise<unknown>;
    };
    const head =
      typeof provider.send === "function"
        ? Number(await provider.send("eth_blockNumber", []))
        : await provider.getBlockNumber();
    return Math.max(head, this.#ctx.minBlock());
  }

  /** The chain's anchor for an indexed one, after checking the index agrees with it. */
  async #confirmed(indexed: IndexedAnchor, patient: string): Promise<RecordAnchor> {
    let chain: RecordAnchor;
    try {
      chain = await this.#ctx.getRecord(indexed.recordId);
    } catch (error) {
      if (error instanceof RecordNotFoundError)
        throw contradiction("The index lists a record the chain does not hold.", `record=${indexed.recordId}`);
      throw error;
    }
    const same =
      chain.patient === patient &&
      indexed.patient === chain.patient &&
      indexed.author === chain.author &&
      indexed.originalAuthor === chain.originalAuthor &&
      indexed.categoryMask === chain.categoryMask &&
      indexed.version === chain.version &&
      indexed.previous === chain.previous &&
      indexed.amended === chain.amended &&
      indexed.anchoredAt === chain.anchoredAt &&
      recordIdOf(chain.patient, chain.author, indexed.contentCid) === indexed.recordId;
    if (!same) throw contradiction("The index's anchor differs from the one on chain.", `record=${indexed.recordId}`);
    return chain;
  }

  /**
   * Runs an index read; unavailable, behind or incomplete (undefined) answers count as a fallback. An index a few
   * blocks behind (it polls the chain) is given up to {@link CATCH_UP_MS} to catch up before the chain is read.
   */
  async #attempt<T>(query: IndexedQuery, read: () => Promise<T | undefined>): Promise<T | undefined> {
    let value: T | undefined;
    const deadline = Date.now() + CATCH_UP_MS;
    for (;;) {
      try {
        value = await read();
        break;
      } catch (error) {
        const catchingUp =
          error instanceof IndexBehindError && error.wanted - error.head <= CATCH_UP_BLOCKS && Date.now() < deadline;
        if (catchingUp) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          continue;
        }
        if (!(error instanceof IndexUnavailableError || error instanceof IndexBehindError)) throw error;
        this.#fallback(query, error.code);
        return undefined;
      }
    }
    if (value === undefined) {
      this.#fallback(query, "INCOMPLETE");
      return undefined;
    }
    this.#index[query]++;
    return value;
  }

  #fallback(query: IndexedQuery, reason: string): void {
    this.#rpc[query]++;
    this.#lastFallback = { query, reason };
  }
}

function counters(): Record<IndexedQuery, number> {
  return Object.fromEntries(QUERIES.map((q) => [q, 0])) as Record<IndexedQuery, number>;
}

function contradiction(message: string, details: string): IndexContradictedError {
  return new IndexContradictedError(message, { details });
}
