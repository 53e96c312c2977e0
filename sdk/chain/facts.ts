/**
 * Chain facts as the SDK decodes them — a grant and an audit-trail entry — whichever source read them (the node's
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
