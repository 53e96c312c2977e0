// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IConsentRegistry} from "../../contracts/interfaces/IConsentRegistry.sol";
import {IRecordRegistry} from "../../contracts/interfaces/IRecordRegistry.sol";
import {Action} from "../../contracts/types/Action.sol";
import {Purpose} from "../../contracts/types/Purpose.sol";
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
    /// @dev Ids of alice's versions d1, d2, d3 when alice anchors them herself.
    bytes32 internal a1;
    bytes32 internal a2;
    bytes32 internal a3;

    function setUp() public {
        _deploy();
        expiry = uint64(START + 30 days);
        d1 = _digest("alice/labs/v1");
        d2 = _digest("alice/labs/v2");
        d3 = _digest("alice/labs/v3");
        keyringDigest = _digest("alice/labs/keyring");
        keyring = _cid(keyringDigest);
        (a1, a2, a3) = (_id(alice, alice, d1), _id(alice, alice, d2), _id(alice, alice, d3));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Helpers
    // ---------------------------------------------------------------------------------------------------------

    /// @dev alice grants hospital read+write on LABS (read on IMAGING) for Treatment until {expiry}.
    function _grantHospitalLabs() internal {
        _grant(alice, hospital, _terms(_bit(LABS) | _bit(IMAGING), _bit(LABS), _purposeBit(Purpose.Treatment), expiry));
    }

    function _anchor(
        address author,
        address patient,
        uint8 category,
        bytes32 digest,
        bytes32 previous
    ) internal returns (bytes32) {
        vm.prank(author);
        return records.anchor(patient, _bit(category), _cid(digest), keyring, previous);
    }

    /// @dev The record id of `patient`'s version with ciphertext digest `digest` anchored by `author`, computed
    /// here independently of the contract.
    function _id(address patient, address author, bytes32 digest) internal pure returns (bytes32) {
        return keccak256(abi.encode(patient, author, digest));
    }

    function _expectWriteRefused(address patient, address author, uint8 category) internal {
        vm.expectRevert(
            abi.encodeWithSelector(IRecordRegistry.RecordWriteConsentRequired.selector, patient, author, category)
        );
    }

    function _expectReadRefused(address patient, address reader, uint8 category, Purpose purpose) internal {
        vm.expectRevert(
            abi.encodeWithSelector(
                IRecordRegistry.RecordReadConsentRequired.selector,
                patient,
                reader,
                category,
                purpose
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
        assertEq(r.categories, _bit(category), "categories");
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
        emit IRecordRegistry.RecordAnchored(a1, alice, alice, _bit(LABS), 1, bytes32(0), content, keyring);
        vm.prank(alice);
        bytes32 id = records.anchor(alice, _bit(LABS), content, keyring, bytes32(0));

        assertEq(id, a1, "record id is (patient, author, CID digest)");
        assertEq(records.recordIdOf(alice, alice, d1), a1, "recordIdOf");
        _assertRecord(id, alice, LABS, 0x55, false, START + 5, alice, 1, bytes32(0));
        assertEq(records.recordCount(alice), 1, "recordCount");
        assertEq(records.recordsOf(alice, 0, 10), _ids(a1), "recordsOf");
        assertEq(records.recordCount(bob), 0, "bob has none");
    }

    function test_Anchor_DagPbCodec() public {
        vm.prank(alice);
        bytes32 id = records.anchor(alice, _bit(IMAGING), _cidDagPb(d1), _cidDagPb(keyringDigest), bytes32(0));
        assertEq(id, a1, "record id");
        _assertRecord(id, alice, IMAGING, 0x70, false, START, alice, 1, bytes32(0));
    }

    function test_Anchor_ByGranteeWithWriteConsent() public {
        _grantHospitalLabs();
        bytes memory content = _cid(d1);
        vm.expectEmit(true, true, true, true, address(records));
        emit IRecordRegistry.RecordAnchored(
            _id(alice, hospital, d1),
            alice,
            hospital,
            _bit(LABS),
            1,
            bytes32(0),
            content,
            keyring
        );
        vm.prank(hospital);
        bytes32 id = records.anchor(alice, _bit(LABS), content, keyring, bytes32(0));

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
        assertEq(id, _id(alice, hospital, d1), "anchored once reinstated");
    }

    function test_Anchor_RevertWhen_PatientNotRegistered() public {
        // An unregistered account cannot anchor "its own" records.
        _expectWriteRefused(STRANGER, STRANGER, LABS);
        _anchor(STRANGER, STRANGER, LABS, d1, bytes32(0));
        // Nor can a provider anchor records about itself.
        _expectWriteRefused(hospital, hospital, LABS);
        _anchor(hospital, hospital, LABS, d1, bytes32(0));
    }

    function test_Anchor_RevertWhen_NoCategory() public {
        vm.expectRevert(IRecordRegistry.RecordEmptyCategories.selector);
        vm.prank(alice);
        records.anchor(alice, 0, _cid(d1), keyring, bytes32(0));
        // 63 is the last category.
        assertEq(_anchor(alice, alice, 63, d1, bytes32(0)), a1, "category 63");
        assertEq(records.record(a1).categories, uint64(1) << 63, "mask");
    }

    // ---------------------------------------------------------------------------------------------------------
    // anchor: records spanning several categories
    // ---------------------------------------------------------------------------------------------------------

    /// @dev A record whose content spans LABS and IMAGING needs write consent for both: hospital (LABS only) is
    /// refused naming IMAGING; with both, it is anchored with the whole mask.
    function test_Anchor_MultiCategory_NeedsWriteConsentForEveryCategory() public {
        uint64 both = _bit(LABS) | _bit(IMAGING);
        _grantHospitalLabs();
        _expectWriteRefused(alice, hospital, IMAGING);
        vm.prank(hospital);
        records.anchor(alice, both, _cid(d1), keyring, bytes32(0));

        _grant(alice, hospital, _terms(both, both, ALL_PURPOSES, expiry));
        vm.prank(hospital);
        bytes32 id = records.anchor(alice, both, _cid(d1), keyring, bytes32(0));
        assertEq(records.record(id).categories, both, "every category anchored");
    }

    /// @dev Reading (logAccess) and publishing keyrings need read consent for every category of the record.
    function test_LogAccess_MultiCategory_NeedsReadConsentForEveryCategory() public {
        uint64 both = _bit(LABS) | _bit(IMAGING);
        vm.prank(alice);
        bytes32 id = records.anchor(alice, both, _cid(d1), keyring, bytes32(0));
        _grant(alice, lab, _terms(_bit(LABS), 0, ALL_PURPOSES, expiry));
        _expectReadRefused(alice, lab, IMAGING, Purpose.Treatment);
        vm.prank(lab);
        records.logAccess(id, Purpose.Treatment);
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordUnauthorizedPublisher.selector, id, lab));
        vm.prank(lab);
        records.publishKeyrings(_ids(id), _cids(keyring));

        _grant(alice, lab, _terms(both, 0, ALL_PURPOSES, expiry));
        vm.prank(lab);
        records.logAccess(id, Purpose.Treatment);
        vm.prank(lab);
        records.publishKeyrings(_ids(id), _cids(keyring));
    }

    // ---------------------------------------------------------------------------------------------------------
    // anchor: CIDs
    // ---------------------------------------------------------------------------------------------------------

    function _cids(bytes memory a) internal pure returns (bytes[] memory cids) {
        cids = new bytes[](1);
        cids[0] = a;
    }

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
            records.anchor(alice, _bit(LABS), invalid[i], keyring, bytes32(0));
        }
        assertEq(records.recordCount(alice), 0, "nothing anchored");
    }

    function test_Anchor_RevertWhen_InvalidKeyringCid() public {
        bytes memory badKeyring = abi.encodePacked(bytes4(0x01001220), keyringDigest); // identity codec
        _expectInvalidCid(badKeyring);
        vm.prank(alice);
        records.anchor(alice, _bit(LABS), _cid(d1), badKeyring, bytes32(0));

        bytes memory shortKeyring = abi.encodePacked(bytes4(0x01551220));
        _expectInvalidCid(shortKeyring);
        vm.prank(alice);
        records.anchor(alice, _bit(LABS), _cid(d1), shortKeyring, bytes32(0));
    }

    function test_Anchor_CidIsCheckedBeforeConsent() public {
        bytes memory bad = abi.encodePacked(bytes4(0x01551220));
        _expectInvalidCid(bad);
        vm.prank(STRANGER);
        records.anchor(alice, _bit(LABS), bad, keyring, bytes32(0));
    }

    /// @dev The same author anchoring the same ciphertext for the same patient again (a retry meeting its own earlier
    /// anchor) is refused with the id it already has; the first anchor is kept.
    function test_Anchor_RevertWhen_AlreadyAnchored() public {
        _anchor(alice, alice, LABS, d1, bytes32(0));

        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordAlreadyAnchored.selector, a1));
        _anchor(alice, alice, LABS, d1, bytes32(0));

        // Same digest under the other codec, another category: same record id.
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordAlreadyAnchored.selector, a1));
        vm.prank(alice);
        records.anchor(alice, _bit(IMAGING), _cidDagPb(d1), keyring, bytes32(0));

        // Nor as an amendment of itself.
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordAlreadyAnchored.selector, a1));
        _anchor(alice, alice, LABS, d1, a1);

        assertEq(records.recordCount(alice), 1, "recordCount");
        _assertRecord(a1, alice, LABS, 0x55, false, START, alice, 1, bytes32(0));
    }

    /// @dev Record ids are (patient, author, digest): a hostile patient (bob, on his own records) and a hostile
    /// writer (lab, with write consent from alice) that see hospital's pending anchor and send the same content CID
    /// first block nothing. hospital's version lands under its own id, attributed to hospital; the squatters'
    /// anchors are records of their own.
    function test_Anchor_FrontRunnersDoNotTakeTheRecordId() public {
        _grantHospitalLabs();
        _grant(alice, lab, _terms(0, _bit(LABS), ALL_PURPOSES, expiry));
        bytes32 squatBob = _anchor(bob, bob, LABS, d1, bytes32(0));
        bytes32 squatLab = _anchor(lab, alice, LABS, d1, bytes32(0));

        bytes32 id = _anchor(hospital, alice, LABS, d1, bytes32(0));
        assertEq(id, _id(alice, hospital, d1), "hospital's own id");
        assertTrue(id != squatBob && id != squatLab, "distinct from the squatters'");
        _assertRecord(id, alice, LABS, 0x55, false, START, hospital, 1, bytes32(0));
        assertEq(records.record(squatLab).author, lab, "lab's copy is attributed to lab");
        assertEq(records.record(squatBob).patient, bob, "bob's copy is bob's");
    }

    // ---------------------------------------------------------------------------------------------------------
    // anchor: amendments
    // ---------------------------------------------------------------------------------------------------------

    function test_Amend_VersionChain() public {
        _anchor(alice, alice, LABS, d1, bytes32(0));

        vm.warp(START + 1 days);
        _anchor(alice, alice, LABS, d2, a1);
        vm.warp(START + 2 days);
        _anchor(alice, alice, LABS, d3, a2);

        _assertRecord(a1, alice, LABS, 0x55, true, START, alice, 1, bytes32(0));
        _assertRecord(a2, alice, LABS, 0x55, true, START + 1 days, alice, 2, a1);
        _assertRecord(a3, alice, LABS, 0x55, false, START + 2 days, alice, 3, a2);
        assertEq(records.recordCount(alice), 3, "every version counted");
        assertEq(records.recordsOf(alice, 0, 3), _ids(a1, a2, a3), "oldest first");
    }

    /// @dev hospital writes version 1; the patient corrects it (version 2, original author still hospital);
    /// hospital, the original author, amends the patient's version (version 3).
    function test_Amend_ByOriginalAuthorAndPatient() public {
        _grantHospitalLabs();
        bytes32 v1 = _anchor(hospital, alice, LABS, d1, bytes32(0));

        vm.warp(START + 1 days);
        bytes memory content2 = _cid(d2);
        vm.expectEmit(true, true, true, true, address(records));
        emit IRecordRegistry.RecordAnchored(a2, alice, alice, _bit(LABS), 2, v1, content2, keyring);
        vm.prank(alice);
        records.anchor(alice, _bit(LABS), content2, keyring, v1);
        assertEq(records.record(a2).originalAuthor, hospital, "original author kept");
        assertEq(records.record(v1).originalAuthor, hospital, "version 1's own author");

        vm.warp(START + 2 days);
        bytes32 v3 = _anchor(hospital, alice, LABS, d3, a2);
        _assertRecord(v3, alice, LABS, 0x55, false, START + 2 days, hospital, 3, a2);
        assertEq(records.record(v3).originalAuthor, hospital, "original author");
        assertTrue(records.record(a2).amended, "patient's version amended");
    }

    /// @dev A delegate of the patient may amend (with write consent, like any author).
    function test_Amend_ByPatientsDelegate() public {
        _grantHospitalLabs();
        bytes32 v1 = _anchor(hospital, alice, LABS, d1, bytes32(0));
        vm.prank(alice);
        consent.addDelegate(alice, bob, IConsentRegistry.DelegateKind.Proxy);
        _grant(alice, bob, _terms(0, _bit(LABS), ALL_PURPOSES, expiry));
        bytes32 v2 = _anchor(bob, alice, LABS, d2, v1);
        assertEq(records.record(v2).version, 2, "delegate's amendment");
        assertEq(records.record(v2).originalAuthor, hospital, "original author");
    }

    /// @dev A hostile second writer with write consent in the category can't amend another author's record
    /// (nor a version the patient wrote on it), and the version line is left as it was.
    function test_Amend_RevertWhen_AnotherWriter() public {
        _grantHospitalLabs();
        _grant(alice, lab, _terms(_bit(LABS), _bit(LABS), ALL_PURPOSES, expiry));
        bytes32 v1 = _anchor(hospital, alice, LABS, d1, bytes32(0));

        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordUnauthorizedAmender.selector, v1, lab));
        _anchor(lab, alice, LABS, d2, v1);
        assertFalse(records.record(v1).amended, "not marked amended");

        // Nor the patient's version on top of hospital's record, nor the patient's own record.
        _anchor(alice, alice, LABS, d2, v1);
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordUnauthorizedAmender.selector, a2, lab));
        _anchor(lab, alice, LABS, d3, a2);
        bytes32 own = _anchor(alice, alice, IMAGING, d3, bytes32(0));
        _grant(alice, lab, _terms(0, _bit(IMAGING), ALL_PURPOSES, expiry));
        bytes32 takeover = _digest("lab.takeover");
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordUnauthorizedAmender.selector, own, lab));
        _anchor(lab, alice, IMAGING, takeover, own);
        assertEq(records.recordCount(alice), 3, "only the legitimate versions");
    }

    /// @dev A removed delegate is just another writer again.
    function test_Amend_RevertWhen_DelegateRemoved() public {
        _grantHospitalLabs();
        bytes32 v1 = _anchor(hospital, alice, LABS, d1, bytes32(0));
        vm.startPrank(alice);
        consent.addDelegate(alice, bob, IConsentRegistry.DelegateKind.Proxy);
        consent.removeDelegate(alice, bob);
        vm.stopPrank();
        _grant(alice, bob, _terms(0, _bit(LABS), ALL_PURPOSES, expiry));
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordUnauthorizedAmender.selector, v1, bob));
        _anchor(bob, alice, LABS, d2, v1);
    }

    function test_Amend_RevertWhen_AlreadyAmended() public {
        _anchor(alice, alice, LABS, d1, bytes32(0));
        _anchor(alice, alice, LABS, d2, a1);

        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordAlreadyAmended.selector, a1));
        _anchor(alice, alice, LABS, d3, a1);

        // The latest version is the one to amend.
        _anchor(alice, alice, LABS, d3, a2);
        assertEq(records.record(a3).version, 3, "version");
    }

    function test_Amend_RevertWhen_AnotherPatientsRecord() public {
        _anchor(alice, alice, LABS, d1, bytes32(0));
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordAmendmentMismatch.selector, a1, bob, _bit(LABS)));
        _anchor(bob, bob, LABS, d2, a1);
        assertFalse(records.record(a1).amended, "not marked amended");
    }

    function test_Amend_RevertWhen_AnotherCategory() public {
        _anchor(alice, alice, LABS, d1, bytes32(0));
        vm.expectRevert(
            abi.encodeWithSelector(IRecordRegistry.RecordAmendmentMismatch.selector, a1, alice, _bit(IMAGING))
        );
        _anchor(alice, alice, IMAGING, d2, a1);
        // A wider mask is another record's too.
        uint64 wider = _bit(LABS) | _bit(IMAGING);
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordAmendmentMismatch.selector, a1, alice, wider));
        vm.prank(alice);
        records.anchor(alice, wider, _cid(d2), keyring, a1);
        assertFalse(records.record(a1).amended, "not marked amended");
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
        _anchor(hospital, alice, LABS, d2, a1);
        assertFalse(records.record(a1).amended, "not marked amended");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------------------

    function test_Record_RevertWhen_Unknown() public {
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordNotFound.selector, a1));
        records.record(a1);
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordNotFound.selector, bytes32(0)));
        records.record(bytes32(0));
    }

    function test_RecordsOf_Pagination() public {
        bytes32[] memory all = new bytes32[](5);
        for (uint256 i = 0; i < all.length; ++i) {
            all[i] = _digest(string(abi.encodePacked("page-", bytes1(uint8(0x30 + i)))));
            _anchor(alice, alice, uint8(i), all[i], bytes32(0));
            all[i] = _id(alice, alice, all[i]);
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
        emit IRecordRegistry.RecordAccessed(a1, alice, hospital, Purpose.Treatment);
        vm.prank(hospital);
        records.logAccess(a1, Purpose.Treatment);
    }

    function test_LogAccess_RevertWhen_PurposeNotGranted() public {
        _grantHospitalLabs();
        _anchor(alice, alice, LABS, d1, bytes32(0));
        _expectReadRefused(alice, hospital, LABS, Purpose.Research);
        vm.prank(hospital);
        records.logAccess(a1, Purpose.Research);
    }

    function test_LogAccess_RevertWhen_NoReadConsent() public {
        _anchor(alice, alice, LABS, d1, bytes32(0));

        _expectReadRefused(alice, lab, LABS, Purpose.Treatment);
        vm.prank(lab);
        records.logAccess(a1, Purpose.Treatment);

        // Write-only consent does not allow reading.
        _grant(alice, lab, _terms(0, _bit(LABS), ALL_PURPOSES, expiry));
        _expectReadRefused(alice, lab, LABS, Purpose.Treatment);
        vm.prank(lab);
        records.logAccess(a1, Purpose.Treatment);

        // Read consent for another category does not either.
        _grant(alice, lab, _terms(_bit(IMAGING), 0, ALL_PURPOSES, expiry));
        _expectReadRefused(alice, lab, LABS, Purpose.Treatment);
        vm.prank(lab);
        records.logAccess(a1, Purpose.Treatment);

        _expectReadRefused(alice, STRANGER, LABS, Purpose.BreakTheGlass);
        vm.prank(STRANGER);
        records.logAccess(a1, Purpose.BreakTheGlass);
    }

    function test_LogAccess_RevertWhen_RevokedExpiredOrSuspended() public {
        _grantHospitalLabs();
        _anchor(alice, alice, LABS, d1, bytes32(0));

        vm.prank(REGISTRAR);
        directory.suspendProvider(hospital);
        _expectReadRefused(alice, hospital, LABS, Purpose.Treatment);
        vm.prank(hospital);
        records.logAccess(a1, Purpose.Treatment);
        vm.prank(REGISTRAR);
        directory.reinstateProvider(hospital);

        vm.warp(expiry);
        _expectReadRefused(alice, hospital, LABS, Purpose.Treatment);
        vm.prank(hospital);
        records.logAccess(a1, Purpose.Treatment);

        vm.warp(START);
        vm.prank(hospital);
        records.logAccess(a1, Purpose.Treatment); // live again before expiry
        vm.prank(alice);
        consent.revoke(hospital);
        _expectReadRefused(alice, hospital, LABS, Purpose.Treatment);
        vm.prank(hospital);
        records.logAccess(a1, Purpose.Treatment);
    }

    function test_LogAccess_ByPatientForAnyPurpose() public {
        _grantHospitalLabs();
        vm.prank(hospital);
        bytes32 id = records.anchor(alice, _bit(LABS), _cid(d1), keyring, bytes32(0));
        for (uint8 p = 0; p < PURPOSE_COUNT; ++p) {
            vm.expectEmit(true, true, true, true, address(records));
            emit IRecordRegistry.RecordAccessed(id, alice, alice, Purpose(p));
            vm.prank(alice);
            records.logAccess(id, Purpose(p));
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
        bytes32 id = records.anchor(alice, _bit(category), _cid(digest), keyring, bytes32(0));

        if (allowed) {
            assertEq(id, _id(alice, hospital, digest), "record id");
            _assertRecord(id, alice, category, 0x55, false, time, hospital, 1, bytes32(0));
            assertEq(records.recordCount(alice), 1, "recordCount");
        } else {
            assertEq(records.recordCount(alice), 0, "nothing anchored");
        }
    }

    function testFuzz_Anchor_RecordIdIsPatientAuthorAndCidDigest(
        bytes32 digest,
        bytes32 keyringSeed,
        uint8 category,
        bool dagPb
    ) public {
        category = uint8(bound(category, 0, 63));
        bytes memory content = dagPb ? _cidDagPb(digest) : _cid(digest);
        assertEq(
            content,
            abi.encodePacked(bytes1(0x01), bytes1(dagPb ? 0x70 : 0x55), bytes1(0x12), bytes1(0x20), digest)
        );
        bytes32 expected = _id(bob, bob, digest);

        vm.expectEmit(true, true, true, true, address(records));
        emit IRecordRegistry.RecordAnchored(
            expected,
            bob,
            bob,
            _bit(category),
            1,
            bytes32(0),
            content,
            _cid(keyringSeed)
        );
        vm.prank(bob);
        bytes32 id = records.anchor(bob, _bit(category), content, _cid(keyringSeed), bytes32(0));

        assertEq(id, expected, "record id");
        assertEq(records.recordIdOf(bob, bob, digest), expected, "recordIdOf");
        _assertRecord(id, bob, category, dagPb ? 0x70 : 0x55, false, START, bob, 1, bytes32(0));
        assertEq(records.recordsOf(bob, 0, 1), _ids(expected), "recordsOf");
    }

    function testFuzz_Anchor_RevertWhen_UnknownCodec(uint8 codec, bytes32 digest) public {
        vm.assume(codec != 0x55 && codec != 0x70);
        bytes memory content = abi.encodePacked(bytes1(0x01), bytes1(codec), bytes2(0x1220), digest);
        _expectInvalidCid(content);
        vm.prank(alice);
        records.anchor(alice, _bit(LABS), content, keyring, bytes32(0));
    }

    function testFuzz_Anchor_RevertWhen_InvalidCidBytes(bytes calldata cid) public {
        bool valid =
            cid.length == 36 &&
                cid[0] == 0x01 &&
                (cid[1] == 0x55 || cid[1] == 0x70) &&
                cid[2] == 0x12 &&
                cid[3] == 0x20;
        vm.assume(!valid);
        _expectInvalidCid(cid);
        vm.prank(alice);
        records.anchor(alice, _bit(LABS), cid, keyring, bytes32(0));
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
            emit IRecordRegistry.RecordAccessed(a1, alice, lab, purpose);
        } else {
            _expectReadRefused(alice, lab, category, purpose);
        }
        vm.prank(lab);
        records.logAccess(a1, purpose);
    }

    function testFuzz_Amend_ChainOfVersions(uint8 length, uint8 category) public {
        length = uint8(bound(length, 1, 12));
        category = uint8(bound(category, 0, 63));
        bytes32 previous;
        for (uint256 i = 0; i < length; ++i) {
            bytes32 digest = keccak256(abi.encode("version", i));
            bytes32 id = _anchor(alice, alice, category, digest, previous);
            IRecordRegistry.RecordVersion memory r = records.record(id);
            assertEq(r.version, i + 1, "version");
            assertEq(r.previous, previous, "previous");
            assertFalse(r.amended, "latest not amended");
            if (previous != bytes32(0)) assertTrue(records.record(previous).amended, "previous amended");
            previous = id;
        }
        assertEq(records.recordCount(alice), length, "recordCount");
    }

    function testFuzz_RecordsOf_Pagination(uint8 count, uint256 offset, uint256 limit) public {
        count = uint8(bound(count, 0, 10));
        offset = bound(offset, 0, 12);
        limit = bound(limit, 0, 12);
        bytes32[] memory all = new bytes32[](count);
        for (uint256 i = 0; i < count; ++i) {
            all[i] = _anchor(alice, alice, LABS, keccak256(abi.encode("page", i)), bytes32(0));
        }
        uint256 expectedLength = offset >= count ? 0 : (count - offset < limit ? count - offset : limit);
        bytes32[] memory page = records.recordsOf(alice, offset, limit);
        assertEq(page.length, expectedLength, "page length");
        for (uint256 i = 0; i < page.length; ++i) {
            assertEq(page[i], all[offset + i], "page entry");
        }
    }

    /// @dev Amendment author rule: for any writer with write consent, amending hospital's record succeeds iff the
    /// writer is hospital (the original author), alice (the patient) or a delegate of alice; otherwise it reverts
    /// with RecordUnauthorizedAmender and the record stays unamended.
    function testFuzz_Amend_OnlyOriginalAuthorPatientOrDelegate(
        uint256 writerSeed,
        bool delegate,
        bool patientFirst
    ) public {
        address[4] memory writers = [hospital, lab, bob, alice];
        address writer = writers[bound(writerSeed, 0, 3)];
        _grantHospitalLabs();
        if (writer != hospital && writer != alice) _grant(alice, writer, _terms(0, _bit(LABS), ALL_PURPOSES, expiry));
        if (delegate && writer != alice) {
            vm.prank(alice);
            consent.addDelegate(alice, writer, IConsentRegistry.DelegateKind.Proxy);
        }
        bytes32 previous = _anchor(hospital, alice, LABS, d1, bytes32(0));
        if (patientFirst) previous = _anchor(alice, alice, LABS, d2, previous);

        bool allowed = writer == hospital || writer == alice || delegate;
        if (!allowed) {
            vm.expectRevert(
                abi.encodeWithSelector(IRecordRegistry.RecordUnauthorizedAmender.selector, previous, writer)
            );
        }
        bytes32 id = _anchor(writer, alice, LABS, d3, previous);
        assertEq(records.record(previous).amended, allowed, "amended iff allowed");
        if (allowed) assertEq(records.record(id).originalAuthor, hospital, "original author carried along");
    }
}
