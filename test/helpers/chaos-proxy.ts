import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";

/** How often {@link ChaosRpcProxy} does each fault, as a probability per HTTP request (0..1). */
export interface ChaosRates {
  /** Reset the connection instead of forwarding the request (the node never sees it). */
  readonly reset: number;
  /** Answer HTTP 502 Bad Gateway instead of forwarding it. */
  readonly badGateway: number;
  /** Hold the request for up to `maxDelayMs` before forwarding it. */
  readonly delay: number;
  /** Forward the request, then reset the connection instead of answering (the node did the work). */
  readonly dropAnswer: number;
  /** Forward an `eth_sendRawTransaction`/`eth_sendTransaction`, let it be mined, and reset instead of answering. */
  readonly dropMinedSend: number;
  /** Longest delay, ms (default 200). */
  readonly maxDelayMs?: number;
}

/** A seeded pseudo-random generator (mulberry32): the same seed gives the same faults for the same requests. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SENDS = new Set(["eth_sendRawTransaction", "eth_sendTransaction"]);

/**
 * An HTTP JSON-RPC proxy on loopback in front of a node (a `hardhat node` with automine) that misbehaves the way a
 * faulty network and a flaky hosted provider do, chosen by a seeded generator: it resets connections before
 * forwarding, answers 502, delays, forwards and then drops the answer, and — the case that duplicates writes when a
 * client gets it wrong — forwards a transaction, which the node mines, and drops the answer. Batches (ethers sends
 * them) are forwarded whole. `stats` counts what it did.
 */
export class ChaosRpcProxy {
  readonly #target: string;
  readonly #rates: ChaosRates;
  readonly #random: () => number;
  #server: Server | undefined;
  #port = 0;
  /** What the proxy did. */
  readonly stats = {
    requests: 0,
    resets: 0,
    badGateways: 0,
    delays: 0,
    droppedAnswers: 0,
    droppedMinedSends: 0,
  };

  /**
   * @param targetUrl - The node's JSON-RPC URL.
   * @param rates - Fault probabilities.
   * @param seed - The generator's seed.
   */
  constructor(targetUrl: string, rates: ChaosRates, seed: number) {
    this.#target = targetUrl;
    this.#rates = rates;
    this.#random = seededRandom(seed);
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  async start(port = 0): Promise<void> {
    const server = createServer((req, res) => void this.#handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", resolve);
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
    this.stats.requests++;
    const body = await readBody(req).catch(() => undefined);
    if (body === undefined) return;
    const methods = methodsOf(body);
    const r = this.#rates;
    const roll = this.#random();
    const isSend = methods.some((m) => SENDS.has(m));
    try {
      if (roll < r.reset) {
        this.stats.resets++;
        req.socket.resetAndDestroy();
        return;
      }
      if (roll < r.reset + r.badGateway) {
        this.stats.badGateways++;
        res.writeHead(502, { "content-type": "text/plain" }).end("Bad Gateway");
        return;
      }
      if (this.#random() < r.delay) {
        this.stats.delays++;
        await new Promise((resolve) => setTimeout(resolve, Math.floor(this.#random() * (r.maxDelayMs ?? 200))));
      }
      const answer = await forward(this.#target, body);
      const drop = this.#random();
      if ((isSend && drop < r.dropMinedSend) || drop < r.dropAnswer) {
        if (isSend && drop < r.dropMinedSend) this.stats.droppedMinedSends++;
        else this.stats.droppedAnswers++;
        req.socket.resetAndDestroy();
        return;
      }
      if (!res.destroyed) res.writeHead(200, { "content-type": "application/json" }).end(answer);
    } catch (error) {
      if (!res.headersSent && !res.destroyed) res.writeHead(502).end(String(error));
    }
  }
}

/** The JSON-RPC methods named in a request body (one request or a batch). */
function methodsOf(body: string): string[] {
  try {
    const parsed = JSON.parse(body) as { method?: string } | { method?: string }[];
    return (Array.isArray(parsed) ? parsed : [parsed]).map((r) => r.method ?? "");
  } catch {
    return [];
  }
}

function forward(target: string, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const upstream = httpRequest(
      target,
      { method: "POST", headers: { "content-type": "application/json" } },
      (response) => {
        readBody(response).then(resolve, reject);
      },
    );
    upstream.on("error", reject);
    upstream.end(body);
  });
}

function readBody(stream: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    stream.on("error", reject);
  });
}
