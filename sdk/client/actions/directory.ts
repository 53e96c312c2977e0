/** Directory actions: the client's account address, patient registration and provider credentials. */
import { getAddress } from "ethers";

import { signRegistrationRequest, type RegistrationRequest } from "../../consent/registration.js";
import { toHex } from "../../crypto/bytes.js";
import { assertX25519PublicKey } from "../../crypto/public-key.js";
import type { CarechainContext } from "../context.js";
import { PROVIDER_KINDS, type ProviderKind, type SignedRegistration, type TxResult } from "../types.js";
import { signatureDeadline } from "./_blocks.js";
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

/** Parameters of {@link signPatientRegistration}. */
export interface SignPatientRegistrationParameters {
  /** When the signature expires: a `Date` or unix seconds (default one hour after the latest block). */
  readonly deadline?: Date | bigint | number;
}
/** The result of {@link signPatientRegistration}. */
export type SignPatientRegistrationReturnType = SignedRegistration;

/**
 * Signs the client account's patient registration (EIP-712, `Directory.registerPatientBySig`) with its identity
 * public key, for anyone to relay with {@link relayPatientRegistration}: the account needs no ETH. Sends nothing.
 * @param ctx - The client context (the account being registered).
 * @param params - The deadline.
 * @returns The request and its signature.
 * @throws {InvalidPublicKeyError} When the identity's public key is non-canonical or small-order.
 * @throws {RangeError} When the deadline is invalid.
 */
export async function signPatientRegistration(
  ctx: CarechainContext,
  params: SignPatientRegistrationParameters = {},
): Promise<SignPatientRegistrationReturnType> {
  assertX25519PublicKey(ctx.identity.publicKey, "identity.publicKey");
  const request: RegistrationRequest = {
    patient: await getAccountAddress(ctx),
    encryptionKey: toHex(ctx.identity.publicKey),
    deadline: await signatureDeadline(ctx, params.deadline),
    chainId: (await ctx.provider.getNetwork()).chainId,
    directory: await ctx.contracts.directory.getAddress(),
  };
  return { request, signature: await signRegistrationRequest(ctx.signer, request) };
}

/** Parameters of {@link relayPatientRegistration}. */
export interface RelayPatientRegistrationParameters {
  /** The signed registration. */
  readonly signed: SignedRegistration;
}
/** The result of {@link relayPatientRegistration}. */
export type RelayPatientRegistrationReturnType = TxResult;

/**
 * Relays a signed patient registration (the client pays the gas; the signer is registered, not the client).
 * @param ctx - The relaying client's context.
 * @param params - The signed registration.
 * @returns The Directory transaction.
 * @throws {RangeError} When the request names another Directory than the client's (nothing is sent).
 * @throws {DirectoryInvalidSignatureError | DirectorySignatureExpiredError | DirectoryAlreadyRegisteredError}
 */
export async function relayPatientRegistration(
  ctx: CarechainContext,
  params: RelayPatientRegistrationParameters,
): Promise<RelayPatientRegistrationReturnType> {
  const { request, signature } = params.signed;
  const directory = await ctx.contracts.directory.getAddress();
  if (getAddress(request.directory) !== getAddress(directory)) {
    throw new RangeError(`signed.request.directory: expected ${directory}, got ${request.directory}`);
  }
  return sendTx(ctx, "registerPatientBySig", () =>
    ctx.contracts.directory.registerPatientBySig(request.patient, request.encryptionKey, request.deadline, signature),
  );
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
