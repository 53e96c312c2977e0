/**
 * The claim contracts on one chain: deploying and connecting PolicyRegistry and ClaimRegistry (TypeChain
 * factories), the settlement token's ERC-20 surface, and revert data decoded into errors named after the Solidity
 * errors of the claim contracts.
 */
import { getAddress, type ContractRunner, type Signer } from "ethers";

import { moduleRevertDecoder } from "../chain/revert.js";
import type { ClaimRegistry, PilotStablecoin, PolicyRegistry } from "../contracts/typechain/index.js";
import {
  ClaimRegistry__factory,
  PilotStablecoin__factory,
  PolicyRegistry__factory,
} from "../contracts/typechain/index.js";
import { ClaimsRevertError } from "../errors/claims.js";

/** Where the claim contracts live on one chain. */
export interface ClaimsDeployment {
  readonly chainId: bigint;
  readonly policyRegistry: string;
  readonly claimRegistry: string;
}

/** The claim contracts bound to a runner. */
export interface ClaimsContracts {
  readonly policies: PolicyRegistry;
  readonly claims: ClaimRegistry;
}

/** The ERC-20 functions settlement uses (any ERC-20 token has them). */
export type SettlementToken = Pick<
  PilotStablecoin,
  "approve" | "allowance" | "balanceOf" | "decimals" | "transfer" | "connect"
>;

/**
 * Deploys PolicyRegistry (on the core's Directory) and ClaimRegistry.
 * @param signer - Pays for the deployment.
 * @param directory - The Carechain Directory's address.
 * @returns The deployment.
 */
export async function deployClaims(signer: Signer, directory: string): Promise<ClaimsDeployment> {
  const policies = await new PolicyRegistry__factory(signer).deploy(getAddress(directory));
  await policies.waitForDeployment();
  const claims = await new ClaimRegistry__factory(signer).deploy(await policies.getAddress());
  await claims.waitForDeployment();
  if (!signer.provider) throw new TypeError("deployClaims: the signer has no provider");
  const chainId = (await signer.provider.getNetwork()).chainId;
  return { chainId, policyRegistry: await policies.getAddress(), claimRegistry: await claims.getAddress() };
}

/**
 * Deploys the pilot's test stablecoin (6 decimals, mintable by `owner`). For pilots and tests only: it is worth
 * nothing.
 * @param signer - Pays for the deployment.
 * @param owner - Who may mint.
 * @returns The bound token.
 */
export async function deployPilotStablecoin(signer: Signer, owner: string): Promise<PilotStablecoin> {
  const token = await new PilotStablecoin__factory(signer).deploy(getAddress(owner));
  await token.waitForDeployment();
  return token;
}

/**
 * Binds the claim contracts of `deployment` to `runner`.
 * @param deployment - The addresses.
 * @param runner - A signer or provider.
 * @returns The bound contracts.
 */
export function connectClaims(deployment: ClaimsDeployment, runner: ContractRunner): ClaimsContracts {
  return {
    policies: PolicyRegistry__factory.connect(deployment.policyRegistry, runner),
    claims: ClaimRegistry__factory.connect(deployment.claimRegistry, runner),
  };
}

/**
 * Binds an ERC-20 settlement token.
 * @param address - The token's address.
 * @param runner - A signer or provider.
 * @returns The token's ERC-20 surface.
 */
export function connectSettlementToken(address: string, runner: ContractRunner): SettlementToken {
  return PilotStablecoin__factory.connect(address, runner);
}

const decode = moduleRevertDecoder(
  [ClaimRegistry__factory.abi, PolicyRegistry__factory.abi, PilotStablecoin__factory.abi],
  ClaimsRevertError,
);

/**
 * The typed error of a failed claim-contract call: a {@link ClaimsRevertError} named after the claim contracts'
 * Solidity error, the core's revert class for core errors, or `error` itself when it is not a revert.
 * @param error - Whatever a contract call threw.
 * @returns The error to throw.
 */
export function claimsErrorOf(error: unknown): unknown {
  return decode(error);
}
