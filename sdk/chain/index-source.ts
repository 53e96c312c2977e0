/**
 * Index sources: where the SDK can read indexed chain history instead of scanning event logs — grants, the
 * reader index of the write path, records, versions, the audit trail and keyrings. {@link HttpIndexSource} reads
 * the Carechain indexer (indexer/, a Ponder project) over HTTP. An index source is a speed-up, not an authority:
 * the client still checks on chain whatever decides access (consent, keys, anchors) before it acts on an answer.
 * @module
 */
import { getAddress } from "ethers";
import { CID } from "multiformats/cid";

import type { AuditEntry, GrantInfo } from "../fhir/exports.js";
import { categoriesOfMask, type CategoryId } from "../fhir/categories.js";
import type { RecordAnchor } from "../client/types.js";
import { fromHex } from "../crypto/bytes.js";
import type { CarechainDeployment } from "./deployment.js";
import { purposesOf } from "./purpose.js";
import {
  IndexBehindError,
  IndexMismatchError,
  IndexResponseError,
  IndexUnavailableError,
} from "../errors/index-source.js";

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

/** A single-anchored record version with the CIDs and transaction of its anchor. */
export interface IndexedAnchor extends RecordAnchor {
  readonly contentCid: CID;
  readonly keyringCid: CID;
  readonly block: number;
  readonly tx: string;
}

/** An anchored batch: its on-chain facts (its entries are in the manifest, in the blob store). */
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
  auditTrail(patient: string, range?: { fromBlock?: number; toBlock?: number } & IndexReadOptions): Promise<AuditEntry[]>;
  /** The keyrings of a record version: anchored first, then published ones in chain order. */
  keyrings(recordId: string, options?: IndexReadOptions): Promise<IndexedKeyring[]>;
}

/** Options of {@link HttpIndexSource}. */
export interface HttpIndexSourceOptions {
  /** Time limit of one HTTP request in ms (default 10,000). */
  readonly timeoutMs?: number;
  /** Page size of list requests (default 1,000; the indexer allows up to 10,000). */
  readonly pageSize?: number;
  /** When given, the first query checks that the indexer indexes this chain and these contracts. */
  readonly deployment?: CarechainDeployment;
  /** The fetch implementation (default the global `fetch`). */
  readonly fetch?: typeof fetch;
}

type Json = Record<string, unknown>;

/**
 * Reads the Carechain indexer's HTTP API (see docs/indexer.md). Every value it returns is parsed and checked for
 * shape (addresses, 32-byte ids, CIDs, integers); a bad answer is an {@link IndexResponseError}, an unreachable or
 * slow indexer an {@link IndexUnavailableError}.
 * @example
 * const index = new HttpIndexSource("http://127.0.0.1:42069", { deployment });
 * const grants = await index.grants(patientAddress);
 */
export class HttpIndexSource implements IndexSource {
  readonly #base: string;
  readonly #timeoutMs: number;
  readonly #pageSize: number;
  readonly #deployment: CarechainDeployment | undefined;
  readonly #fetch: typeof fetch;
  #checked: Promise<void> | undefined;

  /**
   * @param url - Base URL of the indexer, e.g. `http://127.0.0.1:42069`.
   * @param options - Timeout, page size, expected deployment, fetch.
   * @throws {TypeError} When `url` is not an http(s) URL.
   * @throws {RangeError} When `timeoutMs` or `pageSize` is not a positive integer (page size at most 10,000).
   */
  constructor(url: string, options: HttpIndexSourceOptions = {}) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new TypeError(`url: not a URL: ${String(url)}`);
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      throw new TypeError(`url: expected an http(s) URL, got ${parsed.protocol}`);
    }
    const timeoutMs = options.timeoutMs ?? 10_000;
    const pageSize = options.pageSize ?? 1_000;
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1) throw new RangeError(`timeoutMs: expected a positive integer, got ${timeoutMs}`);
    if (!Number.isSafeInteger(pageSize) || pageSize < 1 || pageSize > 10_000) {
      throw new RangeError(`pageSize: expected an integer from 1 to 10000, got ${pageSize}`);
    }
    this.#base = parsed.href.replace(/\/+$/, "");
    this.#timeoutMs = timeoutMs;
    this.#pageSize = pageSize;
    this.#deployment = options.deployment;
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /**
   * What the indexer indexes and how far.
   * @returns Chain id, contract addresses, start block, head.
   * @throws {IndexUnavailableError} When the indexer can't be reached or answers 5xx/429 or not in time.
   * @throws {IndexResponseError} When the answer is not the expected JSON.
   */
  async info(): Promise<IndexInfo> {
    const body = (await this.#get("/v1/info"))!;
    const contracts = object(body.contracts, "contracts");
    return {
      chainId: BigInt(integer(body.chainId, "chainId")),
      directory: address(contracts.directory, "contracts.directory"),
      consentRegistry: address(contracts.consentRegistry, "contracts.consentRegistry"),
      recordRegistry: address(contracts.recordRegistry, "contracts.recordRegistry"),
      startBlock: integer(body.startBlock, "startBlock"),
      head: body.head === null ? null : head(body.head),
    };
  }

  /**
   * Every grant on `patient`'s records, oldest first, each marked active when it is the grantee's current grant
   * and unexpired at `options.at` (default the indexer's last block time).
   * @param patient - The patient's address.
   * @param options - `at`, `minBlock`.
   * @returns The grants, as {@link Carechain.listGrants} returns them.
   * @throws {TypeError} When `patient` is not an address.
   * @throws {IndexUnavailableError} {@link IndexResponseError} {@link IndexMismatchError} {@link IndexBehindError}
   */
  async grants(patient: string, options: IndexTimeOptions = {}): Promise<GrantInfo[]> {
    const p = argAddress("patient", patient);
    const body = await this.#query(`/v1/patients/${p}/grants${atQuery(options)}`, options);
    return array(body.items, "items").map((item, i) => {
      const g = object(item, `items[${i}]`);
      return {
        patient: address(g.patient, "patient"),
        grantee: address(g.grantee, "grantee"),
        actor: address(g.actor, "actor"),
        read: categoriesOfMask(bigintOf(g.readMask, "readMask")),
        write: categoriesOfMask(bigintOf(g.writeMask, "writeMask")),
        purposes: purposesOf(integer(g.purposes, "purposes")),
        grantedAt: integer(g.grantedAt, "grantedAt"),
        expiresAt: Number(bigintOf(g.expiresAt, "expiresAt")),
        active: boolean(g.active, "active"),
        tx: hash(g.tx, "tx"),
      };
    });
  }

  /**
   * The patient (when registered) and every grantee that may read every one of `categories` at `options.at`
   * (as `canAccess(…, Read)` for each), with their keys: the readers a record in these categories is wrapped for.
   * @param patient - The patient's address.
   * @param categories - Category indices (at least one).
   * @param options - `at`, `minBlock`.
   * @returns The readers; the caller checks each on chain before wrapping a key for it.
   * @throws {TypeError} When `patient` is not an address.
   * @throws {RangeError} When `categories` is empty or holds something that is not a category index.
   * @throws {IndexUnavailableError} {@link IndexResponseError} {@link IndexMismatchError} {@link IndexBehindError}
   */
  async readers(patient: string, categories: readonly CategoryId[], options: IndexTimeOptions = {}): Promise<IndexedReader[]> {
    const p = argAddress("patient", patient);
    if (!Array.isArray(categories) || categories.length === 0) throw new RangeError("categories: expected at least one category");
    let mask = 0n;
    for (const c of categories) {
      if (!Number.isInteger(c) || c < 0 || c > 63) throw new RangeError(`categories: expected indices 0 to 63, got ${String(c)}`);
      mask |= 1n << BigInt(c);
    }
    const at = options.at === undefined ? "" : `&at=${argInteger("at", options.at)}`;
    const body = await this.#query(`/v1/patients/${p}/readers?categories=${mask}${at}`, options);
    return array(body.items, "items").map((item, i) => {
      const r = object(item, `items[${i}]`);
      const role = r.role === "patient" || r.role === "grantee" ? r.role : invalid(`items[${i}].role`, r.role);
      return { account: address(r.account, "account"), publicKey: bytes(r.key, "key", 32), role };
    });
  }

  /**
   * The patient's single-anchored record versions, in chain order (batch members are in their batches' manifests:
   * see {@link HttpIndexSource.batches}).
   * @param patient - The patient's address.
   * @param options - `minBlock`.
   * @returns The anchors with their CIDs.
   * @throws {TypeError} When `patient` is not an address.
   * @throws {IndexUnavailableError} {@link IndexResponseError} {@link IndexMismatchError} {@link IndexBehindError}
   */
  async records(patient: string, options: IndexReadOptions = {}): Promise<IndexedAnchor[]> {
    const p = argAddress("patient", patient);
    return (await this.#pages(`/v1/patients/${p}/records`, options)).map(anchor);
  }

  /**
   * The patient's anchored batches, in chain order.
   * @param patient - The patient's address.
   * @param options - `minBlock`.
   * @returns The batches' on-chain facts.
   * @throws {TypeError} When `patient` is not an address.
   * @throws {IndexUnavailableError} {@link IndexResponseError} {@link IndexMismatchError} {@link IndexBehindError}
   */
  async batches(patient: string, options: IndexReadOptions = {}): Promise<IndexedBatch[]> {
    const p = argAddress("patient", patient);
    return (await this.#pages(`/v1/patients/${p}/batches`, options)).map((b) => ({
      batchId: bytes32(b.batchId, "batchId"),
      root: bytes32(b.root, "root"),
      patient: address(b.patient, "patient"),
      author: address(b.author, "author"),
      categories: categoriesOfMask(bigintOf(b.categories, "categories")),
      count: integer(b.count, "count"),
      manifestCid: cid(b.manifestCid, "manifestCid"),
      anchoredAt: integer(b.anchoredAt, "anchoredAt"),
      block: integer(b.block, "block"),
      tx: hash(b.tx, "tx"),
    }));
  }

  /**
   * One anchored version.
   * @param recordId - 32-byte id (0x hex).
   * @param options - `minBlock`.
   * @returns The anchor, or undefined when the indexer holds none with this id.
   * @throws {TypeError} When `recordId` is not 32 bytes of hex.
   * @throws {IndexUnavailableError} {@link IndexResponseError} {@link IndexMismatchError} {@link IndexBehindError}
   */
  async record(recordId: string, options: IndexReadOptions = {}): Promise<IndexedAnchor | undefined> {
    const id = argBytes32("recordId", recordId);
    const body = await this.#query(`/v1/records/${id}`, options, { notFound: true });
    return body === undefined ? undefined : anchor(object(body.item, "item"));
  }

  /**
   * Every version of the record that `recordId` belongs to, oldest first.
   * @param recordId - Any version's id.
   * @param options - `minBlock`.
   * @returns The versions; empty when the indexer holds no such version.
   * @throws {TypeError} When `recordId` is not 32 bytes of hex.
   * @throws {IndexUnavailableError} {@link IndexResponseError} {@link IndexMismatchError} {@link IndexBehindError}
   */
  async history(recordId: string, options: IndexReadOptions = {}): Promise<IndexedAnchor[]> {
    const id = argBytes32("recordId", recordId);
    const body = await this.#query(`/v1/records/${id}/history`, options, { notFound: true });
    return body === undefined ? [] : array(body.items, "items").map((item, i) => anchor(object(item, `items[${i}]`)));
  }

  /**
   * The patient's audit trail in chain order, optionally within a block range.
   * @param patient - The patient's address.
   * @param range - `fromBlock`, `toBlock` (inclusive), `minBlock`.
   * @returns The entries, as {@link Carechain.auditTrail} returns them.
   * @throws {TypeError} When `patient` is not an address.
   * @throws {IndexUnavailableError} {@link IndexResponseError} {@link IndexMismatchError} {@link IndexBehindError}
   */
  async auditTrail(
    patient: string,
    range: { fromBlock?: number; toBlock?: number } & IndexReadOptions = {},
  ): Promise<AuditEntry[]> {
    const p = argAddress("patient", patient);
    const params = [
      range.fromBlock === undefined ? "" : `fromBlock=${argInteger("fromBlock", range.fromBlock)}`,
      range.toBlock === undefined ? "" : `toBlock=${argInteger("toBlock", range.toBlock)}`,
    ].filter(Boolean);
    const rows = await this.#pages(`/v1/patients/${p}/audit${params.length ? `?${params.join("&")}` : ""}`, range);
    return rows.map((e) => {
      const purpose = e.purpose === null || e.purpose === undefined ? undefined : purposesOf(1 << integer(e.purpose, "purpose"))[0];
      return {
        kind: string(e.kind, "kind"),
        patient: address(e.patient, "patient"),
        actor: address(e.actor, "actor"),
        ...(e.counterpart ? { counterpart: address(e.counterpart, "counterpart") } : {}),
        ...(e.recordId ? { recordId: bytes32(e.recordId, "recordId") } : {}),
        ...(purpose ? { purpose } : {}),
        time: integer(e.time, "time"),
        block: integer(e.block, "block"),
        tx: hash(e.tx, "tx"),
        contract: address(e.contract, "contract"),
      };
    });
  }

  /**
   * The keyrings of a record version, in chain order: the anchored one, then the published ones.
   * @param recordId - 32-byte id (0x hex).
   * @param options - `minBlock`.
   * @returns The keyrings' CIDs and who published them.
   * @throws {TypeError} When `recordId` is not 32 bytes of hex.
   * @throws {IndexUnavailableError} {@link IndexResponseError} {@link IndexMismatchError} {@link IndexBehindError}
   */
  async keyrings(recordId: string, options: IndexReadOptions = {}): Promise<IndexedKeyring[]> {
    const id = argBytes32("recordId", recordId);
    const body = await this.#query(`/v1/records/${id}/keyrings`, options);
    return array(body.items, "items").map((item, i) => {
      const k = object(item, `items[${i}]`);
      const source = k.source === "anchor" || k.source === "published" ? k.source : invalid(`items[${i}].source`, k.source);
      return {
        recordId: bytes32(k.recordId, "recordId"),
        patient: address(k.patient, "patient"),
        publisher: address(k.publisher, "publisher"),
        keyringCid: cid(k.keyringCid, "keyringCid"),
        source,
        block: integer(k.block, "block"),
        tx: hash(k.tx, "tx"),
      };
    });
  }

  /** Every page of a list endpoint. */
  async #pages(path: string, options: IndexReadOptions): Promise<Json[]> {
    const out: Json[] = [];
    const join = path.includes("?") ? "&" : "?";
    let after: string | null = null;
    do {
      const cursor: string = after === null ? "" : `&after=${encodeURIComponent(after)}`;
      const body = await this.#query(`${path}${join}limit=${this.#pageSize}${cursor}`, options);
      out.push(...array(body.items, "items").map((item, i) => object(item, `items[${i}]`)));
      after = body.next === null || body.next === undefined ? null : string(body.next, "next");
    } while (after !== null);
    return out;
  }

  /** A query: the deployment checked once, the answer's head checked against `minBlock`. */
  async #query(path: string, options: IndexReadOptions, flags?: { notFound: true }): Promise<Json>;
  async #query(path: string, options: IndexReadOptions, flags: { notFound: true }): Promise<Json | undefined>;
  async #query(path: string, options: IndexReadOptions, flags?: { notFound: true }): Promise<Json | undefined> {
    if (options.minBlock !== undefined) argInteger("minBlock", options.minBlock);
    await this.#checkDeployment();
    const body = await this.#get(path, flags?.notFound === true);
    if (body === undefined) return undefined;
    const h = head(body.head);
    if (options.minBlock !== undefined && h.block < options.minBlock) throw new IndexBehindError(h.block, options.minBlock);
    return body;
  }

  #checkDeployment(): Promise<void> {
    const expected = this.#deployment;
    if (!expected) return Promise.resolve();
    this.#checked ??= (async () => {
      const info = await this.info();
      const same =
        info.chainId === expected.chainId &&
        info.directory === getAddress(expected.directory) &&
        info.consentRegistry === getAddress(expected.consentRegistry) &&
        info.recordRegistry === getAddress(expected.recordRegistry);
      if (!same) {
        throw new IndexMismatchError("The indexer indexes another deployment.", {
          details: `indexer: chain ${info.chainId} ${info.directory} ${info.consentRegistry} ${info.recordRegistry}; ` +
            `client: chain ${expected.chainId} ${expected.directory} ${expected.consentRegistry} ${expected.recordRegistry}`,
        });
      }
    })();
    // A failed check (indexer down) is retried on the next query; a mismatch stays a mismatch.
    this.#checked.catch((error) => {
      if (!(error instanceof IndexMismatchError)) this.#checked = undefined;
    });
    return this.#checked;
  }

  /** GET `path`; undefined only for a 404 when `notFoundIsUndefined`. */
  async #get(path: string, notFoundIsUndefined = false): Promise<Json | undefined> {
    const url = `${this.#base}${path}`;
    let response: Response;
    try {
      response = await this.#fetch(url, { signal: AbortSignal.timeout(this.#timeoutMs), headers: { accept: "application/json" } });
    } catch (cause) {
      const timedOut = (cause as { name?: string })?.name === "TimeoutError";
      throw new IndexUnavailableError(timedOut ? "The indexer did not answer in time." : "The indexer could not be reached.", {
        details: `GET ${url}${timedOut ? ` (limit ${this.#timeoutMs} ms)` : `: ${messageOf(cause)}`}`,
        cause,
      });
    }
    let text: string;
    try {
      text = await response.text();
    } catch (cause) {
      throw new IndexUnavailableError("The indexer's answer was cut off.", { details: `GET ${url}: ${messageOf(cause)}`, cause });
    }
    if (response.status >= 500 || response.status === 429) {
      throw new IndexUnavailableError(`The indexer answered HTTP ${response.status}.`, { details: `GET ${url}: ${text.slice(0, 300)}` });
    }
    if (response.status === 404 && errorCode(text) === "NOT_INDEXED") {
      throw new IndexUnavailableError("The indexer has not indexed any block yet.", { details: `GET ${url}` });
    }
    if (response.status === 404 && notFoundIsUndefined) return undefined;
    if (response.status !== 200) {
      throw new IndexResponseError(`The indexer refused the query (HTTP ${response.status}).`, {
        details: `GET ${url}: ${text.slice(0, 300)}`,
        status: response.status,
      });
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (cause) {
      throw new IndexResponseError("The indexer's answer is not JSON.", { details: `GET ${url}: ${text.slice(0, 120)}`, cause, status: 200 });
    }
    return object(body, "body");
  }
}

// ── Parsing answers: every value is checked; a bad one is an IndexResponseError naming the field ────────────

/** The `error.code` of an error answer, if it has one. */
function errorCode(text: string): string | undefined {
  try {
    const code = (JSON.parse(text) as { error?: { code?: unknown } })?.error?.code;
    return typeof code === "string" ? code : undefined;
  } catch {
    return undefined;
  }
}

function invalid(field: string, value: unknown): never {
  throw new IndexResponseError("The indexer's answer has a malformed value.", {
    details: `${field}: ${JSON.stringify(value)?.slice(0, 120)}`,
  });
}

function object(value: unknown, field: string): Json {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : invalid(field, value);
}

function array(value: unknown, field: string): unknown[] {
  return Array.isArray(value) ? value : invalid(field, value);
}

function string(value: unknown, field: string): string {
  return typeof value === "string" ? value : invalid(field, value);
}

function boolean(value: unknown, field: string): boolean {
  return typeof value === "boolean" ? value : invalid(field, value);
}

function integer(value: unknown, field: string): number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0 ? value : invalid(field, value);
}

function bigintOf(value: unknown, field: string): bigint {
  return typeof value === "string" && /^\d{1,78}$/.test(value) ? BigInt(value) : invalid(field, value);
}

function address(value: unknown, field: string): string {
  return typeof value === "string" && /^0x[0-9a-fA-F]{40}$/.test(value) ? getAddress(value) : invalid(field, value);
}

function bytes32(value: unknown, field: string): string {
  return typeof value === "string" && /^0x[0-9a-fA-F]{64}$/.test(value) ? value.toLowerCase() : invalid(field, value);
}

const hash = bytes32;

function bytes(value: unknown, field: string, length: number): Uint8Array {
  return typeof value === "string" && new RegExp(`^0x[0-9a-fA-F]{${2 * length}}$`).test(value)
    ? fromHex(field, value, length)
    : invalid(field, value);
}

function cid(value: unknown, field: string): CID {
  if (typeof value !== "string" || !/^0x([0-9a-fA-F]{2}){1,256}$/.test(value)) return invalid(field, value);
  try {
    return CID.decode(fromHex(field, value));
  } catch {
    return invalid(field, value);
  }
}

function head(value: unknown): IndexHead {
  const h = object(value, "head");
  return { block: integer(h.block, "head.block"), timestamp: integer(h.timestamp, "head.timestamp") };
}

function anchor(r: Json): IndexedAnchor {
  const categoryMask = bigintOf(r.categories, "categories");
  return {
    recordId: bytes32(r.recordId, "recordId"),
    patient: address(r.patient, "patient"),
    author: address(r.author, "author"),
    originalAuthor: address(r.originalAuthor, "originalAuthor"),
    categories: categoriesOfMask(categoryMask),
    categoryMask,
    version: integer(r.version, "version"),
    previous: bytes32(r.previous, "previous"),
    anchoredAt: integer(r.anchoredAt, "anchoredAt"),
    amended: boolean(r.amended, "amended"),
    contentCid: cid(r.contentCid, "contentCid"),
    keyringCid: cid(r.keyringCid, "keyringCid"),
    block: integer(r.block, "block"),
    tx: hash(r.tx, "tx"),
  };
}

function atQuery(options: IndexTimeOptions): string {
  return options.at === undefined ? "" : `?at=${argInteger("at", options.at)}`;
}

// ── Arguments: wrong ones are TypeError/RangeError naming the argument ─────────────────────────────────────

function argAddress(name: string, value: string): string {
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(value)) throw new TypeError(`${name}: expected a 0x address, got ${String(value)}`);
  return getAddress(value);
}

function argBytes32(name: string, value: string): string {
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(value)) throw new TypeError(`${name}: expected 32 bytes of 0x hex, got ${String(value)}`);
  return value.toLowerCase();
}

function argInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name}: expected a non-negative integer, got ${value}`);
  return value;
}

function messageOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  const base = error instanceof Error ? error.message : String(error);
  return cause?.code ? `${base} (${cause.code})` : base;
}
