import type {} from "@nomicfoundation/hardhat-ethers";
import type {} from "@nomicfoundation/hardhat-ignition-ethers";
import type { NetworkConnection } from "hardhat/types/network";

import CarechainModule from "../../ignition/modules/Carechain.js";
import type { CarechainDeployment } from "../chain/deployment.js";

/**
 * Deploys the Carechain contracts with Hardhat Ignition on a Hardhat network connection (in-process or JSON-RPC)
 * and returns the deployment the SDK connects to.
 * @param connection - From `await network.connect()`.
 * @param options - Ignition deployment parameters (`{ Carechain: { admin, registrar } }`) and deployment id.
 */
export async function deployCarechain(
  connection: NetworkConnection<"generic">,
  options: { parameters?: Record<string, Record<string, unknown>>; deploymentId?: string } = {},
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

