// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

import {IConsentRegistry} from "./interfaces/IConsentRegistry.sol";
import {IDirectory} from "./interfaces/IDirectory.sol";
import {IRecordRegistry} from "./interfaces/IRecordRegistry.sol";
import {Action, Purpose} from "./types/Access.sol";

/// @title RecordRegistry
/// @notice Implementation of {IRecordRegistry}. Consent is asked of the {IConsentRegistry}, which also answers
/// for suspended providers and unregistered patients.
contract RecordRegistry is IRecordRegistry {
    /// @dev CIDv1 prefix bytes: version 1, then a one-byte codec, then multihash sha2-256 (0x12) of 32 bytes.
    uint256 private constant _CID_LENGTH = 36;
    uint8 private constant _CODEC_RAW = 0x55;
    uint8 private constant _CODEC_DAG_PB = 0x70;

    /// @notice The consent registry that decides who may write and read.
    IConsentRegistry public immutable consent;
    /// @notice The directory behind `consent` (names the emergency custodian).
    IDirectory public immutable directory;

    mapping(bytes32 recordId => RecordVersion) private _records;
    mapping(address patient => bytes32[] recordIds) private _patientRecords;
    mapping(bytes32 root => Batch) private _batches;

    constructor(IConsentRegistry consent_) {
        consent = consent_;
        directory = consent_.directory();
    }

    /// @inheritdoc IRecordRegistry
    function anchor(
        address patient,
        uint8 category,
        bytes calldata contentCid,
        bytes calldata keyringCid,
        bytes32 previous
    ) external returns (bytes32 recordId) {
        (recordId, ) = _parseCid(contentCid);
        _parseCid(keyringCid);
        if (!consent.canAccess(patient, msg.sender, category, Action.Write)) {
            revert RecordWriteConsentRequired(patient, msg.sender, category);
        }
        RecordVersion storage entry = _records[recordId];
        if (entry.anchoredAt != 0) revert RecordAlreadyAnchored(recordId);

        uint32 version = 1;
        if (previous != bytes32(0)) {
            RecordVersion storage prior = _requireRecord(previous);
            if (prior.patient != patient || prior.category != category) {
                revert RecordAmendmentMismatch(previous, patient, category);
            }
            if (prior.amended) revert RecordAlreadyAmended(previous);
            prior.amended = true;
            version = prior.version + 1;
            entry.previous = previous;
        }
        entry.patient = patient;
        entry.category = category;
        entry.codec = uint8(contentCid[1]);
        entry.anchoredAt = uint40(block.timestamp);
        entry.author = msg.sender;
        entry.version = version;
        _patientRecords[patient].push(recordId);
        emit RecordAnchored(recordId, patient, msg.sender, category, version, previous, contentCid, keyringCid);
    }

    /// @inheritdoc IRecordRegistry
    function anchorBatch(address patient, bytes32 root, uint64 categories, uint32 count, bytes calldata manifestCid)
        external
    {
        if (count == 0 || categories == 0) revert RecordEmptyBatch();
        _parseCid(manifestCid);
        for (uint64 rest = categories; rest != 0; rest &= rest - 1) {
            uint8 category = _lowestBit(rest);
            if (!consent.canAccess(patient, msg.sender, category, Action.Write)) {
                revert RecordWriteConsentRequired(patient, msg.sender, category);
            }
        }
        Batch storage entry = _batches[root];
        if (entry.anchoredAt != 0) revert RecordBatchAlreadyAnchored(root);
        (entry.patient, entry.count, entry.anchoredAt) = (patient, count, uint40(block.timestamp));
        (entry.author, entry.categories) = (msg.sender, categories);
        emit BatchAnchored(root, patient, msg.sender, categories, count, manifestCid);
    }

    /// @inheritdoc IRecordRegistry
    function verifyBatchRecord(
        bytes32 root,
        bytes32 recordId,
        uint8 category,
        bytes32 keyringDigest,
        bytes32[] calldata proof
    ) external view returns (bool) {
        Batch storage entry = _batches[root];
        if (entry.anchoredAt == 0) revert RecordBatchNotFound(root);
        // A leaf in a category the batch did not declare (so its author's write consent was not checked) is not
        // a record of this batch.
        if (category > 63 || entry.categories & (uint64(1) << category) == 0) return false;
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(recordId, category, keyringDigest))));
        return MerkleProof.verifyCalldata(proof, root, leaf);
    }

    /// @inheritdoc IRecordRegistry
    function logBatchAccess(bytes32 root, bytes32 recordId, uint8 category, Purpose purpose) external {
        Batch storage entry = _batches[root];
        if (entry.anchoredAt == 0) revert RecordBatchNotFound(root);
        if (category > 63 || entry.categories & (uint64(1) << category) == 0) {
            revert RecordCategoryNotInBatch(root, category);
        }
        address patient = entry.patient;
        if (!consent.canAccessForPurpose(patient, msg.sender, category, Action.Read, purpose)) {
            revert RecordReadConsentRequired(patient, msg.sender, category, purpose);
        }
        emit RecordAccessed(recordId, patient, msg.sender, purpose);
    }

    /// @inheritdoc IRecordRegistry
    function batch(bytes32 root) external view returns (Batch memory entry) {
        entry = _batches[root];
        if (entry.anchoredAt == 0) revert RecordBatchNotFound(root);
    }

    /// @inheritdoc IRecordRegistry
    function logAccess(bytes32 recordId, Purpose purpose) external {
        RecordVersion storage entry = _requireRecord(recordId);
        (address patient, uint8 category) = (entry.patient, entry.category);
        if (!consent.canAccessForPurpose(patient, msg.sender, category, Action.Read, purpose)) {
            revert RecordReadConsentRequired(patient, msg.sender, category, purpose);
        }
        emit RecordAccessed(recordId, patient, msg.sender, purpose);
    }

    /// @inheritdoc IRecordRegistry
    function publishKeyrings(bytes32[] calldata recordIds, bytes[] calldata keyringCids) external {
        if (recordIds.length != keyringCids.length) revert RecordLengthMismatch(recordIds.length, keyringCids.length);
        for (uint256 i = 0; i < recordIds.length; ++i) {
            RecordVersion storage entry = _requireRecord(recordIds[i]);
            address patient = entry.patient;
            if (
                !consent.isPatientOrDelegate(patient, msg.sender) &&
                !consent.canAccess(patient, msg.sender, entry.category, Action.Read)
            ) revert RecordUnauthorizedPublisher(recordIds[i], msg.sender);
            _parseCid(keyringCids[i]);
            emit KeyringPublished(recordIds[i], patient, msg.sender, keyringCids[i]);
        }
    }

    /// @inheritdoc IRecordRegistry
    function logKeyRelease(bytes32 recordId, address provider) external {
        if (msg.sender != directory.emergencyCustodian() || !directory.isActiveProvider(msg.sender)) {
            revert RecordNotEmergencyCustodian(msg.sender);
        }
        RecordVersion storage entry = _requireRecord(recordId);
        address patient = entry.patient;
        bool covered = consent.breakGlassExpiry(patient, provider) > block.timestamp &&
            consent.emergencyCategoriesOf(patient) & (uint64(1) << entry.category) != 0 &&
            directory.isActiveProvider(provider);
        if (!covered) revert RecordBreakGlassRequired(recordId, provider);
        emit EmergencyKeyReleased(recordId, patient, provider, msg.sender);
    }

    /// @inheritdoc IRecordRegistry
    function record(bytes32 recordId) external view returns (RecordVersion memory) {
        return _requireRecord(recordId);
    }

    /// @inheritdoc IRecordRegistry
    function recordCount(address patient) external view returns (uint256) {
        return _patientRecords[patient].length;
    }

    /// @inheritdoc IRecordRegistry
    function recordsOf(address patient, uint256 offset, uint256 limit) external view returns (bytes32[] memory ids) {
        bytes32[] storage all = _patientRecords[patient];
        uint256 end = all.length;
        if (offset >= end) return new bytes32[](0);
        if (limit < end - offset) end = offset + limit;
        ids = new bytes32[](end - offset);
        for (uint256 i = offset; i < end; ++i) {
            ids[i - offset] = all[i];
        }
    }

    /// @dev Index of the lowest set bit of a non-zero mask.
    function _lowestBit(uint64 mask) private pure returns (uint8 index) {
        while (mask & 1 == 0) {
            mask >>= 1;
            ++index;
        }
    }

    function _requireRecord(bytes32 recordId) private view returns (RecordVersion storage entry) {
        entry = _records[recordId];
        if (entry.anchoredAt == 0) revert RecordNotFound(recordId);
    }

    /// @dev Checks that `cid` is a CIDv1 sha2-256 with a raw or dag-pb codec; returns its digest and codec.
    function _parseCid(bytes calldata cid) private pure returns (bytes32 digest, uint8 codec) {
        if (cid.length != _CID_LENGTH || cid[0] != 0x01 || cid[2] != 0x12 || cid[3] != 0x20) {
            revert RecordInvalidCid(cid);
        }
        codec = uint8(cid[1]);
        if (codec != _CODEC_RAW && codec != _CODEC_DAG_PB) revert RecordInvalidCid(cid);
        digest = bytes32(cid[4:36]);
    }
}
