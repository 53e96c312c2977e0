import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";

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

interface RpcRequest {
  id?: unknown;
  method?: string;
  params?: unknown[];
}

/**
 * An HTTP JSON-RPC proxy on loopback in front of a node that enforces the limits of hosted providers: a block-range
 * cap and a result cap on eth_getLogs (answered with the error texts providers use), bursts of HTTP 429 and
 * requests held past the client's timeout. Batches (ethers sends them) are handled element by element.
 */
export class LimitingRpcProxy {
  readonly #target: string;
  readonly #limits: ProviderLimits;
  #server: Server | undefined;
  #port = 0;
  #httpRequests = 0;
  #inFlight = 0;
  /** Counters for assertions. */
  readonly stats = {
    httpRequests: 0,
    getLogs: 0,
    rangeRefusals: 0,
    resultRefusals: 0,
    tooMany: 0,
    held: 0,
    maxInFlight: 0,
  };

  constructor(targetUrl: string, limits: ProviderLimits) {
    this.#target = targetUrl;
    this.#limits = limits;
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => void this.#handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", resolve);
    });
    this.#port = (server.address() as { port: number }).port;
    this.#server = server;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const n = ++this.#httpRequests;
    this.stats.httpRequests++;
    this.#inFlight++;
    this.stats.maxInFlight = Math.max(this.stats.maxInFlight, this.#inFlight);
    try {
      const body = await readBody(req);
      const { every429, burst429 = 1, everyTimeout, timeoutHoldMs = 1_500 } = this.#limits;
      if (every429 && n % every429 < burst429) {
        this.stats.tooMany++;
        res.writeHead(429, { "content-type": "text/plain", "retry-after": "0" }).end("Too Many Requests");
        return;
      }
      if (everyTimeout && n % everyTimeout === 0) {
        this.stats.held++;
        await new Promise((resolve) => setTimeout(resolve, timeoutHoldMs));
      }
      const parsed = JSON.parse(body) as RpcRequest | RpcRequest[];
      const answers = await Promise.all((Array.isArray(parsed) ? parsed : [parsed]).map((r) => this.#answer(r)));
      if (!res.destroyed) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(Array.isArray(parsed) ? answers : answers[0]));
      }
    } catch (error) {
      if (!res.headersSent) res.writeHead(502).end(String(error));
    } finally {
      this.#inFlight--;
    }
  }

  async #answer(request: RpcRequest): Promise<unknown> {
    if (request.method === "eth_getLogs") {
      this.stats.getLogs++;
      const filter = (request.params?.[0] ?? {}) as { fromBlock?: string; toBlock?: string };
      const { maxBlockRange, maxResults } = this.#limits;
      if (maxBlockRange !== undefined && filter.fromBlock?.startsWith("0x") && filter.toBlock?.startsWith("0x")) {
        const range = Number(BigInt(filter.toBlock) - BigInt(filter.fromBlock)) + 1;
        if (range > maxBlockRange) {
          this.stats.rangeRefusals++;
          return {
            jsonrpc: "2.0",
            id: request.id,
            error: { code: -32600, message: `eth_getLogs block range is too large, max ${maxBlockRange} blocks` },
          };
        }
      }
      const answer = (await this.#forward(request)) as { result?: unknown[] };
      if (maxResults !== undefined && Array.isArray(answer.result) && answer.result.length > maxResults) {
        this.stats.resultRefusals++;
        return {
          jsonrpc: "2.0",
          id: request.id,
          error: { code: -32005, message: `query returned more than ${maxResults} results` },
        };
      }
      return answer;
    }
    return this.#forward(request);
  }

  #forward(request: RpcRequest): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const upstream = httpRequest(
        this.#target,
        { method: "POST", headers: { "content-type": "application/json" } },
        (response) => {
          readBody(response).then((text) => resolve(JSON.parse(text)), reject);
        },
      );
      upstream.on("error", reject);
      upstream.end(JSON.stringify(request));
    });
  }
}

function readBody(stream: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    stream.on("error", reject);
  });
}
