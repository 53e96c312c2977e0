/**
 * Carechain SDK — Hardhat entry point (`carechain/hardhat`): the Ignition module and a deploy helper for a Hardhat
 * network connection. Needs `hardhat` and `@nomicfoundation/hardhat-ignition-ethers` (optional peer dependencies);
 * nothing else in the SDK does.
 * @packageDocumentation
 */
import type {} from "@nomicfoundation/hardhat-ethers";
import type {} from "@nomicfoundation/hardhat-ignition-ethers";
import type { NetworkConnection } from "hardhat/types/network";

import type { CarechainDeployment } from "./chain/deployment.js";
import CarechainModule from "./hardhat/module.js";

export { CarechainModule };

/** Options of {@link deployWithIgnition}. */
export interface DeployWithIgnitionOptions {
  /** Ignition deployment parameters, e.g. `{ Carechain: { admin, registrar } }`. */
  readonly parameters?: Record<string, Record<string, unknown>>;
  /** Ignition deployment id (its folder under ignition/deployments), for resumable, recorded deployments. */
  readonly deploymentId?: string;
}

/**
 * Deploys the Carechain contracts with Hardhat Ignition on a Hardhat network connection (in-process or JSON-RPC)
 * and returns the deployment the SDK connects to. Outside Hardhat, use `deployCarechain(signer)` from `carechain`.
 * @param connection - From `await network.create()`.
 * @param options - Ignition parameters and deployment id.
 * @returns Addresses and chain id.
 */
export async function deployWithIgnition(
  connection: NetworkConnection,
  options: DeployWithIgnitionOptions = {},
): Promise<CarechainDeployment> {
  const { ethers, ignition } = connection;
  const deployed = await ignition.deploy(CarechainModule, {
    parameters: options.parameters as never,
    deploymentId: options.deploymentId,
    displayUi: false,
  });
  const chainId = (await ethers.provider.getNetwork()).chainId;
  return {
    chainId,
    directory: await deployed.directory.getAddress(),
    consentRegistry: await deployed.consentRegistry.getAddress(),
    recordRegistry: await deployed.recordRegistry.getAddress(),
  };
}
