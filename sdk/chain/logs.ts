/**
 * One reader for every event log the SDK asks the chain for: it pages `eth_getLogs` by block range so hosted RPC
 * providers' caps (block range per call, results per call) don't break reads on a long chain, adapts the page to
 * what the provider accepts (halves on a range or result-count refusal, grows back after successes), retries rate
 * limits (HTTP 429), timeouts and dropped connections with bounded exponential backoff and jitter, and caps how many
 * requests it has in flight.
 * @module
 */
import { EventLog, type BaseContract, type Log, type Provider } from "ethers";

import type { TypedContractEvent, TypedDeferredTopicFilter, TypedEventLog } from "../contracts/typechain/common.js";
import { TimeoutError } from "../errors/_signals.js";
import { LogQueryError } from "../errors/chain.js";

/** How a {@link LogReader} pages and retries. */
export interface LogReaderOptions {
  /** Largest block range of one `eth_getLogs` (inclusive count of blocks). Default 10,000 (a common provider cap). */
  readonly maxRange?: number;
  /** Attempts per page on a transient failure (429, timeout, reset, 5xx), the first included. Default 6. */
  readonly attempts?: number;
  /** First backoff delay in ms; doubles per attempt, with full jitter. Default 250. */
  readonly baseDelayMs?: number;
  /** Longest backoff delay in ms. Default 8,000. */
  readonly maxDelayMs?: number;
  /** Time limit of one request in ms; a request past it counts as a timeout and is retried. Default 30,000. */
  readonly timeoutMs?: number;
  /** Requests in flight at once, over every query of this reader. Default 4. */
  readonly concurrency?: number;
}

/** The filter of one query: an address and topics, as `eth_getLogs` takes them. */
export interface LogFilter {
  readonly address: string | readonly string[];
  readonly topics: readonly (string | null | readonly string[])[];
}

/** A typed event filter of a contract (`contract.filters.Event(...)`), as TypeChain and ethers build it. */
export interface EventFilterLike {
  getTopicFilter(): Promise<(null | string | string[])[]>;
  readonly fragment: unknown;
}

/** What a reader has done, for tests, benchmarks and logs. */
export interface LogReaderStats {
  /** `eth_getLogs` requests sent. */
  requests: number;
  /** Pages halved after a range or result-count refusal. */
  splits: number;
  /** Retries after a transient failure. */
  retries: number;
}

const DEFAULTS = {
  maxRange: 10_000,
  attempts: 6,
  baseDelayMs: 250,
  maxDelayMs: 8_000,
  timeoutMs: 30_000,
  concurrency: 4,
} as const;

/**
 * Reads event logs in pages under provider limits.
 * @example
 * const reader = new LogReader(provider, { maxRange: 2_000 });
 * const grants = await reader.query(consent, consent.filters.ConsentGranted(patient), deploymentBlock);
 */
export class LogReader {
  readonly #provider: Provider;
  readonly #options: Required<LogReaderOptions>;
  /** The page size to try next: starts at maxRange, halves on refusals, doubles back on success up to #ceiling. */
  #range: number;
  /** The largest page the provider's block-range cap allows, once a refusal told (or hinted at) it. */
  #ceiling: number;
  #inFlight = 0;
  readonly #waiting: (() => void)[] = [];
  /** Counters since the reader was made. */
  readonly stats: LogReaderStats = { requests: 0, splits: 0, retries: 0 };

  /**
   * @param provider - The ethers provider to read from.
   * @param options - Paging and retry settings ({@link LogReaderOptions}).
   * @throws {RangeError} When an option is not a positive integer.
   */
  constructor(provider: Provider, options: LogReaderOptions = {}) {
    const merged = { ...DEFAULTS, ...stripUndefined(options) };
    for (const [name, value] of Object.entries(merged)) {
      const min = name === "baseDelayMs" || name === "maxDelayMs" ? 0 : 1;
      if (!Number.isSafeInteger(value) || value < min) {
        throw new RangeError(`LogReader: options.${name} must be an integer >= ${min}, got ${String(value)}`);
      }
    }
    this.#provider = provider;
    this.#options = merged;
    this.#range = merged.maxRange;
    this.#ceiling = merged.maxRange;
  }

  /**
   * The logs of `event` on `contract` from `fromBlock` to `toBlock`, parsed like ethers' `contract.queryFilter`
   * (each an `EventLog` with typed `args`), oldest first.
   * @param contract - A contract bound to the same chain.
   * @param event - A filter from `contract.filters.X(...)`.
   * @param fromBlock - First block (inclusive).
   * @param toBlock - Last block (inclusive); default (or `"latest"`) the chain head when the query starts.
   * @returns The parsed logs.
   * @throws {LogQueryError} When a page still fails after its retries, or the provider refuses even one block.
   */
  async query<E extends TypedContractEvent>(
    contract: BaseContract,
    event: TypedDeferredTopicFilter<E>,
    fromBlock: number,
    toBlock?: number | "latest",
  ): Promise<TypedEventLog<E>[]>;
  async query<E extends EventLog = EventLog>(
    contract: BaseContract,
    event: EventFilterLike,
    fromBlock: number,
    toBlock?: number | "latest",
  ): Promise<E[]>;
  async query(
    contract: BaseContract,
    event: EventFilterLike,
    fromBlock: number,
    toBlock?: number | "latest",
  ): Promise<EventLog[]> {
    const address = await contract.getAddress();
    const topics = await event.getTopicFilter();
    const logs = await this.getLogs({ address, topics }, fromBlock, toBlock === "latest" ? undefined : toBlock);
    const fragment = event.fragment as ConstructorParameters<typeof EventLog>[2];
    return logs.map((log) => new EventLog(log, contract.interface, fragment));
  }

  /**
   * The chain's head block, asked of the node itself (ethers' `getBlockNumber` may answer from a cache), with the
   * reader's retries.
   * @returns The head's block number.
   * @throws {LogQueryError} When the node still fails after the retries.
   */
  head(): Promise<number> {
    return this.#withRetries("eth_blockNumber", () => this.#head());
  }

  /**
   * Raw logs matching `filter` from `fromBlock` to `toBlock`, oldest first.
   * @param filter - Address and topics.
   * @param fromBlock - First block (inclusive).
   * @param toBlock - Last block (inclusive); default the chain head when the query starts.
   * @returns The logs, in chain order.
   * @throws {LogQueryError} As {@link LogReader.query}.
   */
  async getLogs(filter: LogFilter, fromBlock: number, toBlock?: number): Promise<Log[]> {
    if (!Number.isSafeInteger(fromBlock) || fromBlock < 0) {
      throw new RangeError(`LogReader: fromBlock must be a block number, got ${String(fromBlock)}`);
    }
    const last = toBlock ?? (await this.head());
    const out: Log[] = [];
    let from = fromBlock;
    while (from <= last) {
      const to = Math.min(last, from + this.#range - 1);
      const page = await this.#page(filter, from, to);
      out.push(...page.logs);
      from = page.to + 1;
    }
    return out;
  }

  /**
   * One page, shrinking it until the provider accepts it. Returns the logs and the last block the page covered
   * (smaller than `to` when the page had to shrink).
   */
  async #page(filter: LogFilter, from: number, to: number): Promise<{ logs: Log[]; to: number }> {
    for (;;) {
      try {
        const logs = await this.#withRetries("eth_getLogs", () =>
          this.#provider.getLogs({
            address: filter.address as string | string[],
            topics: filter.topics as (string | null | string[])[],
            fromBlock: from,
            toBlock: to,
          }),
        );
        if (to - from + 1 >= this.#range) this.#range = Math.min(this.#ceiling, this.#range * 2);
        return { logs, to };
      } catch (error) {
        if (!isTooLarge(error)) throw error;
        const size = to - from + 1;
        if (isRangeCap(error)) {
          // A block-range cap is a property of the provider: never ask for this much again. Providers often name
          // the cap ("max 2000 blocks"); otherwise the refused size bounds it.
          this.#ceiling = Math.max(1, Math.min(this.#ceiling, statedCap(error) ?? size - 1));
        }
        if (to === from) {
          throw new LogQueryError("The RPC provider refuses the logs of even a single block.", {
            details: `block ${from}: ${messageOf(error)}`,
            cause: error,
          });
        }
        this.stats.splits++;
        this.#range = Math.max(1, Math.min(this.#ceiling, Math.floor(size / 2)));
        to = from + this.#range - 1;
      }
    }
  }

  /** Runs `call` under the concurrency cap, retrying transient failures with backoff and jitter. */
  async #withRetries<T>(method: string, call: () => Promise<T>): Promise<T> {
    const { attempts, baseDelayMs, maxDelayMs, timeoutMs } = this.#options;
    for (let attempt = 1; ; attempt++) {
      await this.#acquire();
      let result: T;
      try {
        if (method === "eth_getLogs") this.stats.requests++;
        result = await withTimeout(call(), timeoutMs);
      } catch (error) {
        if (isTooLarge(error) || !isTransient(error)) throw error;
        if (attempt >= attempts) {
          throw new LogQueryError(`The RPC provider kept failing ${method} (${attempts} attempts).`, {
            details: messageOf(error),
            cause: error,
          });
        }
        this.stats.retries++;
        const delay = Math.random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
        await sleep(delay);
        continue;
      } finally {
        this.#release();
      }
      return result;
    }
  }

  /**
   * The chain head, asked of the node itself: ethers' `getBlockNumber` may answer from a cache up to a polling
   * interval old, which would miss the block of a transaction that was just mined.
   */
  async #head(): Promise<number> {
    const send = (this.#provider as { send?: (method: string, params: unknown[]) => Promise<unknown> }).send;
    if (typeof send !== "function") return this.#provider.getBlockNumber();
    return Number(await send.call(this.#provider, "eth_blockNumber", []));
  }

  async #acquire(): Promise<void> {
    if (this.#inFlight < this.#options.concurrency) {
      this.#inFlight++;
      return;
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  #release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#inFlight--;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`no answer within ${ms} ms`)), ms);
  });
  // The abandoned request may still settle later: keep its rejection from becoming unhandled.
  promise.catch(() => undefined);
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Every message and code in an ethers / JSON-RPC error chain, lower-cased, for classification. */
function textOf(error: unknown): string {
  const parts: string[] = [];
  const seen = new Set<unknown>();
  const stack = [error];
  while (stack.length > 0) {
    const e = stack.pop();
    if (typeof e !== "object" || e === null || seen.has(e)) continue;
    seen.add(e);
    const o = e as Record<string, unknown>;
    for (const key of ["message", "shortMessage", "code", "status"]) {
      if (typeof o[key] === "string" || typeof o[key] === "number") parts.push(String(o[key]));
    }
    for (const key of ["error", "info", "cause", "response"]) stack.push(o[key]);
  }
  return parts.join(" | ").toLowerCase();
}

function messageOf(error: unknown): string {
  return error instanceof Error ? (error.message.split("\n", 1)[0] ?? "") : String(error);
}

/**
 * A provider's refusal of a page as too large: a block-range cap or a result-count cap. Providers word it
 * differently (Alchemy, Infura, QuickNode, Ankr, geth, Erigon, Besu); these are the phrasings in use.
 */
const TOO_LARGE = [
  /block range/,
  /range (is )?too (large|wide|big)/,
  /exceed(s|ed)? (the )?max(imum)? (block )?range/,
  /more than \d+ (results|logs)/,
  /too many (results|logs|blocks)/,
  /response (size )?(is )?too (large|big)/,
  /log response size exceeded/,
  /query (returned|exceeds) /,
];

function isTooLarge(error: unknown): boolean {
  if (error instanceof TimeoutError) return false;
  const text = textOf(error);
  return TOO_LARGE.some((pattern) => pattern.test(text));
}

/** A refusal because of the block range (rather than the number of results). */
function isRangeCap(error: unknown): boolean {
  const text = textOf(error);
  return (
    /block range|range (is )?too|max(imum)? (block )?range/.test(text) &&
    !/results|logs/.test(text.replace(/eth_getlogs/g, ""))
  );
}

/** The cap a refusal states, e.g. "max 2000 blocks", "maximum block range: 10000". */
function statedCap(error: unknown): number | undefined {
  const match = /(?:max(?:imum)?[^0-9|]{0,24}(\d{1,9}))|(?:(\d{1,9}) blocks?)/.exec(textOf(error));
  const value = Number(match?.[1] ?? match?.[2]);
  return Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

/** Rate limits, timeouts, dropped connections and gateway errors: worth a retry. */
function isTransient(error: unknown): boolean {
  if (error instanceof TimeoutError) return true;
  const text = textOf(error);
  return /\b(429|502|503|504)\b|too many requests|rate limit|timeout|timed out|econnreset|econnrefused|socket hang up|network_error|server_error|bad gateway|service unavailable|epipe/.test(
    text,
  );
}
