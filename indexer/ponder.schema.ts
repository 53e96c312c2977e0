/**
 * The indexer's tables: the Carechain contracts' state and history as SQL. Every row comes from a contract event;
 * Ponder rolls rows back when a reorg removes the block they came from. Addresses, ids and keys are lower-case 0x
 * hex (Ponder's `hex` columns), CIDs the raw bytes as 0x hex (as on chain), times block timestamps in seconds.
 */
import { index, onchainTable, primaryKey } from "ponder";

/** Registered patients, with their current key. */
export const patient = onchainTable("patient", (t) => ({
  address: t.hex().primaryKey(),
  encryptionKey: t.hex().notNull(),
  registeredAt: t.integer().notNull(),
  registeredBlock: t.integer().notNull(),
  keyRotatedAt: t.integer(),
}));

/** Categories break-glass may read, once a patient (or delegate) set them; the IPS set applies until then. */
export const emergencyPolicy = onchainTable("emergency_policy", (t) => ({
  patient: t.hex().primaryKey(),
  categories: t.bigint().notNull(),
  actor: t.hex().notNull(),
  block: t.integer().notNull(),
}));

/** Credentialed providers: kind, current key, suspension. */
export const provider = onchainTable("provider", (t) => ({
  address: t.hex().primaryKey(),
  /** The Directory's ProviderKind index (1 hospital … 7 emergency). */
  kind: t.integer().notNull(),
  encryptionKey: t.hex().notNull(),
  suspended: t.boolean().notNull(),
  registrar: t.hex().notNull(),
  registeredAt: t.integer().notNull(),
  registeredBlock: t.integer().notNull(),
}));

/** Every encryption key an account has had (registration and rotations), patients and providers alike. */
export const encryptionKey = onchainTable(
  "encryption_key",
  (t) => ({
    id: t.text().primaryKey(),
    account: t.hex().notNull(),
    role: t.text().notNull(),
    key: t.hex().notNull(),
    previousKey: t.hex(),
    block: t.integer().notNull(),
    logIndex: t.integer().notNull(),
    time: t.integer().notNull(),
    tx: t.hex().notNull(),
  }),
  (table) => ({ accountIdx: index().on(table.account) }),
);

/** Directory-wide settings (emergency custodian, longest break-glass), by name. */
export const directorySetting = onchainTable("directory_setting", (t) => ({
  name: t.text().primaryKey(),
  value: t.text().notNull(),
  block: t.integer().notNull(),
}));

/** Current consent terms of each (patient, grantee): the contract's `consentOf`, all zero after a revoke. */
export const consentGrant = onchainTable(
  "consent_grant",
  (t) => ({
    patient: t.hex().notNull(),
    grantee: t.hex().notNull(),
    readMask: t.bigint().notNull(),
    writeMask: t.bigint().notNull(),
    purposes: t.integer().notNull(),
    expiresAt: t.bigint().notNull(),
    actor: t.hex().notNull(),
    revoked: t.boolean().notNull(),
    /** Block and log index of the last grant or revoke. */
    block: t.integer().notNull(),
    logIndex: t.integer().notNull(),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.patient, table.grantee] }) }),
);

/** Every grant and revoke, in chain order (the grant history). */
export const consentEvent = onchainTable(
  "consent_event",
  (t) => ({
    id: t.text().primaryKey(),
    patient: t.hex().notNull(),
    grantee: t.hex().notNull(),
    actor: t.hex().notNull(),
    /** `granted` or `revoked`. */
    kind: t.text().notNull(),
    readMask: t.bigint(),
    writeMask: t.bigint(),
    purposes: t.integer(),
    expiresAt: t.bigint(),
    block: t.integer().notNull(),
    logIndex: t.integer().notNull(),
    time: t.integer().notNull(),
    tx: t.hex().notNull(),
  }),
  (table) => ({ patientIdx: index().on(table.patient, table.block, table.logIndex) }),
);

/** Delegates (guardian, proxy) of each patient; `active` false once removed, `confirmed` once the patient agreed. */
export const delegate = onchainTable(
  "delegate",
  (t) => ({
    patient: t.hex().notNull(),
    delegate: t.hex().notNull(),
    /** The ConsentRegistry's DelegateKind index (1 guardian, 2 proxy). */
    kind: t.integer().notNull(),
    /** Who named it (the patient or a guardian). */
    actor: t.hex().notNull(),
    /** Named by the patient, or confirmed by it (DelegateConfirmed); unconfirmed ones go with their guardian. */
    confirmed: t.boolean().notNull(),
    active: t.boolean().notNull(),
    addedAt: t.integer().notNull(),
    removedAt: t.integer(),
    removedBy: t.hex(),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.patient, table.delegate] }) }),
);

/** Signed-request nonces used up without a request: `cancelNonce`, or a removed delegate's pending one. */
export const cancelledNonce = onchainTable(
  "cancelled_nonce",
  (t) => ({
    id: t.text().primaryKey(),
    signer: t.hex().notNull(),
    nonce: t.bigint().notNull(),
    block: t.integer().notNull(),
    tx: t.hex().notNull(),
  }),
  (table) => ({ signerIdx: index().on(table.signer) }),
);

/** Anchored record versions (single anchors; batch members are in their batch's manifest, off chain). */
export const record = onchainTable(
  "record",
  (t) => ({
    recordId: t.hex().primaryKey(),
    patient: t.hex().notNull(),
    author: t.hex().notNull(),
    /** The author of version 1: with the patient and its delegates, the only one who may amend the record. */
    originalAuthor: t.hex().notNull(),
    /** Mask of every category the record was anchored in. */
    categories: t.bigint().notNull(),
    version: t.integer().notNull(),
    /** The version this one amends (zero hash for a new record). */
    previous: t.hex().notNull(),
    /** The first version of the record this version belongs to. */
    firstVersion: t.hex().notNull(),
    /** The version that amends this one, once there is one. */
    amendedBy: t.hex(),
    /** Whether its patient (or a delegate) marked it erased (`ErasureMarked`): its blobs are gone, reads refused. */
    erased: t.boolean().notNull(),
    contentCid: t.hex().notNull(),
    keyringCid: t.hex().notNull(),
    anchoredAt: t.integer().notNull(),
    block: t.integer().notNull(),
    logIndex: t.integer().notNull(),
    tx: t.hex().notNull(),
  }),
  (table) => ({
    patientIdx: index().on(table.patient, table.block, table.logIndex),
    firstVersionIdx: index().on(table.firstVersion),
  }),
);

/**
 * Anchored batches: the on-chain facts (id, root, count, categories, manifest CID); their entries are in
 * `batch_entry` when the manifest was fetched and matched the anchored root (`CARECHAIN_MANIFEST_URL`).
 */
export const batch = onchainTable(
  "batch",
  (t) => ({
    /** `batchIdOf(patient, author, root)`. */
    batchId: t.hex().primaryKey(),
    root: t.hex().notNull(),
    patient: t.hex().notNull(),
    author: t.hex().notNull(),
    categories: t.bigint().notNull(),
    count: t.integer().notNull(),
    manifestCid: t.hex().notNull(),
    /** Whether the manifest's entries are in `batch_entry` (fetched, and checked against root, count and ids). */
    entriesIndexed: t.boolean().notNull(),
    /** Whether its patient (or a delegate) marked it erased, with every record it anchors (`ErasureMarked`). */
    erased: t.boolean().notNull(),
    anchoredAt: t.integer().notNull(),
    block: t.integer().notNull(),
    logIndex: t.integer().notNull(),
    tx: t.hex().notNull(),
  }),
  (table) => ({ patientIdx: index().on(table.patient, table.block, table.logIndex) }),
);

/** The entries of a batch's manifest, in manifest order, once checked against the anchored batch. */
export const batchEntry = onchainTable(
  "batch_entry",
  (t) => ({
    /** `<batchId>:<position>`. */
    id: t.text().primaryKey(),
    batchId: t.hex().notNull(),
    position: t.integer().notNull(),
    recordId: t.hex().notNull(),
    patient: t.hex().notNull(),
    /** Mask of the entry's categories (the Merkle leaf's). */
    categories: t.bigint().notNull(),
    contentCid: t.hex().notNull(),
    keyringCid: t.hex().notNull(),
  }),
  (table) => ({ batchIdx: index().on(table.batchId, table.position), recordIdx: index().on(table.recordId) }),
);

/** Keyrings of record versions: the one anchored with the version and every one published later. */
export const keyring = onchainTable(
  "keyring",
  (t) => ({
    id: t.text().primaryKey(),
    recordId: t.hex().notNull(),
    patient: t.hex().notNull(),
    publisher: t.hex().notNull(),
    keyringCid: t.hex().notNull(),
    /** `anchor` (anchored with the version) or `published` (publishKeyrings). */
    source: t.text().notNull(),
    block: t.integer().notNull(),
    logIndex: t.integer().notNull(),
    time: t.integer().notNull(),
    tx: t.hex().notNull(),
  }),
  (table) => ({ recordIdx: index().on(table.recordId) }),
);

/** Logged reads (`logAccess`, `logBatchAccess`). */
export const accessLog = onchainTable(
  "access_log",
  (t) => ({
    id: t.text().primaryKey(),
    recordId: t.hex().notNull(),
    patient: t.hex().notNull(),
    accessor: t.hex().notNull(),
    /** The Purpose enum index (0 TREAT … 5 BTG). */
    purpose: t.integer().notNull(),
    block: t.integer().notNull(),
    time: t.integer().notNull(),
    tx: t.hex().notNull(),
  }),
  (table) => ({ recordIdx: index().on(table.recordId), patientIdx: index().on(table.patient) }),
);

/** Break-glass episodes: opened, when they end, and who closed them early. */
export const breakGlass = onchainTable(
  "break_glass",
  (t) => ({
    id: t.text().primaryKey(),
    patient: t.hex().notNull(),
    provider: t.hex().notNull(),
    justificationHash: t.hex().notNull(),
    openedAt: t.integer().notNull(),
    expiresAt: t.bigint().notNull(),
    closedAt: t.integer(),
    closedBy: t.hex(),
    block: t.integer().notNull(),
    tx: t.hex().notNull(),
  }),
  (table) => ({ patientIdx: index().on(table.patient) }),
);

/** The contract's break-glass state per (patient, provider): the latest episode and its end (0 once closed). */
export const breakGlassState = onchainTable(
  "break_glass_state",
  (t) => ({
    patient: t.hex().notNull(),
    provider: t.hex().notNull(),
    episode: t.text().notNull(),
    expiresAt: t.bigint().notNull(),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.patient, table.provider] }) }),
);

/** Emergency key releases logged by the custodian. */
export const keyRelease = onchainTable(
  "key_release",
  (t) => ({
    id: t.text().primaryKey(),
    recordId: t.hex().notNull(),
    patient: t.hex().notNull(),
    provider: t.hex().notNull(),
    custodian: t.hex().notNull(),
    block: t.integer().notNull(),
    time: t.integer().notNull(),
    tx: t.hex().notNull(),
  }),
  (table) => ({ patientIdx: index().on(table.patient) }),
);

/** A patient's audit trail: one row per event that concerns the patient, in the SDK's `AuditEntry` terms. */
export const auditEvent = onchainTable(
  "audit_event",
  (t) => ({
    id: t.text().primaryKey(),
    patient: t.hex().notNull(),
    /** The event name, e.g. `RecordAccessed`. */
    kind: t.text().notNull(),
    actor: t.hex().notNull(),
    counterpart: t.hex(),
    /** Record id, or batch id for `BatchAnchored`. */
    recordId: t.hex(),
    purpose: t.integer(),
    time: t.integer().notNull(),
    block: t.integer().notNull(),
    logIndex: t.integer().notNull(),
    tx: t.hex().notNull(),
    contract: t.hex().notNull(),
  }),
  (table) => ({ patientIdx: index().on(table.patient, table.block, table.logIndex) }),
);
