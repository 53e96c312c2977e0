// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IConsentRegistry} from "../../contracts/interfaces/IConsentRegistry.sol";
import {IDirectory} from "../../contracts/interfaces/IDirectory.sol";
import {IRecordRegistry} from "../../contracts/interfaces/IRecordRegistry.sol";
import {Action} from "../../contracts/types/Action.sol";
import {Purpose} from "../../contracts/types/Purpose.sol";
import {CarechainTest} from "./utils/Test.sol";

/// @notice Record keys following consent: extra keyrings published by the patient, a delegate or a current reader,
/// and the emergency custodian's key releases during break-glass.
contract RecordRegistryKeysTest is CarechainTest {
    /// @dev An IPS category (in the default emergency set) and one outside it.
    uint8 internal constant MEDICATIONS = 2;
    uint8 internal constant IMAGING = 7;
    uint256 internal constant EMS_PK = 0xE3E3;
    uint256 internal constant EMS2_PK = 0xE3E4;
    uint256 internal constant CUSTODIAN_PK = 0xC057;
    uint64 internal constant HOUR = 1 hours;

    address internal constant GUARDIAN = address(uint160(uint256(keccak256("carechain.test.keys.guardian"))));
    address internal constant PROXY = address(uint160(uint256(keccak256("carechain.test.keys.proxy"))));

    address internal ems;
    address internal ems2;
    address internal custodian;

    /// @dev alice's medications record (IPS) and imaging record (not IPS), bob's medications record.
    bytes32 internal aliceMeds;
    bytes32 internal aliceImaging;
    bytes32 internal bobMeds;

    function setUp() public {
        _deploy();
        ems = vm.addr(EMS_PK);
        ems2 = vm.addr(EMS2_PK);
        custodian = vm.addr(CUSTODIAN_PK);
        vm.label(ems, "ems");
        vm.label(ems2, "ems2");
        vm.label(custodian, "custodian");
        vm.label(GUARDIAN, "guardian");
        vm.label(PROXY, "proxy");
        vm.startPrank(REGISTRAR);
        directory.registerProvider(ems, IDirectory.ProviderKind.Emergency, _x25519("ems.x25519"));
        directory.registerProvider(ems2, IDirectory.ProviderKind.Emergency, _x25519("ems2.x25519"));
        directory.registerProvider(custodian, IDirectory.ProviderKind.Emergency, _x25519("custodian.x25519"));
        vm.stopPrank();

        aliceMeds = _anchor(alice, MEDICATIONS, "alice.meds");
        aliceImaging = _anchor(alice, IMAGING, "alice.imaging");
        bobMeds = _anchor(bob, MEDICATIONS, "bob.meds");

        vm.startPrank(alice);
        consent.addDelegate(alice, GUARDIAN, IConsentRegistry.DelegateKind.Guardian);
        consent.addDelegate(alice, PROXY, IConsentRegistry.DelegateKind.Proxy);
        vm.stopPrank();
    }

    // ---------------------------------------------------------------------------------------------------------
    // Helpers
    // ---------------------------------------------------------------------------------------------------------

    /// @dev The patient anchors its own record `name` in `category`.
    function _anchor(address patient, uint8 category, string memory name) internal returns (bytes32 recordId) {
        // Built before the prank: sha256 is a precompile call, which would take the prank.
        bytes memory contentCid = _cid(_digest(name));
        bytes memory keyringCid = _cid(_digest(string.concat(name, ".keyring")));
        vm.prank(patient);
        recordId = records.anchor(patient, _bit(category), contentCid, keyringCid, bytes32(0));
        assertEq(recordId, keccak256(abi.encode(patient, patient, _digest(name))), "record id");
    }

    function _ids(bytes32 a) internal pure returns (bytes32[] memory ids) {
        ids = new bytes32[](1);
        ids[0] = a;
    }

    function _ids(bytes32 a, bytes32 b) internal pure returns (bytes32[] memory ids) {
        ids = new bytes32[](2);
        (ids[0], ids[1]) = (a, b);
    }

    function _cids(bytes memory a) internal pure returns (bytes[] memory cids) {
        cids = new bytes[](1);
        cids[0] = a;
    }

    function _cids(bytes memory a, bytes memory b) internal pure returns (bytes[] memory cids) {
        cids = new bytes[](2);
        (cids[0], cids[1]) = (a, b);
    }

    function _publish(address publisher, bytes32[] memory ids, bytes[] memory cids) internal {
        vm.prank(publisher);
        records.publishKeyrings(ids, cids);
    }

    function _setCustodian(address account) internal {
        vm.prank(ADMIN);
        directory.setEmergencyCustodian(account);
    }

    function _openBreakGlass(address provider, address patient) internal {
        vm.prank(provider);
        consent.openBreakGlass(patient, keccak256("justification"), HOUR);
    }

    function _release(address caller, bytes32 recordId, address provider) internal {
        vm.prank(caller);
        records.logKeyRelease(recordId, provider);
    }

    function _expectBreakGlassRequired(bytes32 recordId, address provider) internal {
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordBreakGlassRequired.selector, recordId, provider));
    }

    // ---------------------------------------------------------------------------------------------------------
    // publishKeyrings
    // ---------------------------------------------------------------------------------------------------------

    function test_PublishKeyrings_ByPatient_OneEventEach() public {
        bytes memory k1 = _cid(_digest("alice.meds.keyring.hospital"));
        bytes memory k2 = _cidDagPb(_digest("alice.imaging.keyring.hospital"));

        vm.expectEmit(true, true, true, true, address(records));
        emit IRecordRegistry.KeyringPublished(aliceMeds, alice, alice, k1);
        vm.expectEmit(true, true, true, true, address(records));
        emit IRecordRegistry.KeyringPublished(aliceImaging, alice, alice, k2);
        _publish(alice, _ids(aliceMeds, aliceImaging), _cids(k1, k2));

        // No state: the records are unchanged.
        assertEq(records.recordCount(alice), 2, "count");
        assertEq(records.record(aliceMeds).version, 1, "version");
    }

    function test_PublishKeyrings_ByDelegates() public {
        bytes memory k1 = _cid(_digest("k1"));
        vm.expectEmit(true, true, true, true, address(records));
        emit IRecordRegistry.KeyringPublished(aliceMeds, alice, GUARDIAN, k1);
        _publish(GUARDIAN, _ids(aliceMeds), _cids(k1));

        bytes memory k2 = _cid(_digest("k2"));
        vm.expectEmit(true, true, true, true, address(records));
        emit IRecordRegistry.KeyringPublished(aliceImaging, alice, PROXY, k2);
        _publish(PROXY, _ids(aliceImaging), _cids(k2));
    }

    function test_PublishKeyrings_SameRecordTwice() public {
        bytes memory k1 = _cid(_digest("k1"));
        bytes memory k2 = _cid(_digest("k2"));
        vm.expectEmit(true, true, true, true, address(records));
        emit IRecordRegistry.KeyringPublished(aliceMeds, alice, alice, k1);
        vm.expectEmit(true, true, true, true, address(records));
        emit IRecordRegistry.KeyringPublished(aliceMeds, alice, alice, k2);
        _publish(alice, _ids(aliceMeds, aliceMeds), _cids(k1, k2));
    }

    function test_PublishKeyrings_Empty() public {
        _publish(alice, new bytes32[](0), new bytes[](0));
        // Anyone may publish nothing.
        _publish(STRANGER, new bytes32[](0), new bytes[](0));
    }

    function test_PublishKeyrings_RevertWhen_NotPatientDelegateAuthorOrReader() public {
        // The hospital wrote a record for alice with a write-only grant: it is the author, the lab is nobody.
        _grant(alice, hospital, _terms(0, _bit(IMAGING), ALL_PURPOSES, uint64(START + 30 days)));
        bytes memory contentCid = _cid(_digest("hospital.imaging"));
        bytes memory keyringCid = _cid(_digest("hospital.imaging.keyring"));
        vm.prank(hospital);
        bytes32 byHospital = records.anchor(alice, _bit(IMAGING), contentCid, keyringCid, bytes32(0));

        bytes memory k = _cid(_digest("k"));
        address[5] memory actors = [STRANGER, bob, lab, ems, ADMIN];
        for (uint256 i = 0; i < actors.length; ++i) {
            vm.expectRevert(
                abi.encodeWithSelector(IRecordRegistry.RecordUnauthorizedPublisher.selector, byHospital, actors[i])
            );
            _publish(actors[i], _ids(byHospital), _cids(k));
        }
        // alice's delegate for bob's record.
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordUnauthorizedPublisher.selector, bobMeds, PROXY));
        _publish(PROXY, _ids(bobMeds), _cids(k));
    }

    /// @dev A current reader of the record's category (a grantee relaying keyrings its patient prepared) may publish.
    function test_PublishKeyrings_ByCurrentReader() public {
        _grant(alice, hospital, _terms(_bit(IMAGING), 0, _purposeBit(Purpose.Research), uint64(START + HOUR)));
        bytes memory k = _cid(_digest("k"));

        vm.expectEmit(true, true, true, true, address(records));
        emit IRecordRegistry.KeyringPublished(aliceImaging, alice, hospital, k);
        _publish(hospital, _ids(aliceImaging), _cids(k));

        // Only for the categories it reads.
        vm.expectRevert(
            abi.encodeWithSelector(IRecordRegistry.RecordUnauthorizedPublisher.selector, aliceMeds, hospital)
        );
        _publish(hospital, _ids(aliceImaging, aliceMeds), _cids(k, k));
        vm.expectRevert(
            abi.encodeWithSelector(IRecordRegistry.RecordUnauthorizedPublisher.selector, bobMeds, hospital)
        );
        _publish(hospital, _ids(bobMeds), _cids(k));

        // Not once suspended, ...
        vm.prank(REGISTRAR);
        directory.suspendProvider(hospital);
        vm.expectRevert(
            abi.encodeWithSelector(IRecordRegistry.RecordUnauthorizedPublisher.selector, aliceImaging, hospital)
        );
        _publish(hospital, _ids(aliceImaging), _cids(k));
        vm.prank(REGISTRAR);
        directory.reinstateProvider(hospital);
        _publish(hospital, _ids(aliceImaging), _cids(k));

        // ... nor once the grant expired, ...
        vm.warp(START + HOUR);
        vm.expectRevert(
            abi.encodeWithSelector(IRecordRegistry.RecordUnauthorizedPublisher.selector, aliceImaging, hospital)
        );
        _publish(hospital, _ids(aliceImaging), _cids(k));

        // ... nor once revoked.
        _grant(alice, hospital, _terms(_bit(IMAGING), 0, ALL_PURPOSES, uint64(START + 30 days)));
        _publish(hospital, _ids(aliceImaging), _cids(k));
        vm.prank(alice);
        consent.revoke(hospital);
        vm.expectRevert(
            abi.encodeWithSelector(IRecordRegistry.RecordUnauthorizedPublisher.selector, aliceImaging, hospital)
        );
        _publish(hospital, _ids(aliceImaging), _cids(k));
    }

    /// @dev Break-glass read access does not make a publisher: any credentialed emergency provider can open it on
    /// any patient, and a keyring it published would be one more object every reader has to fetch and pass over.
    function test_PublishKeyrings_RevertWhen_BreakGlassReader() public {
        bytes memory k = _cid(_digest("k"));
        _openBreakGlass(ems, alice);
        assertTrue(consent.canAccessForPurpose(alice, ems, MEDICATIONS, Action.Read, Purpose.BreakTheGlass), "reads");
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordUnauthorizedPublisher.selector, aliceMeds, ems));
        _publish(ems, _ids(aliceMeds), _cids(k));
        vm.expectRevert(
            abi.encodeWithSelector(IRecordRegistry.RecordUnauthorizedPublisher.selector, aliceImaging, ems)
        );
        _publish(ems, _ids(aliceImaging), _cids(k));
    }

    /// @dev The record's author may publish keyrings for it (e.g. re-wrapping for its rotated key) even after its
    /// grant is gone, for that record only, and not while suspended.
    function test_PublishKeyrings_ByAuthor() public {
        _grant(alice, hospital, _terms(0, _bit(IMAGING), ALL_PURPOSES, uint64(START + HOUR)));
        bytes memory contentCid = _cid(_digest("hospital.imaging"));
        bytes memory keyringCid = _cid(_digest("hospital.imaging.keyring"));
        vm.prank(hospital);
        bytes32 byHospital = records.anchor(alice, _bit(IMAGING), contentCid, keyringCid, bytes32(0));
        bytes memory k = _cid(_digest("k"));

        vm.expectEmit(true, true, true, true, address(records));
        emit IRecordRegistry.KeyringPublished(byHospital, alice, hospital, k);
        _publish(hospital, _ids(byHospital), _cids(k));

        vm.warp(START + HOUR);
        _publish(hospital, _ids(byHospital), _cids(k));
        vm.expectRevert(
            abi.encodeWithSelector(IRecordRegistry.RecordUnauthorizedPublisher.selector, aliceImaging, hospital)
        );
        _publish(hospital, _ids(aliceImaging), _cids(k));

        vm.prank(REGISTRAR);
        directory.suspendProvider(hospital);
        vm.expectRevert(
            abi.encodeWithSelector(IRecordRegistry.RecordUnauthorizedPublisher.selector, byHospital, hospital)
        );
        _publish(hospital, _ids(byHospital), _cids(k));
    }

    /// @dev Fuzz: an account that is not alice, her delegates, the author (alice) or a grantee never publishes, with
    /// or without an open break-glass.
    function testFuzz_PublishKeyrings_RevertWhen_Unrelated(address account, bool breakGlass) public {
        vm.assume(account != alice && account != GUARDIAN && account != PROXY && account != address(0));
        vm.assume(account != address(vm) && account.code.length == 0);
        if (breakGlass) {
            if (account != ems && account != ems2 && account != custodian) {
                vm.assume(directory.encryptionKeyOf(account) == bytes32(0)); // not registered yet
                // A canonical X25519 encoding: the high bit of the last byte clear.
                bytes32 key = bytes32(uint256(keccak256(abi.encode(account))) & ~uint256(0x80));
                vm.prank(REGISTRAR);
                directory.registerProvider(account, IDirectory.ProviderKind.Emergency, key);
            }
            if (consent.breakGlassExpiry(alice, account) <= block.timestamp) _openBreakGlass(account, alice);
        }
        bytes memory k = _cid(_digest("k"));
        vm.expectRevert(
            abi.encodeWithSelector(IRecordRegistry.RecordUnauthorizedPublisher.selector, aliceMeds, account)
        );
        _publish(account, _ids(aliceMeds), _cids(k));
    }

    /// @dev One unauthorized entry fails the whole call, even after authorized ones.
    function test_PublishKeyrings_RevertWhen_MixedPatients() public {
        bytes memory k = _cid(_digest("k"));
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordUnauthorizedPublisher.selector, bobMeds, alice));
        _publish(alice, _ids(aliceMeds, bobMeds), _cids(k, k));
    }

    function test_PublishKeyrings_RevertWhen_DelegateRemoved() public {
        vm.prank(alice);
        consent.removeDelegate(alice, PROXY);
        bytes memory k = _cid(_digest("k"));
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordUnauthorizedPublisher.selector, aliceMeds, PROXY));
        _publish(PROXY, _ids(aliceMeds), _cids(k));
    }

    function test_PublishKeyrings_RevertWhen_LengthMismatch() public {
        bytes memory k = _cid(_digest("k"));
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordLengthMismatch.selector, 2, 1));
        _publish(alice, _ids(aliceMeds, aliceImaging), _cids(k));

        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordLengthMismatch.selector, 1, 2));
        _publish(alice, _ids(aliceMeds), _cids(k, k));

        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordLengthMismatch.selector, 0, 1));
        _publish(alice, new bytes32[](0), _cids(k));

        // Checked first, even for a stranger.
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordLengthMismatch.selector, 1, 0));
        _publish(STRANGER, _ids(aliceMeds), new bytes[](0));
    }

    function test_PublishKeyrings_RevertWhen_InvalidCid() public {
        bytes32 d = _digest("k");
        bytes[7] memory invalid = [
            bytes(""),
            abi.encodePacked(bytes4(0x01551220), bytes31(d)), // 35 bytes
            abi.encodePacked(bytes4(0x01551220), d, bytes1(0)), // 37 bytes
            abi.encodePacked(bytes4(0x00551220), d), // CID version 0
            abi.encodePacked(bytes4(0x01711220), d), // dag-cbor codec
            abi.encodePacked(bytes4(0x01551320), d), // sha3-512 multihash code
            abi.encodePacked(bytes4(0x01551221), d) // digest length 33
        ];
        for (uint256 i = 0; i < invalid.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordInvalidCid.selector, invalid[i]));
            _publish(alice, _ids(aliceMeds), _cids(invalid[i]));
        }
        // The second entry is checked too.
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordInvalidCid.selector, invalid[4]));
        _publish(alice, _ids(aliceMeds, aliceImaging), _cids(_cid(d), invalid[4]));
    }

    function test_PublishKeyrings_RevertWhen_RecordNotFound() public {
        bytes32 unknown = _digest("never anchored");
        bytes memory k = _cid(_digest("k"));
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordNotFound.selector, unknown));
        _publish(alice, _ids(unknown), _cids(k));
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordNotFound.selector, unknown));
        _publish(alice, _ids(aliceMeds, unknown), _cids(k, k));
    }

    // ---------------------------------------------------------------------------------------------------------
    // logKeyRelease
    // ---------------------------------------------------------------------------------------------------------

    function test_LogKeyRelease_ByCustodianDuringBreakGlass() public {
        _setCustodian(custodian);
        _openBreakGlass(ems, alice);

        vm.expectEmit(true, true, true, true, address(records));
        emit IRecordRegistry.EmergencyKeyReleased(aliceMeds, alice, ems, custodian);
        _release(custodian, aliceMeds, ems);
    }

    /// @dev The custodian may release to itself when it opened the break-glass.
    function test_LogKeyRelease_CustodianAsProvider() public {
        _setCustodian(custodian);
        _openBreakGlass(custodian, alice);
        vm.expectEmit(true, true, true, true, address(records));
        emit IRecordRegistry.EmergencyKeyReleased(aliceMeds, alice, custodian, custodian);
        _release(custodian, aliceMeds, custodian);
    }

    function test_LogKeyRelease_RevertWhen_NotCustodian() public {
        _setCustodian(custodian);
        _openBreakGlass(ems, alice);
        // The provider itself, the patient, an admin, the registrar, another emergency provider.
        address[6] memory callers = [ems, ems2, alice, ADMIN, REGISTRAR, STRANGER];
        for (uint256 i = 0; i < callers.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordNotEmergencyCustodian.selector, callers[i]));
            _release(callers[i], aliceMeds, ems);
        }
    }

    function test_LogKeyRelease_RevertWhen_NoCustodianNamed() public {
        _openBreakGlass(ems, alice);
        assertEq(directory.emergencyCustodian(), address(0), "none");
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordNotEmergencyCustodian.selector, custodian));
        _release(custodian, aliceMeds, ems);
    }

    function test_LogKeyRelease_RevertWhen_CustodianReplacedOrRemoved() public {
        _setCustodian(custodian);
        _openBreakGlass(ems, alice);
        _release(custodian, aliceMeds, ems);

        _setCustodian(ems2);
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordNotEmergencyCustodian.selector, custodian));
        _release(custodian, aliceMeds, ems);
        _release(ems2, aliceMeds, ems);

        _setCustodian(address(0));
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordNotEmergencyCustodian.selector, ems2));
        _release(ems2, aliceMeds, ems);
    }

    function test_LogKeyRelease_RevertWhen_RecordNotFound() public {
        _setCustodian(custodian);
        bytes32 unknown = _digest("never anchored");
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordNotFound.selector, unknown));
        _release(custodian, unknown, ems);
        // The custodian check comes first.
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordNotEmergencyCustodian.selector, STRANGER));
        _release(STRANGER, unknown, ems);
    }

    function test_LogKeyRelease_RevertWhen_NoBreakGlass() public {
        _setCustodian(custodian);
        _expectBreakGlassRequired(aliceMeds, ems);
        _release(custodian, aliceMeds, ems);

        // Another provider's break-glass, or one on another patient, doesn't count.
        _openBreakGlass(ems2, alice);
        _openBreakGlass(ems, bob);
        _expectBreakGlassRequired(aliceMeds, ems);
        _release(custodian, aliceMeds, ems);
        _release(custodian, bobMeds, ems);
        _release(custodian, aliceMeds, ems2);

        // A consent grant is not break-glass.
        _grant(alice, hospital, _terms(ALL_CATEGORIES, 0, ALL_PURPOSES, uint64(START + 30 days)));
        _expectBreakGlassRequired(aliceMeds, hospital);
        _release(custodian, aliceMeds, hospital);
    }

    function test_LogKeyRelease_RevertWhen_BreakGlassExpiredOrClosed() public {
        _setCustodian(custodian);
        _openBreakGlass(ems, alice);
        vm.warp(START + HOUR - 1);
        _release(custodian, aliceMeds, ems);
        vm.warp(START + HOUR);
        _expectBreakGlassRequired(aliceMeds, ems);
        _release(custodian, aliceMeds, ems);

        vm.warp(START + HOUR + 15 minutes); // the cooldown after an episode
        _openBreakGlass(ems, alice);
        _release(custodian, aliceMeds, ems);
        vm.prank(alice);
        consent.closeBreakGlass(alice, ems);
        _expectBreakGlassRequired(aliceMeds, ems);
        _release(custodian, aliceMeds, ems);
    }

    function test_LogKeyRelease_RevertWhen_CategoryNotEmergency() public {
        _setCustodian(custodian);
        _openBreakGlass(ems, alice);
        _expectBreakGlassRequired(aliceImaging, ems);
        _release(custodian, aliceImaging, ems);

        // alice adds imaging to her emergency categories: released.
        vm.prank(alice);
        consent.setEmergencyCategories(alice, _bit(MEDICATIONS) | _bit(IMAGING));
        vm.expectEmit(true, true, true, true, address(records));
        emit IRecordRegistry.EmergencyKeyReleased(aliceImaging, alice, ems, custodian);
        _release(custodian, aliceImaging, ems);

        // And none at all: nothing is released.
        vm.prank(PROXY);
        consent.setEmergencyCategories(alice, 0);
        _expectBreakGlassRequired(aliceMeds, ems);
        _release(custodian, aliceMeds, ems);
    }

    function test_LogKeyRelease_RevertWhen_ProviderSuspended() public {
        _setCustodian(custodian);
        _openBreakGlass(ems, alice);
        vm.prank(REGISTRAR);
        directory.suspendProvider(ems);
        _expectBreakGlassRequired(aliceMeds, ems);
        _release(custodian, aliceMeds, ems);
    }

    /// @dev A suspended custodian stays the Directory's named custodian, but logKeyRelease refuses it: the caller
    /// must also be an active provider.
    function test_LogKeyRelease_RevertWhen_CustodianSuspended() public {
        _setCustodian(custodian);
        _openBreakGlass(ems, alice);
        vm.prank(REGISTRAR);
        directory.suspendProvider(custodian);
        assertFalse(directory.isActiveProvider(custodian), "custodian suspended");
        assertEq(directory.emergencyCustodian(), custodian, "still named");

        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordNotEmergencyCustodian.selector, custodian));
        _release(custodian, aliceMeds, ems);
    }

    /// @dev The break-glass reads a released key enables are logged separately by the provider.
    function test_LogKeyRelease_ThenProviderLogsAccess() public {
        _setCustodian(custodian);
        _openBreakGlass(ems, alice);
        _release(custodian, aliceMeds, ems);
        vm.expectEmit(true, true, true, true, address(records));
        emit IRecordRegistry.RecordAccessed(aliceMeds, alice, ems, Purpose.BreakTheGlass);
        vm.prank(ems);
        records.logAccess(aliceMeds, Purpose.BreakTheGlass);
    }

    /// @dev For any category and emergency mask, the release is allowed exactly when the category is in the mask.
    function testFuzz_LogKeyRelease_FollowsEmergencyCategories(uint8 category, uint64 mask) public {
        category = uint8(bound(category, 0, 63));
        bytes32 recordId = _anchor(alice, category, "fuzz.record");
        vm.prank(alice);
        consent.setEmergencyCategories(alice, mask);
        _setCustodian(custodian);
        _openBreakGlass(ems, alice);

        if (mask & _bit(category) == 0) {
            _expectBreakGlassRequired(recordId, ems);
        } else {
            vm.expectEmit(true, true, true, true, address(records));
            emit IRecordRegistry.EmergencyKeyReleased(recordId, alice, ems, custodian);
        }
        _release(custodian, recordId, ems);
    }
}
