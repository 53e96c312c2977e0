/** A fresh in-process chain with Carechain deployed, SDK clients and raw contracts for the benchmarks. */
import { randomBytes } from "node:crypto";

import type { ContractTransactionResponse, TransactionReceipt } from "ethers";
import { network } from "hardhat";
import type {} from "@nomicfoundation/hardhat-ethers";
import type {} from "@nomicfoundation/hardhat-network-helpers";

import {
  Carechain,
  cidOf,
  connectContracts,
  createFhirValidator,
  generateIdentity,
  MemoryBlobStore,
  type CarechainContracts,
  type FhirValidator,
} from "../../sdk/index.js";
import { loadFhirDefinitions } from "../../sdk/node.js";
import { deployWithIgnition } from "../../sdk/hardhat.js";

let validator: FhirValidator | undefined;
/** The FHIR validator (loaded once: the definitions take a while to parse). */
export function sharedValidator(): FhirValidator {
  validator ??= createFhirValidator(loadFhirDefinitions());
  return validator;
}

/** A Carechain client plus the same account's contracts bound to its signer. */
export interface BenchActor {
  readonly client: Carechain;
  readonly contracts: CarechainContracts;
  readonly address: string;
}

/**
 * Connects a new in-process chain (each call is its own chain), deploys Carechain, and makes actors from the
 * Hardhat accounts: 0 registrar, 1 hospital, 2 lab, 3 patient, 4 second patient, 5 relayer.
 */
export async function benchChain() {
  const connection = await network.create();
  const deployment = await deployWithIgnition(connection, { multicall: true });
  const signers = await connection.ethers.getSigners();
  const store = new MemoryBlobStore();
  const actor = async (index: number): Promise<BenchActor> => {
    const signer = signers[index]!;
    const client = await Carechain.connect({
      deployment,
      signer,
      identity: generateIdentity(),
      store,
      validator: sharedValidator(),
    });
    return { client, contracts: await connectContracts(deployment, signer), address: await client.address() };
  };
  await refuseInstrumentedCode(connection.ethers.provider, deployment.directory);
  const [registrar, hospital, lab, patient, patient2, relayer] = await Promise.all([0, 1, 2, 3, 4, 5].map(actor));
  return {
    connection,
    deployment,
    store,
    signers,
    registrar: registrar!,
    hospital: hospital!,
    lab: lab!,
    patient: patient!,
    patient2: patient2!,
    relayer: relayer!,
    async close() {
      await connection.close();
    },
  };
}

export type BenchChain = Awaited<ReturnType<typeof benchChain>>;

/** Hardhat's coverage probes call this address; instrumented code would inflate every gas figure. */
const COVERAGE_ADDRESS = "c0bec0bec0bec0bec0bec0bec0bec0bec0bec0be";

/** What to do with coverage-instrumented contracts: refuse them (full runs) or warn (quick smoke runs). */
export const instrumented = { policy: "refuse" as "refuse" | "warn", seen: false };

/** Refuses to measure coverage-instrumented contracts (artifacts left by a `--coverage` run), or warns. */
export async function refuseInstrumentedCode(provider: { getCode(address: string): Promise<string> }, address: string) {
  if (!(await provider.getCode(address)).toLowerCase().includes(COVERAGE_ADDRESS)) return;
  const message =
    "The compiled contracts carry coverage instrumentation (artifacts from a --coverage run), which inflates " +
    "every gas and chain figure: run `npx hardhat build --force`, then the bench again.";
  if (instrumented.policy === "refuse") throw new Error(message);
  if (!instrumented.seen) console.warn(`  warning: ${message}`);
  instrumented.seen = true;
}

/** Sends a transaction and waits for its receipt. */
export async function mined(tx: Promise<ContractTransactionResponse>): Promise<{
  response: ContractTransactionResponse;
  receipt: TransactionReceipt;
}> {
  const response = await tx;
  const receipt = await response.wait();
  if (receipt?.status !== 1) throw new Error(`transaction ${response.hash} failed`);
  return { response, receipt };
}

/** A valid CIDv1 (raw, sha2-256) of fresh random bytes, as the contracts take it. */
export async function randomCid(): Promise<Uint8Array> {
  return (await cidOf(randomBytes(32))).bytes;
}

/** Grant terms for every category, all purposes, one year. */
export async function fullTerms(chain: BenchChain) {
  const now = await chain.connection.networkHelpers.time.latest();
  return { readMask: 0xffffn, writeMask: 0xffffn, purposes: 0b111111n, expiresAt: BigInt(now + 365 * 24 * 3600) };
}

export const ZERO_HASH = `0x${"00".repeat(32)}`;

/**
 * Counts the JSON-RPC requests that go through a connection's provider, and the time spent in them, while
 * `counting` is on (a diagnostic for where end-to-end time goes).
 */
export function rpcMeter(chain: BenchChain) {
  const provider = chain.connection.provider as unknown as { request: (args: { method: string }) => Promise<unknown> };
  const original = provider.request.bind(provider);
  const meter = { counting: false, requests: 0, ms: 0, methods: new Map<string, number>() };
  provider.request = async (args) => {
    if (!meter.counting) return original(args);
    const start = performance.now();
    try {
      return await original(args);
    } finally {
      meter.ms += performance.now() - start;
      meter.requests++;
      meter.methods.set(args.method, (meter.methods.get(args.method) ?? 0) + 1);
    }
  };
  return meter;
}
