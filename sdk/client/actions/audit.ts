/** Audit actions: who may access what (`canAccess`), every grant, the audit trail, its live feed, index usage. */
import { getAddress } from "ethers";

import { PurposeOfUse, purposesOf, type PurposeCode } from "../../chain/purpose.js";
import { withRevertDecoding } from "../../chain/revert.js";
import { categoriesOfMask } from "../../fhir/categories.js";
import type { AuditEntry, GrantInfo } from "../types.js";
import type { CarechainContext } from "../context.js";
import type { IndexUsage } from "../index-reads.js";
import type { CategoryRef } from "../types.js";
import { blockAt, blockTimes } from "./_blocks.js";
import { categoryIdOf, sleep } from "./_values.js";

const READ = 0;
const WRITE = 1;

/** Parameters of {@link canAccess}. */
export interface CanAccessParameters {
  /** The patient whose records are asked about. */
  readonly patient: string;
  /** The account asking. */
  readonly grantee: string;
  /** The category, by name or index. */
  readonly category: CategoryRef;
  /** Read or write. */
  readonly action: "read" | "write";
  /** The purpose of use; without one, any purpose the grant allows. */
  readonly purpose?: PurposeCode;
}
/** The result of {@link canAccess}. */
export type CanAccessReturnType = boolean;

/**
 * Asks the chain whether `grantee` may `action` `patient`'s records of `category` (for `purpose`, if given).
 * @param ctx - The client context.
 * @param params - Patient, grantee, category, action and purpose.
 * @returns The chain's answer.
 * @throws {RangeError} When the category is unknown.
 */
export async function canAccess(ctx: CarechainContext, params: CanAccessParameters): Promise<CanAccessReturnType> {
  const { patient, grantee, action, purpose } = params;
  const id = categoryIdOf(params.category);
  const act = action === "read" ? READ : WRITE;
  return withRevertDecoding("canAccess", () =>
    purpose === undefined
      ? ctx.contracts.consent.canAccess(patient, grantee, id, act)
      : ctx.contracts.consent.canAccessForPurpose(patient, grantee, id, act, PurposeOfUse[purpose]),
  );
}

/** Parameters of {@link listGrants}. */
export interface ListGrantsParameters {
  /** The patient. */
  readonly patient: string;
}
/** The result of {@link listGrants}. */
export type ListGrantsReturnType = GrantInfo[];

/**
 * Every grant ever made on a patient's records, oldest first, each marked active when it is the grantee's
 * current, unrevoked, unexpired grant. Export one with `grantToConsent` for FHIR systems.
 * @param ctx - The client context.
 * @param params - The patient.
 * @returns The grants.
 */
export async function listGrants(ctx: CarechainContext, params: ListGrantsParameters): Promise<ListGrantsReturnType> {
  const consent = ctx.contracts.consent;
  const p = getAddress(params.patient);
  const indexed = await ctx.indexed?.grants(p);
  if (indexed) return indexed;
  const granted = await ctx.logs.query(consent, consent.filters.ConsentGranted(p), ctx.fromBlock);
  const revoked = await ctx.logs.query(consent, consent.filters.ConsentRevoked(p), ctx.fromBlock);
  const now = (await blockAt(ctx, "latest")).timestamp;
  const timeOf = await blockTimes(
    ctx,
    [...granted, ...revoked].map((e) => e.blockNumber),
  );
  const order = (e: { blockNumber: number; index: number }) => e.blockNumber * 1e6 + e.index;
  const lastChange = new Map<string, number>();
  for (const e of [...granted, ...revoked]) {
    lastChange.set(e.args.grantee, Math.max(lastChange.get(e.args.grantee) ?? -1, order(e)));
  }
  return granted.map((e) => {
    const t = e.args.terms;
    const expiresAt = Number(t.expiresAt);
    return {
      patient: e.args.patient,
      grantee: e.args.grantee,
      actor: e.args.actor,
      read: categoriesOfMask(t.readMask),
      write: categoriesOfMask(t.writeMask),
      purposes: purposesOf(Number(t.purposes)),
      grantedAt: timeOf(e.blockNumber),
      expiresAt,
      active: lastChange.get(e.args.grantee) === order(e) && expiresAt > now,
      tx: e.transactionHash,
    };
  });
}

/** Parameters of {@link auditTrail}. */
export interface AuditTrailParameters {
  /** The patient. */
  readonly patient: string;
  /** First block (default: the context's `fromBlock`). */
  readonly fromBlock?: number;
  /** Last block (default: the latest). */
  readonly toBlock?: number;
}
/** The result of {@link auditTrail}. */
export type AuditTrailReturnType = AuditEntry[];

/**
 * A patient's audit trail, in chain order: who wrote, read, granted, revoked, delegated, broke the glass and
 * released keys, when, and for which purpose. Export an entry with `auditEntryToFhir`.
 * @param ctx - The client context.
 * @param params - The patient and a block range.
 * @returns The entries.
 */
export async function auditTrail(ctx: CarechainContext, params: AuditTrailParameters): Promise<AuditTrailReturnType> {
  const p = getAddress(params.patient);
  const { consent, records } = ctx.contracts;
  const from = params.fromBlock ?? ctx.fromBlock;
  const to = params.toBlock ?? "latest";
  const indexed = await ctx.indexed?.auditTrail(p, from, params.toBlock);
  if (indexed) return indexed;
  const logs = ctx.logs;
  const events = (
    await Promise.all([
      logs.query(consent, consent.filters.ConsentGranted(p), from, to),
      logs.query(consent, consent.filters.ConsentRevoked(p), from, to),
      logs.query(consent, consent.filters.DelegateAdded(p), from, to),
      logs.query(consent, consent.filters.DelegateRemoved(p), from, to),
      logs.query(consent, consent.filters.EmergencyCategoriesSet(p), from, to),
      logs.query(consent, consent.filters.BreakGlassOpened(p), from, to),
      logs.query(consent, consent.filters.BreakGlassClosed(p), from, to),
      logs.query(records, records.filters.RecordAnchored(undefined, p), from, to),
      logs.query(records, records.filters.BatchAnchored(undefined, p), from, to),
      logs.query(records, records.filters.RecordAccessed(undefined, p), from, to),
      logs.query(records, records.filters.KeyringPublished(undefined, p), from, to),
      logs.query(records, records.filters.EmergencyKeyReleased(undefined, p), from, to),
    ])
  ).flat() as unknown as EventLike[];
  events.sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
  const timeOf = await blockTimes(
    ctx,
    events.map((l) => l.blockNumber),
  );
  return events.map((log) => {
    const a = log.args;
    const [actor, counterpart] = AUDIT_PARTIES[log.eventName]?.(a) ?? [p, undefined];
    const purpose = log.eventName === "RecordAccessed" ? purposesOf(1 << Number(a.purpose))[0] : undefined;
    const recordId = (a.recordId ?? a.batchId) as string | undefined;
    return {
      kind: log.eventName,
      patient: p,
      actor,
      ...(counterpart ? { counterpart } : {}),
      ...(recordId ? { recordId } : {}),
      ...(purpose ? { purpose } : {}),
      time: timeOf(log.blockNumber),
      block: log.blockNumber,
      tx: log.transactionHash,
      contract: log.address,
    };
  });
}

/** Parameters of {@link watchAuditTrail}. */
export interface WatchAuditTrailParameters {
  /** The patient. */
  readonly patient: string;
  /** First block to report (default: the next block). */
  readonly fromBlock?: number;
  /** Polling interval in ms (default 1000). */
  readonly intervalMs?: number;
  /** Ends the feed. */
  readonly signal?: AbortSignal;
}
/** The result of {@link watchAuditTrail}. */
export type WatchAuditTrailReturnType = AsyncGenerator<AuditEntry>;

/**
 * A live feed of a patient's events — anchors, amendments, batches, accesses, grants, revokes, delegations,
 * break-glass and key releases — as they are mined. Resumes from `fromBlock` (default: the next block), polls
 * every `intervalMs` (default 1000), and ends when `signal` aborts.
 * @param ctx - The client context.
 * @param params - The patient, first block, interval and abort signal.
 * @returns The feed.
 */
export async function* watchAuditTrail(
  ctx: CarechainContext,
  params: WatchAuditTrailParameters,
): WatchAuditTrailReturnType {
  const provider = ctx.provider;
  let next = params.fromBlock ?? (await provider.getBlockNumber()) + 1;
  while (!params.signal?.aborted) {
    const latest = await provider.getBlockNumber();
    if (latest >= next) {
      for (const entry of await auditTrail(ctx, { patient: params.patient, fromBlock: next, toBlock: latest }))
        yield entry;
      next = latest + 1;
    }
    await sleep(params.intervalMs ?? 1000, params.signal);
  }
}

/** The result of {@link getIndexUsage}. */
export type GetIndexUsageReturnType = IndexUsage | undefined;

/**
 * How the client's reads were answered: by the index (after the checks on chain) or by the chain when the index
 * was unavailable, behind or incomplete; undefined when the context has no index.
 * @param ctx - The client context.
 * @returns Counts per read, readers the chain refused, and the reason of the last fallback.
 */
export function getIndexUsage(ctx: CarechainContext): GetIndexUsageReturnType {
  return ctx.indexed?.usage();
}

/** A decoded event as the audit trail reads it. */
interface EventLike {
  eventName: string;
  args: Record<string, unknown>;
  blockNumber: number;
  index: number;
  transactionHash: string;
  address: string;
}

/** Who acted, and the other party, for each event kind. */
const AUDIT_PARTIES: Record<string, (a: Record<string, unknown>) => [string, string | undefined]> = {
  ConsentGranted: (a) => [a.actor as string, a.grantee as string],
  ConsentRevoked: (a) => [a.actor as string, a.grantee as string],
  DelegateAdded: (a) => [a.actor as string, a.delegate as string],
  DelegateRemoved: (a) => [a.actor as string, a.delegate as string],
  EmergencyCategoriesSet: (a) => [a.actor as string, undefined],
  BreakGlassOpened: (a) => [a.provider as string, undefined],
  BreakGlassClosed: (a) => [a.actor as string, a.provider as string],
  RecordAnchored: (a) => [a.author as string, undefined],
  BatchAnchored: (a) => [a.author as string, undefined],
  RecordAccessed: (a) => [a.accessor as string, undefined],
  KeyringPublished: (a) => [a.publisher as string, undefined],
  EmergencyKeyReleased: (a) => [a.custodian as string, a.provider as string],
};
