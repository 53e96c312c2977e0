/**
 * A connected session: the wallet's signer checked against the deployment's chain, the identity key derived from
 * the wallet's signature (held in memory only, never stored), the Carechain client, and the account's roles.
 */
import {
  Carechain,
  createFhirValidator,
  deriveIdentity,
  importFhirDefinitions,
  publicKeyHex,
  type FhirValidator,
  type ProviderKind,
  PROVIDER_KINDS,
} from "carechain";
import { getAddress, type Block, type Provider, type Signer } from "ethers";

import type { PortalConfig } from "./config.js";
import { WrongNetworkError } from "./errors.js";
import { HttpBlobStore } from "./http-store.js";

/** What the connected account is on chain. */
export interface Roles {
  readonly patient: boolean;
  /** Set when the account is a credentialed provider. */
  readonly provider?: { kind: ProviderKind; suspended: boolean };
  readonly registrar: boolean;
  /** The account's registered key differs from the derived one (registered with another key or version). */
  readonly keyMismatch: boolean;
}

/** A connected account. */
export interface Session {
  readonly address: string;
  readonly client: Carechain;
  /** The wallet's connection to the chain (checked to be on the deployment's chain). */
  readonly provider: Provider;
  readonly validator: FhirValidator;
  readonly chainId: bigint;
  readonly wallet: string;
  roles: Roles;
}

/**
 * A block of the session's chain.
 * @param session The connected session.
 * @param tag The block number, or "latest".
 * @returns The block.
 * @throws {Error} When the node does not have the block.
 */
export async function chainBlock(session: Session, tag: number | "latest"): Promise<Block> {
  const block = await session.provider.getBlock(tag);
  if (!block) throw new Error(`The node has no block ${tag}.`);
  return block;
}

/** Runs one stage of the connection under a User Timing measure (`carechain:<name>`), for the first-record figure. */
export async function timed<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await fn();
  } finally {
    performance.measure(`carechain:${name}`, { start, end: performance.now() });
  }
}

let validatorPromise: Promise<FhirValidator> | undefined;
/** The FHIR validator (its definitions pack is a lazy chunk, fetched on first use). */
export function fhirValidator(): Promise<FhirValidator> {
  validatorPromise ??= importFhirDefinitions().then(createFhirValidator);
  return validatorPromise;
}

/** Reads the account's roles from the Directory. */
export async function readRoles(client: Carechain, address: string): Promise<Roles> {
  const { directory } = client.contracts;
  const [patient, provider, role] = await Promise.all([
    directory.isPatient(address),
    directory.getFunction("provider")(address) as Promise<{ kind: bigint; suspended: boolean }>,
    directory.REGISTRAR_ROLE(),
  ]);
  const registrar = await directory.hasRole(role, address);
  const registered = patient || Number(provider.kind) !== 0 ? await directory.encryptionKeyOf(address) : undefined;
  return {
    patient,
    ...(Number(provider.kind) !== 0
      ? { provider: { kind: PROVIDER_KINDS[Number(provider.kind)] as ProviderKind, suspended: provider.suspended } }
      : {}),
    registrar,
    keyMismatch: registered !== undefined && registered.toLowerCase() !== publicKeyHex(client.identity).toLowerCase(),
  };
}

/**
 * Connects `signer`: checks its chain, derives the identity key (the wallet signs the EIP-712 derivation request),
 * builds the client. Nothing is stored anywhere but in the returned object.
 * @param onStep - Hears each stage ("Checking the network", …) for the progress line.
 * @throws {WrongNetworkError} When the wallet is on another chain.
 */
export async function connectSession(
  signer: Signer,
  config: PortalConfig,
  wallet: string,
  onStep: (step: string) => void = () => {},
): Promise<Session> {
  onStep("Checking the network");
  const expected = BigInt(config.deployment.chainId);
  const provider = signer.provider;
  if (!provider) throw new TypeError("the wallet's signer has no provider");
  const { chainId } = await timed("network", () => provider.getNetwork());
  if (chainId !== expected) throw new WrongNetworkError(chainId, expected);
  const address = getAddress(await signer.getAddress());
  onStep("Deriving your encryption key (sign the request in your wallet)");
  const identity = await timed("derive-identity", () =>
    deriveIdentity(signer, { chainId, directory: config.deployment.directory }),
  );
  onStep("Loading the FHIR validator");
  const validator = await timed("fhir-validator", fhirValidator);
  onStep("Connecting to the Carechain contracts");
  const client = await timed("connect-contracts", () =>
    Carechain.connect({
      deployment: { ...config.deployment, chainId },
      signer,
      identity,
      store: new HttpBlobStore(`${location.origin}/blobs`),
      validator,
      fromBlock: config.fromBlock,
      custodianUrl: location.origin,
    }),
  );
  const roles = await timed("roles", () => readRoles(client, address));
  return { address, client, provider, validator, chainId, wallet, roles };
}
