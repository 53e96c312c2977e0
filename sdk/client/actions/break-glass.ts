/** Break-glass actions: emergency categories, custodian and bounds, opening, closing, the custodian's key release. */
import { keccak256, randomBytes } from "ethers";
import type { CID } from "multiformats/cid";

import { withRevertDecoding } from "../../chain/revert.js";
import { concatBytes, fromHex, toHex, utf8 } from "../../crypto/bytes.js";
import { createKeyring, encodeKeyring } from "../../crypto/keyring.js";
import { categoryMask } from "../../fhir/categories.js";
import { digestHex } from "../batch.js";
import type { CarechainContext } from "../context.js";
import type { KeyReleaseBatch } from "../custodian.js";
import type { BreakGlassLimits, BreakGlassResult, CategoryRef, OnBehalf, TxResult } from "../types.js";
import { anchorEvent } from "./_anchors.js";
import { locateInBatch } from "./_batches.js";
import { openRecordKey } from "./_record-key.js";
import { recordContext } from "./_records.js";
import { sendTx } from "./_tx.js";
import { categoryIdOf } from "./_values.js";
import { getAccountAddress } from "./directory.js";
import { getRecord } from "./records-read.js";

/** Parameters of {@link setEmergencyCategories}. */
export interface SetEmergencyCategoriesParameters extends OnBehalf {
  /** The categories break-glass may read. */
  readonly categories: readonly CategoryRef[];
}
/** The result of {@link setEmergencyCategories}. */
export type SetEmergencyCategoriesReturnType = TxResult;

/**
 * Sets the categories break-glass may read (default: the International Patient Summary set).
 * @param ctx - The client context.
 * @param params - The categories, and `patient` to act as a delegate.
 * @returns The transaction.
 * @throws {RangeError} When a category is unknown (nothing is sent).
 */
export async function setEmergencyCategories(
  ctx: CarechainContext,
  params: SetEmergencyCategoriesParameters,
): Promise<SetEmergencyCategoriesReturnType> {
  const mask = categoryMask(params.categories.map(categoryIdOf));
  const patient = params.patient ?? (await getAccountAddress(ctx));
  return sendTx(ctx, "setEmergencyCategories", () => ctx.contracts.consent.setEmergencyCategories(patient, mask));
}

/** Parameters of {@link setEmergencyCustodian}. */
export interface SetEmergencyCustodianParameters {
  /** The custodian's address. */
  readonly custodian: string;
}
/** The result of {@link setEmergencyCustodian}. */
export type SetEmergencyCustodianReturnType = TxResult;

/**
 * Names the emergency key custodian in the Directory (admin only).
 * @param ctx - The client context.
 * @param params - The custodian.
 * @returns The transaction.
 * @throws {AccessControlUnauthorizedAccountError} When the account is not the admin.
 */
export async function setEmergencyCustodian(
  ctx: CarechainContext,
  params: SetEmergencyCustodianParameters,
): Promise<SetEmergencyCustodianReturnType> {
  return sendTx(ctx, "setEmergencyCustodian", () => ctx.contracts.directory.setEmergencyCustodian(params.custodian));
}

/** The result of {@link setBreakGlassLimits}. */
export type SetBreakGlassLimitsReturnType = TxResult;

/**
 * Sets the Directory's break-glass bounds (admin only): at most `maxPerProvider` openings by one provider and
 * `maxPerPatient` on one patient in any `windowSeconds`, and `cooldownSeconds` after an episode ends before the same
 * provider may open again on the same patient.
 * @param ctx - The client context.
 * @param limits - Openings 1 to 255; window one minute to 30 days; cooldown one minute to seven days.
 * @returns The transaction.
 * @throws {DirectoryInvalidBreakGlassLimitsError} When a value is out of bounds.
 * @throws {AccessControlUnauthorizedAccountError} When the account is not the admin.
 */
export async function setBreakGlassLimits(
  ctx: CarechainContext,
  limits: BreakGlassLimits,
): Promise<SetBreakGlassLimitsReturnType> {
  return sendTx(ctx, "setBreakGlassLimits", () =>
    ctx.contracts.directory.setBreakGlassLimits({
      maxPerProvider: limits.maxPerProvider,
      maxPerPatient: limits.maxPerPatient,
      window: BigInt(limits.windowSeconds),
      cooldown: BigInt(limits.cooldownSeconds),
    }),
  );
}

/** The result of {@link getBreakGlassLimits}. */
export type GetBreakGlassLimitsReturnType = BreakGlassLimits;

/**
 * The Directory's current break-glass bounds (defaults: 20 openings per provider and 5 per patient in any 24 hours,
 * 15 minutes' cooldown).
 * @param ctx - The client context.
 * @returns The limits, in openings and seconds.
 */
export async function getBreakGlassLimits(ctx: CarechainContext): Promise<GetBreakGlassLimitsReturnType> {
  const l = await withRevertDecoding("breakGlassLimits", () => ctx.contracts.directory.breakGlassLimits());
  return {
    maxPerProvider: Number(l.maxPerProvider),
    maxPerPatient: Number(l.maxPerPatient),
    windowSeconds: Number(l.window),
    cooldownSeconds: Number(l.cooldown),
  };
}

/** Parameters of {@link openBreakGlass}. */
export interface OpenBreakGlassParameters {
  /** The patient's address. */
  readonly patient: string;
  /** The written reason (non-empty); only its salted hash goes on chain. */
  readonly justification: string;
  /** How long the episode lasts: a positive integer of seconds. */
  readonly durationSeconds: number;
}
/** The result of {@link openBreakGlass}. */
export type OpenBreakGlassReturnType = BreakGlassResult;

/**
 * Opens break-glass: read-only access to a patient's emergency categories, without consent, for at most the
 * Directory's maximum (24 h by default). Loud: the event is on the patient's feed and in the audit trail. Only a hash
 * of the justification goes on chain (salted, so short texts can't be guessed); keep the text and salt for the
 * review. Bounded by the Directory's cooldown and rate limits (`Directory.breakGlassLimits`).
 * @param ctx - The client context.
 * @param params - The patient, the justification and the duration.
 * @returns The transaction, the hash and salt of the justification, and when the episode ends.
 * @throws {RangeError} When the justification is empty or the duration is not a positive integer.
 * @throws {ConsentNotEmergencyProviderError | ConsentBreakGlassAlreadyOpenError}
 * @throws {ConsentBreakGlassInvalidDurationError | ConsentBreakGlassCooldownError}
 * @throws {ConsentBreakGlassProviderRateLimitedError | ConsentBreakGlassPatientRateLimitedError}
 */
export async function openBreakGlass(
  ctx: CarechainContext,
  params: OpenBreakGlassParameters,
): Promise<OpenBreakGlassReturnType> {
  const { patient, justification, durationSeconds } = params;
  if (typeof justification !== "string" || justification.trim().length === 0) {
    throw new RangeError("justification: must not be empty");
  }
  if (!Number.isSafeInteger(durationSeconds) || durationSeconds <= 0) {
    throw new RangeError(`durationSeconds: expected a positive integer, got ${durationSeconds}`);
  }
  const salt = toHex(randomBytes(16));
  const justificationHash = keccak256(concatBytes(fromHex("salt", salt), utf8(justification)));
  const tx = await sendTx(ctx, "openBreakGlass", () =>
    ctx.contracts.consent.openBreakGlass(patient, justificationHash, BigInt(durationSeconds)),
  );
  const expiresAt = Number(await ctx.contracts.consent.breakGlassExpiry(patient, await getAccountAddress(ctx)));
  return { ...tx, justificationHash, salt, expiresAt };
}

/** Parameters of {@link closeBreakGlass}. */
export interface CloseBreakGlassParameters extends OnBehalf {
  /** The provider whose episode ends. */
  readonly provider: string;
}
/** The result of {@link closeBreakGlass}. */
export type CloseBreakGlassReturnType = TxResult;

/**
 * Closes a provider's break-glass early (the patient, a delegate, or the provider).
 * @param ctx - The client context.
 * @param params - The provider, and `patient` when the caller is not the patient.
 * @returns The transaction.
 * @throws {ConsentUnauthorizedActorError | ConsentBreakGlassNotOpenError}
 */
export async function closeBreakGlass(
  ctx: CarechainContext,
  params: CloseBreakGlassParameters,
): Promise<CloseBreakGlassReturnType> {
  const patient = params.patient ?? (await getAccountAddress(ctx));
  return sendTx(ctx, "closeBreakGlass", () => ctx.contracts.consent.closeBreakGlass(patient, params.provider));
}

/** Parameters of {@link releaseEmergencyKey}. */
export interface ReleaseEmergencyKeyParameters {
  /** The record version (0x hex). */
  readonly recordId: string;
  /** The emergency provider asking. */
  readonly provider: string;
  /** For a batch-anchored record: its batch id and Merkle proof. */
  readonly batch?: KeyReleaseBatch;
}
/** The result of {@link releaseEmergencyKey}. */
export interface ReleaseEmergencyKeyReturnType {
  /** The keyring bytes (one recipient: the provider). */
  keyring: Uint8Array;
  /** The logging transaction. */
  tx: TxResult;
}

/**
 * The custodian's side of an emergency key release: checks on chain that the provider's break-glass covers the
 * record and logs the release there (the transaction reverts otherwise), then wraps the record key for the
 * provider's Directory key. Used by the custodian service; the client must be the Directory's custodian.
 * @param ctx - The client context.
 * @param params - The record, the provider, and for a batch record its batch id and proof.
 * @returns The keyring bytes and the logging transaction.
 * @throws {RecordBreakGlassRequiredError | RecordNotEmergencyCustodianError | RecordNotInBatchError}
 * @throws {IntegrityError} When the record is not in the batch's manifest.
 */
export async function releaseEmergencyKey(
  ctx: CarechainContext,
  params: ReleaseEmergencyKeyParameters,
): Promise<ReleaseEmergencyKeyReturnType> {
  const { provider } = params;
  const id = toHex(fromHex("recordId", params.recordId, 32));
  const records = ctx.contracts.records;
  let located: { contentCid: CID; keyringCid: CID; anchor: { patient: string; author: string; categoryMask: bigint } };
  let tx: TxResult;
  if (params.batch) {
    const batchId = toHex(fromHex("batch.batchId", params.batch.batchId, 32));
    const proof = params.batch.proof.map((node, i) => toHex(fromHex(`batch.proof[${i}]`, node, 32)));
    const inBatch = await locateInBatch(ctx, batchId, id);
    located = inBatch;
    tx = await sendTx(ctx, "logBatchKeyRelease", () =>
      records.logBatchKeyRelease(
        batchId,
        id,
        inBatch.anchor.categoryMask,
        digestHex(inBatch.keyringCid),
        proof,
        provider,
      ),
    );
  } else {
    tx = await sendTx(ctx, "logKeyRelease", () => records.logKeyRelease(id, provider));
    located = { ...(await anchorEvent(ctx, id)), anchor: await getRecord(ctx, { recordId: id }) };
  }
  const { contentCid, keyringCid, anchor } = located;
  const context = recordContext(anchor.patient, anchor.author, anchor.categoryMask);
  const { dek } = await openRecordKey(ctx, { recordId: id, contentCid, keyringCid, context });
  const key = fromHex("encryptionKey", await ctx.contracts.directory.encryptionKeyOf(provider), 32);
  return { keyring: encodeKeyring(await createKeyring(contentCid, dek, [key])), tx };
}
