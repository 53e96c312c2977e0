/** A single record's anchor event (its CIDs, checked against the record id) and the keyrings published for it. */
import { CID } from "multiformats/cid";

import { fromHex } from "../../crypto/bytes.js";
import { CarechainError } from "../../errors/base.js";
import { IntegrityError } from "../../errors/data.js";
import type { CarechainContext } from "../context.js";
import type { VerifiedAnchorEvent } from "../index-reads.js";
import { recordIdOf } from "../record-id.js";

/**
 * The CIDs of a version, from its RecordAnchored event (or the index), checked against the id (patient, author,
 * content).
 * @param ctx - The client context.
 * @param recordId - The record version id (0x hex).
 * @returns Content and keyring CIDs, the anchoring transaction, the category mask and the amended version.
 * @throws {CarechainError} `CHAIN` when no anchor event is found.
 * @throws {IntegrityError} When the event does not give the record id.
 */
export async function anchorEvent(ctx: CarechainContext, recordId: string): Promise<VerifiedAnchorEvent> {
  const indexed = await ctx.indexed?.anchor(recordId);
  if (indexed) return indexed;
  const records = ctx.contracts.records;
  const [event] = await ctx.logs.query(records, records.filters.RecordAnchored(recordId), ctx.fromBlock);
  if (!event) throw new CarechainError("CHAIN", "The record's anchor event was not found.", { details: recordId });
  const contentCid = CID.decode(fromHex("contentCid", event.args.contentCid));
  const keyringCid = CID.decode(fromHex("keyringCid", event.args.keyringCid));
  if (recordIdOf(event.args.patient, event.args.author, contentCid) !== recordId) {
    throw new IntegrityError("The anchor's patient, author and content CID do not give the record id.", {
      details: recordId,
    });
  }
  return {
    contentCid,
    keyringCid,
    anchorTx: event.transactionHash,
    categoryMask: event.args.categories,
    previous: event.args.previous,
  };
}

/** A keyring published for a record version (`KeyringPublished`). */
export interface PublishedKeyring {
  /** Who published it. */
  readonly publisher: string;
  /** The record's patient. */
  readonly patient: string;
  /** Its CID, when already decoded (the index's answer). */
  readonly keyringCid?: CID;
  /** Its CID bytes as 0x hex, as the event carries them. */
  readonly rawCid?: string;
  /** Chain order (higher is newer). */
  readonly order: number;
}

/**
 * The keyrings published for a version, in chain order, from its KeyringPublished events.
 * @param ctx - The client context.
 * @param recordId - The record version id (0x hex).
 * @returns The published keyrings.
 */
export async function publishedKeyringEvents(ctx: CarechainContext, recordId: string): Promise<PublishedKeyring[]> {
  const records = ctx.contracts.records;
  const events = await ctx.logs.query(records, records.filters.KeyringPublished(recordId), ctx.fromBlock);
  return events.map((e, order) => ({
    publisher: e.args.publisher,
    patient: e.args.patient,
    rawCid: e.args.keyringCid,
    order,
  }));
}
