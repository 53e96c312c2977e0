/**
 * Helpers the indexing functions share: the row id of an event and its audit-trail row.
 * @module
 */
import type { Address, Hex } from "viem";

/** The chain facts of one event log, as Ponder hands them to an indexing function. */
export interface EventFacts {
  /** Ponder's unique id of the event (its checkpoint). */
  readonly id: string;
  readonly log: { readonly logIndex: number; readonly address: Address };
  readonly block: { readonly number: bigint; readonly timestamp: bigint };
  readonly transaction: { readonly hash: Hex };
}

/**
 * Block, log index, time and transaction of an event, as the tables store them.
 * @param event - The event Ponder hands an indexing function.
 * @returns `{ block, logIndex, time, tx }`.
 */
export function position(event: EventFacts) {
  return {
    block: Number(event.block.number),
    logIndex: event.log.logIndex,
    time: Number(event.block.timestamp),
    tx: event.transaction.hash,
  };
}

/**
 * An `audit_event` row: who acted on a patient's records, as the SDK's `auditTrail` reports it.
 * @param event - The event Ponder hands an indexing function.
 * @param kind - The event name (the entry's `kind`).
 * @param patient - The patient the event concerns.
 * @param actor - Who acted (see the SDK's AUDIT_PARTIES).
 * @param extra - The other party, the record (or batch) id, the purpose of a read.
 * @returns The row to insert.
 */
export function auditRow(
  event: EventFacts,
  kind: string,
  patient: Address,
  actor: Address,
  extra: { counterpart?: Address; recordId?: Hex; purpose?: number } = {},
) {
  return {
    id: event.id,
    patient,
    kind,
    actor,
    counterpart: extra.counterpart ?? null,
    recordId: extra.recordId ?? null,
    purpose: extra.purpose ?? null,
    ...position(event),
    contract: event.log.address,
  };
}
