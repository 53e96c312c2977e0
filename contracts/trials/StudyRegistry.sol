// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IDirectory} from "../interfaces/IDirectory.sol";
import {ContentId} from "../libraries/ContentId.sol";
import {IStudyRegistry} from "./interfaces/IStudyRegistry.sol";

/// @title StudyRegistry
/// @notice Implementation of {IStudyRegistry}: sponsors are the Directory's active providers of kind Research.
contract StudyRegistry is IStudyRegistry {
    /// @inheritdoc IStudyRegistry
    IDirectory public immutable directory;

    mapping(bytes32 studyId => Study) private _studies;
    mapping(bytes32 studyId => mapping(uint32 version => StudyVersion)) private _versions;
    mapping(bytes32 studyId => uint32) private _registeredVersion;
    mapping(bytes32 studyId => mapping(address subject => Enrolment)) private _enrolments;

    constructor(IDirectory directory_) {
        directory = directory_;
    }

    /// @inheritdoc IStudyRegistry
    function registerStudy(
        bytes32 name,
        bytes32 protocolHash,
        bytes calldata protocolCid,
        bytes32 endpointsHash,
        bytes calldata endpointsCid
    ) external returns (bytes32 studyId) {
        IDirectory.ProviderRecord memory entry = directory.provider(msg.sender);
        if (entry.kind != IDirectory.ProviderKind.Research || entry.suspended) revert StudyNotSponsor(msg.sender);
        studyId = studyIdOf(msg.sender, name);
        if (_studies[studyId].versions != 0) revert StudyAlreadyRegistered(studyId);
        _studies[studyId] = Study({
            sponsor: msg.sender,
            versions: 1,
            registeredAt: uint64(block.timestamp),
            firstEnrolmentAt: 0,
            enrolled: 0,
            withdrawn: 0,
            resultsReported: false
        });
        _storeVersion(studyId, 1, protocolHash, protocolCid, endpointsHash, endpointsCid, "", false);
        emit StudyRegistered(studyId, msg.sender, protocolHash, protocolCid, endpointsHash, endpointsCid);
    }

    /// @inheritdoc IStudyRegistry
    function amendStudy(
        bytes32 studyId,
        bytes32 protocolHash,
        bytes calldata protocolCid,
        bytes32 endpointsHash,
        bytes calldata endpointsCid,
        bytes calldata reasonCid
    ) external returns (uint32 version) {
        Study storage entry = _openStudyOfSponsor(studyId);
        if (reasonCid.length == 0) revert StudyEmptyDocument();
        ContentId.digestOf(reasonCid);
        version = ++entry.versions;
        bool afterEnrolment = entry.enrolled != 0;
        _storeVersion(
            studyId,
            version,
            protocolHash,
            protocolCid,
            endpointsHash,
            endpointsCid,
            reasonCid,
            afterEnrolment
        );
        emit StudyAmended(
            studyId,
            version,
            protocolHash,
            protocolCid,
            endpointsHash,
            endpointsCid,
            reasonCid,
            afterEnrolment
        );
    }

    /// @inheritdoc IStudyRegistry
    function enroll(
        bytes32 studyId,
        uint32 protocolVersion,
        uint64 categories,
        uint64 expiresAt,
        WithdrawalScope scope,
        bytes32 researchSubject
    ) external {
        Study storage entry = _studies[studyId];
        if (entry.versions == 0) revert StudyNotRegistered(studyId);
        if (entry.resultsReported) revert StudyClosed(studyId);
        if (
            protocolVersion != entry.versions ||
            categories == 0 ||
            expiresAt <= block.timestamp ||
            scope == WithdrawalScope.None ||
            researchSubject == bytes32(0)
        ) revert StudyInvalidConsent(protocolVersion, categories, expiresAt);
        if (directory.isPatient(msg.sender) || directory.provider(msg.sender).kind != IDirectory.ProviderKind.None) {
            revert StudyPseudonymRegistered(msg.sender);
        }
        Enrolment storage enrolled = _enrolments[studyId][msg.sender];
        if (enrolled.enrolledAt != 0) revert StudyAlreadyEnrolled(studyId, msg.sender);
        _enrolments[studyId][msg.sender] = Enrolment({
            protocolVersion: protocolVersion,
            enrolledAt: uint64(block.timestamp),
            expiresAt: expiresAt,
            withdrawnAt: 0,
            scope: scope,
            categories: categories,
            researchSubject: researchSubject
        });
        if (entry.enrolled == 0) {
            entry.firstEnrolmentAt = uint64(block.timestamp);
            _registeredVersion[studyId] = entry.versions;
        }
        ++entry.enrolled;
        emit SubjectEnrolled(studyId, msg.sender, protocolVersion, categories, expiresAt, scope, researchSubject);
    }

    /// @inheritdoc IStudyRegistry
    function withdraw(bytes32 studyId) external {
        Enrolment storage enrolled = _enrolmentOf(studyId, msg.sender);
        if (enrolled.withdrawnAt != 0) revert StudySubjectWithdrawn(studyId, msg.sender, enrolled.withdrawnAt);
        enrolled.withdrawnAt = uint64(block.timestamp);
        ++_studies[studyId].withdrawn;
        emit SubjectWithdrawn(studyId, msg.sender, enrolled.scope);
    }

    /// @inheritdoc IStudyRegistry
    function anchorVisit(
        bytes32 studyId,
        address subject,
        uint32 visit,
        bytes32 root,
        uint32 count,
        bytes calldata manifestCid
    ) external {
        _openStudyOfSponsor(studyId);
        Enrolment storage enrolled = _enrolmentOf(studyId, subject);
        if (enrolled.withdrawnAt != 0) revert StudySubjectWithdrawn(studyId, subject, enrolled.withdrawnAt);
        if (block.timestamp >= enrolled.expiresAt) revert StudyConsentExpired(studyId, subject, enrolled.expiresAt);
        if (root == bytes32(0) || count == 0) revert StudyEmptyDocument();
        ContentId.digestOf(manifestCid);
        emit VisitDataAnchored(studyId, subject, visit, root, count, manifestCid);
    }

    /// @inheritdoc IStudyRegistry
    function reportResults(
        bytes32 studyId,
        bytes32 resultsHash,
        bytes calldata resultsCid,
        bytes32 endpointsHash
    ) external {
        Study storage entry = _openStudyOfSponsor(studyId);
        if (resultsHash == bytes32(0) || endpointsHash == bytes32(0)) revert StudyEmptyDocument();
        ContentId.digestOf(resultsCid);
        entry.resultsReported = true;
        bool asRegistered = endpointsHash == _versions[studyId][registeredVersion(studyId)].endpointsHash;
        emit ResultsReported(studyId, resultsHash, resultsCid, endpointsHash, asRegistered);
    }

    /// @inheritdoc IStudyRegistry
    function study(bytes32 studyId) external view returns (Study memory) {
        Study memory entry = _studies[studyId];
        if (entry.versions == 0) revert StudyNotRegistered(studyId);
        return entry;
    }

    /// @inheritdoc IStudyRegistry
    function studyVersion(bytes32 studyId, uint32 version) external view returns (StudyVersion memory) {
        if (version == 0 || version > _studies[studyId].versions) revert StudyNotRegistered(studyId);
        return _versions[studyId][version];
    }

    /// @inheritdoc IStudyRegistry
    function registeredVersion(bytes32 studyId) public view returns (uint32) {
        uint32 atEnrolment = _registeredVersion[studyId];
        return atEnrolment != 0 ? atEnrolment : _studies[studyId].versions;
    }

    /// @inheritdoc IStudyRegistry
    function enrolment(bytes32 studyId, address subject) external view returns (Enrolment memory) {
        return _enrolmentOf(studyId, subject);
    }

    /// @inheritdoc IStudyRegistry
    function studyIdOf(address sponsor, bytes32 name) public pure returns (bytes32) {
        return keccak256(abi.encode(sponsor, name));
    }

    function _storeVersion(
        bytes32 studyId,
        uint32 version,
        bytes32 protocolHash,
        bytes calldata protocolCid,
        bytes32 endpointsHash,
        bytes calldata endpointsCid,
        bytes memory reasonCid,
        bool afterEnrolment
    ) private {
        if (protocolHash == bytes32(0) || endpointsHash == bytes32(0)) revert StudyEmptyDocument();
        ContentId.digestOf(protocolCid);
        ContentId.digestOf(endpointsCid);
        _versions[studyId][version] = StudyVersion({
            protocolHash: protocolHash,
            endpointsHash: endpointsHash,
            publishedAt: uint64(block.timestamp),
            afterEnrolment: afterEnrolment,
            protocolCid: protocolCid,
            endpointsCid: endpointsCid,
            reasonCid: reasonCid
        });
    }

    function _openStudyOfSponsor(bytes32 studyId) private view returns (Study storage entry) {
        entry = _studies[studyId];
        if (entry.versions == 0) revert StudyNotRegistered(studyId);
        if (entry.sponsor != msg.sender) revert StudyUnauthorized(studyId, msg.sender);
        if (entry.resultsReported) revert StudyClosed(studyId);
    }

    function _enrolmentOf(bytes32 studyId, address subject) private view returns (Enrolment storage enrolled) {
        enrolled = _enrolments[studyId][subject];
        if (enrolled.enrolledAt == 0) revert StudyNotEnrolled(studyId, subject);
    }
}
