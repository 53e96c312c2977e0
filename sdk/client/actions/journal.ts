/** Journal actions: finish the writes stored but not anchored (exactly once), and list them. */
import { getAddress } from "ethers";

import type { CarechainError } from "../../errors/base.js";
import type { CarechainContext } from "../context.js";
import type { PendingWrite } from "../journal.js";
import { RecordWrite } from "../write-attempt.js";
import { anchoredAs, anchorPending, conflict } from "./_anchor-write.js";
import { getAccountAddress } from "./directory.js";

/** The result of {@link resumeWrites}. */
export interface ResumeWritesReturnType {
  /** Writes anchored now. */
  anchored: string[];
  /** Writes found on chain already (taken off the journal). */
  alreadyAnchored: string[];
  /** Writes that failed, with their errors. */
  failed: { recordId: string; error: CarechainError }[];
}

/**
 * Finishes every write in the journal whose blobs are stored but whose anchor was not confirmed (a dead RPC node, a
 * dropped transaction, a crash between storing and anchoring). Never duplicates: a version already on chain as this
 * very write is only taken off the journal. Never loses a write to a foreign anchor: one whose id is taken by
 * anything else stays in the journal and is reported with a {@link RecordAnchorConflictError}. Writes refused for
 * lack of consent stay in the journal (consent may come back); other refusals are dropped from it and reported. A
 * write is taken off the journal only once its anchor is confirmed.
 * @param ctx - The client context.
 * @returns What was anchored now, what was already on chain, and what failed with which error.
 * @throws {WriteError} When the journal can't be read.
 */
export async function resumeWrites(ctx: CarechainContext): Promise<ResumeWritesReturnType> {
  const result: ResumeWritesReturnType = { anchored: [], alreadyAnchored: [], failed: [] };
  let me: string;
  let pendingWrites: PendingWrite[];
  const reading = new RecordWrite(undefined, true);
  try {
    me = await getAccountAddress(ctx);
    pendingWrites = await reading.step("journal", () => ctx.journal.list());
  } catch (error) {
    throw reading.error(error);
  }
  for (const pending of pendingWrites) {
    if (getAddress(pending.author) !== me) continue; // another account's write
    const write = new RecordWrite(pending.recordId, true);
    try {
      const existing = await write.step("read", () => anchoredAs(ctx, pending));
      if (existing && !existing.same) throw await conflict(ctx, pending);
      const already = existing !== undefined || (await anchorPending(ctx, pending, write)).already;
      await write.step("journal", () => ctx.journal.remove(pending.recordId));
      (already ? result.alreadyAnchored : result.anchored).push(pending.recordId);
    } catch (error) {
      result.failed.push({ recordId: pending.recordId, error: write.error(error) });
    }
  }
  return result;
}

/** The result of {@link pendingWrites}. */
export type PendingWritesReturnType = PendingWrite[];

/**
 * The writes still waiting in the context's journal.
 * @param ctx - The client context.
 * @returns The journaled writes.
 */
export async function pendingWrites(ctx: CarechainContext): Promise<PendingWritesReturnType> {
  return ctx.journal.list();
}
