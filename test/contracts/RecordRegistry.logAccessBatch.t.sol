// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IRecordRegistry} from "../../contracts/interfaces/IRecordRegistry.sol";
import {Purpose} from "../../contracts/types/Purpose.sol";
import {CarechainTest} from "./utils/Test.sol";
import {Vm} from "./utils/Vm.sol";

/// @notice {IRecordRegistry.logAccessBatch} and {IRecordRegistry.logBatchAccesses}: many reads in one transaction,
/// each checked and logged exactly as its own {IRecordRegistry.logAccess} / {IRecordRegistry.logBatchAccess} would be.
contract RecordRegistryLogAccessBatchTest is CarechainTest {
    uint8 internal constant LABS = 3;
    uint8 internal constant IMAGING = 7;
    uint8 internal constant VITALS = 5;
    uint64 internal expiry;
    bytes internal keyring;

    /// @dev Records of the fixture: alice LABS, alice IMAGING, alice LABS|IMAGING, bob LABS, bob VITALS,
    /// bob LABS|VITALS (all anchored by their patient).
    bytes32[6] internal ids;
    /// @dev A batch alice anchored herself, declaring LABS and IMAGING.
    bytes32 internal batchId;

    function setUp() public {
        _deploy();
        expiry = uint64(START + 30 days);
        keyring = _cid(_digest("keyring"));
        ids[0] = _anchorOwn(alice, _bit(LABS), "a/labs");
        ids[1] = _anchorOwn(alice, _bit(IMAGING), "a/imaging");
        ids[2] = _anchorOwn(alice, _bit(LABS) | _bit(IMAGING), "a/both");
        ids[3] = _anchorOwn(bob, _bit(LABS), "b/labs");
        ids[4] = _anchorOwn(bob, _bit(VITALS), "b/vitals");
        ids[5] = _anchorOwn(bob, _bit(LABS) | _bit(VITALS), "b/both");
        bytes32 root = _digest("batch/root");
        bytes memory manifest = _cid(_digest("batch/manifest"));
        vm.prank(alice);
        batchId = records.anchorBatch(alice, root, _bit(LABS) | _bit(IMAGING), 4, manifest);
    }

    function _anchorOwn(address patient, uint64 categories, string memory name) internal returns (bytes32) {
        bytes memory content = _cid(_digest(name)); // before the prank: _digest calls the SHA-256 precompile
        vm.prank(patient);
        return records.anchor(patient, categories, content, keyring, bytes32(0));
    }

    function _reads(
        bytes32 id0,
        Purpose p0,
        bytes32 id1,
        Purpose p1
    ) internal pure returns (IRecordRegistry.AccessRead[] memory reads) {
        reads = new IRecordRegistry.AccessRead[](2);
        reads[0] = IRecordRegistry.AccessRead(id0, p0);
        reads[1] = IRecordRegistry.AccessRead(id1, p1);
    }

    function _expectAccessed(bytes32 id, address patient, address reader, Purpose purpose) internal {
        vm.expectEmit(true, true, true, true, address(records));
        emit IRecordRegistry.RecordAccessed(id, patient, reader, purpose);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Unit
    // ---------------------------------------------------------------------------------------------------------

    function test_LogAccessBatch_SeveralPatientsAndPurposes_OneEventPerReadInOrder() public {
        _grant(alice, hospital, _terms(_bit(LABS) | _bit(IMAGING), 0, ALL_PURPOSES, expiry));
        _grant(bob, hospital, _terms(_bit(VITALS), 0, _purposeBit(Purpose.Payment), expiry));
        IRecordRegistry.AccessRead[] memory reads = new IRecordRegistry.AccessRead[](4);
        reads[0] = IRecordRegistry.AccessRead(ids[2], Purpose.Treatment);
        reads[1] = IRecordRegistry.AccessRead(ids[4], Purpose.Payment);
        reads[2] = IRecordRegistry.AccessRead(ids[0], Purpose.Research);
        reads[3] = IRecordRegistry.AccessRead(ids[2], Purpose.Treatment); // the same read twice: logged twice
        _expectAccessed(ids[2], alice, hospital, Purpose.Treatment);
        _expectAccessed(ids[4], bob, hospital, Purpose.Payment);
        _expectAccessed(ids[0], alice, hospital, Purpose.Research);
        _expectAccessed(ids[2], alice, hospital, Purpose.Treatment);
        vm.prank(hospital);
        records.logAccessBatch(reads);
    }

    function test_LogAccessBatch_RevertWhen_Empty() public {
        vm.expectRevert(IRecordRegistry.RecordEmptyAccessBatch.selector);
        vm.prank(hospital);
        records.logAccessBatch(new IRecordRegistry.AccessRead[](0));
    }

    function test_LogAccessBatch_RevertWhen_AnyRecordNotFound() public {
        _grant(alice, hospital, _terms(_bit(LABS), 0, ALL_PURPOSES, expiry));
        bytes32 unknown = _digest("unknown");
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordNotFound.selector, unknown));
        vm.prank(hospital);
        records.logAccessBatch(_reads(ids[0], Purpose.Treatment, unknown, Purpose.Treatment));
    }

    /// @dev A reader with consent for the first read can't slip a second one through: a read of another patient,
    /// another purpose or another category of the same patient is checked on its own.
    function test_LogAccessBatch_RevertWhen_LaterReadLacksConsent() public {
        _grant(alice, hospital, _terms(_bit(LABS), 0, _purposeBit(Purpose.Treatment), expiry));

        // Another patient (bob gave nothing).
        _expectReadRefused(bob, LABS, Purpose.Treatment);
        vm.prank(hospital);
        records.logAccessBatch(_reads(ids[0], Purpose.Treatment, ids[3], Purpose.Treatment));

        // Another purpose, same record.
        _expectReadRefused(alice, LABS, Purpose.Research);
        vm.prank(hospital);
        records.logAccessBatch(_reads(ids[0], Purpose.Treatment, ids[0], Purpose.Research));

        // A record with one more category: the lowest category missing is named, as logAccess names it.
        _expectReadRefused(alice, IMAGING, Purpose.Treatment);
        vm.prank(hospital);
        records.logAccessBatch(_reads(ids[0], Purpose.Treatment, ids[2], Purpose.Treatment));

        // Back to a patient already checked after another one: checked again, not remembered.
        _grant(bob, hospital, _terms(_bit(LABS), 0, ALL_PURPOSES, expiry));
        vm.prank(alice);
        consent.revoke(hospital);
        _expectReadRefused(alice, LABS, Purpose.Treatment);
        vm.prank(hospital);
        records.logAccessBatch(_reads(ids[3], Purpose.Treatment, ids[0], Purpose.Treatment));
    }

    function test_LogAccessBatch_RevertWhen_SuspendedOrExpired() public {
        _grant(alice, hospital, _terms(_bit(LABS), 0, ALL_PURPOSES, expiry));
        vm.prank(REGISTRAR);
        directory.suspendProvider(hospital);
        _expectReadRefused(alice, LABS, Purpose.Treatment);
        vm.prank(hospital);
        records.logAccessBatch(_reads(ids[0], Purpose.Treatment, ids[0], Purpose.Payment));
        vm.prank(REGISTRAR);
        directory.reinstateProvider(hospital);

        vm.warp(expiry);
        _expectReadRefused(alice, LABS, Purpose.Treatment);
        vm.prank(hospital);
        records.logAccessBatch(_reads(ids[0], Purpose.Treatment, ids[0], Purpose.Payment));
    }

    /// @dev As with logAccess, a patient may log reads of its own records for any purpose, but not another's.
    function test_LogAccessBatch_ByPatient() public {
        _expectAccessed(ids[0], alice, alice, Purpose.Research);
        _expectAccessed(ids[2], alice, alice, Purpose.Payment);
        vm.prank(alice);
        records.logAccessBatch(_reads(ids[0], Purpose.Research, ids[2], Purpose.Payment));

        vm.expectRevert(
            abi.encodeWithSelector(
                IRecordRegistry.RecordReadConsentRequired.selector,
                bob,
                alice,
                LABS,
                Purpose.Research
            )
        );
        vm.prank(alice);
        records.logAccessBatch(_reads(ids[0], Purpose.Research, ids[3], Purpose.Research));
    }

    function _expectReadRefused(address patient, uint8 category, Purpose purpose) internal {
        vm.expectRevert(
            abi.encodeWithSelector(
                IRecordRegistry.RecordReadConsentRequired.selector,
                patient,
                hospital,
                category,
                purpose
            )
        );
    }

    // ---------------------------------------------------------------------------------------------------------
    // Fuzz: a batch equals its reads one by one
    // ---------------------------------------------------------------------------------------------------------

    /// @dev Random grants of alice and bob to the hospital (in `flags`: bit 0 / bit 1 widen alice's / bob's grant
    /// to every category and purpose of the fixture, so that long batches also succeed), a suspension when bits 2 and
    /// 3 are set, and 1 to 8 random reads (records of the fixture, random purposes; with bit 4, about one read in
    /// eight names an id that was never anchored). Each read is first logged alone with logAccess; then
    /// logAccessBatch of them all must revert with the first single call's error when one reverted, and otherwise
    /// emit exactly the logs the single calls emitted, in the same order.
    function testFuzz_LogAccessBatch_EqualsSingleCalls(
        uint64 aliceRead,
        uint32 alicePurposes,
        uint64 bobRead,
        uint32 bobPurposes,
        uint8 flags,
        uint256 readSeed,
        uint8 count
    ) public {
        uint64 fixture = _bit(LABS) | _bit(IMAGING) | _bit(VITALS);
        if (flags & 1 != 0) (aliceRead, alicePurposes) = (aliceRead | fixture, ALL_PURPOSES);
        if (flags & 2 != 0) (bobRead, bobPurposes) = (bobRead | fixture, ALL_PURPOSES);
        if (aliceRead != 0)
            _grant(alice, hospital, _terms(aliceRead, 0, uint32(bound(alicePurposes, 1, ALL_PURPOSES)), expiry));
        if (bobRead != 0)
            _grant(bob, hospital, _terms(bobRead, 0, uint32(bound(bobPurposes, 1, ALL_PURPOSES)), expiry));
        if (flags & 12 == 12) {
            vm.prank(REGISTRAR);
            directory.suspendProvider(hospital);
        }
        IRecordRegistry.AccessRead[] memory reads = new IRecordRegistry.AccessRead[](bound(count, 1, 8));
        for (uint256 i = 0; i < reads.length; ++i) {
            uint256 r = uint256(keccak256(abi.encode(readSeed, i)));
            bytes32 id = flags & 16 != 0 && r % 8 == 0 ? bytes32(r) : ids[(r >> 8) % 6];
            reads[i] = IRecordRegistry.AccessRead(id, Purpose((r >> 16) % PURPOSE_COUNT));
        }

        vm.recordLogs();
        bytes memory firstError;
        bool failed;
        for (uint256 i = 0; i < reads.length && !failed; ++i) {
            vm.prank(hospital);
            try records.logAccess(reads[i].recordId, reads[i].purpose) {} catch (bytes memory err) {
                (failed, firstError) = (true, err);
            }
        }
        Vm.Log[] memory single = vm.getRecordedLogs();

        if (failed) {
            vm.expectRevert(firstError);
            vm.prank(hospital);
            records.logAccessBatch(reads);
            return;
        }
        vm.prank(hospital);
        records.logAccessBatch(reads);
        Vm.Log[] memory batched = vm.getRecordedLogs();
        assertEq(batched.length, reads.length, "one event per read");
        assertEq(single.length, batched.length, "as many events as the single calls");
        for (uint256 i = 0; i < batched.length; ++i) {
            assertEq(batched[i].emitter, address(records), "emitter");
            assertEq(batched[i].topics, single[i].topics, "topics");
            assertEq(batched[i].data, single[i].data, "data");
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // logBatchAccesses
    // ---------------------------------------------------------------------------------------------------------

    function _batchReads(
        uint64 c0,
        Purpose p0,
        uint64 c1,
        Purpose p1
    ) internal pure returns (IRecordRegistry.BatchAccessRead[] memory reads) {
        reads = new IRecordRegistry.BatchAccessRead[](2);
        reads[0] = IRecordRegistry.BatchAccessRead(keccak256("leaf/0"), c0, p0);
        reads[1] = IRecordRegistry.BatchAccessRead(keccak256("leaf/1"), c1, p1);
    }

    function test_LogBatchAccesses_OneEventPerReadInOrder() public {
        _grant(alice, hospital, _terms(_bit(LABS) | _bit(IMAGING), 0, ALL_PURPOSES, expiry));
        _expectAccessed(keccak256("leaf/0"), alice, hospital, Purpose.Treatment);
        _expectAccessed(keccak256("leaf/1"), alice, hospital, Purpose.Payment);
        vm.prank(hospital);
        records.logBatchAccesses(
            batchId,
            _batchReads(_bit(LABS), Purpose.Treatment, _bit(LABS) | _bit(IMAGING), Purpose.Payment)
        );
    }

    function test_LogBatchAccesses_RevertWhen_EmptyOrBatchNotFound() public {
        vm.expectRevert(IRecordRegistry.RecordEmptyAccessBatch.selector);
        vm.prank(hospital);
        records.logBatchAccesses(batchId, new IRecordRegistry.BatchAccessRead[](0));

        bytes32 unknown = _digest("no batch");
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordBatchNotFound.selector, unknown));
        vm.prank(hospital);
        records.logBatchAccesses(unknown, _batchReads(_bit(LABS), Purpose.Treatment, _bit(LABS), Purpose.Treatment));
    }

    /// @dev A later read in a category the batch did not declare, or without consent, fails the whole call.
    function test_LogBatchAccesses_RevertWhen_LaterReadUndeclaredOrUnconsented() public {
        _grant(alice, hospital, _terms(_bit(LABS), 0, _purposeBit(Purpose.Treatment), expiry));
        vm.expectRevert(
            abi.encodeWithSelector(IRecordRegistry.RecordCategoryNotInBatch.selector, batchId, _bit(VITALS))
        );
        vm.prank(hospital);
        records.logBatchAccesses(batchId, _batchReads(_bit(LABS), Purpose.Treatment, _bit(VITALS), Purpose.Treatment));

        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordCategoryNotInBatch.selector, batchId, 0));
        vm.prank(hospital);
        records.logBatchAccesses(batchId, _batchReads(_bit(LABS), Purpose.Treatment, 0, Purpose.Treatment));

        _expectReadRefused(alice, IMAGING, Purpose.Treatment);
        vm.prank(hospital);
        records.logBatchAccesses(batchId, _batchReads(_bit(LABS), Purpose.Treatment, _bit(IMAGING), Purpose.Treatment));

        _expectReadRefused(alice, LABS, Purpose.Research);
        vm.prank(hospital);
        records.logBatchAccesses(batchId, _batchReads(_bit(LABS), Purpose.Treatment, _bit(LABS), Purpose.Research));
    }

    /// @dev As testFuzz_LogAccessBatch_EqualsSingleCalls, for reads of batch records against logBatchAccess: random
    /// grant (bit 0 of `flags` widens it to LABS and IMAGING for every purpose), suspension (bits 1 and 2), and 1 to
    /// 8 reads with random ids, purposes and masks (mostly LABS, IMAGING or both; with bit 3, some reads name VITALS,
    /// which the batch did not declare, or no category).
    function testFuzz_LogBatchAccesses_EqualsSingleCalls(
        uint64 readMask,
        uint32 purposes,
        uint8 flags,
        uint256 readSeed,
        uint8 count
    ) public {
        if (flags & 1 != 0) (readMask, purposes) = (readMask | _bit(LABS) | _bit(IMAGING), ALL_PURPOSES);
        if (readMask != 0)
            _grant(alice, hospital, _terms(readMask, 0, uint32(bound(purposes, 1, ALL_PURPOSES)), expiry));
        if (flags & 6 == 6) {
            vm.prank(REGISTRAR);
            directory.suspendProvider(hospital);
        }
        uint64[5] memory masks = [_bit(LABS), _bit(IMAGING), _bit(LABS) | _bit(IMAGING), _bit(VITALS), 0];
        IRecordRegistry.BatchAccessRead[] memory reads = new IRecordRegistry.BatchAccessRead[](bound(count, 1, 8));
        for (uint256 i = 0; i < reads.length; ++i) {
            uint256 r = uint256(keccak256(abi.encode(readSeed, i)));
            uint64 mask = masks[flags & 8 != 0 && r % 8 == 0 ? 3 + ((r >> 3) % 2) : (r >> 8) % 3];
            reads[i] = IRecordRegistry.BatchAccessRead(bytes32(r), mask, Purpose((r >> 16) % PURPOSE_COUNT));
        }

        vm.recordLogs();
        bytes memory firstError;
        bool failed;
        for (uint256 i = 0; i < reads.length && !failed; ++i) {
            vm.prank(hospital);
            try records.logBatchAccess(batchId, reads[i].recordId, reads[i].categories, reads[i].purpose) {} catch (
                bytes memory err
            ) {
                (failed, firstError) = (true, err);
            }
        }
        Vm.Log[] memory single = vm.getRecordedLogs();

        if (failed) {
            vm.expectRevert(firstError);
            vm.prank(hospital);
            records.logBatchAccesses(batchId, reads);
            return;
        }
        vm.prank(hospital);
        records.logBatchAccesses(batchId, reads);
        Vm.Log[] memory batched = vm.getRecordedLogs();
        assertEq(batched.length, reads.length, "one event per read");
        assertEq(single.length, batched.length, "as many events as the single calls");
        for (uint256 i = 0; i < batched.length; ++i) {
            assertEq(batched[i].emitter, address(records), "emitter");
            assertEq(batched[i].topics, single[i].topics, "topics");
            assertEq(batched[i].data, single[i].data, "data");
        }
    }
}
