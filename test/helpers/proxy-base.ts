import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
  type ServerResponse,
} from "node:http";

/** One JSON-RPC request, as a proxy reads it from a client's body. */
export interface RpcRequest {
  readonly jsonrpc?: string;
  readonly id?: unknown;
  readonly method?: string;
  readonly params?: unknown[];
}

/** What every proxy counts. */
export interface ProxyCounters {
  /** HTTP requests received (a batch is one). */
  requests: number;
  /** Most HTTP requests in flight at once. */
  maxInFlight: number;
}

/**
 * One HTTP request from a client, and the ways to answer it: a JSON answer, an HTTP error, or a TCP reset. Answers
 * after the first, and answers to a client that is gone, are dropped.
 */
export class ProxyExchange {
  /** The number of this request since the proxy was made, from 1. */
  readonly n: number;
  /** The client's body, as sent. */
  readonly body: string;
  /** The JSON-RPC requests of the body: one, or the elements of a batch; empty when the body is not JSON-RPC. */
  readonly requests: readonly RpcRequest[];
  /** Whether the body is a batch (an array). */
  readonly batch: boolean;
  readonly #req: IncomingMessage;
  readonly #res: ServerResponse;

  constructor(n: number, body: string, req: IncomingMessage, res: ServerResponse) {
    this.n = n;
    this.body = body;
    this.#req = req;
    this.#res = res;
    const parsed = parseJson(body);
    this.batch = Array.isArray(parsed);
    const list: unknown[] = Array.isArray(parsed) ? parsed : parsed === undefined ? [] : [parsed];
    this.requests = list.filter((r): r is RpcRequest => typeof r === "object" && r !== null);
  }

  /** The methods the body names, in order. */
  get methods(): string[] {
    return this.requests.map((r) => r.method ?? "");
  }

  /** Whether an answer can still be sent. */
  get open(): boolean {
    return !this.#res.headersSent && !this.#res.destroyed;
  }

  /**
   * Answers 200 with a JSON text.
   * @param json - The answer's text.
   */
  reply(json: string): void {
    if (this.open) this.#res.writeHead(200, { "content-type": "application/json" }).end(json);
  }

  /**
   * Answers with an HTTP error status.
   * @param status - The status (429, 502, ...).
   * @param text - The body.
   * @param headers - Extra headers.
   */
  fail(status: number, text: string, headers: OutgoingHttpHeaders = {}): void {
    if (this.open) this.#res.writeHead(status, { "content-type": "text/plain", ...headers }).end(text);
  }

  /** Cuts the client's connection with a TCP reset (the client sees ECONNRESET or "socket hang up"). */
  reset(): void {
    this.#req.socket.resetAndDestroy();
  }
}

/**
 * An HTTP JSON-RPC proxy on loopback in front of a node: starts on a free port (or a given one, kept across a stop
 * and a start), forwards what the client sends (single requests and batches), stops by cutting every open
 * connection, and counts. As it is, it forwards everything unchanged; a policy overrides {@link JsonRpcProxy.handle}
 * to refuse, delay, rewrite or cut.
 * @typeParam Extra - The policy's own counters, added to {@link ProxyCounters} in `stats`.
 */
export class JsonRpcProxy<Extra extends object = ProxyCounters> {
  /** What the proxy did. */
  readonly stats: ProxyCounters & Extra;
  readonly #target: string;
  #port: number;
  #server: Server | undefined;
  #inFlight = 0;

  /**
   * @param targetUrl - The node's JSON-RPC URL.
   * @param extra - The policy's counters, at their starting values.
   * @param port - The port to listen on (default: a free one, chosen at the first start).
   */
  constructor(targetUrl: string, extra: Extra, port = 0) {
    this.#target = targetUrl;
    this.#port = port;
    this.stats = { requests: 0, maxInFlight: 0, ...extra };
  }

  /** The port the proxy listens on (0 before the first start when none was given). */
  get port(): number {
    return this.#port;
  }

  /** The proxy's JSON-RPC URL. */
  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /**
   * Listens on loopback: on `port`, else on the port of the previous start (or the constructor's), else a free one.
   * @param port - The port to listen on.
   */
  async start(port = this.#port): Promise<void> {
    const server = createServer((req, res) => void this.#receive(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", resolve);
    });
    this.#port = (server.address() as { port: number }).port;
    this.#server = server;
  }

  /** Refuses new connections and cuts the open ones. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /**
   * What the proxy does with one client request; by default it forwards the body unchanged and answers with the
   * node's answer. An error thrown here is answered 502 (when an answer can still be sent).
   * @param exchange - The request and the ways to answer it.
   */
  protected async handle(exchange: ProxyExchange): Promise<void> {
    exchange.reply(await this.forward(exchange.body));
  }

  /**
   * Sends a body to the node.
   * @param body - A JSON-RPC request or batch, as text.
   * @returns The node's answer, as text.
   */
  protected forward(body: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const upstream = httpRequest(
        this.#target,
        { method: "POST", headers: { "content-type": "application/json" } },
        (response) => {
          readBody(response).then(resolve, reject);
        },
      );
      upstream.on("error", reject);
      upstream.end(body);
    });
  }

  /**
   * Sends one request to the node.
   * @param request - The request.
   * @returns The node's answer, parsed.
   */
  protected async forwardOne(request: RpcRequest): Promise<unknown> {
    return JSON.parse(await this.forward(JSON.stringify(request)));
  }

  async #receive(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const n = ++this.stats.requests;
    this.#inFlight++;
    this.stats.maxInFlight = Math.max(this.stats.maxInFlight, this.#inFlight);
    try {
      const body = await readBody(req).catch(() => undefined);
      if (body === undefined) return;
      const exchange = new ProxyExchange(n, body, req, res);
      await this.handle(exchange).catch((error: unknown) => exchange.fail(502, String(error)));
    } finally {
      this.#inFlight--;
    }
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
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
