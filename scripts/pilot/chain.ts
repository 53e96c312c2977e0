/**
 * The chain a pilot runs on when it needs a JSON-RPC node: `--indexer` (the indexer reads the node) and
 * `--rpc-limits` (a proxy with hosted providers' limits in front of the node). Starts a `hardhat node` unless one
 * is given, the limiting proxy, and, once Carechain is deployed, the indexer with an index source for the clients.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { HttpIndexSource, type CarechainDeployment, type IndexSource } from "../../sdk/index.js";
import { indexerMissing, startIndexer, waitForBlock, type RunningIndexer } from "../../test/helpers/indexer.js";
import { LimitingRpcProxy, type ProviderLimits } from "../../test/helpers/limiting-proxy.js";
import { freePort, rpc, startHardhatNode, stop } from "../../test/helpers/processes.js";

/**
 * The limits `--rpc-limits` imposes: a 2,000-block `eth_getLogs` range, at most 200 logs per answer, a 429 on every
 * 25th request (two in a row) and every 149th request held for 1.5 s.
 */
export const PILOT_RPC_LIMITS: ProviderLimits = {
  maxBlockRange: 2_000,
  maxResults: 200,
  every429: 25,
  burst429: 2,
  everyTimeout: 149,
  timeoutHoldMs: 1_500,
};

/** Blocks mined before the deployment under `--rpc-limits`, so that every log read from block 0 pages. */
export const PILOT_HISTORY_BLOCKS = 10_000;

/** Blocks mined one at a time after the history (more than the indexer's 30-block finality depth on local chains). */
const FINALITY_BLOCKS = 40;

/** A node (started or given), the proxy in front of it, and the indexer once started. */
export interface PilotChain {
  /** The URL the pilot's clients use (the proxy's under `--rpc-limits`, else the node's). */
  readonly rpcUrl: string;
  /** The node's own URL (the indexer reads it directly). */
  readonly nodeUrl: string;
  /** The proxy, when `--rpc-limits`. */
  readonly proxy?: LimitingRpcProxy;
  /** Starts the indexer for `deployment` from `startBlock`, waits until it has indexed `head`, returns its source. */
  indexFor(deployment: CarechainDeployment, startBlock: number, head: number): Promise<IndexSource>;
  /** The indexer's URL, once started. */
  indexerUrl(): string | undefined;
  /** Stops what this module started. */
  stop(): Promise<void>;
}

/**
 * Prepares the chain of a pilot run.
 * @param options - `nodeUrl`: a running node (default: start a `hardhat node` on a free port); `rpcLimits`: put
 * the limiting proxy in front of it and mine {@link PILOT_HISTORY_BLOCKS} blocks of history.
 * @returns The chain; call `stop()` when the run ends.
 * @throws {Error} When the node does not start.
 */
export async function preparePilotChain(options: { nodeUrl?: string; rpcLimits?: boolean }): Promise<PilotChain> {
  let node: ChildProcess | undefined;
  let nodeUrl = options.nodeUrl;
  if (!nodeUrl) {
    const port = await freePort();
    node = await startHardhatNode(port);
    nodeUrl = `http://127.0.0.1:${port}`;
  }
  let proxy: LimitingRpcProxy | undefined;
  if (options.rpcLimits) {
    await rpc(nodeUrl, "hardhat_mine", [`0x${PILOT_HISTORY_BLOCKS.toString(16)}`]);
    // hardhat_mine reserves its blocks and fills them in when asked for: their hashes are not final, which an indexer
    // takes for a reorg below its finality depth. Blocks mined one by one after them move that depth past them.
    for (let i = 0; i < FINALITY_BLOCKS; i++) await rpc(nodeUrl, "evm_mine", []);
    proxy = new LimitingRpcProxy(nodeUrl, PILOT_RPC_LIMITS);
    await proxy.start();
  }
  let indexer: RunningIndexer | undefined;
  let pgliteDir: string | undefined;
  const url = nodeUrl;
  return {
    rpcUrl: proxy?.url ?? nodeUrl,
    nodeUrl,
    proxy,
    async indexFor(deployment, startBlock, head) {
      const missing = indexerMissing();
      if (missing) throw new Error(`--indexer: ${missing}`);
      pgliteDir = await mkdtemp(join(tmpdir(), "carechain-pilot-indexer-"));
      indexer = await startIndexer({ deployment, rpcUrl: url, startBlock, pgliteDir });
      await waitForBlock(indexer, head);
      return new HttpIndexSource(indexer.url, { deployment });
    },
    indexerUrl: () => indexer?.url,
    async stop() {
      if (indexer) await indexer.stop();
      if (pgliteDir) await rm(pgliteDir, { recursive: true, force: true });
      await proxy?.stop();
      if (node) await stop(node);
    },
  };
}
