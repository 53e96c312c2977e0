// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IRecordRegistry} from "../../contracts/interfaces/IRecordRegistry.sol";
import {Action, Purpose} from "../../contracts/types/Access.sol";
import {CarechainTest} from "./utils/Test.sol";

contract RecordRegistryTest is CarechainTest {
    uint8 internal constant LABS = 3;
    uint8 internal constant IMAGING = 7;
    uint64 internal expiry;

    bytes32 internal d1;
    bytes32 internal d2;
    bytes32 internal d3;
    bytes32 internal keyringDigest;
    bytes internal keyring;

    function setUp() public {
        _deploy();
        expiry = uint64(START + 30 days);
        d1 = _digest("alice/labs/v1");
        d2 = _digest("alice/labs/v2");
        d3 = _digest("alice/labs/v3");
        keyringDigest = _digest("alice/labs/keyring");
        keyring = _cid(keyringDigest);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Helpers
    // ---------------------------------------------------------------------------------------------------------

    /// @dev alice grants hospital read+write on LABS (read on IMAGING) for Treatment until {expiry}.
    function _grantHospitalLabs() internal {
        _grant(
            alice,
            hospital,
            _terms(_bit(LABS) | _bit(IMAGING), _bit(LABS), _purposeBit(Purpose.Treatment), expiry)
        );
    }

    function _anchor(address author, address patient, uint8 category, bytes32 digest, bytes32 previous)
        internal
        returns (bytes32)
    {
        vm.prank(author);
        return records.anchor(patient, category, _cid(digest), keyring, previous);
    }

    function _expectWriteRefused(address patient, address author, uint8 category) internal {
        vm.expectRevert(
            abi.encodeWithSelector(IRecordRegistry.RecordWriteConsentRequired.selector, patient, author, category)
        );
    }

    function _expectReadRefused(address patient, address reader, uint8 category, Purpose purpose) internal {
        vm.expectRevert(
            abi.encodeWithSelector(
                IRecordRegistry.RecordReadConsentRequired.selector, patient, reader, category, purpose
            )
        );
    }

    function _expectInvalidCid(bytes memory cid) internal {
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordInvalidCid.selector, cid));
    }

    function _assertRecord(
        bytes32 id,
        address patient,
        uint8 category,
        uint8 codec,
        bool amended,
        uint256 anchoredAt,
        address author,
        uint32 version,
        bytes32 previous
    ) internal view {
        IRecordRegistry.RecordVersion memory r = records.record(id);
        assertEq(r.patient, patient, "patient");
        assertEq(r.category, category, "category");
        assertEq(r.codec, codec, "codec");
        assertEq(r.amended, amended, "amended");
        assertEq(r.anchoredAt, anchoredAt, "anchoredAt");
        assertEq(r.author, author, "author");
        assertEq(r.version, version, "version");
        assertEq(r.previous, previous, "previous");
    }

    function _ids(bytes32 a) internal pure returns (bytes32[] memory ids) {
        ids = new bytes32[](1);
        ids[0] = a;
    }

    function _ids(bytes32 a, bytes32 b) internal pure returns (bytes32[] memory ids) {
        ids = new bytes32[](2);
        (ids[0], ids[1]) = (a, b);
    }

    function _ids(bytes32 a, bytes32 b, bytes32 c) internal pure returns (bytes32[] memory ids) {
        ids = new bytes32[](3);
        (ids[0], ids[1], ids[2]) = (a, b, c);
    }

    // ---------------------------------------------------------------------------------------------------------
    // anchor: who may write
    // ---------------------------------------------------------------------------------------------------------

    function test_Setup_ConsentRegistry() public view {
        assertEq(address(records.consent()), address(consent), "consent");
        assertEq(records.recordCount(alice), 0, "no records yet");
    }

    function test_Anchor_ByPatient() public {
        vm.warp(START + 5);
        bytes memory content = _cid(d1);
        vm.expectEmit(true, true, true, true, address(records));
        emit IRecordRegistry.RecordAnchored(d1, alice, alice, LABS, 1, bytes32(0), content, keyring);
        vm.prank(alice);
        bytes32 id = records.anchor(alice, LABS, content, keyring, bytes32(0));

        assertEq(id, d1, "record id is the CID digest");
        _assertRecord(id, alice, LABS, 0x55, false, START + 5, alice, 1, bytes32(0));
        assertEq(records.recordCount(alice), 1, "recordCount");
        assertEq(records.recordsOf(alice, 0, 10), _ids(d1), "recordsOf");
        assertEq(records.recordCount(bob), 0, "bob has none");
    }

    function test_Anchor_DagPbCodec() public {
        vm.prank(alice);
        bytes32 id = records.anchor(alice, IMAGING, _cidDagPb(d1), _cidDagPb(keyringDigest), bytes32(0));
        assertEq(id, d1, "record id");
        _assertRecord(id, alice, IMAGING, 0x70, false, START, alice, 1, bytes32(0));
    }

    function test_Anchor_ByGranteeWithWriteConsent() public {
        _grantHospitalLabs();
        bytes memory content = _cid(d1);
        vm.expectEmit(true, true, true, true, address(records));
        emit IRecordRegistry.RecordAnchored(d1, alice, hospital, LABS, 1, bytes32(0), content, keyring);
        vm.prank(hospital);
        bytes32 id = records.anchor(alice, LABS, content, keyring, bytes32(0));

        _assertRecord(id, alice, LABS, 0x55, false, START, hospital, 1, bytes32(0));
        assertEq(records.recordCount(alice), 1, "counted for the patient");
        assertEq(records.recordCount(hospital), 0, "not for the author");
    }

    function test_Anchor_ByPatientGranteeWithWriteConsent() public {
        _grant(alice, bob, _terms(0, _bit(LABS), ALL_PURPOSES, expiry));
        bytes32 id = _anchor(bob, alice, LABS, d1, bytes32(0));
        _assertRecord(id, alice, LABS, 0x55, false, START, bob, 1, bytes32(0));
    }

    function test_Anchor_RevertWhen_NoConsent() public {
        _expectWriteRefused(alice, hospital, LABS);
        _anchor(hospital, alice, LABS, d1, bytes32(0));

        _expectWriteRefused(alice, STRANGER, LABS);
        _anchor(STRANGER, alice, LABS, d1, bytes32(0));

        // bob is a patient, but not alice.
        _expectWriteRefused(alice, bob, LABS);
        _anchor(bob, alice, LABS, d1, bytes32(0));

        assertEq(records.recordCount(alice), 0, "nothing anchored");
    }

    function test_Anchor_RevertWhen_ReadOnlyConsent() public {
        _grant(alice, hospital, _terms(ALL_CATEGORIES, 0, ALL_PURPOSES, expiry));
        _expectWriteRefused(alice, hospital, LABS);
        _anchor(hospital, alice, LABS, d1, bytes32(0));
    }

    function test_Anchor_RevertWhen_WriteConsentForAnotherCategory() public {
        _grantHospitalLabs();
        _expectWriteRefused(alice, hospital, IMAGING);
        _anchor(hospital, alice, IMAGING, d1, bytes32(0));
    }

    function test_Anchor_RevertWhen_ConsentFromAnotherPatient() public {
        _grantHospitalLabs();
        _expectWriteRefused(bob, hospital, LABS);
        _anchor(hospital, bob, LABS, d1, bytes32(0));
    }

    function test_Anchor_RevertWhen_Revoked() public {
        _grantHospitalLabs();
        _anchor(hospital, alice, LABS, d1, bytes32(0));
        vm.prank(alice);
        consent.revoke(hospital);
        _expectWriteRefused(alice, hospital, LABS);
        _anchor(hospital, alice, LABS, d2, bytes32(0));
    }

    function test_Anchor_RevertWhen_Expired() public {
        _grantHospitalLabs();
        vm.warp(expiry - 1);
        _anchor(hospital, alice, LABS, d1, bytes32(0));
        vm.warp(expiry);
        _expectWriteRefused(alice, hospital, LABS);
        _anchor(hospital, alice, LABS, d2, bytes32(0));
    }

    function test_Anchor_RevertWhen_ProviderSuspended() public {
        _grantHospitalLabs();
        vm.prank(REGISTRAR);
        directory.suspendProvider(hospital);
        _expectWriteRefused(alice, hospital, LABS);
        _anchor(hospital, alice, LABS, d1, bytes32(0));

        vm.prank(REGISTRAR);
        directory.reinstateProvider(hospital);
        bytes32 id = _anchor(hospital, alice, LABS, d1, bytes32(0));
        assertEq(id, d1, "anchored once reinstated");
    }

    function test_Anchor_RevertWhen_PatientNotRegistered() public {
        // An unregistered account cannot anchor "its own" records.
        _expectWriteRefused(STRANGER, STRANGER, LABS);
        _anchor(STRANGER, STRANGER, LABS, d1, bytes32(0));
        // Nor can a provider anchor records about itself.
        _expectWriteRefused(hospital, hospital, LABS);
        _anchor(hospital, hospital, LABS, d1, bytes32(0));
    }

    function test_Anchor_RevertWhen_CategoryAbove63() public {
        _expectWriteRefused(alice, alice, 64);
        _anchor(alice, alice, 64, d1, bytes32(0));
        _expectWriteRefused(alice, alice, 255);
        _anchor(alice, alice, 255, d1, bytes32(0));
        // 63 is the last valid category.
        assertEq(_anchor(alice, alice, 63, d1, bytes32(0)), d1, "category 63");
    }

    // ---------------------------------------------------------------------------------------------------------
    // anchor: CIDs
    // ---------------------------------------------------------------------------------------------------------

    function test_Anchor_RevertWhen_InvalidContentCid() public {
        bytes[] memory invalid = new bytes[](11);
        invalid[0] = "";
        invalid[1] = abi.encodePacked(bytes4(0x01551220), bytes31(d1)); // 35 bytes
        invalid[2] = abi.encodePacked(bytes4(0x01551220), d1, bytes1(0x00)); // 37 bytes
        invalid[3] = abi.encodePacked(bytes4(0x00551220), d1); // CIDv0-like version byte
        invalid[4] = abi.encodePacked(bytes4(0x02551220), d1); // version 2
        invalid[5] = abi.encodePacked(bytes4(0x01551320), d1); // sha2-512 code
        invalid[6] = abi.encodePacked(bytes4(0x01551e20), d1); // blake3 code
        invalid[7] = abi.encodePacked(bytes4(0x01551240), d1); // digest length 64
        invalid[8] = abi.encodePacked(bytes4(0x0155121f), d1); // digest length 31
        invalid[9] = abi.encodePacked(bytes4(0x01711220), d1); // dag-cbor codec
        invalid[10] = abi.encodePacked(bytes2(0x1220), d1, bytes2(0x0155)); // multihash first
        for (uint256 i = 0; i < invalid.length; ++i) {
            _expectInvalidCid(invalid[i]);
            vm.prank(alice);
            records.anchor(alice, LABS, invalid[i], keyring, bytes32(0));
        }
        assertEq(records.recordCount(alice), 0, "nothing anchored");
    }

    function test_Anchor_RevertWhen_InvalidKeyringCid() public {
        bytes memory badKeyring = abi.encodePacked(bytes4(0x01001220), keyringDigest); // identity codec
        _expectInvalidCid(badKeyring);
        vm.prank(alice);
        records.anchor(alice, LABS, _cid(d1), badKeyring, bytes32(0));

        bytes memory shortKeyring = abi.encodePacked(bytes4(0x01551220));
        _expectInvalidCid(shortKeyring);
        vm.prank(alice);
        records.anchor(alice, LABS, _cid(d1), shortKeyring, bytes32(0));
    }

    function test_Anchor_CidIsCheckedBeforeConsent() public {
        bytes memory bad = abi.encodePacked(bytes4(0x01551220));
        _expectInvalidCid(bad);
        vm.prank(STRANGER);
        records.anchor(alice, LABS, bad, keyring, bytes32(0));
    }

    function test_Anchor_RevertWhen_AlreadyAnchored() public {
        _anchor(alice, alice, LABS, d1, bytes32(0));

        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordAlreadyAnchored.selector, d1));
        _anchor(alice, alice, LABS, d1, bytes32(0));

        // Same digest under the other codec: same record id.
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordAlreadyAnchored.selector, d1));
        vm.prank(alice);
        records.anchor(alice, IMAGING, _cidDagPb(d1), keyring, bytes32(0));

        // By another author, about another patient.
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordAlreadyAnchored.selector, d1));
        _anchor(bob, bob, LABS, d1, bytes32(0));

        // Nor as an amendment of itself.
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordAlreadyAnchored.selector, d1));
        _anchor(alice, alice, LABS, d1, d1);

        assertEq(records.recordCount(alice), 1, "recordCount");
        assertEq(records.recordCount(bob), 0, "bob's count");
        _assertRecord(d1, alice, LABS, 0x55, false, START, alice, 1, bytes32(0));
    }

    // ---------------------------------------------------------------------------------------------------------
    // anchor: amendments
    // ---------------------------------------------------------------------------------------------------------

    function test_Amend_VersionChain() public {
        _grantHospitalLabs();
        _anchor(alice, alice, LABS, d1, bytes32(0));

        vm.warp(START + 1 days);
        bytes memory content2 = _cid(d2);
        vm.expectEmit(true, true, true, true, address(records));
        emit IRecordRegistry.RecordAnchored(d2, alice, hospital, LABS, 2, d1, content2, keyring);
        vm.prank(hospital);
        records.anchor(alice, LABS, content2, keyring, d1);

        vm.warp(START + 2 days);
        _anchor(alice, alice, LABS, d3, d2);

        _assertRecord(d1, alice, LABS, 0x55, true, START, alice, 1, bytes32(0));
        _assertRecord(d2, alice, LABS, 0x55, true, START + 1 days, hospital, 2, d1);
        _assertRecord(d3, alice, LABS, 0x55, false, START + 2 days, alice, 3, d2);
        assertEq(records.recordCount(alice), 3, "every version counted");
        assertEq(records.recordsOf(alice, 0, 3), _ids(d1, d2, d3), "oldest first");
    }

    function test_Amend_RevertWhen_AlreadyAmended() public {
        _anchor(alice, alice, LABS, d1, bytes32(0));
        _anchor(alice, alice, LABS, d2, d1);

        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordAlreadyAmended.selector, d1));
        _anchor(alice, alice, LABS, d3, d1);

        // The latest version is the one to amend.
        _anchor(alice, alice, LABS, d3, d2);
        assertEq(records.record(d3).version, 3, "version");
    }

    function test_Amend_RevertWhen_AnotherPatientsRecord() public {
        _anchor(alice, alice, LABS, d1, bytes32(0));
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordAmendmentMismatch.selector, d1, bob, LABS));
        _anchor(bob, bob, LABS, d2, d1);
        assertFalse(records.record(d1).amended, "not marked amended");
    }

    function test_Amend_RevertWhen_AnotherCategory() public {
        _anchor(alice, alice, LABS, d1, bytes32(0));
        vm.expectRevert(
            abi.encodeWithSelector(IRecordRegistry.RecordAmendmentMismatch.selector, d1, alice, IMAGING)
        );
        _anchor(alice, alice, IMAGING, d2, d1);
        assertFalse(records.record(d1).amended, "not marked amended");
    }

    function test_Amend_RevertWhen_PreviousNotFound() public {
        bytes32 unknown = _digest("never anchored");
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordNotFound.selector, unknown));
        _anchor(alice, alice, LABS, d1, unknown);
        assertEq(records.recordCount(alice), 0, "nothing anchored");
    }

    function test_Amend_RequiresWriteConsent() public {
        _anchor(alice, alice, LABS, d1, bytes32(0));
        _grant(alice, hospital, _terms(_bit(LABS), 0, ALL_PURPOSES, expiry));
        _expectWriteRefused(alice, hospital, LABS);
        _anchor(hospital, alice, LABS, d2, d1);
        assertFalse(records.record(d1).amended, "not marked amended");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------------------

    function test_Record_RevertWhen_Unknown() public {
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordNotFound.selector, d1));
        records.record(d1);
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordNotFound.selector, bytes32(0)));
        records.record(bytes32(0));
    }

    function test_RecordsOf_Pagination() public {
        bytes32[] memory all = new bytes32[](5);
        for (uint256 i = 0; i < all.length; ++i) {
            all[i] = _digest(string(abi.encodePacked("page-", bytes1(uint8(0x30 + i)))));
            _anchor(alice, alice, uint8(i), all[i], bytes32(0));
        }
        assertEq(records.recordCount(alice), 5, "recordCount");
        assertEq(records.recordsOf(alice, 0, 5), all, "all");
        assertEq(records.recordsOf(alice, 0, 2), _ids(all[0], all[1]), "first page");
        assertEq(records.recordsOf(alice, 2, 2), _ids(all[2], all[3]), "second page");
        assertEq(records.recordsOf(alice, 4, 2), _ids(all[4]), "last, short page");
        assertEq(records.recordsOf(alice, 2, 100), _ids(all[2], all[3], all[4]), "limit beyond the rest");
        assertEq(records.recordsOf(alice, 1, type(uint256).max).length, 4, "limit max");
        assertEq(records.recordsOf(alice, 0, 0).length, 0, "limit zero");
        assertEq(records.recordsOf(alice, 5, 1).length, 0, "offset at end");
        assertEq(records.recordsOf(alice, 6, 1).length, 0, "offset beyond end");
        assertEq(records.recordsOf(alice, type(uint256).max, type(uint256).max).length, 0, "offset max");
        assertEq(records.recordsOf(bob, 0, 10).length, 0, "patient without records");
    }

    // ---------------------------------------------------------------------------------------------------------
    // logAccess
    // ---------------------------------------------------------------------------------------------------------

    function test_LogAccess_WithReadConsent() public {
        _grantHospitalLabs();
        _anchor(alice, alice, LABS, d1, bytes32(0));
        vm.expectEmit(true, true, true, true, address(records));
        emit IRecordRegistry.RecordAccessed(d1, alice, hospital, Purpose.Treatment);
        vm.prank(hospital);
        records.logAccess(d1, Purpose.Treatment);
    }

    function test_LogAccess_RevertWhen_PurposeNotGranted() public {
        _grantHospitalLabs();
        _anchor(alice, alice, LABS, d1, bytes32(0));
        _expectReadRefused(alice, hospital, LABS, Purpose.Research);
        vm.prank(hospital);
        records.logAccess(d1, Purpose.Research);
    }

    function test_LogAccess_RevertWhen_NoReadConsent() public {
        _anchor(alice, alice, LABS, d1, bytes32(0));

        _expectReadRefused(alice, lab, LABS, Purpose.Treatment);
        vm.prank(lab);
        records.logAccess(d1, Purpose.Treatment);

        // Write-only consent does not allow reading.
        _grant(alice, lab, _terms(0, _bit(LABS), ALL_PURPOSES, expiry));
        _expectReadRefused(alice, lab, LABS, Purpose.Treatment);
        vm.prank(lab);
        records.logAccess(d1, Purpose.Treatment);

        // Read consent for another category does not either.
        _grant(alice, lab, _terms(_bit(IMAGING), 0, ALL_PURPOSES, expiry));
        _expectReadRefused(alice, lab, LABS, Purpose.Treatment);
        vm.prank(lab);
        records.logAccess(d1, Purpose.Treatment);

        _expectReadRefused(alice, STRANGER, LABS, Purpose.BreakTheGlass);
        vm.prank(STRANGER);
        records.logAccess(d1, Purpose.BreakTheGlass);
    }

    function test_LogAccess_RevertWhen_RevokedExpiredOrSuspended() public {
        _grantHospitalLabs();
        _anchor(alice, alice, LABS, d1, bytes32(0));

        vm.prank(REGISTRAR);
        directory.suspendProvider(hospital);
        _expectReadRefused(alice, hospital, LABS, Purpose.Treatment);
        vm.prank(hospital);
        records.logAccess(d1, Purpose.Treatment);
        vm.prank(REGISTRAR);
        directory.reinstateProvider(hospital);

        vm.warp(expiry);
        _expectReadRefused(alice, hospital, LABS, Purpose.Treatment);
        vm.prank(hospital);
        records.logAccess(d1, Purpose.Treatment);

        vm.warp(START);
        vm.prank(hospital);
        records.logAccess(d1, Purpose.Treatment); // live again before expiry
        vm.prank(alice);
        consent.revoke(hospital);
        _expectReadRefused(alice, hospital, LABS, Purpose.Treatment);
        vm.prank(hospital);
        records.logAccess(d1, Purpose.Treatment);
    }

    function test_LogAccess_ByPatientForAnyPurpose() public {
        _grantHospitalLabs();
        vm.prank(hospital);
        records.anchor(alice, LABS, _cid(d1), keyring, bytes32(0));
        for (uint8 p = 0; p < PURPOSE_COUNT; ++p) {
            vm.expectEmit(true, true, true, true, address(records));
            emit IRecordRegistry.RecordAccessed(d1, alice, alice, Purpose(p));
            vm.prank(alice);
            records.logAccess(d1, Purpose(p));
        }
    }

    function test_LogAccess_RevertWhen_RecordNotFound() public {
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordNotFound.selector, d1));
        vm.prank(alice);
        records.logAccess(d1, Purpose.Treatment);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Fuzz
    // ---------------------------------------------------------------------------------------------------------

    function testFuzz_Anchor_SucceedsIffLiveWriteConsent(
        uint256 categorySeed,
        uint64 readMask,
        uint64 writeMask,
        uint32 purposes,
        uint256 lifetime,
        uint256 elapsed,
        bool revoked,
        bytes32 digest
    ) public {
        vm.assume(readMask | writeMask != 0);
        uint8 category = uint8(bound(categorySeed, 0, 63));
        uint64 expiresAt = uint64(START + bound(lifetime, 1, 365 days));
        _grant(alice, hospital, _terms(readMask, writeMask, uint32(bound(purposes, 1, ALL_PURPOSES)), expiresAt));
        if (revoked) {
            vm.prank(alice);
            consent.revoke(hospital);
        }
        uint256 time = START + bound(elapsed, 0, 2 * 365 days);
        vm.warp(time);

        bool allowed = !revoked && time < expiresAt && (writeMask >> category) & 1 == 1;
        if (!allowed) _expectWriteRefused(alice, hospital, category);
        vm.prank(hospital);
        bytes32 id = records.anchor(alice, category, _cid(digest), keyring, bytes32(0));

        if (allowed) {
            assertEq(id, digest, "record id");
            _assertRecord(id, alice, category, 0x55, false, time, hospital, 1, bytes32(0));
            assertEq(records.recordCount(alice), 1, "recordCount");
        } else {
            assertEq(records.recordCount(alice), 0, "nothing anchored");
        }
    }

    function testFuzz_Anchor_RecordIdIsCidDigest(bytes32 digest, bytes32 keyringSeed, uint8 category, bool dagPb)
        public
    {
        category = uint8(bound(category, 0, 63));
        bytes memory content = dagPb ? _cidDagPb(digest) : _cid(digest);
        assertEq(content, abi.encodePacked(bytes1(0x01), bytes1(dagPb ? 0x70 : 0x55), bytes1(0x12), bytes1(0x20), digest));

        vm.expectEmit(true, true, true, true, address(records));
        emit IRecordRegistry.RecordAnchored(digest, bob, bob, category, 1, bytes32(0), content, _cid(keyringSeed));
        vm.prank(bob);
        bytes32 id = records.anchor(bob, category, content, _cid(keyringSeed), bytes32(0));

        assertEq(id, digest, "record id");
        _assertRecord(id, bob, category, dagPb ? 0x70 : 0x55, false, START, bob, 1, bytes32(0));
        assertEq(records.recordsOf(bob, 0, 1), _ids(digest), "recordsOf");
    }

    function testFuzz_Anchor_RevertWhen_UnknownCodec(uint8 codec, bytes32 digest) public {
        vm.assume(codec != 0x55 && codec != 0x70);
        bytes memory content = abi.encodePacked(bytes1(0x01), bytes1(codec), bytes2(0x1220), digest);
        _expectInvalidCid(content);
        vm.prank(alice);
        records.anchor(alice, LABS, content, keyring, bytes32(0));
    }

    function testFuzz_Anchor_RevertWhen_InvalidCidBytes(bytes calldata cid) public {
        bool valid = cid.length == 36 && cid[0] == 0x01 && (cid[1] == 0x55 || cid[1] == 0x70) && cid[2] == 0x12
            && cid[3] == 0x20;
        vm.assume(!valid);
        _expectInvalidCid(cid);
        vm.prank(alice);
        records.anchor(alice, LABS, cid, keyring, bytes32(0));
    }

    function testFuzz_LogAccess_MatchesReadConsent(
        uint64 readMask,
        uint32 purposes,
        uint256 categorySeed,
        uint256 purposeSeed,
        bool suspended
    ) public {
        vm.assume(readMask != 0);
        uint8 category = uint8(bound(categorySeed, 0, 63));
        Purpose purpose = Purpose(bound(purposeSeed, 0, PURPOSE_COUNT - 1));
        purposes = uint32(bound(purposes, 1, ALL_PURPOSES));
        _anchor(alice, alice, category, d1, bytes32(0));
        _grant(alice, lab, _terms(readMask, 0, purposes, expiry));
        if (suspended) {
            vm.prank(REGISTRAR);
            directory.suspendProvider(lab);
        }

        bool allowed = !suspended && (readMask >> category) & 1 == 1 && (purposes >> uint8(purpose)) & 1 == 1;
        if (allowed) {
            vm.expectEmit(true, true, true, true, address(records));
            emit IRecordRegistry.RecordAccessed(d1, alice, lab, purpose);
        } else {
            _expectReadRefused(alice, lab, category, purpose);
        }
        vm.prank(lab);
        records.logAccess(d1, purpose);
    }

    function testFuzz_Amend_ChainOfVersions(uint8 length, uint8 category) public {
        length = uint8(bound(length, 1, 12));
        category = uint8(bound(category, 0, 63));
        bytes32 previous;
        for (uint256 i = 0; i < length; ++i) {
            bytes32 digest = keccak256(abi.encode("version", i));
            _anchor(alice, alice, category, digest, previous);
            IRecordRegistry.RecordVersion memory r = records.record(digest);
            assertEq(r.version, i + 1, "version");
            assertEq(r.previous, previous, "previous");
            assertFalse(r.amended, "latest not amended");
            if (previous != bytes32(0)) assertTrue(records.record(previous).amended, "previous amended");
            previous = digest;
        }
        assertEq(records.recordCount(alice), length, "recordCount");
    }

    function testFuzz_RecordsOf_Pagination(uint8 count, uint256 offset, uint256 limit) public {
        count = uint8(bound(count, 0, 10));
        offset = bound(offset, 0, 12);
        limit = bound(limit, 0, 12);
        bytes32[] memory all = new bytes32[](count);
        for (uint256 i = 0; i < count; ++i) {
            all[i] = keccak256(abi.encode("page", i));
            _anchor(alice, alice, LABS, all[i], bytes32(0));
        }
        uint256 expectedLength = offset >= count ? 0 : (count - offset < limit ? count - offset : limit);
        bytes32[] memory page = records.recordsOf(alice, offset, limit);
        assertEq(page.length, expectedLength, "page length");
        for (uint256 i = 0; i < page.length; ++i) {
            assertEq(page[i], all[offset + i], "page entry");
        }
    }
}
