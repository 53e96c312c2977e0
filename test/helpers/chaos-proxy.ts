import { JsonRpcProxy, type ProxyExchange } from "./proxy-base.js";

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

/** What {@link ChaosRpcProxy} counts, besides requests. */
export interface ChaosCounters {
  resets: number;
  badGateways: number;
  delays: number;
  droppedAnswers: number;
  droppedMinedSends: number;
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
 * A JSON-RPC proxy on loopback in front of a node (a `hardhat node` with automine) that misbehaves the way a faulty
 * network and a flaky hosted provider do, chosen by a seeded generator: it resets connections before forwarding,
 * answers 502, delays, forwards and then drops the answer, and — the case that duplicates writes when a client gets
 * it wrong — forwards a transaction, which the node mines, and drops the answer. Batches (ethers sends them) are
 * forwarded whole. `stats` counts what it did.
 */
export class ChaosRpcProxy extends JsonRpcProxy<ChaosCounters> {
  readonly #rates: ChaosRates;
  readonly #random: () => number;

  /**
   * @param targetUrl - The node's JSON-RPC URL.
   * @param rates - Fault probabilities.
   * @param seed - The generator's seed.
   */
  constructor(targetUrl: string, rates: ChaosRates, seed: number) {
    super(targetUrl, { resets: 0, badGateways: 0, delays: 0, droppedAnswers: 0, droppedMinedSends: 0 });
    this.#rates = rates;
    this.#random = seededRandom(seed);
  }

  protected override async handle(exchange: ProxyExchange): Promise<void> {
    const r = this.#rates;
    const roll = this.#random();
    const isSend = exchange.methods.some((m) => SENDS.has(m));
    if (roll < r.reset) {
      this.stats.resets++;
      exchange.reset();
      return;
    }
    if (roll < r.reset + r.badGateway) {
      this.stats.badGateways++;
      exchange.fail(502, "Bad Gateway");
      return;
    }
    if (this.#random() < r.delay) {
      this.stats.delays++;
      await new Promise((resolve) => setTimeout(resolve, Math.floor(this.#random() * (r.maxDelayMs ?? 200))));
    }
    const answer = await this.forward(exchange.body);
    const drop = this.#random();
    if (isSend && drop < r.dropMinedSend) {
      this.stats.droppedMinedSends++;
      exchange.reset();
      return;
    }
    if (drop < r.dropAnswer) {
      this.stats.droppedAnswers++;
      exchange.reset();
      return;
    }
    exchange.reply(answer);
  }
}
