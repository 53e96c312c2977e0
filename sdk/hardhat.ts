/**
 * Carechain SDK — Hardhat entry point (`carechain/hardhat`): the Ignition module and a deploy helper for a Hardhat
 * network connection. Needs `hardhat` and `@nomicfoundation/hardhat-ignition-ethers` (optional peer dependencies);
 * nothing else in the SDK does.
 * @packageDocumentation
 */
import type {} from "@nomicfoundation/hardhat-ethers";
import type {} from "@nomicfoundation/hardhat-ignition-ethers";
import type { NetworkConnection } from "hardhat/types/network";

import { ContractFactory, getAddress } from "ethers";

import type { CarechainDeployment } from "./chain/deployment.js";
import { MULTICALL3_ADDRESS } from "./chain/multicall.js";
import { MULTICALL3_ABI } from "./contracts/generated/abi.js";
import { MULTICALL3_BYTECODE } from "./contracts/generated/bytecode.js";
import CarechainModule from "./hardhat/module.js";

export { CarechainModule };

/** Options of {@link deployWithIgnition}. */
export interface DeployWithIgnitionOptions {
  /** Ignition deployment parameters, e.g. `{ Carechain: { admin, registrar } }`. */
  readonly parameters?: Record<string, Record<string, unknown>>;
  /** Ignition deployment id (its folder under ignition/deployments), for resumable, recorded deployments. */
  readonly deploymentId?: string;
  /**
   * Whether to deploy a Multicall3 too when none is at the canonical address (its address is then the deployment's
   * `multicall`); default false: clients then make their views one at a time on such a chain.
   */
  readonly multicall?: boolean;
}

/**
 * Deploys the Carechain contracts with Hardhat Ignition on a Hardhat network connection (in-process or JSON-RPC)
 * and returns the deployment the SDK connects to. Outside Hardhat, use `deployCarechain(signer)` from `carechain`.
 * @param connection - From `await network.create()`.
 * @param options - Ignition parameters, deployment id, and whether to deploy Multicall3.
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
  const deployment: CarechainDeployment = {
    chainId,
    directory: await deployed.directory.getAddress(),
    consentRegistry: await deployed.consentRegistry.getAddress(),
    recordRegistry: await deployed.recordRegistry.getAddress(),
  };
  if (!options.multicall || (await ethers.provider.getCode(MULTICALL3_ADDRESS)) !== "0x") return deployment;
  const [deployer] = await ethers.getSigners();
  const multicall = await new ContractFactory(MULTICALL3_ABI, MULTICALL3_BYTECODE, deployer).deploy();
  await multicall.waitForDeployment();
  return { ...deployment, multicall: getAddress(await multicall.getAddress()) };
}
