/** Access-log actions: log many reads on chain in one transaction, for single records or records of one batch. */
import { fromHex, toHex } from "../../crypto/bytes.js";
import type { CarechainContext } from "../context.js";
import type { LoggedRead, TxResult } from "../types.js";
import { locateInBatch } from "./_batches.js";
import { checkedReads } from "./_records.js";
import { sendTx } from "./_tx.js";
import { getAccountAddress } from "./directory.js";
import { getRecord } from "./records-read.js";

/** Parameters of {@link logReads}. */
export interface LogReadsParameters {
  /** The reads: `recordId` (0x hex, 32 bytes) and `purpose` (default TREAT). */
  readonly reads: readonly LoggedRead[];
}
/** The result of {@link logReads}: the transaction, or `undefined` when nothing was logged. */
export type LogReadsReturnType = TxResult | undefined;

/**
 * Logs many reads on chain in one transaction (`logAccessBatch`): records of one or several patients, one
 * `RecordAccessed` event per read in the given order, each checked on chain exactly as `logAccess` checks a single
 * read. A patient's reads of its own records are left out; when nothing is left no transaction is sent. For records
 * anchored on their own; a record read from a batch is logged with {@link logBatchReads}.
 * @param ctx - The client context.
 * @param params - The reads.
 * @returns The transaction, or `undefined` when every read was the patient's own.
 * @throws {RangeError} When `reads` is empty or a purpose is not a known PurposeOfUse code.
 * @throws {TypeError | RangeError} When a record id is not hex, or not 32 bytes.
 * @throws {RecordNotFoundError} When a record id is not anchored on its own (nothing is logged).
 * @throws {RecordReadConsentRequiredError} When any read lacks read consent (nothing is logged).
 */
export async function logReads(ctx: CarechainContext, params: LogReadsParameters): Promise<LogReadsReturnType> {
  const checked = checkedReads(params.reads);
  const me = await getAccountAddress(ctx);
  const anchored = await Promise.all(
    checked.map(async (read) => ({ read, anchor: await getRecord(ctx, { recordId: read.recordId }) })),
  );
  const logged = anchored.filter(({ anchor }) => anchor.patient !== me).map(({ read }) => read);
  if (logged.length === 0) return undefined;
  return sendTx(ctx, "logAccessBatch", () => ctx.contracts.records.logAccessBatch(logged));
}

/** Parameters of {@link logBatchReads}. */
export interface LogBatchReadsParameters extends LogReadsParameters {
  /** The batch id (0x hex, 32 bytes). */
  readonly batch: string;
}
/** The result of {@link logBatchReads}: the transaction, or `undefined` when nothing was logged. */
export type LogBatchReadsReturnType = TxResult | undefined;

/**
 * {@link logReads} for records of one batch: one `logBatchAccesses` transaction, one `RecordAccessed` event per
 * read, each checked on chain as `logBatchAccess` checks a single read (the record's categories, from the batch's
 * verified manifest, declared by the batch; read consent for every one of them and the purpose). The patient's reads
 * of its own batch are not logged.
 * @param ctx - The client context.
 * @param params - The batch and the reads.
 * @returns The transaction, or `undefined` when the client is the batch's patient.
 * @throws {RangeError} When `reads` is empty or a purpose is not a known PurposeOfUse code.
 * @throws {TypeError | RangeError} When the batch or a record id is not hex, or not 32 bytes.
 * @throws {RecordBatchNotFoundError} When no such batch is anchored.
 * @throws {IntegrityError} When a record is not in the batch's manifest (nothing is logged).
 * @throws {BatchCategoryNotDeclaredError} When the manifest lists a record in an undeclared category.
 * @throws {RecordReadConsentRequiredError} When any read lacks read consent (nothing is logged).
 */
export async function logBatchReads(
  ctx: CarechainContext,
  params: LogBatchReadsParameters,
): Promise<LogBatchReadsReturnType> {
  const batchId = toHex(fromHex("batch", params.batch, 32));
  const checked = checkedReads(params.reads);
  const located = await Promise.all(
    checked.map(async (read) => ({ read, anchor: (await locateInBatch(ctx, batchId, read.recordId)).anchor })),
  );
  // `checkedReads` refused an empty list, so there is a first read; every read is of the batch's one patient.
  const [first] = located;
  if (first?.anchor.patient === (await getAccountAddress(ctx))) return undefined;
  const logged = located.map(({ read, anchor }) => ({ ...read, categories: anchor.categoryMask }));
  return sendTx(ctx, "logBatchAccesses", () => ctx.contracts.records.logBatchAccesses(batchId, logged));
}
