/**
 * Deploys and wires the three Carechain contracts with a plain ethers signer, on any EVM JSON-RPC node (no Hardhat
 * needed). The same wiring as the Ignition module in ignition/modules/Carechain.ts.
 * @module
 */
import { ContractFactory, getAddress, type Signer } from "ethers";

import type { CarechainDeployment } from "../chain/deployment.js";
import { DeploymentError } from "../errors/data.js";
import { CONSENT_REGISTRY_ABI, DIRECTORY_ABI, RECORD_REGISTRY_ABI } from "./generated/abi.js";
import { CONSENT_REGISTRY_BYTECODE, DIRECTORY_BYTECODE, RECORD_REGISTRY_BYTECODE } from "./generated/bytecode.js";

/** Options of {@link deployCarechain}. */
export interface DeployCarechainOptions {
  /** Holds the Directory's DEFAULT_ADMIN_ROLE (adds and removes registrars). Default: the deploying signer. */
  readonly admin?: string;
  /** The first registrar (credentialing authority). Default: the deploying signer. */
  readonly registrar?: string;
  /** Confirmations to wait for each deployment transaction (default 1). */
  readonly confirmations?: number;
}

/**
 * Deploys Directory, ConsentRegistry and RecordRegistry in order and returns the deployment the SDK connects to.
 * The three transactions are sent one after another from `signer` (explicit nonces, so a default JsonRpcProvider's
 * nonce cache can't collide).
 * @param signer - An ethers v6 signer with a provider (a `Wallet`, a browser wallet's signer, a Hardhat signer).
 * @param options - Admin and registrar accounts; confirmations.
 * @returns Addresses and chain id.
 * @throws {DeploymentError} When the signer has no provider or a deployment transaction fails.
 * @example
 * const deployment = await deployCarechain(wallet);
 * const client = await Carechain.connect({ deployment, signer: wallet, identity, store, validator });
 */
export async function deployCarechain(
  signer: Signer,
  options: DeployCarechainOptions = {},
): Promise<CarechainDeployment> {
  const provider = signer.provider;
  if (!provider) throw new DeploymentError("The signer has no provider to reach the chain.");
  const deployer = await signer.getAddress();
  const admin = getAddress(options.admin ?? deployer);
  const registrar = getAddress(options.registrar ?? deployer);
  const confirmations = options.confirmations ?? 1;
  const { chainId } = await provider.getNetwork();
  let nonce = await provider.getTransactionCount(deployer, "pending");
  const deploy = async (name: string, abi: readonly object[], bytecode: string, args: unknown[]): Promise<string> => {
    try {
      const factory = new ContractFactory(abi as object[], bytecode, signer);
      const contract = await factory.deploy(...args, { nonce: nonce++ });
      await contract.deploymentTransaction()?.wait(confirmations);
      return getAddress(await contract.getAddress());
    } catch (cause) {
      throw new DeploymentError(`Deploying ${name} failed.`, { details: errorMessage(cause), cause });
    }
  };
  const directory = await deploy("Directory", DIRECTORY_ABI, DIRECTORY_BYTECODE, [admin, registrar]);
  const consentRegistry = await deploy("ConsentRegistry", CONSENT_REGISTRY_ABI, CONSENT_REGISTRY_BYTECODE, [directory]);
  const recordRegistry = await deploy("RecordRegistry", RECORD_REGISTRY_ABI, RECORD_REGISTRY_BYTECODE, [
    consentRegistry,
  ]);
  return { chainId, directory, consentRegistry, recordRegistry };
}

function errorMessage(error: unknown): string {
  if (typeof error === "object" && error !== null) {
    const e = error as { shortMessage?: unknown; message?: unknown };
    if (typeof e.shortMessage === "string") return e.shortMessage;
    if (typeof e.message === "string") return e.message;
  }
  return String(error);
}
