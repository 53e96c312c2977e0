import { createConnection, createServer, type Server, type Socket } from "node:net";

/**
 * A TCP proxy on loopback in front of a JSON-RPC node that resets the connection of chosen requests: every
 * `every`-th request whose body names `method` gets a TCP reset (the client sees ECONNRESET / "socket hang up"), the
 * way a flaky RPC endpoint or a load balancer drops a keep-alive connection. `cut: "request"` (default) resets it
 * instead of forwarding it; `cut: "response"` forwards it and resets the connection when the node answers, so the
 * node did the work and the client never hears of it.
 */
export class CuttingProxy {
  readonly port: number;
  readonly #target: number;
  readonly #method: string;
  readonly #every: number;
  readonly #cut: "request" | "response";
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();
  #seen = 0;
  /** How many requests were cut. */
  cuts = 0;

  constructor(port: number, target: number, options: { method: string; every: number; cut?: "request" | "response" }) {
    this.port = port;
    this.#target = target;
    this.#method = `"method":"${options.method}"`;
    this.#every = options.every;
    this.#cut = options.cut ?? "request";
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const server = createServer((client) => {
      const upstream = createConnection({ host: "127.0.0.1", port: this.#target });
      for (const s of [client, upstream]) {
        this.#sockets.add(s);
        s.on("close", () => this.#sockets.delete(s));
        s.on("error", () => s.destroy());
      }
      let cutOnAnswer = false;
      const cut = () => {
        this.cuts++;
        client.resetAndDestroy();
        upstream.destroy();
      };
      client.on("data", (chunk: Buffer) => {
        if (chunk.toString("latin1").includes(this.#method) && ++this.#seen % this.#every === 0) {
          if (this.#cut === "request") {
            cut();
            return;
          }
          cutOnAnswer = true;
        }
        upstream.write(chunk);
      });
      client.on("end", () => upstream.end());
      upstream.on("data", (chunk: Buffer) => (cutOnAnswer ? cut() : client.write(chunk)));
      upstream.on("end", () => client.end());
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", resolve);
    });
    this.#server = server;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const s of this.#sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
