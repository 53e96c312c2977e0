/** Consent actions: grant and revoke (as the patient or a delegate), cancel a signed-request nonce, share records. */
import { getAddress } from "ethers";

import { categoriesOfMask } from "../../fhir/categories.js";
import type { CarechainContext } from "../context.js";
import type { GrantResult, GrantTerms, OnBehalf, SkippedObject, TxResult } from "../types.js";
import { prepareKeyrings, publishKeyrings } from "./_keyrings.js";
import { sendTx } from "./_tx.js";
import { consentTerms } from "./_values.js";
import { getAccountAddress } from "./directory.js";

/** Parameters of {@link grantConsent}. */
export interface GrantConsentParameters extends OnBehalf {
  /** A registered provider or patient. */
  readonly grantee: string;
  /** Categories to read and write, purposes (default TREAT) and expiry. */
  readonly terms: GrantTerms;
}
/** The result of {@link grantConsent}. */
export type GrantConsentReturnType = GrantResult;

/**
 * Grants `grantee` access to a patient's records, replacing any earlier grant to it. Keys follow consent: when the
 * client is the patient, its existing records in the read categories are made readable by the grantee (a keyring
 * per record for the grantee, published on chain; record CIDs never change).
 * @param ctx - The client context.
 * @param params - Grantee, terms, and `patient` to act as a delegate of this patient (`grantFor`).
 * @returns The grant transaction and what was shared.
 * @throws {RangeError} When a category, purpose or the expiry is invalid (nothing is sent).
 * @throws {ConsentUnauthorizedActorError} When acting for a patient this account is no delegate of.
 */
export async function grantConsent(
  ctx: CarechainContext,
  params: GrantConsentParameters,
): Promise<GrantConsentReturnType> {
  const { grantee } = params;
  const onChain = consentTerms(params.terms);
  const me = await getAccountAddress(ctx);
  const patient = params.patient ? getAddress(params.patient) : me;
  const consent = ctx.contracts.consent;
  const tx = await sendTx(ctx, "grant", () =>
    patient === me ? consent.grant(grantee, onChain) : consent.grantFor(patient, grantee, onChain),
  );
  if (patient !== me) return { ...tx, shared: 0, skipped: [] };
  return { ...tx, ...(await shareRecords(ctx, { grantee })) };
}

/** Parameters of {@link revokeConsent}. */
export interface RevokeConsentParameters extends OnBehalf {
  /** The grantee whose grant ends. */
  readonly grantee: string;
}
/** The result of {@link revokeConsent}. */
export type RevokeConsentReturnType = TxResult;

/**
 * Revokes a grant, effective at once: any transaction after it, even in the same block, sees no grant. Records written from then on are not wrapped for the grantee; what
 * it already read cannot be recalled.
 * @param ctx - The client context.
 * @param params - The grantee, and `patient` to act as a delegate of this patient (`revokeFor`).
 * @returns The transaction.
 * @throws {ConsentUnauthorizedActorError} When acting for a patient this account is no delegate of.
 */
export async function revokeConsent(
  ctx: CarechainContext,
  params: RevokeConsentParameters,
): Promise<RevokeConsentReturnType> {
  const { grantee } = params;
  const me = await getAccountAddress(ctx);
  const patient = params.patient ? getAddress(params.patient) : me;
  const consent = ctx.contracts.consent;
  return sendTx(ctx, "revoke", () => (patient === me ? consent.revoke(grantee) : consent.revokeFor(patient, grantee)));
}

/** Parameters of {@link cancelNonce}. */
export interface CancelNonceParameters {
  /** The nonce to cancel; default the account's current nonce on chain. */
  readonly nonce?: bigint;
}
/** The result of {@link cancelNonce}: the transaction and the nonce it cancelled. */
export type CancelNonceReturnType = TxResult & { nonce: bigint };

/**
 * Cancels the account's current signed-request nonce on chain, so that a grant or revoke it signed with that nonce
 * (handed to a relayer that withholds it, or leaked) can never be submitted. Requests signed afterwards use the
 * next nonce. A revoke already makes every signed request for that grantee stale; this is for the rest.
 * @param ctx - The client context.
 * @param params - The nonce (default the current one).
 * @returns The transaction and the nonce it cancelled (`NonceCancelled` event).
 * @throws {InvalidAccountNonceError} When `nonce` is not the account's current nonce.
 */
export async function cancelNonce(
  ctx: CarechainContext,
  params: CancelNonceParameters = {},
): Promise<CancelNonceReturnType> {
  const n = params.nonce ?? (await ctx.contracts.consent.nonces(await getAccountAddress(ctx)));
  const tx = await sendTx(ctx, "cancelNonce", () => ctx.contracts.consent.cancelNonce(n));
  return { ...tx, nonce: n };
}

/** Parameters of {@link shareRecords}. */
export interface ShareRecordsParameters {
  /** The grantee's address. */
  readonly grantee: string;
}
/** The result of {@link shareRecords}. */
export interface ShareRecordsReturnType {
  /** How many records were made readable. */
  shared: number;
  /** The `publishKeyrings` transaction (none when nothing was in scope). */
  shareTx?: TxResult;
  /** What was skipped, and why. */
  skipped: SkippedObject[];
}

/**
 * Makes the patient's (the client's account) existing records readable by `grantee` in the categories its live
 * grant may read: a keyring per record for the grantee's Directory key, published on chain. A record that can't be
 * opened (missing or bad keyring, erased ciphertext) or a batch that can't be read is left out and reported in
 * `skipped`; the others are shared.
 * @param ctx - The client context.
 * @param params - The grantee.
 * @returns How many records were shared, the transaction, and what was skipped and why.
 */
export async function shareRecords(
  ctx: CarechainContext,
  params: ShareRecordsParameters,
): Promise<ShareRecordsReturnType> {
  const me = await getAccountAddress(ctx);
  const terms = await ctx.contracts.consent.consentOf(me, params.grantee);
  const { skipped, ...keyrings } = await prepareKeyrings(ctx, me, params.grantee, categoriesOfMask(terms.readMask));
  return { shared: keyrings.recordIds.length, shareTx: await publishKeyrings(ctx, keyrings), skipped };
}
