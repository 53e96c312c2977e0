/** The StudyRegistry on one chain: deploy, connect, and its reverts as errors named after the Solidity errors. */
import { getAddress, type ContractRunner, type Signer } from "ethers";

import { moduleRevertDecoder } from "../chain/revert.js";
import type { StudyRegistry } from "../contracts/typechain/index.js";
import { StudyRegistry__factory } from "../contracts/typechain/index.js";
import { TrialsRevertError } from "../errors/trials.js";

const decode = moduleRevertDecoder([StudyRegistry__factory.abi], TrialsRevertError);

/**
 * Deploys the StudyRegistry on the core's Directory.
 * @param signer - Pays for the deployment.
 * @param directory - The Directory's address.
 * @returns The registry's address.
 */
export async function deployStudyRegistry(signer: Signer, directory: string): Promise<string> {
  const registry = await new StudyRegistry__factory(signer).deploy(getAddress(directory));
  await registry.waitForDeployment();
  return registry.getAddress();
}

/**
 * Binds the StudyRegistry at `address` to `runner`.
 * @param address - The registry.
 * @param runner - A signer or provider.
 * @returns The bound contract.
 */
export function connectStudyRegistry(address: string, runner: ContractRunner): StudyRegistry {
  return StudyRegistry__factory.connect(address, runner);
}

/**
 * The typed error of a failed StudyRegistry call (see {@link TrialsRevertError}).
 * @param error - Whatever the call threw.
 * @returns The error to throw.
 */
export function trialsErrorOf(error: unknown): unknown {
  return decode(error);
}
