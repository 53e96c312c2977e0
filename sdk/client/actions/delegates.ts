/** Delegate actions: name, remove, confirm and list the guardians and proxies who manage a patient's consent. */
import { getAddress } from "ethers";

import { withRevertDecoding } from "../../chain/revert.js";
import type { CarechainContext } from "../context.js";
import { DELEGATE_KINDS, type DelegateInfo, type DelegateKind, type OnBehalf, type TxResult } from "../types.js";
import { sendTx } from "./_tx.js";
import { getAccountAddress } from "./directory.js";

/** Parameters of {@link addDelegate}. */
export interface AddDelegateParameters extends OnBehalf {
  /** The delegate's address. */
  readonly delegate: string;
  /** `guardian` (of a minor; may also name delegates) or `proxy`. */
  readonly kind: DelegateKind;
}
/** The result of {@link addDelegate}. */
export type AddDelegateReturnType = TxResult;

/**
 * Names a delegate who may manage consent for a patient (by the patient, or a guardian for the patient). A delegate
 * a guardian names is unconfirmed until the patient confirms it ({@link confirmDelegate}), and is removed with that
 * guardian. Only the patient changes the kind of an existing delegate.
 * @param ctx - The client context.
 * @param params - Delegate, kind, and `patient` to act as a guardian of this patient.
 * @returns The transaction.
 * @throws {RangeError} When `kind` is not guardian or proxy (nothing is sent).
 * @throws {ConsentUnauthorizedActorError} When the account is neither the patient nor a guardian of it, or is a
 * guardian changing an existing delegate.
 * @throws {ConsentTooManyDelegatesError} When the patient already has 16 delegates.
 */
export async function addDelegate(
  ctx: CarechainContext,
  params: AddDelegateParameters,
): Promise<AddDelegateReturnType> {
  const index = DELEGATE_KINDS.indexOf(params.kind);
  if (index <= 0)
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-conversion -- a JavaScript caller may pass a symbol, which a template literal throws on
    throw new RangeError(`kind: expected guardian or proxy, got ${String(params.kind)}`);
  const patient = params.patient ?? (await getAccountAddress(ctx));
  return sendTx(ctx, "addDelegate", () => ctx.contracts.consent.addDelegate(patient, params.delegate, index));
}

/** Parameters of {@link removeDelegate}. */
export interface RemoveDelegateParameters extends OnBehalf {
  /** The delegate's address. */
  readonly delegate: string;
}
/** The result of {@link removeDelegate}. */
export type RemoveDelegateReturnType = TxResult;

/**
 * Removes a delegate (by the patient, a guardian, or the delegate itself). The unconfirmed delegates it named go
 * with it (recursively), and each removed delegate's current signed-request nonce is used up, so its old signatures
 * stay dead if it is named again.
 * @param ctx - The client context.
 * @param params - Delegate, and `patient` to act as a guardian of this patient (or as the delegate itself).
 * @returns The transaction.
 * @throws {ConsentDelegateNotFoundError | ConsentUnauthorizedActorError}
 */
export async function removeDelegate(
  ctx: CarechainContext,
  params: RemoveDelegateParameters,
): Promise<RemoveDelegateReturnType> {
  const patient = params.patient ?? (await getAccountAddress(ctx));
  return sendTx(ctx, "removeDelegate", () => ctx.contracts.consent.removeDelegate(patient, params.delegate));
}

/** Parameters of {@link confirmDelegate}. */
export interface ConfirmDelegateParameters {
  /** The delegate's address. */
  readonly delegate: string;
}
/** The result of {@link confirmDelegate}. */
export type ConfirmDelegateReturnType = TxResult;

/**
 * Confirms a delegate that a guardian named for the patient (the client's account): it then stays when that
 * guardian is removed. By the patient itself (not by a delegate).
 * @param ctx - The client context.
 * @param params - The delegate.
 * @returns The transaction.
 * @throws {ConsentDelegateNotFoundError} When `delegate` is not a delegate of this account.
 * @throws {ConsentDelegateAlreadyConfirmedError} When the patient named or confirmed it already.
 */
export async function confirmDelegate(
  ctx: CarechainContext,
  params: ConfirmDelegateParameters,
): Promise<ConfirmDelegateReturnType> {
  return sendTx(ctx, "confirmDelegate", () => ctx.contracts.consent.confirmDelegate(params.delegate));
}

/** Parameters of {@link listDelegates}. */
export interface ListDelegatesParameters {
  /** The patient; default the client's own account. */
  readonly patient?: string;
}
/** The result of {@link listDelegates}. */
export type ListDelegatesReturnType = DelegateInfo[];

/**
 * The current delegates of a patient, from the chain: kind, who named each, and whether the patient confirmed it.
 * @param ctx - The client context.
 * @param params - The patient (default the client's own account).
 * @returns One entry per delegate (in no particular order).
 */
export async function listDelegates(
  ctx: CarechainContext,
  params: ListDelegatesParameters = {},
): Promise<ListDelegatesReturnType> {
  const p = params.patient ? getAddress(params.patient) : await getAccountAddress(ctx);
  const list = await withRevertDecoding("delegatesOf", () => ctx.contracts.consent.delegatesOf(p));
  return list.map((d) => ({
    delegate: d.delegate,
    kind: DELEGATE_KINDS[Number(d.kind)] as DelegateKind,
    namedBy: d.namedBy,
    confirmed: d.confirmed,
  }));
}
