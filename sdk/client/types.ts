import type { CID } from "multiformats/cid";
import type { Resource } from "@medplum/fhirtypes";

import type { CategoryId, CategoryName } from "../fhir/categories.js";
import type { PurposeCode } from "../chain/purpose.js";

/** What a transaction cost and where it landed. */
export interface TxResult {
  /** Transaction hash. */
  readonly hash: string;
  /** Gas used by the transaction. */
  readonly gasUsed: bigint;
  /** Block the transaction was mined in. */
  readonly blockNumber: number;
}

/** Provider kinds of the Directory (index = on-chain enum value). */
export const PROVIDER_KINDS = [
  "none",
  "hospital",
  "clinic",
  "lab",
  "pharmacy",
  "insurer",
  "research",
  "emergency",
] as const;

/** A provider kind, e.g. `"hospital"`. */
export type ProviderKind = Exclude<(typeof PROVIDER_KINDS)[number], "none">;

/** A category by name (`"Laboratory"`) or by on-chain index. */
export type CategoryRef = CategoryName | CategoryId;

/** The terms of a consent grant, as {@link Carechain.grant} takes them. */
export interface GrantTerms {
  /** Categories the grantee may read. */
  readonly read?: readonly CategoryRef[];
  /** Categories the grantee may write (anchor records in). */
  readonly write?: readonly CategoryRef[];
  /** Purposes of use the grant allows; default `["TREAT"]`. */
  readonly purposes?: readonly PurposeCode[];
  /** When the grant ends: a `Date`, or unix seconds. */
  readonly expiresAt: Date | bigint | number;
}

/** A record version as anchored on chain. */
export interface RecordAnchor {
  /** Record version id: the SHA-256 digest inside the content CID (0x hex). */
  readonly recordId: string;
  /** The patient the record is about. */
  readonly patient: string;
  /** Who anchored it. */
  readonly author: string;
  /** Record category index. */
  readonly category: CategoryId;
  /** Version number, 1 for a new record. */
  readonly version: number;
  /** The version this one amends (0x00… for a new record). */
  readonly previous: string;
  /** Anchor block time (unix seconds). */
  readonly anchoredAt: number;
  /** Whether a later version amends this one. */
  readonly amended: boolean;
}

/** The result of {@link Carechain.addRecord}. */
export interface AddedRecord extends TxResult {
  /** The new version's id. */
  readonly recordId: string;
  /** CID of the encrypted record. */
  readonly contentCid: CID;
  /** CID of its keyring. */
  readonly keyringCid: CID;
  /** Its category. */
  readonly category: CategoryId;
  /** How many readers the key was wrapped for. */
  readonly recipients: number;
}

/** The result of {@link Carechain.readRecord}: the verified, decrypted resource and its provenance. */
export interface ReadRecord<T extends Resource = Resource> {
  /** The FHIR resource, validated after decryption. */
  readonly resource: T;
  /** The anchor it was verified against. */
  readonly anchor: RecordAnchor;
  /** CID of the ciphertext that was fetched and verified. */
  readonly contentCid: CID;
  /** The anchoring transaction. */
  readonly anchorTx: string;
  /** The `logAccess` transaction, when access logging is on. */
  readonly accessLog?: TxResult;
}
