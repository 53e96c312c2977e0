// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IConsentRegistry} from "../../contracts/interfaces/IConsentRegistry.sol";
import {IRecordRegistry} from "../../contracts/interfaces/IRecordRegistry.sol";
import {Purpose} from "../../contracts/types/Purpose.sol";
import {CarechainTest} from "./utils/Test.sol";
import {Vm} from "./utils/Vm.sol";

/// @notice Erasure markers (crypto-shredding, GDPR art. 17): only the patient or an active delegate marks a record
/// version or batch erased; once erased, no read can be logged, no key released, no keyring published and no
/// amendment anchored for it, while every other record stays usable.
contract RecordRegistryErasureTest is CarechainTest {
    uint8 internal constant ALLERGIES = 1;
    uint8 internal constant MEDICATIONS = 2;
    uint64 internal constant HOUR = 1 hours;

    address internal constant GUARDIAN = address(uint160(uint256(keccak256("carechain.test.erasure.guardian"))));

    address internal ems;
    address internal custodian;
    bytes32 internal meds;
    bytes32 internal allergies;
    bytes32 internal bobMeds;
    bytes32 internal batchId;

    function setUp() public {
        _deploy();
        (ems, custodian) = _registerEmergencyCustodian();

        meds = _anchor(alice, MEDICATIONS, "alice.meds");
        allergies = _anchor(alice, ALLERGIES, "alice.allergies");
        bobMeds = _anchor(bob, MEDICATIONS, "bob.meds");
        bytes memory manifest = _cid(_digest("alice.batch.manifest"));
        vm.prank(alice);
        batchId = records.anchorBatch(alice, keccak256("root"), _bit(MEDICATIONS), 2, manifest);

        // The hospital reads and writes alice's medications for treatment; the guardian is alice's delegate.
        _grant(alice, hospital, _terms(_bit(MEDICATIONS), _bit(MEDICATIONS), ALL_PURPOSES, uint64(START + 30 days)));
        vm.prank(alice);
        consent.addDelegate(alice, GUARDIAN, IConsentRegistry.DelegateKind.Guardian);
    }

    function _anchor(address patient, uint8 category, string memory name) internal returns (bytes32) {
        bytes memory contentCid = _cid(_digest(name));
        bytes memory keyringCid = _cid(_digest(string.concat(name, ".keyring")));
        vm.prank(patient);
        return records.anchor(patient, _bit(category), contentCid, keyringCid, bytes32(0));
    }

    function _one(bytes32 id) internal pure returns (bytes32[] memory ids) {
        ids = new bytes32[](1);
        ids[0] = id;
    }

    function _none() internal pure returns (bytes32[] memory) {
        return new bytes32[](0);
    }

    function _erase(address caller, bytes32[] memory recordIds, bytes32[] memory batchIds) internal {
        vm.prank(caller);
        records.markErased(recordIds, batchIds);
    }

    function _expectErased(bytes32 id) internal {
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordErased.selector, id));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Who may erase
    // ---------------------------------------------------------------------------------------------------------

    function test_MarkErased_ByPatient_EmitsAndFlags() public {
        vm.expectEmit(true, true, true, true, address(records));
        emit IRecordRegistry.ErasureMarked(meds, alice, alice, false);
        vm.expectEmit(true, true, true, true, address(records));
        emit IRecordRegistry.ErasureMarked(batchId, alice, alice, true);
        _erase(alice, _one(meds), _one(batchId));
        assertTrue(records.record(meds).erased, "record erased");
        assertTrue(records.batch(batchId).erased, "batch erased");
        assertFalse(records.record(allergies).erased, "another record is not");
        // The anchor stays: patient, categories and version are still there.
        assertEq(records.record(meds).patient, alice, "anchor kept");
        assertEq(records.recordCount(alice), 2, "index kept");
    }

    function test_MarkErased_ByActiveDelegate() public {
        vm.expectEmit(true, true, true, true, address(records));
        emit IRecordRegistry.ErasureMarked(meds, alice, GUARDIAN, false);
        _erase(GUARDIAN, _one(meds), _none());
        assertTrue(records.record(meds).erased);
    }

    function test_MarkErased_RevertWhen_RemovedDelegate() public {
        vm.prank(alice);
        consent.removeDelegate(alice, GUARDIAN);
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordUnauthorizedEraser.selector, meds, GUARDIAN));
        _erase(GUARDIAN, _one(meds), _none());
    }

    function test_MarkErased_RevertWhen_AuthorOrGranteeOrOtherPatient() public {
        // The hospital authors and reads alice's records, but the right to erase is the patient's.
        bytes memory contentCid = _cid(_digest("alice.hospital.meds"));
        bytes memory keyringCid = _cid(_digest("alice.hospital.meds.keyring"));
        vm.prank(hospital);
        bytes32 authored = records.anchor(alice, _bit(MEDICATIONS), contentCid, keyringCid, bytes32(0));
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordUnauthorizedEraser.selector, authored, hospital));
        _erase(hospital, _one(authored), _none());
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordUnauthorizedEraser.selector, meds, bob));
        _erase(bob, _one(meds), _none());
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordUnauthorizedEraser.selector, batchId, custodian));
        _erase(custodian, _none(), _one(batchId));
    }

    function test_MarkErased_AllOrNothing() public {
        // One id the caller may not erase reverts the whole call: alice's own record is not erased either.
        bytes32[] memory ids = new bytes32[](2);
        (ids[0], ids[1]) = (meds, bobMeds);
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordUnauthorizedEraser.selector, bobMeds, alice));
        _erase(alice, ids, _none());
        assertFalse(records.record(meds).erased);
    }

    function test_MarkErased_RevertWhen_Unknown() public {
        bytes32 unknown = keccak256("unknown");
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordNotFound.selector, unknown));
        _erase(alice, _one(unknown), _none());
        // A batch id is not a record id, and the other way round.
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordNotFound.selector, batchId));
        _erase(alice, _one(batchId), _none());
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordBatchNotFound.selector, meds));
        _erase(alice, _none(), _one(meds));
    }

    function test_MarkErased_TwiceIsIdempotent() public {
        _erase(alice, _one(meds), _one(batchId));
        vm.recordLogs();
        _erase(GUARDIAN, _one(meds), _one(batchId));
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, 0, "no second event");
        assertTrue(records.record(meds).erased);
    }

    /// @dev Any caller that is neither alice nor her delegate is refused, for records and batches alike.
    function testFuzz_MarkErased_RevertWhen_NotPatientOrDelegate(address caller, bool batch) public {
        vm.assume(!_isFixture(caller) && caller != GUARDIAN && caller != ems && caller != custodian);
        bytes32 id = batch ? batchId : meds;
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordUnauthorizedEraser.selector, id, caller));
        vm.prank(caller);
        if (batch) records.markErased(_none(), _one(id));
        else records.markErased(_one(id), _none());
    }

    // ---------------------------------------------------------------------------------------------------------
    // What an erased record refuses
    // ---------------------------------------------------------------------------------------------------------

    function test_Erased_RefusesReadsKeyringsAndAmendments() public {
        _erase(alice, _one(meds), _none());

        _expectErased(meds);
        vm.prank(hospital);
        records.logAccess(meds, Purpose.Treatment);

        IRecordRegistry.AccessRead[] memory reads = new IRecordRegistry.AccessRead[](2);
        reads[0] = IRecordRegistry.AccessRead(allergies, Purpose.Treatment);
        reads[1] = IRecordRegistry.AccessRead(meds, Purpose.Treatment);
        _expectErased(meds);
        vm.prank(alice);
        records.logAccessBatch(reads);

        bytes[] memory cids = new bytes[](1);
        cids[0] = _cid(_digest("alice.meds.keyring.2"));
        _expectErased(meds);
        vm.prank(alice);
        records.publishKeyrings(_one(meds), cids);

        bytes memory contentCid = _cid(_digest("alice.meds.v2"));
        bytes memory keyringCid = _cid(_digest("alice.meds.v2.keyring"));
        _expectErased(meds);
        vm.prank(alice);
        records.anchor(alice, _bit(MEDICATIONS), contentCid, keyringCid, meds);
    }

    function test_Erased_EmergencyCustodianCannotRelease() public {
        vm.prank(ems);
        consent.openBreakGlass(alice, keccak256("salted justification"), HOUR);
        // Before erasure the release is logged; after it, never again.
        vm.prank(custodian);
        records.logKeyRelease(allergies, ems);
        _erase(alice, _one(allergies), _one(batchId));
        _expectErased(allergies);
        vm.prank(custodian);
        records.logKeyRelease(allergies, ems);
        _expectErased(batchId);
        vm.prank(custodian);
        records.logBatchKeyRelease(batchId, keccak256("leaf"), _bit(MEDICATIONS), bytes32(0), _none(), ems);
    }

    function test_ErasedBatch_RefusesReads() public {
        _erase(alice, _none(), _one(batchId));
        _expectErased(batchId);
        vm.prank(hospital);
        records.logBatchAccess(batchId, keccak256("leaf"), _bit(MEDICATIONS), Purpose.Treatment);
        IRecordRegistry.BatchAccessRead[] memory reads = new IRecordRegistry.BatchAccessRead[](1);
        reads[0] = IRecordRegistry.BatchAccessRead(keccak256("leaf"), _bit(MEDICATIONS), Purpose.Treatment);
        _expectErased(batchId);
        vm.prank(hospital);
        records.logBatchAccesses(batchId, reads);
    }

    function test_Erased_OtherRecordsStayUsable() public {
        _erase(alice, _one(allergies), _none());
        vm.prank(hospital);
        records.logAccess(meds, Purpose.Treatment);
        vm.prank(hospital);
        records.logBatchAccess(batchId, keccak256("leaf"), _bit(MEDICATIONS), Purpose.Treatment);
        bytes[] memory cids = new bytes[](1);
        cids[0] = _cid(_digest("bob.meds.keyring.2"));
        vm.prank(bob);
        records.publishKeyrings(_one(bobMeds), cids);
    }
}
