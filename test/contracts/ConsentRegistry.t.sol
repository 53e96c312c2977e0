// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IConsentRegistry} from "../../contracts/interfaces/IConsentRegistry.sol";
import {Action} from "../../contracts/types/Action.sol";
import {ConsentTerms} from "../../contracts/types/ConsentTerms.sol";
import {Purpose} from "../../contracts/types/Purpose.sol";
import {CarechainTest} from "./utils/Test.sol";

contract ConsentRegistryTest is CarechainTest {
    uint8 internal constant LABS = 3;
    uint8 internal constant IMAGING = 7;
    uint64 internal expiry;

    function setUp() public {
        _deploy();
        expiry = uint64(START + 30 days);
    }

    /// @dev Read LABS and IMAGING, write LABS, for Treatment and EmergencyTreatment, until {expiry}.
    function _standardTerms() internal view returns (ConsentTerms memory) {
        return
            _terms(
                _bit(LABS) | _bit(IMAGING),
                _bit(LABS),
                _purposeBit(Purpose.Treatment) | _purposeBit(Purpose.EmergencyTreatment),
                expiry
            );
    }

    function _assertTerms(ConsentTerms memory actual, ConsentTerms memory expected) internal pure {
        assertEq(actual.readMask, expected.readMask, "readMask");
        assertEq(actual.writeMask, expected.writeMask, "writeMask");
        assertEq(actual.purposes, expected.purposes, "purposes");
        assertEq(actual.expiresAt, expected.expiresAt, "expiresAt");
    }

    function _assertNoAccessAtAll(address patient, address grantee) internal view {
        for (uint8 category = 0; category <= 63; ++category) {
            assertFalse(consent.canAccess(patient, grantee, category, Action.Read), "read");
            assertFalse(consent.canAccess(patient, grantee, category, Action.Write), "write");
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // grant
    // ---------------------------------------------------------------------------------------------------------

    function test_Setup_DirectoryAndTime() public view {
        assertEq(address(consent.directory()), address(directory), "directory");
        assertEq(block.timestamp, START, "block time");
    }

    function test_Grant_StoresTermsAndEmits() public {
        ConsentTerms memory terms = _standardTerms();
        vm.expectEmit(true, true, true, true, address(consent));
        emit IConsentRegistry.ConsentGranted(alice, hospital, alice, terms);
        _grant(alice, hospital, terms);

        _assertTerms(consent.consentOf(alice, hospital), terms);
        _assertTerms(consent.consentOf(alice, lab), _terms(0, 0, 0, 0));
        _assertTerms(consent.consentOf(hospital, alice), _terms(0, 0, 0, 0));
        _assertTerms(consent.consentOf(bob, hospital), _terms(0, 0, 0, 0));
    }

    function test_Grant_ToAnotherPatient() public {
        _grant(alice, bob, _standardTerms());
        assertTrue(consent.canAccess(alice, bob, LABS, Action.Read), "bob reads alice's labs");
        assertFalse(consent.canAccess(bob, alice, LABS, Action.Read), "grants are one-way");
    }

    function test_Grant_ReplacesPreviousGrant() public {
        _grant(alice, hospital, _standardTerms());
        ConsentTerms memory narrower = _terms(_bit(IMAGING), 0, _purposeBit(Purpose.Payment), expiry + 1);
        _grant(alice, hospital, narrower);

        _assertTerms(consent.consentOf(alice, hospital), narrower);
        assertFalse(consent.canAccess(alice, hospital, LABS, Action.Read), "labs read gone");
        assertFalse(consent.canAccess(alice, hospital, LABS, Action.Write), "labs write gone");
        assertTrue(consent.canAccess(alice, hospital, IMAGING, Action.Read), "imaging read kept");
        assertFalse(
            consent.canAccessForPurpose(alice, hospital, IMAGING, Action.Read, Purpose.Treatment),
            "treatment gone"
        );
        assertTrue(consent.canAccessForPurpose(alice, hospital, IMAGING, Action.Read, Purpose.Payment), "payment");
    }

    function test_Grant_ToSuspendedProvider_IsStoredButGivesNoAccess() public {
        vm.prank(REGISTRAR);
        directory.suspendProvider(hospital);
        _grant(alice, hospital, _standardTerms());
        _assertTerms(consent.consentOf(alice, hospital), _standardTerms());
        assertFalse(consent.canAccess(alice, hospital, LABS, Action.Read), "suspended");

        vm.prank(REGISTRAR);
        directory.reinstateProvider(hospital);
        assertTrue(consent.canAccess(alice, hospital, LABS, Action.Read), "reinstated");
    }

    function test_Grant_RevertWhen_PatientNotRegistered() public {
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentPatientNotRegistered.selector, STRANGER));
        _grant(STRANGER, hospital, _standardTerms());
    }

    function test_Grant_RevertWhen_CallerIsProvider() public {
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentPatientNotRegistered.selector, hospital));
        _grant(hospital, lab, _standardTerms());
    }

    function test_Grant_RevertWhen_SelfGrant() public {
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentSelfGrant.selector, alice));
        _grant(alice, alice, _standardTerms());
    }

    function test_Grant_RevertWhen_GranteeNotRegistered() public {
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentGranteeNotRegistered.selector, STRANGER));
        _grant(alice, STRANGER, _standardTerms());

        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentGranteeNotRegistered.selector, address(0)));
        _grant(alice, address(0), _standardTerms());
    }

    function test_Grant_RevertWhen_EmptyScope() public {
        vm.expectRevert(IConsentRegistry.ConsentEmptyScope.selector);
        _grant(alice, hospital, _terms(0, 0, ALL_PURPOSES, expiry));
    }

    function test_Grant_WriteOnlyOrReadOnlyScope() public {
        _grant(alice, hospital, _terms(0, _bit(LABS), ALL_PURPOSES, expiry));
        assertTrue(consent.canAccess(alice, hospital, LABS, Action.Write), "write-only: write");
        assertFalse(consent.canAccess(alice, hospital, LABS, Action.Read), "write-only: no read");

        _grant(alice, lab, _terms(_bit(LABS), 0, ALL_PURPOSES, expiry));
        assertTrue(consent.canAccess(alice, lab, LABS, Action.Read), "read-only: read");
        assertFalse(consent.canAccess(alice, lab, LABS, Action.Write), "read-only: no write");
    }

    function test_Grant_RevertWhen_InvalidPurposes() public {
        uint32[5] memory invalid = [uint32(0), uint32(1 << 6), uint32((1 << 6) | 1), uint32(1 << 31), type(uint32).max];
        for (uint256 i = 0; i < invalid.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentInvalidPurposes.selector, invalid[i]));
            _grant(alice, hospital, _terms(_bit(LABS), 0, invalid[i], expiry));
        }
        // Every purpose up to BreakTheGlass is valid.
        _grant(alice, hospital, _terms(_bit(LABS), 0, ALL_PURPOSES, expiry));
        _grant(alice, hospital, _terms(_bit(LABS), 0, _purposeBit(Purpose.BreakTheGlass), expiry));
        assertTrue(
            consent.canAccessForPurpose(alice, hospital, LABS, Action.Read, Purpose.BreakTheGlass),
            "break the glass"
        );
    }

    function test_Grant_RevertWhen_ExpiryNotInFuture() public {
        uint64[3] memory past = [uint64(START), uint64(START - 1), uint64(0)];
        for (uint256 i = 0; i < past.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentExpiryNotInFuture.selector, past[i], START));
            _grant(alice, hospital, _terms(_bit(LABS), 0, ALL_PURPOSES, past[i]));
        }
        // One second ahead is enough.
        _grant(alice, hospital, _terms(_bit(LABS), 0, ALL_PURPOSES, uint64(START + 1)));
        assertTrue(consent.canAccess(alice, hospital, LABS, Action.Read), "live for one second");
    }

    // ---------------------------------------------------------------------------------------------------------
    // revoke
    // ---------------------------------------------------------------------------------------------------------

    function test_Revoke_DeletesGrantAndEmits() public {
        _grant(alice, hospital, _standardTerms());
        _grant(alice, lab, _standardTerms());

        vm.expectEmit(true, true, true, true, address(consent));
        emit IConsentRegistry.ConsentRevoked(alice, hospital, alice);
        vm.prank(alice);
        consent.revoke(hospital);

        _assertTerms(consent.consentOf(alice, hospital), _terms(0, 0, 0, 0));
        _assertNoAccessAtAll(alice, hospital);
        assertTrue(consent.canAccess(alice, lab, LABS, Action.Read), "other grantee unaffected");
    }

    function test_Revoke_RevertWhen_NoGrant() public {
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentNotFound.selector, alice, hospital));
        vm.prank(alice);
        consent.revoke(hospital);
    }

    function test_Revoke_RevertWhen_AlreadyRevoked() public {
        _grant(alice, hospital, _standardTerms());
        vm.prank(alice);
        consent.revoke(hospital);
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentNotFound.selector, alice, hospital));
        vm.prank(alice);
        consent.revoke(hospital);
    }

    function test_Revoke_OnlyThePatientsOwnGrant() public {
        _grant(alice, hospital, _standardTerms());
        // bob (or the grantee) revoking acts on its own grants, of which there is none.
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentNotFound.selector, bob, hospital));
        vm.prank(bob);
        consent.revoke(hospital);
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentNotFound.selector, hospital, alice));
        vm.prank(hospital);
        consent.revoke(alice);
        assertTrue(consent.canAccess(alice, hospital, LABS, Action.Read), "alice's grant intact");
    }

    function test_Revoke_ExpiredGrant() public {
        _grant(alice, hospital, _standardTerms());
        vm.warp(expiry + 1);
        vm.prank(alice);
        consent.revoke(hospital);
        _assertTerms(consent.consentOf(alice, hospital), _terms(0, 0, 0, 0));
    }

    function test_Grant_AgainAfterRevoke() public {
        _grant(alice, hospital, _standardTerms());
        vm.prank(alice);
        consent.revoke(hospital);
        _grant(alice, hospital, _standardTerms());
        assertTrue(consent.canAccess(alice, hospital, LABS, Action.Read), "granted again");
    }

    // ---------------------------------------------------------------------------------------------------------
    // canAccess / canAccessForPurpose
    // ---------------------------------------------------------------------------------------------------------

    function test_CanAccess_WithinScope() public {
        _grant(alice, hospital, _standardTerms());
        assertTrue(consent.canAccess(alice, hospital, LABS, Action.Read), "read labs");
        assertTrue(consent.canAccess(alice, hospital, IMAGING, Action.Read), "read imaging");
        assertTrue(consent.canAccess(alice, hospital, LABS, Action.Write), "write labs");
        assertFalse(consent.canAccess(alice, hospital, IMAGING, Action.Write), "no write imaging");
        assertFalse(consent.canAccess(alice, hospital, 0, Action.Read), "no read category 0");
        assertFalse(consent.canAccess(alice, hospital, 63, Action.Read), "no read category 63");
        assertFalse(consent.canAccess(alice, lab, LABS, Action.Read), "lab holds no grant");
        assertFalse(consent.canAccess(bob, hospital, LABS, Action.Read), "bob granted nothing");
    }

    function test_CanAccess_FalseWithoutGrant() public view {
        _assertNoAccessAtAll(alice, hospital);
        _assertNoAccessAtAll(alice, bob);
        _assertNoAccessAtAll(alice, STRANGER);
    }

    function test_CanAccess_FalseAfterRevoke() public {
        _grant(alice, hospital, _terms(ALL_CATEGORIES, ALL_CATEGORIES, ALL_PURPOSES, expiry));
        vm.prank(alice);
        consent.revoke(hospital);
        _assertNoAccessAtAll(alice, hospital);
        for (uint8 p = 0; p < PURPOSE_COUNT; ++p) {
            assertFalse(consent.canAccessForPurpose(alice, hospital, LABS, Action.Read, Purpose(p)), "purpose");
        }
    }

    function test_CanAccess_ExpiryBoundary() public {
        _grant(alice, hospital, _standardTerms());

        vm.warp(expiry - 1);
        assertTrue(consent.canAccess(alice, hospital, LABS, Action.Read), "one second before expiry");
        assertTrue(consent.canAccessForPurpose(alice, hospital, LABS, Action.Write, Purpose.Treatment), "purpose");

        vm.warp(expiry);
        assertFalse(consent.canAccess(alice, hospital, LABS, Action.Read), "at expiresAt");
        assertFalse(consent.canAccess(alice, hospital, LABS, Action.Write), "at expiresAt (write)");
        assertFalse(consent.canAccessForPurpose(alice, hospital, LABS, Action.Read, Purpose.Treatment), "purpose");

        vm.warp(expiry + 365 days);
        assertFalse(consent.canAccess(alice, hospital, LABS, Action.Read), "after expiresAt");
        // The expired grant is still stored until revoked or replaced.
        _assertTerms(consent.consentOf(alice, hospital), _standardTerms());
    }

    function test_CanAccess_SuspendedProvider() public {
        _grant(alice, hospital, _standardTerms());
        vm.prank(REGISTRAR);
        directory.suspendProvider(hospital);
        assertFalse(consent.canAccess(alice, hospital, LABS, Action.Read), "suspended: read");
        assertFalse(consent.canAccess(alice, hospital, LABS, Action.Write), "suspended: write");
        assertFalse(
            consent.canAccessForPurpose(alice, hospital, LABS, Action.Read, Purpose.Treatment),
            "suspended: purpose"
        );

        vm.prank(REGISTRAR);
        directory.reinstateProvider(hospital);
        assertTrue(consent.canAccess(alice, hospital, LABS, Action.Read), "reinstated: read");
        assertTrue(consent.canAccess(alice, hospital, LABS, Action.Write), "reinstated: write");
    }

    function test_CanAccess_SuspendedThenReinstatedAfterExpiry() public {
        _grant(alice, hospital, _standardTerms());
        vm.prank(REGISTRAR);
        directory.suspendProvider(hospital);
        vm.warp(expiry);
        vm.prank(REGISTRAR);
        directory.reinstateProvider(hospital);
        assertFalse(consent.canAccess(alice, hospital, LABS, Action.Read), "expired while suspended");
    }

    function test_CanAccess_CategoryAbove63() public {
        _grant(alice, hospital, _terms(ALL_CATEGORIES, ALL_CATEGORIES, ALL_PURPOSES, expiry));
        assertTrue(consent.canAccess(alice, hospital, 63, Action.Read), "category 63");
        assertTrue(consent.canAccess(alice, hospital, 63, Action.Write), "category 63 (write)");
        uint8[3] memory beyond = [uint8(64), uint8(128), uint8(255)];
        for (uint256 i = 0; i < beyond.length; ++i) {
            assertFalse(consent.canAccess(alice, hospital, beyond[i], Action.Read), "grantee read");
            assertFalse(consent.canAccess(alice, hospital, beyond[i], Action.Write), "grantee write");
            assertFalse(
                consent.canAccessForPurpose(alice, hospital, beyond[i], Action.Read, Purpose.Treatment),
                "purpose"
            );
            assertFalse(consent.canAccess(alice, alice, beyond[i], Action.Read), "patient itself");
        }
    }

    function test_CanAccessForPurpose_OnlyGrantedPurposes() public {
        _grant(alice, hospital, _standardTerms());
        assertTrue(consent.canAccessForPurpose(alice, hospital, LABS, Action.Read, Purpose.Treatment), "TREAT");
        assertTrue(
            consent.canAccessForPurpose(alice, hospital, LABS, Action.Read, Purpose.EmergencyTreatment),
            "ETREAT"
        );
        assertFalse(consent.canAccessForPurpose(alice, hospital, LABS, Action.Read, Purpose.Payment), "HPAYMT");
        assertFalse(consent.canAccessForPurpose(alice, hospital, LABS, Action.Read, Purpose.Operations), "HOPERAT");
        assertFalse(consent.canAccessForPurpose(alice, hospital, LABS, Action.Read, Purpose.Research), "HRESCH");
        assertFalse(consent.canAccessForPurpose(alice, hospital, LABS, Action.Read, Purpose.BreakTheGlass), "BTG");
        assertFalse(
            consent.canAccessForPurpose(alice, hospital, IMAGING, Action.Write, Purpose.Treatment),
            "not in scope"
        );
        // canAccess asks for any purpose.
        assertTrue(consent.canAccess(alice, hospital, LABS, Action.Read), "any purpose");
    }

    function test_CanAccess_PatientItself() public view {
        for (uint8 category = 0; category <= 63; ++category) {
            assertTrue(consent.canAccess(alice, alice, category, Action.Read), "read own");
            assertTrue(consent.canAccess(alice, alice, category, Action.Write), "write own");
        }
        for (uint8 p = 0; p < PURPOSE_COUNT; ++p) {
            assertTrue(consent.canAccessForPurpose(alice, alice, LABS, Action.Read, Purpose(p)), "own, any purpose");
            assertTrue(consent.canAccessForPurpose(bob, bob, 63, Action.Write, Purpose(p)), "own, any purpose");
        }
        // An account that is not a registered patient has no records, not even "its own".
        assertFalse(consent.canAccess(STRANGER, STRANGER, LABS, Action.Read), "stranger");
        assertFalse(consent.canAccess(hospital, hospital, LABS, Action.Read), "provider");
    }

    function test_CanAccess_PatientItselfAfterKeyRotation() public {
        vm.prank(alice);
        directory.rotatePatientKey(_x25519("rotated"));
        assertTrue(consent.canAccess(alice, alice, LABS, Action.Write), "still a patient");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Fuzz
    // ---------------------------------------------------------------------------------------------------------

    struct FuzzCase {
        uint64 readMask;
        uint64 writeMask;
        uint32 purposes;
        uint64 expiresAt;
        uint8 category;
        Action action;
        Purpose purpose;
        uint256 time;
        bool suspended;
    }

    function _fuzzCase(
        uint64 readMask,
        uint64 writeMask,
        uint32 purposes,
        uint256 lifetime,
        uint256 categorySeed,
        bool write,
        uint256 purposeSeed,
        uint256 timeSeed,
        bool nearExpiry
    ) internal pure returns (FuzzCase memory c) {
        c.readMask = readMask;
        c.writeMask = writeMask;
        c.purposes = uint32(bound(purposes, 1, ALL_PURPOSES));
        c.expiresAt = uint64(START + bound(lifetime, 1, 3650 days));
        // Mostly valid categories, a few above 63.
        c.category = uint8(bound(categorySeed, 0, 71));
        c.action = write ? Action.Write : Action.Read;
        c.purpose = Purpose(bound(purposeSeed, 0, PURPOSE_COUNT - 1));
        // Either anywhere from now to well past expiry, or within two seconds of expiresAt.
        c.time =
            nearExpiry
                ? c.expiresAt - 2 + bound(timeSeed, 0, 4)
                : START + bound(timeSeed, 0, uint256(c.expiresAt) - START + 30 days);
        if (c.time < START) c.time = START;
    }

    function testFuzz_CanAccess_MatchesReferenceFormula(
        uint64 readMask,
        uint64 writeMask,
        uint32 purposes,
        uint256 lifetime,
        uint256 categorySeed,
        bool write,
        uint256 purposeSeed,
        uint256 timeSeed,
        bool nearExpiry,
        bool suspended
    ) public {
        vm.assume(readMask | writeMask != 0);
        FuzzCase memory c = _fuzzCase(
            readMask,
            writeMask,
            purposes,
            lifetime,
            categorySeed,
            write,
            purposeSeed,
            timeSeed,
            nearExpiry
        );
        c.suspended = suspended;

        _grant(alice, hospital, _terms(c.readMask, c.writeMask, c.purposes, c.expiresAt));
        if (c.suspended) {
            vm.prank(REGISTRAR);
            directory.suspendProvider(hospital);
        }
        vm.warp(c.time);

        bool live = c.time < c.expiresAt;
        uint64 mask = c.action == Action.Read ? c.readMask : c.writeMask;
        bool inScope = c.category <= 63 && (mask >> c.category) & 1 == 1;
        bool purposeAllowed = (c.purposes >> uint8(c.purpose)) & 1 == 1;

        assertEq(
            consent.canAccess(alice, hospital, c.category, c.action),
            live && inScope && !c.suspended,
            "canAccess"
        );
        assertEq(
            consent.canAccessForPurpose(alice, hospital, c.category, c.action, c.purpose),
            live && inScope && purposeAllowed && !c.suspended,
            "canAccessForPurpose"
        );
        // Nobody else gains anything from alice's grant to the hospital.
        assertFalse(consent.canAccess(alice, lab, c.category, c.action), "lab");
        assertFalse(consent.canAccess(bob, hospital, c.category, c.action), "bob's records");
    }

    function testFuzz_CanAccess_PatientGranteeMatchesReferenceFormula(
        uint64 readMask,
        uint64 writeMask,
        uint32 purposes,
        uint256 lifetime,
        uint256 categorySeed,
        bool write,
        uint256 purposeSeed,
        uint256 timeSeed,
        bool nearExpiry
    ) public {
        vm.assume(readMask | writeMask != 0);
        FuzzCase memory c = _fuzzCase(
            readMask,
            writeMask,
            purposes,
            lifetime,
            categorySeed,
            write,
            purposeSeed,
            timeSeed,
            nearExpiry
        );
        _grant(alice, bob, _terms(c.readMask, c.writeMask, c.purposes, c.expiresAt));
        vm.warp(c.time);

        bool live = c.time < c.expiresAt;
        uint64 mask = c.action == Action.Read ? c.readMask : c.writeMask;
        bool inScope = c.category <= 63 && (mask >> c.category) & 1 == 1;
        bool purposeAllowed = (c.purposes >> uint8(c.purpose)) & 1 == 1;

        assertEq(consent.canAccess(alice, bob, c.category, c.action), live && inScope, "canAccess");
        assertEq(
            consent.canAccessForPurpose(alice, bob, c.category, c.action, c.purpose),
            live && inScope && purposeAllowed,
            "canAccessForPurpose"
        );
    }

    function testFuzz_CanAccess_FalseAfterRevoke(
        uint64 readMask,
        uint64 writeMask,
        uint32 purposes,
        uint256 lifetime,
        uint256 purposeSeed,
        uint256 delay
    ) public {
        vm.assume(readMask | writeMask != 0);
        uint64 expiresAt = uint64(START + bound(lifetime, 1, 3650 days));
        _grant(alice, hospital, _terms(readMask, writeMask, uint32(bound(purposes, 1, ALL_PURPOSES)), expiresAt));
        vm.warp(START + bound(delay, 0, 3650 days));
        vm.prank(alice);
        consent.revoke(hospital);

        _assertNoAccessAtAll(alice, hospital);
        Purpose purpose = Purpose(bound(purposeSeed, 0, PURPOSE_COUNT - 1));
        for (uint8 category = 0; category <= 63; category += 9) {
            assertFalse(consent.canAccessForPurpose(alice, hospital, category, Action.Read, purpose), "read");
            assertFalse(consent.canAccessForPurpose(alice, hospital, category, Action.Write, purpose), "write");
        }
        _assertTerms(consent.consentOf(alice, hospital), _terms(0, 0, 0, 0));
    }

    function testFuzz_Grant_StoresTerms(uint64 readMask, uint64 writeMask, uint32 purposes, uint64 expiresAt) public {
        vm.assume(readMask | writeMask != 0);
        ConsentTerms memory terms = _terms(
            readMask,
            writeMask,
            uint32(bound(purposes, 1, ALL_PURPOSES)),
            uint64(bound(expiresAt, START + 1, type(uint64).max))
        );
        vm.expectEmit(true, true, true, true, address(consent));
        emit IConsentRegistry.ConsentGranted(alice, lab, alice, terms);
        _grant(alice, lab, terms);
        _assertTerms(consent.consentOf(alice, lab), terms);
    }

    function testFuzz_Grant_RevertWhen_InvalidPurposes(uint32 purposes) public {
        vm.assume(purposes == 0 || purposes > ALL_PURPOSES);
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentInvalidPurposes.selector, purposes));
        _grant(alice, hospital, _terms(_bit(LABS), 0, purposes, expiry));
    }

    function testFuzz_Grant_RevertWhen_ExpiryNotInFuture(uint64 expiresAt, uint32 elapsed) public {
        uint256 now_ = START + elapsed;
        expiresAt = uint64(bound(expiresAt, 0, now_));
        vm.warp(now_);
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentExpiryNotInFuture.selector, expiresAt, now_));
        _grant(alice, hospital, _terms(_bit(LABS), 0, ALL_PURPOSES, expiresAt));
    }

    function testFuzz_Grant_RevertWhen_GranteeNotRegistered(address grantee) public {
        vm.assume(!_isFixture(grantee));
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentGranteeNotRegistered.selector, grantee));
        _grant(alice, grantee, _standardTerms());
    }

    function testFuzz_CanAccess_PatientItself(uint8 category, bool write, uint256 purposeSeed) public view {
        Action action = write ? Action.Write : Action.Read;
        Purpose purpose = Purpose(bound(purposeSeed, 0, PURPOSE_COUNT - 1));
        bool valid = category <= 63;
        assertEq(consent.canAccess(alice, alice, category, action), valid, "canAccess");
        assertEq(consent.canAccessForPurpose(bob, bob, category, action, purpose), valid, "canAccessForPurpose");
    }
}
