// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IRecordRegistry} from "../../contracts/interfaces/IRecordRegistry.sol";
import {CarechainTest} from "./utils/Test.sol";

/// @notice The emergency custodian's key release for batch-anchored records (logBatchKeyRelease): the record is a
/// leaf of the batch's root in declared categories (OpenZeppelin Merkle proof, checked on chain), and the provider's
/// break-glass on the batch's patient covers every one of its categories.
contract RecordRegistryBatchKeyReleaseTest is CarechainTest {
    /// @dev IPS categories (in the default emergency set) and one outside it.
    uint8 internal constant ALLERGIES = 1;
    uint8 internal constant MEDICATIONS = 2;
    uint8 internal constant IMAGING = 7;
    uint64 internal constant HOUR = 1 hours;

    address internal ems;
    address internal custodian;

    /// @dev Four leaves of alice's batch: (recordId, category mask, keyringDigest).
    bytes32[4] internal ids;
    uint64[4] internal categories;
    bytes32[4] internal keyrings;
    bytes32[4] internal leaves;
    bytes32 internal root;
    bytes32 internal batchId;

    function setUp() public {
        _deploy();
        (ems, custodian) = _registerEmergencyCustodian();

        // Leaf 2 spans Allergies and Medications; leaf 3 is in Imaging, which the batch will not declare (its author
        // had no write consent for it).
        categories = [_bit(ALLERGIES), _bit(MEDICATIONS), _bit(ALLERGIES) | _bit(MEDICATIONS), _bit(IMAGING)];
        for (uint256 i = 0; i < 4; ++i) {
            ids[i] = _digest(string(abi.encode("alice.batch.record", i)));
            keyrings[i] = _digest(string(abi.encode("alice.batch.keyring", i)));
            leaves[i] = _leaf(ids[i], categories[i], keyrings[i]);
        }
        root = _hashPair(_hashPair(leaves[0], leaves[1]), _hashPair(leaves[2], leaves[3]));
        bytes memory manifest = _cid(_digest("alice.batch.manifest"));
        vm.prank(alice);
        batchId = records.anchorBatch(alice, root, _bit(ALLERGIES) | _bit(MEDICATIONS), 4, manifest);
    }

    /// @dev OpenZeppelin StandardMerkleTree leaf of (bytes32, uint64, bytes32).
    function _leaf(bytes32 recordId, uint64 mask, bytes32 keyringDigest) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(recordId, mask, keyringDigest))));
    }

    /// @dev OpenZeppelin's commutative pair hash.
    function _hashPair(bytes32 a, bytes32 b) internal pure returns (bytes32) {
        return a < b ? keccak256(abi.encode(a, b)) : keccak256(abi.encode(b, a));
    }

    /// @dev The proof of leaf `i` in the four-leaf tree.
    function _proof(uint256 i) internal view returns (bytes32[] memory proof) {
        proof = new bytes32[](2);
        proof[0] = leaves[i ^ 1];
        proof[1] = i < 2 ? _hashPair(leaves[2], leaves[3]) : _hashPair(leaves[0], leaves[1]);
    }

    function _release(address caller, uint256 i, address provider) internal {
        _releaseAs(caller, batchId, ids[i], categories[i], keyrings[i], _proof(i), provider);
    }

    function _releaseAs(
        address caller,
        bytes32 id,
        bytes32 recordId,
        uint64 mask,
        bytes32 keyringDigest,
        bytes32[] memory proof,
        address provider
    ) internal {
        vm.prank(caller);
        records.logBatchKeyRelease(id, recordId, mask, keyringDigest, proof, provider);
    }

    function _openBreakGlass() internal {
        vm.prank(ems);
        consent.openBreakGlass(alice, keccak256("salted justification"), HOUR);
    }

    function _expectNotInBatch(bytes32 recordId) internal {
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordNotInBatch.selector, batchId, recordId));
    }

    function _expectBreakGlassRequired(bytes32 recordId) internal {
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordBreakGlassRequired.selector, recordId, ems));
    }

    // ---------------------------------------------------------------------------------------------------------

    /// @dev The reported gap: batch-imported emergency records could not be released at all.
    function test_LogBatchKeyRelease_ByCustodianDuringBreakGlass() public {
        _openBreakGlass();
        for (uint256 i = 0; i < 3; ++i) {
            assertTrue(records.verifyBatchRecord(batchId, ids[i], categories[i], keyrings[i], _proof(i)), "a leaf");
            vm.expectEmit(true, true, true, true, address(records));
            emit IRecordRegistry.EmergencyKeyReleased(ids[i], alice, ems, custodian);
            _release(custodian, i, ems);
        }
    }

    function test_LogBatchKeyRelease_RevertWhen_NotCustodian() public {
        _openBreakGlass();
        address[4] memory callers = [ems, alice, hospital, STRANGER];
        for (uint256 i = 0; i < callers.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordNotEmergencyCustodian.selector, callers[i]));
            _release(callers[i], 0, ems);
        }
    }

    function test_LogBatchKeyRelease_RevertWhen_BatchNotFound() public {
        _openBreakGlass();
        // The root itself is not the batch's id (batches are keyed by patient, author and root).
        bytes32[2] memory unknown = [root, keccak256("no such batch")];
        for (uint256 i = 0; i < unknown.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordBatchNotFound.selector, unknown[i]));
            _releaseAs(custodian, unknown[i], ids[0], categories[0], keyrings[0], _proof(0), ems);
        }
    }

    /// @dev A hostile provider (or a confused custodian) can't have a release logged for anything that is not a leaf
    /// of the batch in a declared category: a wrong proof, an altered category or keyring, a record of no batch.
    function test_LogBatchKeyRelease_RevertWhen_NotALeaf() public {
        _openBreakGlass();
        _expectNotInBatch(ids[0]);
        _releaseAs(custodian, batchId, ids[0], categories[0], keyrings[0], _proof(1), ems);
        _expectNotInBatch(ids[0]);
        _releaseAs(custodian, batchId, ids[0], _bit(MEDICATIONS), keyrings[0], _proof(0), ems);
        _expectNotInBatch(ids[0]);
        _releaseAs(custodian, batchId, ids[0], categories[0], keyrings[1], _proof(0), ems);
        bytes32 stranger = _digest("not in any batch");
        _expectNotInBatch(stranger);
        _releaseAs(custodian, batchId, stranger, _bit(ALLERGIES), keyrings[0], _proof(0), ems);
        _expectNotInBatch(ids[0]);
        _releaseAs(custodian, batchId, ids[0], categories[0], keyrings[0], new bytes32[](0), ems);
        // Claiming a narrower mask for the two-category leaf (to pass the emergency check) breaks the proof.
        _expectNotInBatch(ids[2]);
        _releaseAs(custodian, batchId, ids[2], _bit(ALLERGIES), keyrings[2], _proof(2), ems);
    }

    /// @dev A leaf in a category the batch did not declare is not a record of it, even with a valid proof (and
    /// even if that category is emergency-readable).
    function test_LogBatchKeyRelease_RevertWhen_CategoryNotDeclared() public {
        vm.prank(alice);
        consent.setEmergencyCategories(alice, _bit(ALLERGIES) | _bit(IMAGING));
        _openBreakGlass();
        _expectNotInBatch(ids[3]);
        _release(custodian, 3, ems);
    }

    function test_LogBatchKeyRelease_RevertWhen_NoBreakGlassOrNotCovered() public {
        _expectBreakGlassRequired(ids[0]);
        _release(custodian, 0, ems);

        // Medications out of alice's emergency categories: neither the medications record nor the one that spans
        // allergies and medications is covered.
        vm.prank(alice);
        consent.setEmergencyCategories(alice, _bit(ALLERGIES));
        _openBreakGlass();
        _release(custodian, 0, ems);
        _expectBreakGlassRequired(ids[1]);
        _release(custodian, 1, ems);
        _expectBreakGlassRequired(ids[2]);
        _release(custodian, 2, ems);

        // Closed, expired, suspended.
        vm.prank(alice);
        consent.closeBreakGlass(alice, ems);
        _expectBreakGlassRequired(ids[0]);
        _release(custodian, 0, ems);
        vm.warp(START + 1 days);
        _openBreakGlass();
        vm.warp(START + 1 days + HOUR);
        _expectBreakGlassRequired(ids[0]);
        _release(custodian, 0, ems);
        vm.warp(START + 2 days);
        _openBreakGlass();
        vm.prank(REGISTRAR);
        directory.suspendProvider(ems);
        _expectBreakGlassRequired(ids[0]);
        _release(custodian, 0, ems);
    }

    /// @dev Break-glass on another patient does not cover alice's batch.
    function test_LogBatchKeyRelease_RevertWhen_BreakGlassOnAnotherPatient() public {
        vm.prank(ems);
        consent.openBreakGlass(bob, keccak256("salted justification"), HOUR);
        _expectBreakGlassRequired(ids[0]);
        _release(custodian, 0, ems);
    }

    /// @dev For any emergency categories, a declared leaf is released exactly when all its categories are in them.
    function testFuzz_LogBatchKeyRelease_FollowsEmergencyCategories(uint64 mask, uint8 leaf) public {
        uint256 i = bound(leaf, 0, 2);
        vm.prank(alice);
        consent.setEmergencyCategories(alice, mask);
        _openBreakGlass();
        if (mask & categories[i] != categories[i]) _expectBreakGlassRequired(ids[i]);
        else {
            vm.expectEmit(true, true, true, true, address(records));
            emit IRecordRegistry.EmergencyKeyReleased(ids[i], alice, ems, custodian);
        }
        _release(custodian, i, ems);
    }
}
