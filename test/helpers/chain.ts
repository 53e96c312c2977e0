/**
 * Where the tests' chains come from. By default a fresh in-process chain (`network.create()`), no JSON-RPC at all.
 * With `CARECHAIN_TEST_RPC=limits` (`npm run test:limits`) each chain is a fresh simulated chain served over HTTP
 * JSON-RPC (`network.createServer()`, what `hardhat node` runs), with {@link SUITE_HISTORY_BLOCKS} blocks of history
 * mined at the start, behind {@link LimitingRpcProxy} (block-range and result caps on `eth_getLogs`, 429 bursts, held
 * requests); the connection the test gets speaks to the proxy, so every read and write of the SDK meets a hosted
 * provider's limits on a long chain. evm_* and hardhat_* methods (time travel, balances, snapshots) pass through.
 */
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";

import { LimitingRpcProxy, type ProviderLimits } from "./limiting-proxy.js";
import { rpc } from "./processes.js";

/** Whether the suite runs through the limiting proxy (`CARECHAIN_TEST_RPC=limits`). */
export const THROUGH_LIMITS = process.env.CARECHAIN_TEST_RPC === "limits";

/**
 * The limits of the suite's proxy: a 5,000-block `eth_getLogs` range (under the LogReader's default page of 10,000,
 * so every reader learns the cap), at most 100 logs per answer, a burst of two 429s every 53rd request and every
 * 211th request held for 300 ms.
 */
export const SUITE_RPC_LIMITS: ProviderLimits = {
  maxBlockRange: 5_000,
  maxResults: 100,
  every429: 53,
  burst429: 2,
  everyTimeout: 211,
  timeoutHoldMs: 300,
};

/** Blocks mined before a test's chain is handed out, so that every log read from block 0 pages. */
export const SUITE_HISTORY_BLOCKS = 200_000;

/** The first block a test's own transactions can be in: after the history under {@link THROUGH_LIMITS}, else 1. */
export const FIRST_TEST_BLOCK = THROUGH_LIMITS ? SUITE_HISTORY_BLOCKS + 1 : 1;

/** A connection as `network.create()` returns it. */
export type ChainConnection = NetworkConnection;

/** The proxies of this test file's chains, in the order they were made (for assertions on what they refused). */
export const chainProxies: LimitingRpcProxy[] = [];

/**
 * A fresh chain for a test: in-process, or under {@link THROUGH_LIMITS} a served chain behind the limiting proxy.
 * `close()` stops the proxy and the server too.
 * @returns The connection (`ethers`, `networkHelpers`, `provider`).
 */
export async function createChain(): Promise<ChainConnection> {
  if (!THROUGH_LIMITS) return network.create();
  const server = await network.createServer("default", "127.0.0.1", 0);
  const { port } = await server.listen();
  const proxy = await behindLimits(`http://127.0.0.1:${port}`);
  const connection = await network.create({ network: "testRpc", override: { url: proxy.url } });
  const close = connection.close.bind(connection);
  connection.close = async () => {
    await close();
    await proxy.stop();
    await server.close();
  };
  return connection;
}

/**
 * Mines {@link SUITE_HISTORY_BLOCKS} blocks of history on a node (all at the current time, so the chain's clock stays
 * the wall clock's) and starts the limiting proxy in front of it.
 * @param nodeUrl - The node's JSON-RPC URL.
 * @returns The started proxy (also listed in {@link chainProxies}).
 */
export async function behindLimits(nodeUrl: string): Promise<LimitingRpcProxy> {
  await rpc(nodeUrl, "hardhat_mine", [`0x${SUITE_HISTORY_BLOCKS.toString(16)}`, "0x0"]);
  const proxy = new LimitingRpcProxy(nodeUrl, SUITE_RPC_LIMITS);
  await proxy.start();
  chainProxies.push(proxy);
  return proxy;
}

/**
 * Skips a test under {@link THROUGH_LIMITS}, with the reason printed.
 * @param reason - Why the test cannot run through the proxy.
 * @returns Whether to skip (for `it.skipIf` / `describe.skipIf`).
 */
export function inProcessOnly(reason: string): boolean {
  if (THROUGH_LIMITS) console.warn(`skipped under CARECHAIN_TEST_RPC=limits: ${reason}`);
  return THROUGH_LIMITS;
}
