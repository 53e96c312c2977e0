import type { ChildProcess } from "node:child_process";

import { JsonRpcProvider, NonceManager, Wallet } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { deployCarechain, generateIdentity, LogQueryError, LogReader } from "../../../sdk/index.js";
import { Directory__factory, type Directory } from "../../../sdk/contracts/typechain/index.js";
import { LimitingRpcProxy } from "../../helpers/limiting-proxy.js";
import { freePort, startHardhatNode, stop } from "../../helpers/processes.js";
import { ifAssigned } from "../../helpers/teardown.js";

const PROVIDERS = 24;

/** Each event as the comparison sees it: where it is and what it says. */
const shape = (logs: readonly { blockNumber: number; index: number; eventName: string; args: ArrayLike<unknown> }[]) =>
  logs.map((l) => [l.blockNumber, l.index, l.eventName, ...Array.from(l.args, String)].join(" "));

describe("LogReader: every log, under hosted-provider limits, on a chain with 200,000+ blocks", () => {
  let node: ChildProcess;
  let direct: JsonRpcProvider;
  let directory: Directory;
  let providers: string[];
  let head: number;

  beforeAll(async () => {
    const port = await freePort();
    node = await startHardhatNode(port);
    direct = new JsonRpcProvider(`http://127.0.0.1:${port}`, 31337, { staticNetwork: true });
    const signer = new NonceManager(await direct.getSigner(0));
    const deployment = await deployCarechain(signer);
    directory = Directory__factory.connect(deployment.directory, signer);
    providers = [];
    // Providers registered in clusters far apart: some pages are empty, some hold more logs than a result cap.
    for (let i = 0; i < PROVIDERS; i++) {
      const gap = i % 6 === 0 ? 50_000 : 3;
      await direct.send("hardhat_mine", [`0x${gap.toString(16)}`]);
      const account = Wallet.createRandom().address;
      providers.push(account);
      await (await directory.registerProvider(account, 1 + (i % 6), generateIdentity().publicKey)).wait();
      if (i % 5 === 0) await (await directory.suspendProvider(account)).wait();
    }
    await direct.send("hardhat_mine", ["0xc350"]);
    head = Number(await direct.send("eth_blockNumber", []));
    expect(head).toBeGreaterThan(200_000);
  }, 180_000);

  afterAll(async () => {
    ifAssigned(direct)?.destroy();
    if (ifAssigned(node)) await stop(node);
  });

  async function throughProxy(limits: ConstructorParameters<typeof LimitingRpcProxy>[1], options = {}) {
    const proxy = new LimitingRpcProxy(direct._getConnection().url, limits);
    await proxy.start();
    const provider = new JsonRpcProvider(proxy.url, 31337, { staticNetwork: true, batchMaxCount: 1 });
    const reader = new LogReader(provider, { baseDelayMs: 5, maxDelayMs: 50, timeoutMs: 400, ...options });
    const read = Directory__factory.connect(await directory.getAddress(), provider);
    return {
      proxy,
      reader,
      read,
      async close() {
        provider.destroy();
        await proxy.stop();
      },
    };
  }

  it("returns exactly what an unlimited node returns, through range caps, result caps, 429 bursts and timeouts", async () => {
    const expectedAll = shape(await directory.queryFilter(directory.filters.ProviderRegistered(), 0, head));
    const expectedOne = shape(await directory.queryFilter(directory.filters.ProviderSuspended(providers[10]), 0, head));
    expect(expectedAll).toHaveLength(PROVIDERS);
    expect(expectedOne).toHaveLength(1);

    const t = await throughProxy({
      maxBlockRange: 2_000,
      maxResults: 3,
      every429: 9,
      burst429: 2,
      everyTimeout: 23,
      timeoutHoldMs: 700,
    });
    try {
      const all = await t.reader.query(t.read, t.read.filters.ProviderRegistered(), 0, head);
      const one = await t.reader.query(t.read, t.read.filters.ProviderSuspended(providers[10]), 0);
      expect(shape(all)).toEqual(expectedAll);
      expect(shape(one)).toEqual(expectedOne);
      // The limits were really in the way, and the reader went around each of them.
      expect(t.proxy.stats.rangeRefusals).toBeGreaterThan(0);
      expect(t.proxy.stats.resultRefusals).toBeGreaterThan(0);
      expect(t.proxy.stats.tooMany).toBeGreaterThan(0);
      expect(t.proxy.stats.held).toBeGreaterThan(0);
      expect(t.reader.stats.splits).toBeGreaterThan(0);
      expect(t.reader.stats.retries).toBeGreaterThan(0);
      // Typed args as from ethers' own queryFilter.
      expect((all[0]!.args as unknown as { provider: string }).provider).toBe(providers[0]);
    } finally {
      await t.close();
    }
  }, 180_000);

  it("keeps at most `concurrency` requests in flight over parallel queries", async () => {
    const t = await throughProxy({ maxBlockRange: 5_000 }, { maxRange: 5_000, concurrency: 2 });
    try {
      const filters = providers.slice(0, 8).map((p) => t.read.filters.ProviderSuspended(p));
      const results = await Promise.all(filters.map((f) => t.reader.query(t.read, f, 0, head)));
      expect(results.flat().length).toBe(providers.slice(0, 8).filter((_, i) => i % 5 === 0).length);
      expect(t.proxy.stats.maxInFlight).toBeLessThanOrEqual(2);
      expect(t.proxy.stats.rangeRefusals).toBe(0);
    } finally {
      await t.close();
    }
  }, 120_000);

  it("gives up with a typed error when the provider keeps answering 429, and when one block is over the result cap", async () => {
    const busy = await throughProxy({ every429: 1 }, { attempts: 3 });
    try {
      const error = await busy.reader.query(busy.read, busy.read.filters.ProviderRegistered(), 0, 10).then(
        () => {
          throw new Error("expected a rejection");
        },
        (e: unknown) => e as Error & { code?: string },
      );
      expect(error).toBeInstanceOf(LogQueryError);
      expect(error.code).toBe("LOG_QUERY");
      expect(error.message).toMatch(/kept failing eth_getLogs \(3 attempts\)/);
    } finally {
      await busy.close();
    }
    const tight = await throughProxy({ maxResults: 0 });
    try {
      const error = await tight.reader.query(tight.read, tight.read.filters.ProviderRegistered(), 0, head).then(
        () => {
          throw new Error("expected a rejection");
        },
        (e: unknown) => e as Error & { code?: string },
      );
      expect(error).toBeInstanceOf(LogQueryError);
      expect(error.message).toMatch(/refuses the logs of even a single block/);
    } finally {
      await tight.close();
    }
  }, 120_000);

  it("reads up to the head as it is now, not as ethers cached it: a log mined right after a read is found", async () => {
    const reader = new LogReader(direct);
    const filter = directory.filters.ProviderRegistered();
    const before = await reader.query(directory, filter, 0); // primes ethers' 250 ms cache of the block number
    const account = Wallet.createRandom().address;
    await (await directory.registerProvider(account, 1, generateIdentity().publicKey)).wait();
    const after = await reader.query(directory, filter, 0);
    expect(after).toHaveLength(before.length + 1);
    expect(after.at(-1)!.args.provider).toBe(account);
  });

  it("refuses unusable options and block numbers, naming them", () => {
    expect(() => new LogReader(direct, { maxRange: 0 })).toThrow(/options.maxRange must be an integer >= 1/);
    expect(() => new LogReader(direct, { concurrency: 1.5 })).toThrow(/options.concurrency/);
    const reader = new LogReader(direct);
    return expect(reader.getLogs({ address: providers[0]!, topics: [] }, -1)).rejects.toThrow(
      /fromBlock must be a block number/,
    );
  });
});
