/**
 * Chain facts as the SDK decodes them — a grant, an audit-trail entry and a record anchor — whichever source read them (the node's
 * logs through the client, or an indexer): the result types of `listGrants` and `auditTrail`.
 * @module
 */
import type { CategoryId } from "../fhir/categories.js";
import type { PurposeCode } from "./purpose.js";

/** A grant as the SDK reads it from the chain. */
export interface GrantInfo {
  readonly patient: string;
  readonly grantee: string;
  /** Who granted: the patient or a delegate. */
  readonly actor: string;
  readonly read: CategoryId[];
  readonly write: CategoryId[];
  readonly purposes: PurposeCode[];
  /** Unix seconds. */
  readonly grantedAt: number;
  /** Unix seconds (exclusive). */
  readonly expiresAt: number;
  /** Whether the grant is live now (not revoked, replaced or expired). */
  readonly active: boolean;
  /** The granting transaction. */
  readonly tx: string;
}

/** One entry of a patient's audit trail (a decoded chain event). */
export interface AuditEntry {
  /** The event name, e.g. `RecordAccessed`, `BreakGlassOpened`. */
  readonly kind: string;
  readonly patient: string;
  /** Who acted (author, reader, granting patient or delegate, emergency provider, custodian). */
  readonly actor: string;
  /** The other party, when there is one (grantee, delegate, provider a key was released to). */
  readonly counterpart?: string;
  readonly recordId?: string;
  readonly purpose?: PurposeCode;
  /** Unix seconds of the block. */
  readonly time: number;
  readonly block: number;
  readonly tx: string;
  /** Address of the contract that emitted the event. */
  readonly contract: string;
}

/** A record version as anchored on chain. */
export interface RecordAnchor {
  /** Record version id: `recordIdOf(patient, author, contentCid)` (0x hex). */
  readonly recordId: string;
  /** The patient the record is about. */
  readonly patient: string;
  /** Who anchored it. */
  readonly author: string;
  /** The author of version 1 of this record: with the patient and its delegates, the only one who may amend it. */
  readonly originalAuthor: string;
  /** Every category the record was anchored in (a reader needs read consent for all of them), ascending. */
  readonly categories: readonly CategoryId[];
  /** The anchored category mask, as on chain. */
  readonly categoryMask: bigint;
  /** Version number, 1 for a new record. */
  readonly version: number;
  /** The version this one amends (0x00… for a new record). */
  readonly previous: string;
  /** Anchor block time (unix seconds). */
  readonly anchoredAt: number;
  /** Whether a later version amends this one. */
  readonly amended: boolean;
  /**
   * Whether its patient erased it (`RecordRegistry.markErased`): set by reads from the chain; an index answer may
   * leave it out, and a read checks the chain anyway.
   */
  readonly erased?: boolean;
  /** The id of the batch it was anchored in (`batchIdOf(patient, author, root)`), for batch records. */
  readonly batch?: string;
}
