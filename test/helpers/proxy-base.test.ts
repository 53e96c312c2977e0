/**
 * The test proxies' base and policies against a stand-in JSON-RPC node (an HTTP server that answers every request
 * with its method and records what reached it): forwarding of single requests and batches, counters, stop and start
 * on the same port, and the limiting policy's refusals, block tags included.
 */
import { createServer, type Server } from "node:http";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { ChaosRpcProxy } from "./chaos-proxy.js";
import { CuttingProxy } from "./cutting-proxy.js";
import { LimitingRpcProxy } from "./limiting-proxy.js";
import { RpcProxy } from "./proxy.js";
import { freePort } from "./processes.js";

const HEAD = 300_000;

describe("the test proxies on one base", () => {
  let node: Server;
  let nodePort: number;
  const seen: string[] = [];

  beforeAll(async () => {
    node = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as { id: number; method: string } | [];
        const answer = (r: { id: number; method: string }) => {
          seen.push(r.method);
          const result =
            r.method === "eth_blockNumber"
              ? `0x${HEAD.toString(16)}`
              : r.method === "eth_getLogs"
                ? [1, 2, 3]
                : r.method;
          return { jsonrpc: "2.0", id: r.id, result };
        };
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(Array.isArray(body) ? body.map(answer) : answer(body)));
      });
    });
    nodePort = await freePort();
    await new Promise<void>((resolve) => node.listen(nodePort, "127.0.0.1", resolve));
  });

  afterAll(async () => {
    node.closeAllConnections();
    await new Promise((resolve) => node.close(resolve));
  });

  const post = async (url: string, body: unknown) => {
    const response = await fetch(url, { method: "POST", body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json().catch(() => undefined)) as unknown };
  };
  const call = (id: number, method: string, params: unknown[] = []) => ({ jsonrpc: "2.0", id, method, params });

  it("forwards single requests and batches unchanged, counts them, and stops and starts on the same port", async () => {
    const proxy = new RpcProxy(await freePort(), nodePort);
    await proxy.start();
    const port = proxy.port;
    expect((await post(proxy.url, call(1, "evm_mine"))).body).toEqual({ jsonrpc: "2.0", id: 1, result: "evm_mine" });
    expect((await post(proxy.url, [call(2, "hardhat_mine"), call(3, "eth_chainId")])).body).toEqual([
      { jsonrpc: "2.0", id: 2, result: "hardhat_mine" },
      { jsonrpc: "2.0", id: 3, result: "eth_chainId" },
    ]);
    expect(proxy.stats.requests).toBe(2);
    await proxy.stop();
    await expect(post(proxy.url, call(4, "eth_chainId"))).rejects.toThrow();
    await proxy.start();
    expect(proxy.port).toBe(port);
    expect((await post(proxy.url, call(5, "eth_chainId"))).status).toBe(200);
    await proxy.stop();
  });

  it("limiting: refuses a getLogs range over the cap, counting 'latest' as the head, and too many results", async () => {
    const proxy = new LimitingRpcProxy(`http://127.0.0.1:${nodePort}`, { maxBlockRange: 1_000, maxResults: 2 });
    await proxy.start();
    const logs = (from: string, to?: string) => call(1, "eth_getLogs", [{ fromBlock: from, toBlock: to }]);
    const error = (body: unknown) => (body as { error?: { message: string } }).error?.message;
    expect(error((await post(proxy.url, logs("0x0", "0x3e8"))).body)).toMatch(/block range is too large, max 1000/);
    expect(error((await post(proxy.url, logs("0x0", "latest"))).body)).toMatch(/block range is too large/);
    expect(error((await post(proxy.url, logs("earliest"))).body)).toMatch(/block range is too large/);
    // Within the range: the node's three logs are over the result cap.
    expect(error((await post(proxy.url, logs(`0x${(HEAD - 10).toString(16)}`, "latest"))).body)).toMatch(
      /more than 2 results/,
    );
    expect(proxy.stats).toMatchObject({ requests: 4, getLogs: 4, rangeRefusals: 3, resultRefusals: 1 });
    await proxy.stop();
  });

  it("limiting: 429 bursts on schedule, other methods pass through", async () => {
    const proxy = new LimitingRpcProxy(`http://127.0.0.1:${nodePort}`, { every429: 3, burst429: 1 });
    await proxy.start();
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await post(proxy.url, call(i, "evm_increaseTime", [60]))).status);
    expect(statuses).toEqual([200, 200, 429, 200, 200, 429]);
    expect(proxy.stats.tooMany).toBe(2);
    await proxy.stop();
  });

  it("cutting: resets every n-th request naming the method, before or after the node saw it", async () => {
    for (const cut of ["request", "response"] as const) {
      seen.length = 0;
      const proxy = new CuttingProxy(await freePort(), nodePort, { method: "eth_sendRawTransaction", every: 2, cut });
      await proxy.start();
      const outcomes = [];
      for (let i = 0; i < 4; i++) {
        outcomes.push(
          await post(proxy.url, call(i, "eth_sendRawTransaction")).then(
            () => "ok",
            () => "cut",
          ),
        );
      }
      expect(outcomes).toEqual(["ok", "cut", "ok", "cut"]);
      expect(proxy.stats.cuts).toBe(2);
      expect(seen.length).toBe(cut === "request" ? 2 : 4);
      await proxy.stop();
    }
  });

  it("chaos: the same seed does the same faults", async () => {
    const rates = { reset: 0.2, badGateway: 0.2, delay: 0.2, dropAnswer: 0.1, dropMinedSend: 0.3, maxDelayMs: 5 };
    const run = async () => {
      const proxy = new ChaosRpcProxy(`http://127.0.0.1:${nodePort}`, rates, 42);
      await proxy.start();
      const outcomes = [];
      for (let i = 0; i < 30; i++) {
        outcomes.push(
          await post(proxy.url, call(i, "eth_sendRawTransaction")).then(
            (r) => r.status,
            () => "reset",
          ),
        );
      }
      await proxy.stop();
      return { outcomes, stats: proxy.stats };
    };
    const [a, b] = [await run(), await run()];
    expect(a).toEqual(b);
    expect(a.stats.resets + a.stats.droppedMinedSends + a.stats.droppedAnswers).toBeGreaterThan(0);
    expect(a.stats.badGateways).toBeGreaterThan(0);
  });
});
