import { JsonRpcProxy, type ProxyExchange } from "./proxy-base.js";

/**
 * A JSON-RPC proxy on loopback in front of a node that resets the connection of chosen requests: every `every`-th
 * request whose body names `method` gets a TCP reset (the client sees ECONNRESET / "socket hang up"), the way a flaky
 * RPC endpoint or a load balancer drops a keep-alive connection. `cut: "request"` (default) resets it instead of
 * forwarding it; `cut: "response"` forwards it and resets the connection when the node answers, so the node did the
 * work and the client never hears of it. `stats.cuts` counts the cuts.
 */
export class CuttingProxy extends JsonRpcProxy<{ cuts: number }> {
  readonly #method: string;
  readonly #every: number;
  readonly #cut: "request" | "response";
  #seen = 0;

  /**
   * @param port - The port to listen on.
   * @param target - The node's port on loopback.
   * @param options - The method to cut, how often, and before or after the node does it.
   */
  constructor(port: number, target: number, options: { method: string; every: number; cut?: "request" | "response" }) {
    super(`http://127.0.0.1:${target}`, { cuts: 0 }, port);
    this.#method = options.method;
    this.#every = options.every;
    this.#cut = options.cut ?? "request";
  }

  protected override async handle(exchange: ProxyExchange): Promise<void> {
    const chosen = exchange.methods.includes(this.#method) && ++this.#seen % this.#every === 0;
    if (chosen && this.#cut === "request") {
      this.#reset(exchange);
      return;
    }
    const answer = await this.forward(exchange.body);
    if (chosen) this.#reset(exchange);
    else exchange.reply(answer);
  }

  #reset(exchange: ProxyExchange): void {
    this.stats.cuts++;
    exchange.reset();
  }
}
