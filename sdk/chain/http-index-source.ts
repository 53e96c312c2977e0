/**
 * {@link HttpIndexSource}: an {@link IndexSource} that reads the Carechain indexer's HTTP API (indexer/, see
 * docs/indexer.md), checking its arguments, paging list endpoints, checking the indexer's deployment once and
 * each answer's head against `minBlock`.
 * @module
 */
import { getAddress } from "ethers";

import type { AuditEntry, GrantInfo } from "./facts.js";
import { categoriesOfMask, type CategoryId } from "../fhir/categories.js";
import { MAX_CATEGORY } from "../contracts/enums.js";
import { IndexBehindError, IndexMismatchError } from "../errors/index-source.js";
import {
  address,
  anchor,
  array,
  bigintOf,
  boolean,
  bytes,
  bytes32,
  cid,
  hash,
  head,
  integer,
  invalid,
  object,
  string,
  type Json,
} from "./_index-answer.js";
import { getIndexJson } from "./_index-http.js";
import { argAddress, argBytes32, argInteger, atQuery } from "./_index-query.js";
import type { CarechainDeployment } from "./deployment.js";
import type {
  IndexedAnchor,
  IndexedBatch,
  IndexedBatchEntry,
  IndexedKeyring,
  IndexedReader,
  IndexInfo,
  IndexReadOptions,
  IndexSource,
  IndexTimeOptions,
} from "./index-source.js";
import { purposesOf } from "./purpose.js";

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
      throw new TypeError(`url: not a URL: ${url}`);
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      throw new TypeError(`url: expected an http(s) URL, got ${parsed.protocol}`);
    }
    const timeoutMs = options.timeoutMs ?? 10_000;
    const pageSize = options.pageSize ?? 1_000;
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1)
      throw new RangeError(`timeoutMs: expected a positive integer, got ${timeoutMs}`);
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
    const body = await this.#get("/v1/info");
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
  async readers(
    patient: string,
    categories: readonly CategoryId[],
    options: IndexTimeOptions = {},
  ): Promise<IndexedReader[]> {
    const p = argAddress("patient", patient);
    // A caller in plain JavaScript may pass anything.
    const list: unknown = categories;
    if (!Array.isArray(list) || categories.length === 0)
      throw new RangeError("categories: expected at least one category");
    let mask = 0n;
    for (const c of categories) {
      if (!Number.isInteger(c) || c < 0 || c > MAX_CATEGORY)
        throw new RangeError(`categories: expected indices 0 to ${MAX_CATEGORY}, got ${String(c)}`);
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
      ...(b.entries === null || b.entries === undefined ? {} : { entries: batchEntries(b.entries) }),
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
      const purpose =
        e.purpose === null || e.purpose === undefined ? undefined : purposesOf(1 << integer(e.purpose, "purpose"))[0];
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
      const source =
        k.source === "anchor" || k.source === "published" ? k.source : invalid(`items[${i}].source`, k.source);
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
  async #query(path: string, options: IndexReadOptions, flags: { notFound: true }): Promise<Json | undefined>;
  async #query(path: string, options: IndexReadOptions): Promise<Json>;
  async #query(path: string, options: IndexReadOptions, flags?: { notFound: true }): Promise<Json | undefined> {
    if (options.minBlock !== undefined) argInteger("minBlock", options.minBlock);
    await this.#checkDeployment();
    const body = await this.#get(path, flags?.notFound === true);
    if (body === undefined) return undefined;
    const h = head(body.head);
    if (options.minBlock !== undefined && h.block < options.minBlock)
      throw new IndexBehindError(h.block, options.minBlock);
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
          details:
            `indexer: chain ${info.chainId} ${info.directory} ${info.consentRegistry} ${info.recordRegistry}; ` +
            `client: chain ${expected.chainId} ${expected.directory} ${expected.consentRegistry} ${expected.recordRegistry}`,
        });
      }
    })();
    // A failed check (indexer down) is retried on the next query; a mismatch stays a mismatch.
    this.#checked.catch((error: unknown) => {
      if (!(error instanceof IndexMismatchError)) this.#checked = undefined;
    });
    return this.#checked;
  }

  /** GET `path` from the indexer; undefined only for a 404 when `notFoundIsUndefined`. */
  #get(path: string): Promise<Json>;
  #get(path: string, notFoundIsUndefined: boolean): Promise<Json | undefined>;
  #get(path: string, notFoundIsUndefined = false): Promise<Json | undefined> {
    return getIndexJson(this.#fetch, `${this.#base}${path}`, this.#timeoutMs, notFoundIsUndefined);
  }
}

/** A batch's indexed manifest entries, each field parsed (ids, category masks, CIDs). */
function batchEntries(value: unknown): IndexedBatchEntry[] {
  return array(value, "entries").map((item) => {
    const e = object(item, "entries[]");
    const categories = categoriesOfMask(bigintOf(e.categories, "entries[].categories"));
    if (categories.length === 0) invalid("entries[].categories", e.categories);
    return {
      recordId: bytes32(e.recordId, "entries[].recordId"),
      categories,
      contentCid: cid(e.contentCid, "entries[].contentCid"),
      keyringCid: cid(e.keyringCid, "entries[].keyringCid"),
    };
  });
}
