/** Threshold custody actions: split a record's key among the client's k-of-n custodian set. */
import { fromHex, toHex } from "../../crypto/bytes.js";
import { CustodianSetRequiredError } from "../../errors/privacy.js";
import type { CarechainContext } from "../context.js";
import type { CustodianSet } from "../threshold-custody.js";
import type { CustodyPlacement } from "../types.js";
import { anchorEvent } from "./_anchors.js";
import { custodyOf } from "./_keyrings.js";
import { openRecordKey } from "./_record-key.js";
import { recordContext } from "./_records.js";
import { getRecord } from "./records-read.js";

/** Parameters of {@link placeRecordInCustody}. */
export interface PlaceRecordInCustodyParameters {
  /** The record version (anchored as a single record). */
  readonly recordId: string;
  /** The custodian set; default the client's `custodianSet`. */
  readonly set?: CustodianSet;
}
/** The result of {@link placeRecordInCustody}: the publishing transaction and the custody document's CID. */
export type PlaceRecordInCustodyReturnType = CustodyPlacement;

/**
 * Places a record's key in threshold custody: opens the key from a keyring the client holds an entry of (checked
 * against the envelope), splits it into one sealed share per node of the set (any k rebuild it), stores the custody
 * document and publishes its CID as a keyring of the record. Break-glass readers and grantees without a keyring
 * entry then read it through the nodes, each read logged on chain first.
 * @param ctx - The client context (the patient, a delegate of the patient, or the record's author).
 * @param params - The record and, optionally, another custodian set.
 * @returns The transaction and the custody document's CID.
 * @throws {CustodianSetRequiredError} When neither `set` nor the client's `custodianSet` is given.
 * @throws {NotARecipientError | DecryptionError} When the client can't open the record's key.
 * @throws {ContractRevertError} When the chain refuses the publication (the caller may not publish for it).
 */
export async function placeRecordInCustody(
  ctx: CarechainContext,
  params: PlaceRecordInCustodyParameters,
): Promise<PlaceRecordInCustodyReturnType> {
  const set = params.set ?? ctx.custodianSet;
  if (!set) throw new CustodianSetRequiredError("placeInCustody");
  const recordId = toHex(fromHex("recordId", params.recordId, 32));
  const { contentCid, keyringCid } = await anchorEvent(ctx, recordId);
  const anchor = await getRecord(ctx, { recordId });
  const context = recordContext(anchor.patient, anchor.author, anchor.categoryMask);
  const { dek } = await openRecordKey(ctx, { recordId, contentCid, keyringCid, context });
  return custodyOf(ctx, recordId, dek, set);
}
