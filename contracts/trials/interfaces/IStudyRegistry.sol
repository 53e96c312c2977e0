// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IDirectory} from "../../interfaces/IDirectory.sol";

/// @title Carechain clinical study registry
/// @notice Pre-registration of clinical studies and what happens under them, with no health data on chain.
/// A sponsor (an active Research provider) registers a FHIR ResearchStudy by its protocol document and its
/// pre-specified endpoints (SHA-256 and CID of each, public documents) before any enrolment; amendments are new
/// versions with the CID of their reasons, all kept. Subjects enrol under a study-specific pseudonym (an account
/// that is not their patient account), with study-bound research consent (purpose HRESCH: the study, the record
/// categories, an expiry, and what withdrawal means for data already collected) and a commitment to their
/// ResearchSubject resource. The sponsor anchors visit data in batches (a Merkle root and the CID of an encrypted
/// manifest) only for subjects whose consent is live. The results report's endpoints are compared with the
/// registered ones on chain, so outcome switching is visible to everyone.
interface IStudyRegistry {
    /// @notice What withdrawal does to data collected before it (stated at consent, fixed for the enrolment).
    enum WithdrawalScope {
        None,
        KeepCollected,
        EraseCollected
    }

    /// @notice A registered study, as {study} returns it.
    /// @dev One slot: sponsor (160) | versions (32) | registeredAt (64); then firstEnrolmentAt (64) |
    /// enrolled (32) | withdrawn (32) | resultsReported (8).
    struct Study {
        address sponsor;
        uint32 versions;
        uint64 registeredAt;
        uint64 firstEnrolmentAt;
        uint32 enrolled;
        uint32 withdrawn;
        bool resultsReported;
    }

    /// @notice One version of a study's registration (version 1 is the registration, later ones amendments).
    /// @dev `reasonCid` is empty for version 1; `afterEnrolment` says whether the version came after the first
    /// enrolment.
    struct StudyVersion {
        bytes32 protocolHash;
        bytes32 endpointsHash;
        uint64 publishedAt;
        bool afterEnrolment;
        bytes protocolCid;
        bytes endpointsCid;
        bytes reasonCid;
    }

    /// @notice A subject's enrolment under its study pseudonym.
    /// @dev Two slots: protocolVersion (32) | enrolledAt (64) | expiresAt (64) | withdrawnAt (64) | scope (8);
    /// categories (64); then the ResearchSubject commitment.
    struct Enrolment {
        uint32 protocolVersion;
        uint64 enrolledAt;
        uint64 expiresAt;
        uint64 withdrawnAt;
        WithdrawalScope scope;
        uint64 categories;
        bytes32 researchSubject;
    }

    /// @notice Emitted when `sponsor` registers study `studyId` (version 1).
    event StudyRegistered(
        bytes32 indexed studyId,
        address indexed sponsor,
        bytes32 protocolHash,
        bytes protocolCid,
        bytes32 endpointsHash,
        bytes endpointsCid
    );
    /// @notice Emitted when study `studyId` is amended to `version`, for the reasons in `reasonCid`.
    event StudyAmended(
        bytes32 indexed studyId,
        uint32 indexed version,
        bytes32 protocolHash,
        bytes protocolCid,
        bytes32 endpointsHash,
        bytes endpointsCid,
        bytes reasonCid,
        bool afterEnrolment
    );
    /// @notice Emitted when pseudonym `subject` consents to and enrols in `studyId` under `protocolVersion`.
    event SubjectEnrolled(
        bytes32 indexed studyId,
        address indexed subject,
        uint32 protocolVersion,
        uint64 categories,
        uint64 expiresAt,
        WithdrawalScope scope,
        bytes32 researchSubject
    );
    /// @notice Emitted when `subject` withdraws from `studyId`; `scope` says what happens to data collected before.
    event SubjectWithdrawn(bytes32 indexed studyId, address indexed subject, WithdrawalScope scope);
    /// @notice Emitted when the sponsor anchors a batch of `count` visit records of `subject`.
    event VisitDataAnchored(
        bytes32 indexed studyId,
        address indexed subject,
        uint32 indexed visit,
        bytes32 root,
        uint32 count,
        bytes manifestCid
    );
    /// @notice Emitted when the sponsor reports results; `asRegistered` is false when the results' endpoints are not
    /// the ones registered before the first enrolment.
    event ResultsReported(
        bytes32 indexed studyId,
        bytes32 resultsHash,
        bytes resultsCid,
        bytes32 endpointsHash,
        bool asRegistered
    );

    /// @notice Thrown when `account` registers a study but is not an active Research provider.
    error StudyNotSponsor(address account);
    /// @notice Thrown when `account`, not the sponsor, acts on study `studyId`.
    error StudyUnauthorized(bytes32 studyId, address account);
    /// @notice Thrown when study `studyId` is already registered.
    error StudyAlreadyRegistered(bytes32 studyId);
    /// @notice Thrown when study `studyId` is not registered (enrolment into it is refused).
    error StudyNotRegistered(bytes32 studyId);
    /// @notice Thrown when a hash is zero, or an amendment has no reason document.
    error StudyEmptyDocument();
    /// @notice Thrown when the study has reported its results and is closed to enrolment and data.
    error StudyClosed(bytes32 studyId);
    /// @notice Thrown when a subject enrols with no categories, an expiry not in the future, or no withdrawal scope,
    /// or names a protocol version that is not the current one.
    error StudyInvalidConsent(uint32 protocolVersion, uint64 categories, uint64 expiresAt);
    /// @notice Thrown when `subject` is already enrolled in `studyId`.
    error StudyAlreadyEnrolled(bytes32 studyId, address subject);
    /// @notice Thrown when `subject` is not enrolled in `studyId`.
    error StudyNotEnrolled(bytes32 studyId, address subject);
    /// @notice Thrown when data is anchored for `subject`, who withdrew at `withdrawnAt`.
    error StudySubjectWithdrawn(bytes32 studyId, address subject, uint64 withdrawnAt);
    /// @notice Thrown when data is anchored for `subject`, whose consent expired at `expiresAt`.
    error StudyConsentExpired(bytes32 studyId, address subject, uint64 expiresAt);
    /// @notice Thrown when a pseudonym is a registered patient or provider (a study pseudonym must be unlinkable).
    error StudyPseudonymRegistered(address subject);

    /// @notice Registers study `studyId` = keccak256(abi.encode(msg.sender, name)) with its protocol and endpoints.
    /// @dev Requirements: the caller is an active Research provider ({StudyNotSponsor}); new id
    /// ({StudyAlreadyRegistered}); non-zero hashes ({StudyEmptyDocument}); CIDv1 sha2-256 CIDs (ContentIdInvalid).
    /// Emits {StudyRegistered}.
    /// @return studyId The study's id.
    function registerStudy(
        bytes32 name,
        bytes32 protocolHash,
        bytes calldata protocolCid,
        bytes32 endpointsHash,
        bytes calldata endpointsCid
    ) external returns (bytes32 studyId);

    /// @notice Amends study `studyId`: a new version of protocol and endpoints, with the CID of its reasons.
    /// @dev Requirements: the caller is the sponsor; the study is registered and open; non-zero hashes and a reason.
    /// Emits {StudyAmended} (with `afterEnrolment` when subjects are already enrolled).
    /// @return version The new version number.
    function amendStudy(
        bytes32 studyId,
        bytes32 protocolHash,
        bytes calldata protocolCid,
        bytes32 endpointsHash,
        bytes calldata endpointsCid,
        bytes calldata reasonCid
    ) external returns (uint32 version);

    /// @notice The caller, a study pseudonym, consents to and enrols in `studyId` under the current protocol
    /// version: research use (HRESCH) of `categories` until `expiresAt`, with `scope` applying on withdrawal, and
    /// `researchSubject` the commitment to its FHIR ResearchSubject.
    /// @dev Requirements: the study is registered ({StudyNotRegistered}) and open ({StudyClosed});
    /// `protocolVersion` is the current version, categories non-zero, expiry in the future, scope set
    /// ({StudyInvalidConsent}); the caller is not a Directory patient or provider ({StudyPseudonymRegistered}) and
    /// not enrolled ({StudyAlreadyEnrolled}). Emits {SubjectEnrolled}.
    function enroll(
        bytes32 studyId,
        uint32 protocolVersion,
        uint64 categories,
        uint64 expiresAt,
        WithdrawalScope scope,
        bytes32 researchSubject
    ) external;

    /// @notice The caller withdraws from `studyId`, at any time; no data is accepted for it afterwards.
    /// @dev Requirements: enrolled and not withdrawn. Emits {SubjectWithdrawn} with the scope agreed at enrolment.
    function withdraw(bytes32 studyId) external;

    /// @notice The sponsor anchors visit `visit` of `subject`: a Merkle root over `count` encrypted records and the
    /// CID of their manifest.
    /// @dev Requirements: the caller is the sponsor; the study is open; the subject is enrolled
    /// ({StudyNotEnrolled}), has not withdrawn ({StudySubjectWithdrawn}) and its consent has not expired
    /// ({StudyConsentExpired}). Emits {VisitDataAnchored}.
    function anchorVisit(
        bytes32 studyId,
        address subject,
        uint32 visit,
        bytes32 root,
        uint32 count,
        bytes calldata manifestCid
    ) external;

    /// @notice The sponsor reports results (document by hash and CID) with the hash of the endpoints they report;
    /// the study closes.
    /// @dev `asRegistered` in {ResultsReported} compares `endpointsHash` with the endpoints in force at the first
    /// enrolment (the registration's, if nobody enrolled). Requirements: the caller is the sponsor; the study is
    /// open.
    function reportResults(
        bytes32 studyId,
        bytes32 resultsHash,
        bytes calldata resultsCid,
        bytes32 endpointsHash
    ) external;

    /// @notice The Directory that says who is a research sponsor and who is a patient.
    function directory() external view returns (IDirectory);

    /// @notice Study `studyId` (reverts with {StudyNotRegistered}).
    function study(bytes32 studyId) external view returns (Study memory);

    /// @notice Version `version` of study `studyId`'s registration (reverts with {StudyNotRegistered}).
    function studyVersion(bytes32 studyId, uint32 version) external view returns (StudyVersion memory);

    /// @notice The version in force at the first enrolment (the latest version while nobody has enrolled).
    function registeredVersion(bytes32 studyId) external view returns (uint32);

    /// @notice `subject`'s enrolment in `studyId` (reverts with {StudyNotEnrolled}).
    function enrolment(bytes32 studyId, address subject) external view returns (Enrolment memory);

    /// @notice The id of the study `sponsor` registers under `name`.
    function studyIdOf(address sponsor, bytes32 name) external pure returns (bytes32);
}
