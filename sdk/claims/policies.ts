/**
 * Publishing and loading coverage policies: the document goes to the BlobStore (it is public, holds no patient
 * data), its CID and SHA-256 to the PolicyRegistry; loading verifies the CID, the hash and the canonical form.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { encodeBytes32String, hexlify, type ContractTransactionResponse } from "ethers";
import { CID } from "multiformats/cid";

import type { QueuedSigner } from "../chain/sender.js";
import { sendAndConfirm } from "../chain/sender.js";
import type { TxResult } from "../client/types.js";
import type { BlobStore } from "../content/blob-store.js";
import { equalBytes, fromHex, fromUtf8, toHex } from "../crypto/bytes.js";
import { IntegrityError } from "../errors/data.js";
import { claimsErrorOf, type ClaimsContracts } from "./contracts.js";
import { parsePolicy, policyBytes, type CoveragePolicy } from "./policy.js";

/** What policy calls need: the bound contracts, the sender they are bound to, and the store. */
export interface ClaimsContext {
  readonly contracts: ClaimsContracts;
  readonly sender: QueuedSigner;
  readonly store: BlobStore;
}

/** How a policy settles: token and escrow periods (fixed at creation). */
export interface PolicySettlement {
  /** The ERC-20 token claims are paid in. */
  readonly token: string;
  /** Unix seconds the first escrow period starts. */
  readonly periodStart: bigint | number;
  /** Seconds per escrow period (at least a day). */
  readonly periodLength: bigint | number;
}

/** A published policy version. */
export interface PublishedPolicy {
  readonly policyId: string;
  readonly version: number;
  readonly documentCid: CID;
  readonly documentHash: string;
  readonly tx: TxResult;
}

const DAY = 86_400;

/**
 * Creates a policy and publishes its first version (the caller must be an active Insurer in the Directory). The
 * contract's deadlines come from the document (`adjudicationDays`, `appealDays`).
 * @param ctx - Contracts, sender, store.
 * @param name - Short name, unique per insurer (≤ 31 bytes of UTF-8).
 * @param policy - The policy document.
 * @param settlement - Token and escrow periods.
 * @param terms - `arbiter`: who decides escalated claims; `effectiveFrom`: unix seconds (default 0, at once).
 * @returns The policy id, version 1, the document's CID and hash, the transaction.
 * @throws {PolicyFormatError} When the document is malformed (nothing is stored or sent).
 * @throws {ClaimsRevertError} When the registry refuses (e.g. `PolicyNotInsurer`).
 */
export async function publishPolicy(
  ctx: ClaimsContext,
  name: string,
  policy: CoveragePolicy,
  settlement: PolicySettlement,
  terms: { readonly arbiter: string; readonly effectiveFrom?: bigint | number },
): Promise<PublishedPolicy> {
  const { cid, hash, onChainTerms } = await prepare(ctx, policy, terms);
  const label = encodeBytes32String(name);
  const policyId = await ctx.contracts.policies.policyIdOf(await ctx.sender.getAddress(), label);
  const tx = await send(ctx, "createPolicy", () =>
    ctx.contracts.policies.createPolicy(
      label,
      settlement.token,
      settlement.periodStart,
      settlement.periodLength,
      hash,
      cid.bytes,
      onChainTerms,
    ),
  );
  return { policyId, version: 1, documentCid: cid, documentHash: hash, tx };
}

/**
 * Publishes the next version of a policy (earlier versions stay; claims name the version they were filed under).
 * @param ctx - Contracts, sender, store.
 * @param policyId - The policy.
 * @param policy - The new document.
 * @param terms - Arbiter and effective time of this version.
 * @returns The new version.
 * @throws {PolicyFormatError} When the document is malformed.
 * @throws {ClaimsRevertError} When the registry refuses (e.g. `PolicyUnauthorizedInsurer`).
 */
export async function publishPolicyVersion(
  ctx: ClaimsContext,
  policyId: string,
  policy: CoveragePolicy,
  terms: { readonly arbiter: string; readonly effectiveFrom?: bigint | number },
): Promise<PublishedPolicy> {
  const { cid, hash, onChainTerms } = await prepare(ctx, policy, terms);
  const tx = await send(ctx, "publishVersion", () =>
    ctx.contracts.policies.publishVersion(policyId, hash, cid.bytes, onChainTerms),
  );
  const version = Number((await ctx.contracts.policies.policy(policyId)).versions);
  return { policyId, version, documentCid: cid, documentHash: hash, tx };
}

/**
 * Loads a policy version: its terms from the chain, its document from the store, verified against the CID and the
 * anchored SHA-256, and required to be in canonical form (so everyone applies the very same bytes).
 * @param ctx - Contracts and store.
 * @param policyId - The policy.
 * @param version - The version (default: the latest).
 * @returns The document and its on-chain version entry.
 * @throws {IntegrityError} When the document does not match its anchored hash or is not canonical.
 * @throws {ClaimsRevertError} When the policy or version does not exist.
 */
export async function loadPolicy(
  ctx: Pick<ClaimsContext, "contracts" | "store">,
  policyId: string,
  version?: number,
): Promise<{ policy: CoveragePolicy; version: number; insurer: string; token: string; arbiter: string }> {
  const entry = await call(() => ctx.contracts.policies.policy(policyId));
  const v = version ?? Number(entry.versions);
  const onChain = await call(() => ctx.contracts.policies.policyVersion(policyId, v));
  const bytes = await ctx.store.get(CID.decode(fromHex("documentCid", onChain.documentCid)));
  if (toHex(sha256(bytes)) !== onChain.documentHash.toLowerCase()) {
    throw new IntegrityError(`Policy ${policyId} version ${v} does not match its anchored hash.`);
  }
  const policy = parsePolicy(JSON.parse(fromUtf8("policy document", bytes)));
  if (!equalBytes(policyBytes(policy), bytes)) {
    throw new IntegrityError(`Policy ${policyId} version ${v} is not in canonical form.`);
  }
  return { policy, version: v, insurer: entry.insurer, token: entry.token, arbiter: onChain.arbiter };
}

async function prepare(
  ctx: ClaimsContext,
  policy: CoveragePolicy,
  terms: { readonly arbiter: string; readonly effectiveFrom?: bigint | number },
) {
  const bytes = policyBytes(policy);
  const cid = await ctx.store.put(bytes);
  const onChainTerms = {
    arbiter: terms.arbiter,
    effectiveFrom: terms.effectiveFrom ?? 0,
    adjudicationPeriod: policy.adjudicationDays * DAY,
    appealWindow: policy.appealDays * DAY,
  };
  return { cid, hash: hexlify(sha256(bytes)), onChainTerms };
}

/**
 * Sends a claim-contract transaction with typed failures.
 * @internal
 */
export async function send(
  ctx: Pick<ClaimsContext, "sender">,
  action: string,
  run: () => Promise<ContractTransactionResponse>,
): Promise<TxResult> {
  try {
    return await sendAndConfirm(action, ctx.sender, run);
  } catch (error) {
    throw claimsErrorOf(error);
  }
}

/**
 * Runs a claim-contract view call with typed reverts.
 * @internal
 */
export async function call<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw claimsErrorOf(error);
  }
}
