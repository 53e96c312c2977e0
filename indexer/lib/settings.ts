/**
 * The indexer's settings, read from the environment: which chain (RPC URL, chain id), which Carechain deployment
 * (the SDK's deployment JSON), from which block, and how to poll. Pure: no I/O beyond reading a deployment file.
 * @module
 */
import { readFileSync } from "node:fs";

import { getAddress, type Address } from "viem";

/** Where the Carechain contracts live and what to index. */
export interface IndexerSettings {
  /** Chain id of the network. */
  readonly chainId: number;
  /** JSON-RPC endpoint (HTTP). */
  readonly rpcUrl: string;
  /** Contract addresses, checksummed. */
  readonly directory: Address;
  readonly consentRegistry: Address;
  readonly recordRegistry: Address;
  /** First block to index (the deployment block). */
  readonly startBlock: number;
  /** Poll interval for new blocks, in ms. */
  readonly pollingIntervalMs: number;
  /** Largest `eth_getLogs` block range, when the provider caps it (Ponder otherwise learns it from refusals). */
  readonly getLogsBlockRange: number | undefined;
  /** Whether Ponder's RPC cache is off (always for local development chains, which restart and revert). */
  readonly disableRpcCache: boolean;
  /**
   * Where batch manifests are fetched from, with `{cid}` for the manifest's CID string (e.g. an IPFS gateway's
   * `http://127.0.0.1:8080/ipfs/{cid}`); undefined: batches are indexed without their entries.
   */
  readonly manifestUrl: string | undefined;
}

/** Chain ids of local development chains (Hardhat, Anvil, Ganache): never cache their RPC answers. */
const LOCAL_CHAINS = new Set([31337, 1337]);

/**
 * Reads the settings from environment variables:
 * - `CARECHAIN_DEPLOYMENT`: path of a deployment JSON `{ chainId, directory, consentRegistry, recordRegistry,
 *   startBlock? }` (the SDK's `CarechainDeployment`, chain id as a number or string) or of Ignition's
 *   `deployed_addresses.json` (then `CARECHAIN_CHAIN_ID` gives the chain), or `CARECHAIN_DEPLOYMENT_JSON`: the
 *   same JSON inline;
 * - `CARECHAIN_RPC_URL` (default `CARECHAIN_LOCALHOST_URL`, as in hardhat.config.ts, else `http://127.0.0.1:8545`);
 * - `CARECHAIN_START_BLOCK` (overrides the JSON's `startBlock`; default 0);
 * - `CARECHAIN_POLLING_MS` (default 1000), `CARECHAIN_GETLOGS_RANGE` (default: learnt from the provider),
 *   `CARECHAIN_DISABLE_RPC_CACHE` (`1`/`0`; default on for chain ids 31337 and 1337);
 * - `CARECHAIN_MANIFEST_URL`: an http(s) URL with `{cid}`, where batch manifests are fetched (default: none).
 * @param env - The environment (default `process.env`).
 * @returns The settings.
 * @throws {Error} With a message naming the variable when one is missing or malformed.
 */
export function readSettings(env: NodeJS.ProcessEnv = process.env): IndexerSettings {
  const json = deploymentJson(env);
  const chainId = integer("chainId", json.chainId ?? env.CARECHAIN_CHAIN_ID, 1);
  const startBlock = integer("CARECHAIN_START_BLOCK", env.CARECHAIN_START_BLOCK ?? json.startBlock ?? 0, 0);
  const range = env.CARECHAIN_GETLOGS_RANGE;
  const cache = env.CARECHAIN_DISABLE_RPC_CACHE;
  return {
    chainId,
    rpcUrl: env.CARECHAIN_RPC_URL || env.CARECHAIN_LOCALHOST_URL || "http://127.0.0.1:8545",
    directory: address("directory", json.directory ?? json["Carechain#Directory"]),
    consentRegistry: address("consentRegistry", json.consentRegistry ?? json["Carechain#ConsentRegistry"]),
    recordRegistry: address("recordRegistry", json.recordRegistry ?? json["Carechain#RecordRegistry"]),
    startBlock,
    pollingIntervalMs: integer("CARECHAIN_POLLING_MS", env.CARECHAIN_POLLING_MS ?? 1000, 10),
    getLogsBlockRange: range === undefined || range === "" ? undefined : integer("CARECHAIN_GETLOGS_RANGE", range, 1),
    disableRpcCache:
      cache === undefined || cache === "" ? LOCAL_CHAINS.has(chainId) : cache === "1" || cache === "true",
    manifestUrl: manifestUrl(env.CARECHAIN_MANIFEST_URL),
  };
}

function manifestUrl(value: string | undefined): string | undefined {
  if (value === undefined || value === "") return undefined;
  if (!/^https?:\/\/[^\s]+$/.test(value) || !value.includes("{cid}")) {
    throw new Error(`carechain-indexer: CARECHAIN_MANIFEST_URL must be an http(s) URL with {cid}, got ${value}`);
  }
  return value;
}

function deploymentJson(env: NodeJS.ProcessEnv): Record<string, unknown> {
  let text = env.CARECHAIN_DEPLOYMENT_JSON;
  let source = "CARECHAIN_DEPLOYMENT_JSON";
  if (text === undefined || text === "") {
    const path = env.CARECHAIN_DEPLOYMENT;
    if (path === undefined || path === "") {
      throw new Error(
        "carechain-indexer: set CARECHAIN_DEPLOYMENT (path of a deployment JSON) or CARECHAIN_DEPLOYMENT_JSON " +
          "({ chainId, directory, consentRegistry, recordRegistry, startBlock? })",
      );
    }
    source = path;
    text = readFileSync(path, "utf8");
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`carechain-indexer: ${source} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error(`carechain-indexer: ${source} must hold a JSON object`);
  }
  return value as Record<string, unknown>;
}

function address(name: string, value: unknown): Address {
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(value)) {
    throw new Error(`carechain-indexer: the deployment's ${name} must be a 0x address, got ${String(value)}`);
  }
  return getAddress(value);
}

function integer(name: string, value: unknown, min: number): number {
  const n = typeof value === "number" ? value : typeof value === "string" && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min) {
    throw new Error(`carechain-indexer: ${name} must be an integer >= ${min}, got ${String(value)}`);
  }
  return n;
}
