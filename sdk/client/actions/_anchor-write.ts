/** Anchoring a journaled write exactly once: retries, recognising its own earlier anchor, and conflicts kept. */
import { getAddress } from "ethers";
import { CID } from "multiformats/cid";

import { verifyEnvelopeKey } from "../../crypto/envelope.js";
import { decodeAnyKeyring } from "../../crypto/keyring-v2.js";
import { CarechainError } from "../../errors/base.js";
import {
  ContractRevertError,
  RecordAlreadyAnchoredError,
  RecordNotFoundError,
  RecordWriteConsentRequiredError,
  UnknownRevertError,
} from "../../errors/contract.js";
import { RecordAnchorConflictError } from "../../errors/data.js";
import { categoryMask } from "../../fhir/categories.js";
import type { CarechainContext } from "../context.js";
import type { PendingWrite } from "../journal.js";
import type { RecordAnchor, TxResult } from "../types.js";
import type { RecordWrite } from "../write-attempt.js";
import { anchorEvent } from "./_anchors.js";
import { openWithMyKeys } from "./_record-key.js";
import { isObjectFault, recordContext } from "./_records.js";
import { sendTx } from "./_tx.js";
import { sleep } from "./_values.js";
import { getRecord } from "./records-read.js";

/**
 * The journal's entry for `recordId`, if any.
 * @param ctx - The client context.
 * @param recordId - The record version id.
 * @returns The pending write, or `undefined`.
 */
export async function journaled(ctx: CarechainContext, recordId: string): Promise<PendingWrite | undefined> {
  if (ctx.journal.get) return ctx.journal.get(recordId);
  return (await ctx.journal.list()).find((w) => w.recordId === recordId);
}

/** What {@link anchorPending} did. */
export interface AnchoredWrite {
  /** The anchor's transaction (this attempt's, or the earlier one's when `already`). */
  readonly tx: TxResult;
  /** The anchored keyring's CID. */
  readonly keyringCid: string;
  /** Whether an earlier attempt had anchored it already. */
  readonly already: boolean;
}

/**
 * Anchors a journaled write with bounded retries and backoff on chain failures (not on reverts). An anchor that
 * already landed as this write (a retry after a lost answer) counts as done (`already`), with its transaction and
 * keyring. Leaves the journal entry in place on success: the caller removes it once nothing else can fail.
 * @param ctx - The client context.
 * @param pending - The journaled write.
 * @param write - The write's progress, for its error.
 * @returns The anchor.
 * @throws {RecordAnchorConflictError} When something else is anchored under the id (the write stays journaled).
 * @throws {ContractRevertError} When the contract refuses (kept journaled only for a missing write consent).
 */
export async function anchorPending(
  ctx: CarechainContext,
  pending: PendingWrite,
  write: RecordWrite,
): Promise<AnchoredWrite> {
  const { records } = ctx.contracts;
  const send = () =>
    records.anchor(
      pending.patient,
      categoryMask(pending.categories),
      CID.parse(pending.contentCid).bytes,
      CID.parse(pending.keyringCid).bytes,
      pending.previous,
    );
  let lastError: unknown;
  for (let attempt = 1; attempt <= ctx.retry.attempts; attempt++) {
    try {
      const tx = await write.step("anchor", () => sendTx(ctx, "anchor", send, ctx.retry.minedTimeoutMs));
      write.mayHaveLanded = true; // it has: anything failing from here on is about a write on chain
      return { tx, keyringCid: pending.keyringCid, already: false };
    } catch (error) {
      lastError = error;
      write.sendFailed(error);
      if (error instanceof RecordAlreadyAnchoredError || error instanceof UnknownRevertError) {
        // An earlier attempt landed after all (its answer was lost, or two sends raced): done, nothing duplicated —
        // but only when the anchor is this write; anything else under the id is a conflict, kept in the journal.
        write.mayHaveLanded = true;
        const existing = await write.step("confirm", () => anchoredAs(ctx, pending));
        if (existing?.same) {
          const receipt = await ctx.provider.getTransactionReceipt(existing.anchorTx);
          if (!receipt)
            throw new CarechainError("CHAIN", "The anchor's transaction receipt was not found.", {
              details: existing.anchorTx,
            });
          return {
            tx: { hash: existing.anchorTx, gasUsed: receipt.gasUsed, blockNumber: receipt.blockNumber },
            keyringCid: existing.keyringCid,
            already: true,
          };
        }
        if (existing || error instanceof RecordAlreadyAnchoredError) throw await conflict(ctx, pending, error);
      }
      if (error instanceof ContractRevertError) {
        await write.step("journal", async () => {
          if (error instanceof RecordWriteConsentRequiredError)
            await ctx.journal.put({ ...pending, lastError: error.shortMessage });
          else await ctx.journal.remove(pending.recordId);
        });
        throw error;
      }
      await write.step("journal", () =>
        ctx.journal.put({
          ...pending,
          lastError: error instanceof Error ? error.message.split("\n")[0] : String(error),
        }),
      );
      write.stage = "anchor"; // the failure being retried (and reported, if it is the last) is the anchor's
      if (attempt < ctx.retry.attempts) await sleep(ctx.retry.baseDelayMs * 2 ** (attempt - 1));
    }
  }
  throw lastError;
}

/** What is anchored under a pending write's id. */
export interface ExistingAnchor {
  /** The anchoring transaction. */
  readonly anchorTx: string;
  /** The anchored keyring's CID. */
  readonly keyringCid: string;
  /** Whether the anchor is this very write. */
  readonly same: boolean;
}

/**
 * Whether the anchor on chain under `pending.recordId` is this write (patient, author, categories, content CID,
 * amended version, and a keyring that is the journaled one or opens for this client to a key that decrypts the
 * content: an earlier attempt of the same write sealed its own keyring).
 * @param ctx - The client context.
 * @param pending - The journaled write.
 * @returns The existing anchor, or `undefined` when nothing is anchored under the id.
 */
export async function anchoredAs(ctx: CarechainContext, pending: PendingWrite): Promise<ExistingAnchor | undefined> {
  let anchor: RecordAnchor;
  try {
    anchor = await getRecord(ctx, { recordId: pending.recordId });
  } catch (error) {
    if (error instanceof RecordNotFoundError) return undefined;
    throw error;
  }
  const event = await anchorEvent(ctx, pending.recordId);
  let same =
    anchor.patient === getAddress(pending.patient) &&
    anchor.author === getAddress(pending.author) &&
    anchor.categoryMask === categoryMask(pending.categories) &&
    event.contentCid.toString() === pending.contentCid &&
    anchor.previous === pending.previous;
  if (same && event.keyringCid.toString() !== pending.keyringCid) {
    same = await opensForMe(
      ctx,
      event.contentCid,
      event.keyringCid,
      recordContext(anchor.patient, anchor.author, anchor.categoryMask),
    );
  }
  return { anchorTx: event.anchorTx, keyringCid: event.keyringCid.toString(), same };
}

/** Whether the keyring `keyringCid` gives the context's identity a key that decrypts `contentCid` under `context`. */
async function opensForMe(
  ctx: CarechainContext,
  contentCid: CID,
  keyringCid: CID,
  context: Uint8Array,
): Promise<boolean> {
  try {
    const dek = await openWithMyKeys(ctx, decodeAnyKeyring(await ctx.store.get(keyringCid)), contentCid);
    verifyEnvelopeKey(dek, await ctx.store.get(contentCid), context);
    return true;
  } catch (error) {
    if (isObjectFault(error)) return false;
    throw error;
  }
}

/**
 * Keeps `pending` in the journal with the conflict as its last error, and returns the error to throw.
 * @param ctx - The client context.
 * @param pending - The journaled write.
 * @param cause - What revealed the conflict.
 * @returns The conflict error.
 */
export async function conflict(
  ctx: CarechainContext,
  pending: PendingWrite,
  cause?: unknown,
): Promise<RecordAnchorConflictError> {
  const error = new RecordAnchorConflictError(
    "Another anchor holds this write's record id: the write is not taken as done and stays in the journal.",
    { details: `record=${pending.recordId} patient=${pending.patient} author=${pending.author}`, cause },
  );
  await ctx.journal.put({ ...pending, lastError: error.shortMessage });
  return error;
}
