import { JsonRpcProxy, type ProxyExchange, type RpcRequest } from "./proxy-base.js";

/** What a hosted RPC provider refuses or does to a client, as {@link LimitingRpcProxy} imitates it. */
export interface ProviderLimits {
  /** Largest block range of one eth_getLogs (inclusive). */
  readonly maxBlockRange?: number;
  /** Most logs one eth_getLogs may return. */
  readonly maxResults?: number;
  /** Every n-th HTTP request is answered 429 Too Many Requests (a burst of `burst429` in a row). */
  readonly every429?: number;
  /** Length of each 429 burst (default 1). */
  readonly burst429?: number;
  /** Every n-th HTTP request is held for `timeoutHoldMs` before it is forwarded (the client sees a timeout). */
  readonly everyTimeout?: number;
  /** How long a held request waits (default 1,500 ms). */
  readonly timeoutHoldMs?: number;
}

/** What {@link LimitingRpcProxy} counts, besides requests. */
export interface LimitingCounters {
  /** eth_getLogs requests (each element of a batch counts). */
  getLogs: number;
  /** eth_getLogs refused for their block range. */
  rangeRefusals: number;
  /** eth_getLogs refused for their result count. */
  resultRefusals: number;
  /** HTTP requests answered 429. */
  tooMany: number;
  /** HTTP requests held before they were forwarded. */
  held: number;
}

/**
 * A JSON-RPC proxy on loopback in front of a node that enforces the limits of hosted providers: a block-range cap
 * and a result cap on eth_getLogs (answered with the error texts providers use), bursts of HTTP 429 and requests
 * held past the client's timeout. Batches (ethers sends them) are handled element by element. Every other method
 * (evm_*, hardhat_* included) is forwarded unchanged.
 */
export class LimitingRpcProxy extends JsonRpcProxy<LimitingCounters> {
  readonly #limits: ProviderLimits;

  /**
   * @param targetUrl - The node's JSON-RPC URL.
   * @param limits - What to refuse and how often.
   */
  constructor(targetUrl: string, limits: ProviderLimits) {
    super(targetUrl, { getLogs: 0, rangeRefusals: 0, resultRefusals: 0, tooMany: 0, held: 0 });
    this.#limits = limits;
  }

  protected override async handle(exchange: ProxyExchange): Promise<void> {
    const { every429, burst429 = 1, everyTimeout, timeoutHoldMs = 1_500 } = this.#limits;
    if (every429 && exchange.n % every429 < burst429) {
      this.stats.tooMany++;
      exchange.fail(429, "Too Many Requests", { "retry-after": "0" });
      return;
    }
    if (everyTimeout && exchange.n % everyTimeout === 0) {
      this.stats.held++;
      await new Promise((resolve) => setTimeout(resolve, timeoutHoldMs));
    }
    if (exchange.requests.length === 0) {
      exchange.reply(await this.forward(exchange.body));
      return;
    }
    const answers = await Promise.all(exchange.requests.map((r) => this.#answer(r)));
    exchange.reply(JSON.stringify(exchange.batch ? answers : answers[0]));
  }

  async #answer(request: RpcRequest): Promise<unknown> {
    if (request.method !== "eth_getLogs") return this.forwardOne(request);
    this.stats.getLogs++;
    const filter = (request.params?.[0] ?? {}) as { fromBlock?: string; toBlock?: string; blockHash?: string };
    const { maxBlockRange, maxResults } = this.#limits;
    if (maxBlockRange !== undefined && filter.blockHash === undefined) {
      // Block tags count as the blocks they name, as hosted providers count them: "latest" is the head.
      const [from, to] = await Promise.all([this.#blockOf(filter.fromBlock), this.#blockOf(filter.toBlock)]);
      const range = Number(to - from) + 1;
      if (range > maxBlockRange) {
        this.stats.rangeRefusals++;
        return refusal(request, -32600, `eth_getLogs block range is too large, max ${maxBlockRange} blocks`);
      }
    }
    const answer = (await this.forwardOne(request)) as { result?: unknown[] };
    if (maxResults !== undefined && Array.isArray(answer.result) && answer.result.length > maxResults) {
      this.stats.resultRefusals++;
      return refusal(request, -32005, `query returned more than ${maxResults} results`);
    }
    return answer;
  }

  /** The number of the block a filter bound names: a number, "earliest", or a tag of the head (the default). */
  async #blockOf(bound: string | undefined): Promise<bigint> {
    if (bound?.startsWith("0x")) return BigInt(bound);
    if (bound === "earliest") return 0n;
    const head = (await this.forwardOne({ jsonrpc: "2.0", id: 0, method: "eth_blockNumber", params: [] })) as {
      result?: string;
    };
    return BigInt(head.result ?? "0x0");
  }
}

function refusal(request: RpcRequest, code: number, message: string) {
  return { jsonrpc: "2.0", id: request.id, error: { code, message } };
}
