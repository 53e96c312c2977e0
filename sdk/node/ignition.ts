/**
 * Node only: reading deployment files — a Hardhat Ignition deployment (deployed_addresses.json) or a plain address file — as a Carechain deployment.
 * @module
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";

import { parseDeployment, type CarechainDeployment } from "../chain/deployment.js";
import { DeploymentError } from "../errors/data.js";

/**
 * Loads a Carechain deployment written by Hardhat Ignition
 * (`<ignitionDir>/deployments/<deploymentId>/deployed_addresses.json`).
 * @param chainId - The chain the deployment is on.
 * @param options - `ignitionDir` (default `ignition`), `deploymentId` (default `chain-<chainId>`).
 * @throws {DeploymentError} When the file is missing or incomplete.
 */
export async function loadIgnitionDeployment(
  chainId: bigint,
  options: { ignitionDir?: string; deploymentId?: string } = {},
): Promise<CarechainDeployment> {
  const file = join(
    options.ignitionDir ?? "ignition",
    "deployments",
    options.deploymentId ?? `chain-${chainId}`,
    "deployed_addresses.json",
  );
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (cause) {
    throw new DeploymentError("No Ignition deployment found.", { details: file, cause });
  }
  return parseDeployment(parseJson(text, file), chainId);
}

/**
 * Loads a deployment from a JSON file shaped like {@link CarechainDeployment} (or Ignition's addresses file).
 * @param file - Path of the JSON file.
 * @param chainId - The chain the addresses are on.
 */
export async function loadDeploymentFile(file: string, chainId: bigint): Promise<CarechainDeployment> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (cause) {
    throw new DeploymentError("The deployment file can't be read.", { details: file, cause });
  }
  return parseDeployment(parseJson(text, file), chainId);
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new DeploymentError("The deployment file is not valid JSON (truncated or half-written?).", {
      details: file,
      cause,
    });
  }
}
