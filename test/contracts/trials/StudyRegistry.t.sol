// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IDirectory} from "../../../contracts/interfaces/IDirectory.sol";
import {IStudyRegistry} from "../../../contracts/trials/interfaces/IStudyRegistry.sol";
import {StudyRegistry} from "../../../contracts/trials/StudyRegistry.sol";
import {ContentId} from "../../../contracts/libraries/ContentId.sol";
import {CarechainTest} from "../utils/Test.sol";
import {Vm} from "../utils/Vm.sol";

contract StudyRegistryTest is CarechainTest {
    bytes32 internal constant SPONSOR_KEY = bytes32(
        uint256(keccak256("carechain.test.sponsor.x25519")) & ~X25519_BIT_255
    );
    bytes32 internal constant SUBJECT_COMMITMENT = keccak256("research subject");
    uint64 internal constant LABS = uint64(1) << 6;

    StudyRegistry internal studies;
    address internal sponsor;
    address internal subject;
    bytes32 internal studyId;
    bytes internal cid;

    function setUp() public {
        _deploy();
        sponsor = vm.addr(0x5905);
        subject = vm.addr(0x5B1);
        vm.prank(REGISTRAR);
        directory.registerProvider(sponsor, IDirectory.ProviderKind.Research, SPONSOR_KEY);
        studies = new StudyRegistry(directory);
        cid = _cid(_digest("doc"));
        (bytes32 p, bytes32 e) = (_digest("protocol v1"), _digest("endpoints v1"));
        vm.prank(sponsor);
        studyId = studies.registerStudy("STUDY-1", p, cid, e, cid);
    }

    function _enroll(address who) internal {
        uint32 version = studies.study(studyId).versions;
        vm.prank(who);
        studies.enroll(
            studyId,
            version,
            LABS,
            uint64(START + 365 days),
            IStudyRegistry.WithdrawalScope.KeepCollected,
            SUBJECT_COMMITMENT
        );
    }

    function _amend(string memory endpoints) internal returns (uint32) {
        (bytes32 p, bytes32 e) = (_digest("protocol"), _digest(endpoints));
        vm.prank(sponsor);
        return studies.amendStudy(studyId, p, cid, e, cid, cid);
    }

    function test_enrolmentRefusedForUnregisteredStudy(bytes32 otherId) public {
        vm.assume(otherId != studyId);
        vm.prank(subject);
        vm.expectRevert(abi.encodeWithSelector(IStudyRegistry.StudyNotRegistered.selector, otherId));
        studies.enroll(
            otherId,
            1,
            LABS,
            uint64(START + 1 days),
            IStudyRegistry.WithdrawalScope.KeepCollected,
            SUBJECT_COMMITMENT
        );
    }

    function test_registerRefusesNonSponsors() public {
        (bytes32 p, bytes32 e) = (_digest("p"), _digest("e"));
        vm.prank(hospital);
        vm.expectRevert(abi.encodeWithSelector(IStudyRegistry.StudyNotSponsor.selector, hospital));
        studies.registerStudy("X", p, cid, e, cid);
    }

    function test_amendmentsAreVersionsWithReasons_flaggedAfterEnrolment() public {
        assertEq(_amend("endpoints v2"), 2);
        assertFalse(studies.studyVersion(studyId, 2).afterEnrolment);
        _enroll(subject);
        assertEq(studies.registeredVersion(studyId), 2);
        assertEq(_amend("endpoints v3"), 3);
        assertTrue(studies.studyVersion(studyId, 3).afterEnrolment);
        assertEq(studies.studyVersion(studyId, 3).reasonCid, cid);
        assertEq(studies.studyVersion(studyId, 1).endpointsHash, _digest("endpoints v1"));
        bytes memory empty;
        (bytes32 p, bytes32 e) = (_digest("p"), _digest("e"));
        vm.prank(sponsor);
        vm.expectRevert(abi.encodeWithSelector(IStudyRegistry.StudyEmptyDocument.selector));
        studies.amendStudy(studyId, p, cid, e, cid, empty);
    }

    function test_enrolRefusesRegisteredAccountsAndBadConsent() public {
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IStudyRegistry.StudyPseudonymRegistered.selector, alice));
        studies.enroll(
            studyId,
            1,
            LABS,
            uint64(START + 1 days),
            IStudyRegistry.WithdrawalScope.KeepCollected,
            SUBJECT_COMMITMENT
        );
        vm.prank(subject);
        vm.expectRevert(
            abi.encodeWithSelector(
                IStudyRegistry.StudyInvalidConsent.selector,
                uint32(1),
                uint64(0),
                uint64(START + 1 days)
            )
        );
        studies.enroll(
            studyId,
            1,
            0,
            uint64(START + 1 days),
            IStudyRegistry.WithdrawalScope.KeepCollected,
            SUBJECT_COMMITMENT
        );
        vm.prank(subject);
        vm.expectRevert(
            abi.encodeWithSelector(IStudyRegistry.StudyInvalidConsent.selector, uint32(2), LABS, uint64(START + 1 days))
        );
        studies.enroll(
            studyId,
            2,
            LABS,
            uint64(START + 1 days),
            IStudyRegistry.WithdrawalScope.KeepCollected,
            SUBJECT_COMMITMENT
        );
        _enroll(subject);
        vm.prank(subject);
        vm.expectRevert(abi.encodeWithSelector(IStudyRegistry.StudyAlreadyEnrolled.selector, studyId, subject));
        studies.enroll(
            studyId,
            1,
            LABS,
            uint64(START + 1 days),
            IStudyRegistry.WithdrawalScope.KeepCollected,
            SUBJECT_COMMITMENT
        );
    }

    function testFuzz_withdrawnSubjectsLaterDataRefused(uint256 before, uint256 afterwards) public {
        before = bound(before, 0, 100 days);
        afterwards = bound(afterwards, 0, 100 days);
        _enroll(subject);
        bytes32 root = _digest("visit 1");
        vm.warp(START + before);
        vm.prank(sponsor);
        studies.anchorVisit(studyId, subject, 1, root, 3, cid);
        vm.prank(subject);
        studies.withdraw(studyId);
        vm.warp(START + before + afterwards);
        vm.prank(sponsor);
        vm.expectRevert(
            abi.encodeWithSelector(
                IStudyRegistry.StudySubjectWithdrawn.selector,
                studyId,
                subject,
                uint64(START + before)
            )
        );
        studies.anchorVisit(studyId, subject, 2, root, 3, cid);
        assertEq(
            uint256(studies.enrolment(studyId, subject).scope),
            uint256(IStudyRegistry.WithdrawalScope.KeepCollected)
        );
        assertEq(studies.study(studyId).withdrawn, 1);
    }

    function test_visitDataRefusedAfterConsentExpiryAndForOthers() public {
        _enroll(subject);
        bytes32 root = _digest("visit");
        vm.prank(hospital);
        vm.expectRevert(abi.encodeWithSelector(IStudyRegistry.StudyUnauthorized.selector, studyId, hospital));
        studies.anchorVisit(studyId, subject, 1, root, 1, cid);
        vm.prank(sponsor);
        vm.expectRevert(abi.encodeWithSelector(IStudyRegistry.StudyNotEnrolled.selector, studyId, STRANGER));
        studies.anchorVisit(studyId, STRANGER, 1, root, 1, cid);
        vm.warp(START + 365 days);
        vm.prank(sponsor);
        vm.expectRevert(
            abi.encodeWithSelector(
                IStudyRegistry.StudyConsentExpired.selector,
                studyId,
                subject,
                uint64(START + 365 days)
            )
        );
        studies.anchorVisit(studyId, subject, 1, root, 1, cid);
    }

    function test_resultsFlagOutcomeSwitching() public {
        _enroll(subject);
        _amend("endpoints switched");
        vm.recordLogs();
        bytes32 results = _digest("results");
        bytes32 switched = _digest("endpoints switched");
        vm.prank(sponsor);
        studies.reportResults(studyId, results, cid, switched);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        (, , , bool asRegistered) = abi.decode(logs[0].data, (bytes32, bytes, bytes32, bool));
        assertFalse(asRegistered, "results with switched endpoints are flagged");
        // Closed: no enrolment, no data after results.
        vm.prank(vm.addr(0xBEEF));
        vm.expectRevert(abi.encodeWithSelector(IStudyRegistry.StudyClosed.selector, studyId));
        studies.enroll(
            studyId,
            2,
            LABS,
            uint64(START + 1 days),
            IStudyRegistry.WithdrawalScope.KeepCollected,
            SUBJECT_COMMITMENT
        );
    }

    function test_resultsAsRegisteredAreNotFlagged() public {
        _enroll(subject);
        vm.recordLogs();
        (bytes32 results, bytes32 registered) = (_digest("results"), _digest("endpoints v1"));
        vm.prank(sponsor);
        studies.reportResults(studyId, results, cid, registered);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        (, , , bool asRegistered) = abi.decode(logs[0].data, (bytes32, bytes, bytes32, bool));
        assertTrue(asRegistered);
    }

    function test_documentAndStateRefusals() public {
        (bytes32 p, bytes32 e, bytes32 zero) = (_digest("protocol v1"), _digest("endpoints v1"), bytes32(0));
        vm.prank(sponsor);
        vm.expectRevert(abi.encodeWithSelector(IStudyRegistry.StudyAlreadyRegistered.selector, studyId));
        studies.registerStudy("STUDY-1", p, cid, e, cid);
        vm.prank(sponsor);
        vm.expectRevert(abi.encodeWithSelector(IStudyRegistry.StudyEmptyDocument.selector));
        studies.registerStudy("STUDY-2", zero, cid, e, cid);
        bytes32 unknown = keccak256("unknown");
        vm.expectRevert(abi.encodeWithSelector(IStudyRegistry.StudyNotRegistered.selector, unknown));
        studies.study(unknown);
        vm.expectRevert(abi.encodeWithSelector(IStudyRegistry.StudyNotRegistered.selector, studyId));
        studies.studyVersion(studyId, 2);
        vm.prank(sponsor);
        vm.expectRevert(abi.encodeWithSelector(IStudyRegistry.StudyNotRegistered.selector, unknown));
        studies.amendStudy(unknown, p, cid, e, cid, cid);

        _enroll(subject);
        vm.prank(sponsor);
        vm.expectRevert(abi.encodeWithSelector(IStudyRegistry.StudyEmptyDocument.selector));
        studies.anchorVisit(studyId, subject, 1, zero, 1, cid);
        vm.prank(sponsor);
        vm.expectRevert(abi.encodeWithSelector(IStudyRegistry.StudyEmptyDocument.selector));
        studies.reportResults(studyId, zero, cid, e);
        vm.prank(subject);
        studies.withdraw(studyId);
        vm.prank(subject);
        vm.expectRevert(
            abi.encodeWithSelector(IStudyRegistry.StudySubjectWithdrawn.selector, studyId, subject, uint64(START))
        );
        studies.withdraw(studyId);
        vm.prank(sponsor);
        studies.reportResults(studyId, p, cid, e);
        vm.prank(sponsor);
        vm.expectRevert(abi.encodeWithSelector(IStudyRegistry.StudyClosed.selector, studyId));
        studies.amendStudy(studyId, p, cid, e, cid, cid);
    }

    function test_cidsMustBeCidV1Sha256RawOrDagPb() public {
        bytes memory wrongCodec = _cid(_digest("x"));
        wrongCodec[1] = 0x71; // dag-cbor
        (bytes32 p, bytes32 e) = (_digest("p"), _digest("e"));
        vm.prank(sponsor);
        vm.expectRevert(abi.encodeWithSelector(ContentId.ContentIdInvalid.selector, wrongCodec));
        studies.registerStudy("STUDY-3", p, wrongCodec, e, cid);
    }
}
