// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Purpose} from "../types/Purpose.sol";

/// @title Carechain record registry
/// @notice A tamper-evident anchor for every version of every record. A record version is identified by its
/// patient, its author and the SHA-256 digest of its ciphertext (the digest inside its CIDv1), so no one can take a
/// version's id before its author anchors it: the chain never sees the record itself, only the CIDs of its
/// ciphertext and keyring. A record carries the mask of every category its content falls in: writing it needs
/// write consent for all of them, reading it read consent for all of them. Versions link to the version they
/// amend and are never overwritten; only the record's original author, its patient or a delegate of the patient
/// amends. The patient (or a delegate) may mark record versions and batches erased ({markErased}): after its
/// client deleted their ciphertext and keyrings (crypto-shredding), the anchor stays and no one may log a read of
/// it, release its key or publish a keyring for it any more.
interface IRecordRegistry {
    /// @notice One anchored record version.
    /// @dev Slot 0: patient (160) | categories (64) | codec (8) | amended (8) | erased (8): what a read checks, in
    /// one slot.
    /// Slot 1: author (160) | version (32) | anchoredAt (40). Slot 2: previous (written only for amendments).
    /// Slot 3: originalAuthor, written only for an amendment whose author is not the record's original author
    /// ({record} always returns it filled in).
    struct RecordVersion {
        address patient;
        uint64 categories;
        uint8 codec;
        bool amended;
        bool erased;
        address author;
        uint32 version;
        uint40 anchoredAt;
        bytes32 previous;
        address originalAuthor;
    }

    /// @notice Emitted when `author` anchors version `version` of a `patient` record whose content falls in the
    /// category mask `categories`. `recordId` is {recordIdOf}(patient, author, SHA-256 digest in `contentCid`);
    /// `previous` is the version it amends (zero for a new record).
    event RecordAnchored(
        bytes32 indexed recordId,
        address indexed patient,
        address indexed author,
        uint64 categories,
        uint32 version,
        bytes32 previous,
        bytes contentCid,
        bytes keyringCid
    );
    /// @notice Emitted when `author` anchors `count` record versions of `patient` under one Merkle `root`.
    /// `batchId` is {batchIdOf}(patient, author, root); `manifestCid` addresses the batch manifest (every leaf's
    /// categories, content CID and keyring CID); `categories` is the mask of the categories in the batch.
    event BatchAnchored(
        bytes32 indexed batchId,
        address indexed patient,
        address indexed author,
        bytes32 root,
        uint64 categories,
        uint32 count,
        bytes manifestCid
    );

    /// @notice Emitted when `accessor` records that it read `recordId` of `patient` for `purpose`.
    event RecordAccessed(bytes32 indexed recordId, address indexed patient, address indexed accessor, Purpose purpose);

    /// @notice Emitted when `publisher` (the patient, a delegate, the record's author, or a grantee that reads the
    /// record's category) publishes an extra keyring for `recordId`: the record key wrapped for readers added after
    /// the record was written (a new grantee, a rotated key).
    event KeyringPublished(
        bytes32 indexed recordId,
        address indexed patient,
        address indexed publisher,
        bytes keyringCid
    );
    /// @notice Emitted when the emergency custodian releases `recordId`'s key to `provider` during break-glass.
    event EmergencyKeyReleased(
        bytes32 indexed recordId,
        address indexed patient,
        address indexed provider,
        address custodian
    );

    /// @notice Emitted when `by` (the patient or a delegate) marks record version or batch `id` of `patient` erased
    /// (`isBatch` tells which). Nothing else is revealed: the ids and CIDs were public already.
    event ErasureMarked(bytes32 indexed id, address indexed patient, address indexed by, bool isBatch);

    /// @notice One read for {logAccessBatch}: the record version read and the purpose it was read for.
    struct AccessRead {
        bytes32 recordId;
        Purpose purpose;
    }

    /// @notice One read for {logBatchAccesses}: a record version of the batch, its category mask (as in the batch's
    /// manifest) and the purpose it was read for.
    struct BatchAccessRead {
        bytes32 recordId;
        uint64 categories;
        Purpose purpose;
    }

    /// @notice An anchored batch of record versions.
    /// @dev Slot 0: patient (160) | count (32) | anchoredAt (40) | erased (8). Slot 1: author (160) | categories (64).
    /// Slot 2: root.
    struct Batch {
        address patient;
        uint32 count;
        uint40 anchoredAt;
        bool erased;
        address author;
        uint64 categories;
        bytes32 root;
    }

    /// @notice `author` has no live write consent from `patient` for `category` (the lowest category of the record
    /// or batch it lacks).
    error RecordWriteConsentRequired(address patient, address author, uint8 category);
    /// @notice `reader` has no live read consent from `patient` for `category` (the lowest category of the record
    /// it lacks) and `purpose`.
    error RecordReadConsentRequired(address patient, address reader, uint8 category, Purpose purpose);
    /// @notice `cid` is not a CIDv1 with a sha2-256 multihash and a raw (0x55) or dag-pb (0x70) codec.
    error RecordInvalidCid(bytes cid);
    /// @notice Version `recordId` (this patient, this author, this ciphertext) is already anchored.
    error RecordAlreadyAnchored(bytes32 recordId);
    /// @notice A record must name at least one category.
    error RecordEmptyCategories();
    /// @notice No version `recordId` is anchored.
    error RecordNotFound(bytes32 recordId);
    /// @notice `recordId` was already amended: amend its latest version instead.
    error RecordAlreadyAmended(bytes32 recordId);
    /// @notice An amendment must keep the patient and categories of the version it amends.
    error RecordAmendmentMismatch(bytes32 previous, address patient, uint64 categories);
    /// @notice `account` is neither the original author of record `previous`, nor its patient, nor a delegate of
    /// the patient, so it may not amend it.
    error RecordUnauthorizedAmender(bytes32 previous, address account);
    /// @notice Batch `batchId` (this patient, this author, this root) is already anchored.
    error RecordBatchAlreadyAnchored(bytes32 batchId);
    /// @notice No batch `batchId` is anchored.
    error RecordBatchNotFound(bytes32 batchId);
    /// @notice A batch must hold at least one record and name at least one category.
    error RecordEmptyBatch();
    /// @notice Batch `batchId` did not declare every category of `categories` (or `categories` is empty).
    error RecordCategoryNotInBatch(bytes32 batchId, uint64 categories);
    /// @notice `account` is neither the record's patient, nor one of its delegates, nor its (unsuspended) author, nor
    /// a grantee whose live consent grant reads every category of the record (break-glass access does not count).
    error RecordUnauthorizedPublisher(bytes32 recordId, address account);
    /// @notice The two arrays of a batch call differ in length.
    error RecordLengthMismatch(uint256 ids, uint256 cids);
    /// @notice `account` is not the Directory's emergency custodian, or the custodian is suspended.
    error RecordNotEmergencyCustodian(address account);
    /// @notice `provider` has no open break-glass covering `recordId`.
    error RecordBreakGlassRequired(bytes32 recordId, address provider);
    /// @notice {logAccessBatch} or {logBatchAccesses} was called with no reads.
    error RecordEmptyAccessBatch();
    /// @notice Record version or batch `id` is erased: no read may be logged, no key released, no keyring published,
    /// no amendment anchored for it.
    error RecordErased(bytes32 id);
    /// @notice `account` is neither the patient of record version or batch `id` nor an active delegate of the
    /// patient, so it may not mark it erased.
    error RecordUnauthorizedEraser(bytes32 id, address account);
    /// @notice The proof does not show `recordId` as a leaf of batch `batchId` in categories the batch declared.
    error RecordNotInBatch(bytes32 batchId, bytes32 recordId);

    /// @notice Anchors a record version of `patient` whose content falls in the categories of `categories`.
    /// @dev The caller is the author: the patient itself, or a grantee with live write consent for every category
    /// in `categories`. An amendment (`previous` non-zero) keeps the patient and categories of `previous`, and its
    /// author is the record's original author, the patient, or a delegate of the patient.
    /// @param patient The patient the record is about.
    /// @param categories Mask of every category the record's content falls in (see the SDK's category table).
    /// @param contentCid CIDv1 (sha2-256) of the encrypted record; with the patient and the caller, its digest
    /// makes the record id ({recordIdOf}).
    /// @param keyringCid CIDv1 (sha2-256) of the keyring holding the record key wrapped for each reader.
    /// @param previous The version this one amends, or zero for a new record.
    /// @return recordId The id of the anchored version.
    function anchor(
        address patient,
        uint64 categories,
        bytes calldata contentCid,
        bytes calldata keyringCid,
        bytes32 previous
    ) external returns (bytes32 recordId);

    /// @notice Anchors many record versions of `patient` under one Merkle root, in one transaction.
    /// @dev Leaves are OpenZeppelin StandardMerkleTree leaves of
    /// `(bytes32 recordId, uint64 categories, bytes32 keyringDigest)`:
    /// `keccak256(bytes.concat(keccak256(abi.encode(recordId, categories, keyringDigest))))`, where `recordId` is
    /// {recordIdOf}(patient, author, content digest), `categories` the record's category mask and `keyringDigest`
    /// the sha2-256 digest of its keyring CID. The caller needs write consent for every category in `categories`.
    /// The batch is keyed by patient, author and root, so another account anchoring the same root first does not
    /// block this one.
    /// @param patient The patient every record is about.
    /// @param root The Merkle root of the batch.
    /// @param categories Mask of the categories the leaves use.
    /// @param count Number of leaves.
    /// @param manifestCid CIDv1 (sha2-256) of the batch manifest.
    /// @return batchId {batchIdOf}(patient, caller, root).
    function anchorBatch(
        address patient,
        bytes32 root,
        uint64 categories,
        uint32 count,
        bytes calldata manifestCid
    ) external returns (bytes32 batchId);

    /// @notice Whether a record version is a leaf of the anchored batch `batchId` (OpenZeppelin MerkleProof) whose
    /// categories are all among those the batch declared (the ones its author's write consent was checked for).
    function verifyBatchRecord(
        bytes32 batchId,
        bytes32 recordId,
        uint64 categories,
        bytes32 keyringDigest,
        bytes32[] calldata proof
    ) external view returns (bool);

    /// @notice {logAccess} for a record version anchored in batch `batchId` whose category mask is `categories`
    /// (every one declared by the batch; read consent needed for every one).
    function logBatchAccess(bytes32 batchId, bytes32 recordId, uint64 categories, Purpose purpose) external;

    /// @notice {logBatchAccess} for many reads of records of one batch in one transaction; no state, one
    /// {RecordAccessed} event per read, in order.
    /// @dev Requirements: the batch exists ({RecordBatchNotFound}); every read passes the checks of {logBatchAccess}
    /// (its categories are a non-empty subset of those the batch declared: {RecordCategoryNotInBatch}; read consent
    /// of the batch's patient for every one of them and the read's purpose: {RecordReadConsentRequired} naming the
    /// lowest category missing), else the whole call reverts with the first failing read's error, as that read's
    /// {logBatchAccess} would. As there, the record id is not checked against the batch's root. The batch's entry
    /// is read once, and consecutive reads for the same purpose ask the consent registry only about categories not
    /// yet checked. Reverts with {RecordEmptyAccessBatch} when `reads` is empty.
    /// @param batchId The batch the records were anchored in.
    /// @param reads The reads, in the order their events are emitted.
    function logBatchAccesses(bytes32 batchId, BatchAccessRead[] calldata reads) external;

    /// @notice The anchored batch `batchId`; reverts with {RecordBatchNotFound} when unknown.
    function batch(bytes32 batchId) external view returns (Batch memory);

    /// @notice Records on chain that the caller read `recordId` for `purpose` (an audit entry, no state).
    /// @dev Requires read consent for every category of the record and `purpose`, or the caller being the patient.
    function logAccess(bytes32 recordId, Purpose purpose) external;

    /// @notice {logAccess} for many reads in one transaction: records of one or several patients, each with its
    /// purpose; no state, one {RecordAccessed} event per read, in order.
    /// @dev Requirements: every read passes the checks of {logAccess} (the record exists: {RecordNotFound}; read
    /// consent for every category of the record and the read's purpose, or the caller being the patient:
    /// {RecordReadConsentRequired} naming the lowest category missing), else the whole call reverts with the first
    /// failing read's error, as that read's {logAccess} would. Consecutive reads of the same patient for the same
    /// purpose ask the consent registry only about categories not yet checked (within one transaction the answer
    /// can't change), so reads in a batch are best ordered by patient and purpose. Reverts with
    /// {RecordEmptyAccessBatch} when `reads` is empty. Emits a {RecordAccessed} event per read.
    /// @param reads The reads, in the order their events are emitted.
    function logAccessBatch(AccessRead[] calldata reads) external;

    /// @notice Publishes extra keyrings for records of one patient (keys follow consent: a new grantee, a rotated
    /// key); no state, one event per keyring.
    /// @dev Requirements: for every record, the caller is the patient, one of its delegates, the record's author
    /// (not suspended), or a grantee whose live consent grant reads every category of the record (not suspended;
    /// e.g. a grantee relaying keyrings its patient prepared offline, or re-wrapping for its own rotated key).
    /// Break-glass access does not make a publisher. Emits a {KeyringPublished} event per keyring. A keyring can only
    /// help its recipients: readers check every candidate key against the record's ciphertext and pass over a wrong
    /// one.
    /// @param recordIds The record versions.
    /// @param keyringCids CIDv1 (sha2-256) of each extra keyring, in the same order.
    function publishKeyrings(bytes32[] calldata recordIds, bytes[] calldata keyringCids) external;

    /// @notice Logs that the emergency custodian released `recordId`'s key to `provider`. Custodian only, and only
    /// while `provider`'s break-glass covers the record, every one of its categories an emergency category
    /// (checked here, on chain).
    function logKeyRelease(bytes32 recordId, address provider) external;

    /// @notice {logKeyRelease} for a record anchored in batch `batchId`: the leaf `(recordId, categories,
    /// keyringDigest)` must verify against the batch's root with `proof` in categories the batch declared (as in
    /// {verifyBatchRecord}), and `provider`'s break-glass on the batch's patient must cover every one of
    /// `categories`. Custodian only. Emits {EmergencyKeyReleased} like a single record.
    function logBatchKeyRelease(
        bytes32 batchId,
        bytes32 recordId,
        uint64 categories,
        bytes32 keyringDigest,
        bytes32[] calldata proof,
        address provider
    ) external;

    /// @notice Marks record versions and batches erased, once their patient's client has deleted their ciphertext and
    /// keyrings (crypto-shredding). From then on {logAccess}, {logAccessBatch}, {logBatchAccess},
    /// {logBatchAccesses}, {publishKeyrings}, {logKeyRelease}, {logBatchKeyRelease} and an amendment of the version
    /// revert with {RecordErased}, so honest readers, custodians and indexers know there is nothing to read; the
    /// anchor itself stays (ids and CIDs only, no PHI) and {record} / {batch} report `erased`.
    /// @dev Requirements: every id is anchored ({RecordNotFound} / {RecordBatchNotFound}) and the caller is its
    /// patient or an active delegate of the patient ({RecordUnauthorizedEraser}). Idempotent: an id already erased
    /// is passed over without an event. Emits {ErasureMarked} for each id newly erased.
    /// @param recordIds Single-anchored record versions to mark erased (every version of a record line is named on
    /// its own).
    /// @param batchIds Batches to mark erased, with every record they anchor.
    function markErased(bytes32[] calldata recordIds, bytes32[] calldata batchIds) external;

    /// @notice The anchored version `recordId`; reverts with {RecordNotFound} when unknown.
    function record(bytes32 recordId) external view returns (RecordVersion memory);

    /// @notice The id of the version of `patient`'s record that `author` anchors with ciphertext digest
    /// `contentDigest`: `keccak256(abi.encode(patient, author, contentDigest))`.
    function recordIdOf(address patient, address author, bytes32 contentDigest) external pure returns (bytes32);

    /// @notice The id of the batch of `patient` that `author` anchors under Merkle root `root`:
    /// `keccak256(abi.encode(patient, author, root))`.
    function batchIdOf(address patient, address author, bytes32 root) external pure returns (bytes32);

    /// @notice How many versions are anchored for `patient`.
    function recordCount(address patient) external view returns (uint256);

    /// @notice Up to `limit` version ids of `patient`, oldest first, starting at index `offset`.
    function recordsOf(address patient, uint256 offset, uint256 limit) external view returns (bytes32[] memory ids);
}
