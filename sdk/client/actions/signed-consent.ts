/** Signed consent actions: grants and revocations signed (EIP-712) by a patient or delegate, relayed by anyone. */
import { getAddress } from "ethers";

import { signGrantRequest, signRevokeRequest, type GrantRequest, type RevokeRequest } from "../../consent/signing.js";
import { categoriesOfMask } from "../../fhir/categories.js";
import type { CarechainContext } from "../context.js";
import type { GrantResult, GrantTerms, OnBehalf, SignedGrant, SignedRevoke, TxResult } from "../types.js";
import { signatureDeadline } from "./_blocks.js";
import { EMPTY_KEYRINGS, prepareKeyrings, publishKeyrings } from "./_keyrings.js";
import { sendTx } from "./_tx.js";
import { consentTerms } from "./_values.js";
import { getAccountAddress } from "./directory.js";

/** How a signed request is bounded: its deadline and nonce. */
export interface SignedRequestOptions extends OnBehalf {
  /** When the request expires: a `Date` or unix seconds (default one hour after the latest block). */
  readonly deadline?: Date | bigint | number;
  /** The signer's nonce (default its next nonce on chain). */
  readonly nonce?: bigint;
}

/** Parameters of {@link signGrant}. */
export interface SignGrantParameters extends SignedRequestOptions {
  /** The grantee. */
  readonly grantee: string;
  /** Categories to read and write, purposes and expiry. */
  readonly terms: GrantTerms;
}
/** The result of {@link signGrant}. */
export type SignGrantReturnType = SignedGrant;

/**
 * Signs a grant (EIP-712) that anyone may relay with {@link relayGrant}: the signer needs no ETH. When the client
 * is the patient, keyrings for its existing records in scope are prepared and stored too. The request carries the
 * pair's current `consentEpoch`: once the grant to `grantee` changes (a revoke above all) it can no longer be
 * relayed (`ConsentSignatureStaleError`).
 * @param ctx - The client context.
 * @param params - Grantee, terms, `patient` (when signing as a delegate), `deadline` and `nonce`.
 * @returns The request, its signature and the prepared keyrings.
 * @throws {RangeError} When a category, purpose, the expiry or the deadline is invalid (the error names which).
 */
export async function signGrant(ctx: CarechainContext, params: SignGrantParameters): Promise<SignGrantReturnType> {
  const me = await getAccountAddress(ctx);
  const patient = params.patient ? getAddress(params.patient) : me;
  const request: GrantRequest = {
    patient,
    grantee: getAddress(params.grantee),
    ...consentTerms(params.terms),
    epoch: await ctx.contracts.consent.consentEpoch(patient, params.grantee),
    ...(await requestEnvelope(ctx, me, params)),
  };
  const signature = await signGrantRequest(ctx.signer, request);
  if (patient !== me) return { request, signature, keyrings: EMPTY_KEYRINGS };
  const { skipped, ...keyrings } = await prepareKeyrings(
    ctx,
    patient,
    params.grantee,
    categoriesOfMask(request.readMask),
  );
  return { request, signature, keyrings, skipped };
}

/** Parameters of {@link relayGrant}. */
export interface RelayGrantParameters {
  /** The signed grant. */
  readonly signed: SignedGrant;
}
/** The result of {@link relayGrant}. */
export type RelayGrantReturnType = GrantResult;

/**
 * Relays a signed grant (the client pays the gas), then publishes the keyrings the patient prepared.
 * @param ctx - The client context.
 * @param params - The signed grant.
 * @returns The grant transaction and the publishing transaction.
 * @throws {ConsentSignatureStaleError | InvalidAccountNonceError | ConsentSignatureExpiredError}
 */
export async function relayGrant(ctx: CarechainContext, params: RelayGrantParameters): Promise<RelayGrantReturnType> {
  const { signed } = params;
  const tx = await sendTx(ctx, "grantBySig", () => ctx.contracts.consent.grantBySig(signed.request, signed.signature));
  const shareTx = await publishKeyrings(ctx, signed.keyrings);
  return { ...tx, shared: signed.keyrings.recordIds.length, shareTx, skipped: [] };
}

/** Parameters of {@link signRevoke}. */
export interface SignRevokeParameters extends SignedRequestOptions {
  /** The grantee whose grant ends. */
  readonly grantee: string;
}
/** The result of {@link signRevoke}. */
export type SignRevokeReturnType = SignedRevoke;

/**
 * Signs a revocation (EIP-712) that anyone may relay with {@link relayRevoke}. Like a signed grant, it carries the
 * pair's current `consentEpoch` and is stale once the grant changes.
 * @param ctx - The client context.
 * @param params - Grantee, `patient` (when signing as a delegate), `deadline` and `nonce`.
 * @returns The request and its signature.
 * @throws {RangeError} When the deadline is invalid.
 */
export async function signRevoke(ctx: CarechainContext, params: SignRevokeParameters): Promise<SignRevokeReturnType> {
  const me = await getAccountAddress(ctx);
  const patient = params.patient ? getAddress(params.patient) : me;
  const request: RevokeRequest = {
    patient,
    grantee: getAddress(params.grantee),
    epoch: await ctx.contracts.consent.consentEpoch(patient, params.grantee),
    ...(await requestEnvelope(ctx, me, params)),
  };
  return { request, signature: await signRevokeRequest(ctx.signer, request) };
}

/** Parameters of {@link relayRevoke}. */
export interface RelayRevokeParameters {
  /** The signed revocation. */
  readonly signed: SignedRevoke;
}
/** The result of {@link relayRevoke}. */
export type RelayRevokeReturnType = TxResult;

/**
 * Relays a signed revocation (the client pays the gas).
 * @param ctx - The client context.
 * @param params - The signed revocation.
 * @returns The transaction.
 * @throws {ConsentSignatureStaleError | InvalidAccountNonceError | ConsentSignatureExpiredError}
 */
export async function relayRevoke(
  ctx: CarechainContext,
  params: RelayRevokeParameters,
): Promise<RelayRevokeReturnType> {
  const { signed } = params;
  return sendTx(ctx, "revokeBySig", () => ctx.contracts.consent.revokeBySig(signed.request, signed.signature));
}

/** Signer, nonce, deadline, chain and registry of a signed request. */
async function requestEnvelope(ctx: CarechainContext, signer: string, options: SignedRequestOptions) {
  return {
    signer,
    nonce: options.nonce ?? (await ctx.contracts.consent.nonces(signer)),
    deadline: await signatureDeadline(ctx, options.deadline),
    chainId: (await ctx.provider.getNetwork()).chainId,
    registry: await ctx.contracts.consent.getAddress(),
  };
}
