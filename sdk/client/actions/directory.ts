/** Directory actions: the client's account address, patient registration and provider credentials. */
import { getAddress } from "ethers";

import { toHex } from "../../crypto/bytes.js";
import { assertX25519PublicKey } from "../../crypto/public-key.js";
import type { CarechainContext } from "../context.js";
import { PROVIDER_KINDS, type ProviderKind, type TxResult } from "../types.js";
import { sendTx } from "./_tx.js";

/** The result of {@link getAccountAddress}: a checksummed address. */
export type GetAccountAddressReturnType = string;

/**
 * The checksummed address of the client's account (read from the signer once, then cached in the context).
 * @param ctx - The client context.
 * @returns The address.
 */
export async function getAccountAddress(ctx: CarechainContext): Promise<GetAccountAddressReturnType> {
  ctx.state.address ??= getAddress(await ctx.signer.getAddress());
  return ctx.state.address;
}

/** The result of {@link registerPatient}. */
export type RegisterPatientReturnType = TxResult;

/**
 * Registers the client's account as a patient with its identity public key.
 * @param ctx - The client context.
 * @returns The Directory transaction.
 * @throws {InvalidPublicKeyError} When the identity's public key is non-canonical or a small-order point (the
 * Directory would refuse it too: nothing is sent).
 */
export async function registerPatient(ctx: CarechainContext): Promise<RegisterPatientReturnType> {
  assertX25519PublicKey(ctx.identity.publicKey, "identity.publicKey");
  return sendTx(ctx, "registerPatient", () => ctx.contracts.directory.registerPatient(toHex(ctx.identity.publicKey)));
}

/** Parameters of {@link registerProvider}. */
export interface RegisterProviderParameters {
  /** The provider's address. */
  readonly account: string;
  /** hospital, clinic, lab, pharmacy, insurer, research or emergency. */
  readonly kind: ProviderKind;
  /** The provider's X25519 public key (32 bytes). */
  readonly publicKey: Uint8Array;
}
/** The result of {@link registerProvider}. */
export type RegisterProviderReturnType = TxResult;

/**
 * Credentials a provider (registrar only).
 * @param ctx - The client context.
 * @param params - The account, its kind and its X25519 public key.
 * @returns The Directory transaction.
 * @throws {RangeError} When `kind` is not a provider kind (nothing is sent).
 * @throws {RangeError} When `publicKey` is not 32 bytes (nothing is sent).
 * @throws {InvalidPublicKeyError} When `publicKey` is non-canonical or a small-order point (nothing is sent).
 * @throws {AccessControlUnauthorizedAccountError} When the account is not a registrar.
 */
export async function registerProvider(
  ctx: CarechainContext,
  params: RegisterProviderParameters,
): Promise<RegisterProviderReturnType> {
  const { account, kind, publicKey } = params;
  const index = PROVIDER_KINDS.indexOf(kind);
  if (index <= 0) throw new RangeError(`kind: expected one of ${PROVIDER_KINDS.slice(1).join(", ")}, got ${kind}`);
  assertX25519PublicKey(publicKey);
  return sendTx(ctx, "registerProvider", () =>
    ctx.contracts.directory.registerProvider(account, index, toHex(publicKey)),
  );
}

/** Parameters of {@link suspendProvider} and {@link reinstateProvider}. */
export interface ProviderAccountParameters {
  /** The provider's address. */
  readonly account: string;
}
/** The result of {@link suspendProvider}. */
export type SuspendProviderReturnType = TxResult;
/** The result of {@link reinstateProvider}. */
export type ReinstateProviderReturnType = TxResult;

/**
 * Suspends a provider (registrar only): it loses all access at once.
 * @param ctx - The client context.
 * @param params - The provider's account.
 * @returns The Directory transaction.
 * @throws {AccessControlUnauthorizedAccountError} When the client's account is not a registrar.
 */
export async function suspendProvider(
  ctx: CarechainContext,
  params: ProviderAccountParameters,
): Promise<SuspendProviderReturnType> {
  return sendTx(ctx, "suspendProvider", () => ctx.contracts.directory.suspendProvider(params.account));
}

/**
 * Reinstates a suspended provider (registrar only).
 * @param ctx - The client context.
 * @param params - The provider's account.
 * @returns The Directory transaction.
 * @throws {AccessControlUnauthorizedAccountError} When the client's account is not a registrar.
 */
export async function reinstateProvider(
  ctx: CarechainContext,
  params: ProviderAccountParameters,
): Promise<ReinstateProviderReturnType> {
  return sendTx(ctx, "reinstateProvider", () => ctx.contracts.directory.reinstateProvider(params.account));
}
