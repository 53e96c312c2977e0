/**
 * Deploys and wires the three Carechain contracts with a plain ethers signer, on any EVM JSON-RPC node (no Hardhat
 * needed). The same wiring as the Ignition module in ignition/modules/Carechain.ts.
 * @module
 */
import { ContractFactory, getAddress, type Signer } from "ethers";

import type { CarechainDeployment } from "../chain/deployment.js";
import { revertErrorOf } from "../chain/revert.js";
import { waitForReceipt } from "../chain/receipts.js";
import { transactionError } from "../chain/send-errors.js";
import { queuedSigner } from "../chain/sender.js";
import { UnknownRevertError } from "../errors/contract.js";
import { DeploymentError } from "../errors/data.js";
import { MULTICALL3_ADDRESS } from "../chain/multicall.js";
import { CONSENT_REGISTRY_ABI, DIRECTORY_ABI, MULTICALL3_ABI, RECORD_REGISTRY_ABI } from "./generated/abi.js";
import {
  CONSENT_REGISTRY_BYTECODE,
  DIRECTORY_BYTECODE,
  MULTICALL3_BYTECODE,
  RECORD_REGISTRY_BYTECODE,
} from "./generated/bytecode.js";

/** Chain ids of local development chains (Hardhat, Anvil, Ganache): where Multicall3 is deployed when absent. */
export const LOCAL_CHAIN_IDS: readonly bigint[] = [31337n, 1337n];

/** Options of {@link deployCarechain}. */
export interface DeployCarechainOptions {
  /** Holds the Directory's DEFAULT_ADMIN_ROLE (adds and removes registrars). Default: the deploying signer. */
  readonly admin?: string;
  /** The first registrar (credentialing authority). Default: the deploying signer. */
  readonly registrar?: string;
  /** Confirmations to wait for each deployment transaction (default 1). */
  readonly confirmations?: number;
  /**
   * Whether to deploy a Multicall3 (the client batches its views through it) when none is at the canonical address.
   * Default: on local chains ({@link LOCAL_CHAIN_IDS}) only; elsewhere clients use the canonical deployment.
   */
  readonly multicall?: boolean;
}

/**
 * Deploys Directory, ConsentRegistry and RecordRegistry in order and returns the deployment the SDK connects to; on
 * a local chain without code at Multicall3's canonical address, a Multicall3 too (its address in `multicall`).
 * The three transactions go through the signer's account queue (see `QueuedSigner`): one at a time, nonces counted
 * by the SDK for a local signer such as a `Wallet`, shared with any Carechain client of the same account.
 * @param signer - An ethers v6 signer with a provider (a `Wallet`, a browser wallet's signer, a Hardhat signer).
 * @param options - Admin and registrar accounts; confirmations; whether to deploy Multicall3.
 * @returns Addresses and chain id.
 * @throws {DeploymentError} When the signer has no provider or a deployment transaction fails; its `cause` is the
 * typed failure (a `TransactionError` with the ethers code and the node's message, or a revert error).
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
  let chainId: bigint;
  try {
    ({ chainId } = await provider.getNetwork());
  } catch (error) {
    const details = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new DeploymentError("The chain could not be reached.", { details, cause: error });
  }
  const sender = queuedSigner(signer);
  const deploy = async (name: string, abi: readonly object[], bytecode: string, args: unknown[]): Promise<string> => {
    try {
      const factory = new ContractFactory(abi, bytecode, sender);
      const contract = await factory.deploy(...args);
      const sent = contract.deploymentTransaction();
      if (!sent) throw new Error("the contract factory returned no deployment transaction");
      const receipt = await waitForReceipt(provider, sent.hash, { confirmations });
      if (receipt.status !== 1) throw new UnknownRevertError("Unknown", {}, { cause: receipt });
      return getAddress(await contract.getAddress());
    } catch (error) {
      const cause = revertErrorOf(error) ?? transactionError(`deploy ${name}`, error, { from: deployer });
      throw new DeploymentError(`Deploying ${name} failed.`, { details: cause.message, cause });
    }
  };
  const directory = await deploy("Directory", DIRECTORY_ABI, DIRECTORY_BYTECODE, [admin, registrar]);
  const consentRegistry = await deploy("ConsentRegistry", CONSENT_REGISTRY_ABI, CONSENT_REGISTRY_BYTECODE, [directory]);
  const recordRegistry = await deploy("RecordRegistry", RECORD_REGISTRY_ABI, RECORD_REGISTRY_BYTECODE, [
    consentRegistry,
  ]);
  const wantMulticall = options.multicall ?? LOCAL_CHAIN_IDS.includes(chainId);
  if (wantMulticall && (await provider.getCode(MULTICALL3_ADDRESS)) === "0x") {
    const multicall = await deploy("Multicall3", MULTICALL3_ABI, MULTICALL3_BYTECODE, []);
    return { chainId, directory, consentRegistry, recordRegistry, multicall };
  }
  return { chainId, directory, consentRegistry, recordRegistry };
}
