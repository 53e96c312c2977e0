/** The client's public result and parameter types: transactions, records, grants, delegates, break-glass. */
import type { CID } from "multiformats/cid";
import type { Resource } from "@medplum/fhirtypes";

import type { CategoryId, CategoryName } from "../fhir/categories.js";
import type { PurposeCode } from "../chain/purpose.js";
import type { CarechainError } from "../errors/base.js";
import type { SkippedRecipient } from "../crypto/keyring.js";
import type { DelegateKind } from "../contracts/enums.js";
import type { RecordAnchor } from "../chain/facts.js";

// The contract enums the client's parameters use, and the chain facts its reads return, from their one source.
export { DELEGATE_KINDS, PROVIDER_KINDS, type DelegateKind, type ProviderKind } from "../contracts/enums.js";
export type { AuditEntry, GrantInfo, RecordAnchor } from "../chain/facts.js";

/**
 * An object that could not be used — a missing or malformed manifest, a keyring that does not open or holds a
 * wrong key, a batch entry in an undeclared category, a reader key that can't be wrapped for — left out and
 * reported instead of failing the whole operation. At least one of the identifying fields is set.
 */
export interface SkippedObject {
  /** The record version concerned. */
  readonly recordId?: string;
  /** The batch concerned (its id, `batchIdOf(patient, author, root)`, as in {@link RecordAnchor.batch}). */
  readonly batch?: string;
  /** The keyring concerned (CID string). */
  readonly keyringCid?: string;
  /** The recipient public key concerned (0x hex). */
  readonly recipientKey?: string;
  /** Why it was left out. */
  readonly error: CarechainError;
}

/**
 * The records of {@link Carechain.listRecords} and {@link Carechain.history}: an ordinary array of anchors, with a
 * non-enumerable `skipped` field listing what could not be listed (a batch whose manifest is missing or
 * malformed, a batch entry in a category the batch did not declare), so one bad object never hides the rest.
 */
export type RecordList = RecordAnchor[] & { readonly skipped: readonly SkippedObject[] };

/** What a transaction cost and where it landed. */
export interface TxResult {
  /** Transaction hash. */
  readonly hash: string;
  /** Gas used by the transaction. */
  readonly gasUsed: bigint;
  /** Block the transaction was mined in. */
  readonly blockNumber: number;
}

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

/** The result of {@link Carechain.addRecords}: one batch anchor for many records. */
export interface BatchResult extends TxResult {
  /** The batch id (`batchIdOf(patient, author, root)`): pass it as `readRecord(id, { batch })`. */
  readonly batchId: string;
  /** The Merkle root anchored on chain. */
  readonly root: string;
  /** CID of the batch manifest. */
  readonly manifestCid: import("multiformats/cid").CID;
  /** The records, in input order. */
  readonly records: readonly { readonly recordId: string; readonly categories: readonly CategoryId[] }[];
  /** Readers whose key could not be wrapped for (e.g. a small-order key): every other reader got the keys. */
  readonly skippedRecipients: readonly SkippedRecipient[];
}

/** The result of {@link Carechain.addRecord}. */
export interface AddedRecord extends TxResult {
  /** The new version's id. */
  readonly recordId: string;
  /** CID of the encrypted record. */
  readonly contentCid: CID;
  /** CID of its keyring. */
  readonly keyringCid: CID;
  /** Every category of its content (all anchored). */
  readonly categories: readonly CategoryId[];
  /** How many readers the key was wrapped for. */
  readonly recipients: number;
  /** How many of them got a post-quantum (X-Wing) entry: the keyring is version 2 when this is not 0. */
  readonly pqRecipients: number;
  /** Readers whose key could not be wrapped for (e.g. a small-order key): every other reader got the key. */
  readonly skippedRecipients: readonly SkippedRecipient[];
  /** The key's placement with the custodian set, for a write with `custody`. */
  readonly custody?: CustodyPlacement;
}

/** A record key placed with a threshold custodian set: the publishing transaction and the custody document. */
export interface CustodyPlacement extends TxResult {
  /** CID of the custody document, published on chain as a keyring of the record. */
  readonly custodyCid: CID;
}

/**
 * How a new record's key is held besides its keyring, with the client's custodian set: `emergency` (the keyring
 * holds the usual readers, and the key is split among the nodes for break-glass readers, in place of the single
 * emergency custodian), `must-log` (the keyring holds only the patient and the author; every other reader, grantee
 * or break-glass, reads through the nodes, each read logged on chain first).
 */
export type RecordCustody = "emergency" | "must-log";

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
  /** The `logAccess` transaction, when access logging is on (or the key came from custodian nodes, which need it). */
  readonly accessLog?: TxResult;
  /** Where the key came from: a keyring, or the threshold custodian set (after an on-chain access log). */
  readonly keySource: "keyring" | "custody";
  /** Keyrings passed over on the way to the key (missing, malformed, or holding a key that is not the record's). */
  readonly skipped: readonly SkippedObject[];
}

/** A read to log on chain (see {@link Carechain.logReads}): a record version and the purpose it was read for. */
export interface LoggedRead {
  /** The record version (0x hex, 32 bytes). */
  readonly recordId: string;
  /** The purpose of the read; default TREAT. */
  readonly purpose?: PurposeCode;
}

/** Acting for a patient: the patient itself (default) or a delegate naming the patient it acts for. */
export interface OnBehalf {
  /** The patient acted for; default this client's own account. */
  readonly patient?: string;
}

/** The result of a grant: the grant transaction, and the keyrings shared for records written before it. */
export interface GrantResult extends TxResult {
  /** How many existing records were made readable by the grantee (keyrings published). */
  readonly shared: number;
  /** The `publishKeyrings` transaction, when records were shared. */
  readonly shareTx?: TxResult;
  /** What could not be shared or read while preparing the keyrings, and why (see {@link SkippedObject}). */
  readonly skipped: readonly SkippedObject[];
}

/** Keyrings prepared by the patient for records written before a grant (for `publishKeyrings`). */
export interface PreparedKeyrings {
  readonly recordIds: string[];
  readonly keyringCids: Uint8Array[];
}

/** A grant signed (EIP-712) by the patient or a delegate, ready for anyone to relay. */
export interface SignedGrant {
  readonly request: import("../consent/signing.js").GrantRequest;
  readonly signature: string;
  /** Keyrings for the patient's existing records in scope; the relayer publishes them after the grant. */
  readonly keyrings: PreparedKeyrings;
  /** Records that could not be prepared, and why (for the signer; the relayer needs none of it). */
  readonly skipped?: readonly SkippedObject[];
}

/** A revocation signed (EIP-712) by the patient or a delegate, ready for anyone to relay. */
export interface SignedRevoke {
  readonly request: import("../consent/signing.js").RevokeRequest;
  readonly signature: string;
}

/** A patient registration signed (EIP-712) by the account it registers, ready for anyone to relay. */
export interface SignedRegistration {
  readonly request: import("../consent/registration.js").RegistrationRequest;
  readonly signature: string;
}

/** A current delegate of a patient, as `ConsentRegistry.delegatesOf` lists it. */
export interface DelegateInfo {
  readonly delegate: string;
  readonly kind: DelegateKind;
  /** Who named it: the patient, or a guardian. */
  readonly namedBy: string;
  /** Named or confirmed by the patient: it stays when the guardian that named it is removed. */
  readonly confirmed: boolean;
}

/** The Directory's bounds on break-glass openings (`Directory.breakGlassLimits`). */
export interface BreakGlassLimits {
  /** Most openings by one provider in any window. */
  readonly maxPerProvider: number;
  /** Most openings on one patient, by all providers, in any window. */
  readonly maxPerPatient: number;
  /** The window, in seconds. */
  readonly windowSeconds: number;
  /** Seconds after an episode ends (closed or expired) before the same provider may reopen on the same patient. */
  readonly cooldownSeconds: number;
}

/** The result of opening break-glass. */
export interface BreakGlassResult extends TxResult {
  /** The hash on chain: keccak256(salt || UTF-8 justification). */
  readonly justificationHash: string;
  /** The random salt; keep it with the justification text so a reviewer can check the hash. */
  readonly salt: string;
  /** When the episode ends (unix seconds). */
  readonly expiresAt: number;
}
