/**
 * Where the Carechain contracts live on a chain: reading deployment files and connecting to the three contracts, refusing another chain or an address without code.
 * @module
 */
import { Contract, getAddress, isError, type ContractRunner } from "ethers";

import { CONSENT_REGISTRY_ABI, DIRECTORY_ABI, RECORD_REGISTRY_ABI } from "../contracts/generated/abi.js";
import type { ConsentRegistry, Directory, RecordRegistry } from "../contracts/typechain/index.js";
import { CarechainError } from "../errors/base.js";
import { DeploymentError } from "../errors/data.js";

/** Where the Carechain contracts live on one chain. */
export interface CarechainDeployment {
  /** The chain id the addresses are valid on. */
  readonly chainId: bigint;
  /** Directory contract address. */
  readonly directory: string;
  /** ConsentRegistry contract address. */
  readonly consentRegistry: string;
  /** RecordRegistry contract address. */
  readonly recordRegistry: string;
  /**
   * Multicall3's address where it is not the canonical one (a local chain: `deployCarechain` deploys one there);
   * absent, clients use the canonical address.
   */
  readonly multicall?: string;
}

/** The three contracts, bound to a signer or provider (TypeChain types). */
export interface CarechainContracts {
  readonly directory: Directory;
  readonly consent: ConsentRegistry;
  readonly records: RecordRegistry;
}

/** Ignition future ids of the contracts in `ignition/modules/Carechain.ts`. */
export const IGNITION_IDS = {
  directory: "Carechain#Directory",
  consentRegistry: "Carechain#ConsentRegistry",
  recordRegistry: "Carechain#RecordRegistry",
} as const;

/**
 * Reads a deployment from Ignition's `deployed_addresses.json` (the object it holds) or from a JSON file in
 * the same shape as {@link CarechainDeployment}.
 * @param json - Parsed JSON: Ignition's `{ "Carechain#Directory": "0x…", … }` or `{ directory, … }`.
 * @param chainId - The chain the addresses belong to.
 * @throws {DeploymentError} When an address is missing or malformed.
 */
export function parseDeployment(json: unknown, chainId: bigint): CarechainDeployment {
  if (typeof json !== "object" || json === null) throw new DeploymentError("A deployment must be a JSON object.");
  const record = json as Record<string, unknown>;
  const pick = (key: keyof typeof IGNITION_IDS): string => {
    const value = record[IGNITION_IDS[key]] ?? record[key];
    if (typeof value !== "string") {
      throw new DeploymentError(`The deployment has no ${key} address.`, {
        details: `expected "${IGNITION_IDS[key]}" or "${key}"`,
      });
    }
    try {
      return getAddress(value);
    } catch (cause) {
      throw new DeploymentError(`The deployment's ${key} address is malformed.`, { details: value, cause });
    }
  };
  return {
    chainId,
    directory: pick("directory"),
    consentRegistry: pick("consentRegistry"),
    recordRegistry: pick("recordRegistry"),
    ...(typeof record.multicall === "string" ? { multicall: getAddress(record.multicall) } : {}),
  };
}

/**
 * Binds the deployment's contracts to `runner`, after checking that the runner's chain is the deployment's.
 * @param deployment - Addresses and chain id.
 * @param runner - An ethers signer (to send transactions) or provider (read only).
 * @throws {DeploymentError} On a chain id mismatch or when no contract code is at an address.
 * @throws {CarechainError} `CHAIN` when the node can't be reached (the cause: the provider's error).
 */
export async function connectContracts(
  deployment: CarechainDeployment,
  runner: ContractRunner,
): Promise<CarechainContracts> {
  const provider = runner.provider;
  if (!provider) throw new DeploymentError("The signer has no provider to reach the chain.");
  const { chainId } = await reach(() => provider.getNetwork());
  if (chainId !== deployment.chainId) {
    throw new DeploymentError("The deployment is for another chain.", {
      details: `deployment chainId=${deployment.chainId}, connected chainId=${chainId}`,
    });
  }
  for (const [name, address] of Object.entries({
    directory: deployment.directory,
    consentRegistry: deployment.consentRegistry,
    recordRegistry: deployment.recordRegistry,
  })) {
    if ((await reach(() => provider.getCode(address))) === "0x") {
      throw new DeploymentError(`No contract code at the deployment's ${name} address.`, { details: address });
    }
  }
  const contracts = {
    directory: new Contract(deployment.directory, DIRECTORY_ABI, runner) as unknown as Directory,
    consent: new Contract(deployment.consentRegistry, CONSENT_REGISTRY_ABI, runner) as unknown as ConsentRegistry,
    records: new Contract(deployment.recordRegistry, RECORD_REGISTRY_ABI, runner) as unknown as RecordRegistry,
  };
  // The contracts must be wired to each other as deployed: catches swapped or foreign addresses up front.
  let wired: boolean;
  try {
    wired =
      (await contracts.consent.directory()) === deployment.directory &&
      (await contracts.records.consent()) === deployment.consentRegistry &&
      (await contracts.records.directory()) === deployment.directory;
  } catch (error) {
    // A view that reverts or returns nothing decodable: not these contracts. Anything else: the chain is unreachable.
    if (!isError(error, "CALL_EXCEPTION") && !isError(error, "BAD_DATA")) throw unreachable(error);
    wired = false;
  }
  if (!wired) {
    throw new DeploymentError("The deployment's addresses are not a wired Carechain deployment.", {
      details: `directory=${deployment.directory} consentRegistry=${deployment.consentRegistry} recordRegistry=${deployment.recordRegistry}`,
    });
  }
  return contracts;
}

/** Runs a read of the chain; a failure (network, node) becomes a {@link CarechainError} `CHAIN`. */
async function reach<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    throw unreachable(error);
  }
}

function unreachable(error: unknown): CarechainError {
  if (error instanceof CarechainError) return error;
  const summary = (error as { shortMessage?: unknown; message?: unknown } | null) ?? {};
  const text = typeof summary.shortMessage === "string" ? summary.shortMessage : String(summary.message ?? error);
  return new CarechainError("CHAIN", "The chain could not be reached to check the deployment.", {
    details: text.split("\n")[0],
    cause: error,
  });
}
