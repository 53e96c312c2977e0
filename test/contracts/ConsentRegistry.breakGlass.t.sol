// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

import {IConsentRegistry} from "../../contracts/interfaces/IConsentRegistry.sol";
import {IDirectory} from "../../contracts/interfaces/IDirectory.sol";
import {IPS_CATEGORIES} from "../../contracts/interfaces/IConsentRegistry.sol";
import {IRecordRegistry} from "../../contracts/interfaces/IRecordRegistry.sol";
import {Action} from "../../contracts/types/Action.sol";
import {Purpose} from "../../contracts/types/Purpose.sol";
import {CarechainTest} from "./utils/Test.sol";

/// @notice Break-glass: time-boxed, read-only access of a credentialed emergency provider to a patient's emergency
/// categories, without consent; the one rule both registries ask ({IConsentRegistry.breakGlassCovers}); and the
/// Directory settings behind it (maximum duration, emergency custodian).
contract ConsentRegistryBreakGlassTest is CarechainTest {
    uint256 internal constant EMS_PK = 0xE3E3;
    uint256 internal constant EMS2_PK = 0xE3E4;
    bytes32 internal constant JUSTIFICATION = keccak256("unconscious patient, no ID, ED bay 4");
    uint64 internal constant DEFAULT_MAX = 24 hours;
    uint64 internal constant HOUR = 1 hours;
    /// @dev The Directory's default cooldown after an episode ends.
    uint64 internal constant COOLDOWN = 15 minutes;
    bytes32 internal constant ADMIN_ROLE = 0x00;

    address internal constant GUARDIAN = address(uint160(uint256(keccak256("carechain.test.breakglass.guardian"))));
    address internal constant PROXY = address(uint160(uint256(keccak256("carechain.test.breakglass.proxy"))));
    uint256 internal constant CUSTODIAN_PK = 0xC057;
    /// @dev Allergies: an emergency category by default (IPS).
    uint8 internal constant ALLERGIES = 1;

    /// @dev Emergency providers credentialed by the registrar.
    address internal ems;
    address internal ems2;

    function setUp() public {
        _deploy();
        ems = vm.addr(EMS_PK);
        ems2 = vm.addr(EMS2_PK);
        vm.label(ems, "ems");
        vm.label(ems2, "ems2");
        vm.startPrank(REGISTRAR);
        directory.registerProvider(ems, IDirectory.ProviderKind.Emergency, _x25519("ems.x25519"));
        directory.registerProvider(ems2, IDirectory.ProviderKind.Emergency, _x25519("ems2.x25519"));
        vm.stopPrank();
    }

    // ---------------------------------------------------------------------------------------------------------
    // Helpers
    // ---------------------------------------------------------------------------------------------------------

    function _open(address provider, address patient, uint64 duration) internal {
        vm.prank(provider);
        consent.openBreakGlass(patient, JUSTIFICATION, duration);
    }

    function _close(address actor, address patient, address provider) internal {
        vm.prank(actor);
        consent.closeBreakGlass(patient, provider);
    }

    function _isEmergencyPurpose(uint8 purpose) internal pure returns (bool) {
        return purpose == uint8(Purpose.EmergencyTreatment) || purpose == uint8(Purpose.BreakTheGlass);
    }

    /// @dev Checks every category, action and purpose: read is allowed exactly for the categories in
    /// `readable` and the emergency purposes; write never.
    function _assertBreakGlassAccess(address patient, address provider, uint64 readable) internal view {
        for (uint8 category = 0; category <= 63; ++category) {
            bool inMask = readable & _bit(category) != 0;
            assertEq(consent.canAccess(patient, provider, category, Action.Read), inMask, "read");
            assertFalse(consent.canAccess(patient, provider, category, Action.Write), "never write");
            for (uint8 purpose = 0; purpose < PURPOSE_COUNT; ++purpose) {
                assertEq(
                    consent.canAccessForPurpose(patient, provider, category, Action.Read, Purpose(purpose)),
                    inMask && _isEmergencyPurpose(purpose),
                    "read for purpose"
                );
                assertFalse(
                    consent.canAccessForPurpose(patient, provider, category, Action.Write, Purpose(purpose)),
                    "write for purpose"
                );
            }
        }
        // Categories above 63 don't exist.
        assertFalse(consent.canAccess(patient, provider, 64, Action.Read), "category 64");
        assertFalse(consent.canAccess(patient, provider, 255, Action.Read), "category 255");
    }

    function _expectUnauthorized(address patient, address actor) internal {
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentUnauthorizedActor.selector, patient, actor));
    }

    function _expectNotAdmin(address account) internal {
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, account, ADMIN_ROLE)
        );
    }

    // ---------------------------------------------------------------------------------------------------------
    // openBreakGlass
    // ---------------------------------------------------------------------------------------------------------

    function test_OpenBreakGlass_EmitsAndSetsExpiry() public {
        assertEq(consent.breakGlassExpiry(alice, ems), 0, "none before");

        vm.expectEmit(true, true, true, true, address(consent));
        emit IConsentRegistry.BreakGlassOpened(alice, ems, JUSTIFICATION, uint64(START + HOUR));
        _open(ems, alice, HOUR);

        assertEq(consent.breakGlassExpiry(alice, ems), START + HOUR, "expiry");
        assertEq(consent.breakGlassExpiry(bob, ems), 0, "not bob");
        assertEq(consent.breakGlassExpiry(alice, ems2), 0, "not ems2");
    }

    function test_OpenBreakGlass_ExpiryFollowsBlockTime() public {
        vm.warp(START + 10 days);
        vm.expectEmit(true, true, true, true, address(consent));
        emit IConsentRegistry.BreakGlassOpened(alice, ems, JUSTIFICATION, uint64(START + 10 days + DEFAULT_MAX));
        _open(ems, alice, DEFAULT_MAX);
        assertEq(consent.breakGlassExpiry(alice, ems), START + 10 days + DEFAULT_MAX, "expiry");
    }

    function test_OpenBreakGlass_RevertWhen_NotEmergencyProvider() public {
        address[6] memory accounts = [hospital, lab, alice, STRANGER, ADMIN, REGISTRAR];
        for (uint256 i = 0; i < accounts.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentNotEmergencyProvider.selector, accounts[i]));
            _open(accounts[i], alice, HOUR);
            assertEq(consent.breakGlassExpiry(alice, accounts[i]), 0, "nothing opened");
        }
        // Every other provider kind is refused too.
        for (uint8 kind = 1; kind < uint8(IDirectory.ProviderKind.Emergency); ++kind) {
            address provider = address(uint160(0xC0FFEE00 + kind));
            vm.prank(REGISTRAR);
            directory.registerProvider(provider, IDirectory.ProviderKind(kind), _x25519(string(abi.encode(kind))));
            vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentNotEmergencyProvider.selector, provider));
            _open(provider, alice, HOUR);
        }
    }

    function test_OpenBreakGlass_RevertWhen_Suspended() public {
        vm.prank(REGISTRAR);
        directory.suspendProvider(ems);
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentNotEmergencyProvider.selector, ems));
        _open(ems, alice, HOUR);
        assertEq(consent.breakGlassExpiry(alice, ems), 0, "nothing opened");

        vm.prank(REGISTRAR);
        directory.reinstateProvider(ems);
        _open(ems, alice, HOUR);
        assertEq(consent.breakGlassExpiry(alice, ems), START + HOUR, "opened once reinstated");
    }

    function test_OpenBreakGlass_RevertWhen_PatientNotRegistered() public {
        address[4] memory accounts = [STRANGER, hospital, ems2, address(0)];
        for (uint256 i = 0; i < accounts.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentPatientNotRegistered.selector, accounts[i]));
            _open(ems, accounts[i], HOUR);
        }
    }

    function test_OpenBreakGlass_RevertWhen_InvalidDuration() public {
        assertEq(directory.breakGlassMaxDuration(), DEFAULT_MAX, "default maximum is 24 h");

        vm.expectRevert(
            abi.encodeWithSelector(IConsentRegistry.ConsentBreakGlassInvalidDuration.selector, 0, DEFAULT_MAX)
        );
        _open(ems, alice, 0);

        vm.expectRevert(
            abi.encodeWithSelector(
                IConsentRegistry.ConsentBreakGlassInvalidDuration.selector,
                DEFAULT_MAX + 1,
                DEFAULT_MAX
            )
        );
        _open(ems, alice, DEFAULT_MAX + 1);

        vm.expectRevert(
            abi.encodeWithSelector(
                IConsentRegistry.ConsentBreakGlassInvalidDuration.selector,
                type(uint64).max,
                DEFAULT_MAX
            )
        );
        _open(ems, alice, type(uint64).max);
        assertEq(consent.breakGlassExpiry(alice, ems), 0, "nothing opened");

        // Both bounds are inclusive.
        _open(ems, alice, DEFAULT_MAX);
        assertEq(consent.breakGlassExpiry(alice, ems), START + DEFAULT_MAX, "24 h");
        _open(ems, bob, 1);
        assertEq(consent.breakGlassExpiry(bob, ems), START + 1, "1 s");
    }

    function test_OpenBreakGlass_FollowsDirectoryMaximum() public {
        vm.prank(ADMIN);
        directory.setBreakGlassMaxDuration(HOUR);
        vm.expectRevert(
            abi.encodeWithSelector(IConsentRegistry.ConsentBreakGlassInvalidDuration.selector, 2 * HOUR, HOUR)
        );
        _open(ems, alice, 2 * HOUR);
        _open(ems, alice, HOUR);

        vm.prank(ADMIN);
        directory.setBreakGlassMaxDuration(7 days);
        _open(ems, bob, 7 days);
        assertEq(consent.breakGlassExpiry(bob, ems), START + 7 days, "7 days");
    }

    /// @dev Lowering the maximum does not shorten an episode already open.
    function test_OpenBreakGlass_LoweringMaximumKeepsOpenEpisode() public {
        _open(ems, alice, DEFAULT_MAX);
        vm.prank(ADMIN);
        directory.setBreakGlassMaxDuration(HOUR);
        vm.warp(START + 2 * HOUR);
        assertTrue(consent.canAccess(alice, ems, 1, Action.Read), "still open after the new maximum");
        assertEq(consent.breakGlassExpiry(alice, ems), START + DEFAULT_MAX, "expiry unchanged");
    }

    function test_OpenBreakGlass_RevertWhen_AlreadyOpen() public {
        uint64 expiresAt = uint64(START + HOUR);
        _open(ems, alice, HOUR);

        vm.expectRevert(
            abi.encodeWithSelector(IConsentRegistry.ConsentBreakGlassAlreadyOpen.selector, alice, ems, expiresAt)
        );
        _open(ems, alice, HOUR);

        // Not even to extend it, one second before the end.
        vm.warp(expiresAt - 1);
        vm.expectRevert(
            abi.encodeWithSelector(IConsentRegistry.ConsentBreakGlassAlreadyOpen.selector, alice, ems, expiresAt)
        );
        _open(ems, alice, DEFAULT_MAX);
        assertEq(consent.breakGlassExpiry(alice, ems), expiresAt, "unchanged");
    }

    function test_OpenBreakGlass_AgainAfterExpiry_EmitsAgain() public {
        _open(ems, alice, HOUR);
        // Expiry starts the cooldown: no new episode right at the end of the last one.
        vm.warp(START + HOUR);
        vm.expectRevert(
            abi.encodeWithSelector(
                IConsentRegistry.ConsentBreakGlassCooldown.selector,
                alice,
                ems,
                uint64(START + HOUR + COOLDOWN)
            )
        );
        _open(ems, alice, HOUR);
        vm.warp(START + HOUR + COOLDOWN);
        vm.expectEmit(true, true, true, true, address(consent));
        emit IConsentRegistry.BreakGlassOpened(
            alice,
            ems,
            keccak256("second episode"),
            uint64(START + 3 * HOUR + COOLDOWN)
        );
        vm.prank(ems);
        consent.openBreakGlass(alice, keccak256("second episode"), 2 * HOUR);
        assertEq(consent.breakGlassExpiry(alice, ems), START + 3 * HOUR + COOLDOWN, "new expiry");
        assertTrue(consent.canAccess(alice, ems, 1, Action.Read), "open again");
    }

    function test_OpenBreakGlass_IndependentPerProviderAndPatient() public {
        _open(ems, alice, HOUR);
        _open(ems2, alice, 2 * HOUR);
        _open(ems, bob, 3 * HOUR);
        assertEq(consent.breakGlassExpiry(alice, ems), START + HOUR, "alice/ems");
        assertEq(consent.breakGlassExpiry(alice, ems2), START + 2 * HOUR, "alice/ems2");
        assertEq(consent.breakGlassExpiry(bob, ems), START + 3 * HOUR, "bob/ems");
        assertEq(consent.breakGlassExpiry(bob, ems2), 0, "bob/ems2");
    }

    // ---------------------------------------------------------------------------------------------------------
    // canAccess during break-glass
    // ---------------------------------------------------------------------------------------------------------

    function test_CanAccess_NoneBeforeBreakGlass() public view {
        _assertBreakGlassAccess(alice, ems, 0);
    }

    function test_CanAccess_ReadEmergencyCategoriesOnly() public {
        _open(ems, alice, HOUR);
        _assertBreakGlassAccess(alice, ems, IPS_CATEGORIES);
        // Only the patient it was opened on, only for the provider that opened it.
        _assertBreakGlassAccess(bob, ems, 0);
        _assertBreakGlassAccess(alice, ems2, 0);
    }

    function test_CanAccess_FollowsPatientsEmergencyCategories() public {
        _open(ems, alice, HOUR);
        uint64 mask = _bit(2) | _bit(9) | _bit(63);
        vm.prank(alice);
        consent.setEmergencyCategories(alice, mask);
        _assertBreakGlassAccess(alice, ems, mask);
    }

    function test_CanAccess_FalseFromExpiry() public {
        _open(ems, alice, HOUR);
        vm.warp(START + HOUR - 1);
        assertTrue(consent.canAccess(alice, ems, 1, Action.Read), "last second");
        vm.warp(START + HOUR);
        _assertBreakGlassAccess(alice, ems, 0);
        // The stored expiry is kept (it reads as "past").
        assertEq(consent.breakGlassExpiry(alice, ems), START + HOUR, "expiry kept");
    }

    function test_CanAccess_FalseWhileSuspended() public {
        _open(ems, alice, HOUR);
        vm.prank(REGISTRAR);
        directory.suspendProvider(ems);
        _assertBreakGlassAccess(alice, ems, 0);

        // Reinstated before the end of the episode, it reads again until the original expiry.
        vm.prank(REGISTRAR);
        directory.reinstateProvider(ems);
        assertTrue(consent.canAccess(alice, ems, 1, Action.Read), "reinstated");
        vm.warp(START + HOUR);
        assertFalse(consent.canAccess(alice, ems, 1, Action.Read), "expired");
    }

    /// @dev A consent grant and break-glass add up, each with its own rules.
    function test_CanAccess_GrantAndBreakGlassCombine() public {
        uint8 notes = 9;
        _grant(alice, ems, _terms(_bit(notes), _bit(notes), _purposeBit(Purpose.Treatment), uint64(START + 30 days)));
        _open(ems, alice, HOUR);

        assertTrue(consent.canAccess(alice, ems, notes, Action.Write), "write by grant");
        assertTrue(consent.canAccessForPurpose(alice, ems, notes, Action.Read, Purpose.Treatment), "grant read");
        assertFalse(
            consent.canAccessForPurpose(alice, ems, notes, Action.Read, Purpose.BreakTheGlass),
            "grant is TREAT only"
        );
        assertTrue(consent.canAccessForPurpose(alice, ems, 1, Action.Read, Purpose.BreakTheGlass), "BTG read");
        assertFalse(consent.canAccessForPurpose(alice, ems, 1, Action.Read, Purpose.Treatment), "no TREAT by BTG");
        assertFalse(consent.canAccess(alice, ems, 1, Action.Write), "no write by BTG");
    }

    // ---------------------------------------------------------------------------------------------------------
    // breakGlassCovers: the one break-glass rule, and every path that asks it
    // ---------------------------------------------------------------------------------------------------------

    /// @dev A one-leaf batch of `alice` (anchored by alice) holding `recordId` in `categories`: its root is the
    /// leaf, its proof empty. Returns the batch id.
    function _oneLeafBatch(bytes32 recordId, uint64 categories, bytes32 keyringDigest) internal returns (bytes32) {
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(recordId, categories, keyringDigest))));
        bytes memory manifest = _cid(_digest("manifest"));
        vm.prank(alice);
        return records.anchorBatch(alice, leaf, categories, 1, manifest);
    }

    /// @dev Asserts what each of the four break-glass paths answers for `ems` on alice's Allergies record
    /// `recordId` (also leaf of batch `batchId`): canAccess/canAccessForPurpose and breakGlassCovers (the consent
    /// registry), logAccess and logBatchAccess (reads, through canAccessForPurpose), logKeyRelease and
    /// logBatchKeyRelease (the custodian, through breakGlassCovers).
    function _assertEveryPath(
        bytes32 recordId,
        bytes32 batchId,
        bytes32 keyringDigest,
        address custodian,
        bool allowed
    ) internal {
        uint64 categories = _bit(ALLERGIES);
        assertEq(consent.breakGlassCovers(alice, ems, categories), allowed, "breakGlassCovers");
        assertEq(consent.canAccess(alice, ems, ALLERGIES, Action.Read), allowed, "canAccess");
        assertEq(
            consent.canAccessForPurpose(alice, ems, ALLERGIES, Action.Read, Purpose.EmergencyTreatment),
            allowed,
            "canAccessForPurpose"
        );

        if (!allowed) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IRecordRegistry.RecordReadConsentRequired.selector,
                    alice,
                    ems,
                    ALLERGIES,
                    Purpose.EmergencyTreatment
                )
            );
        }
        vm.prank(ems);
        records.logAccess(recordId, Purpose.EmergencyTreatment);

        if (!allowed) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IRecordRegistry.RecordReadConsentRequired.selector,
                    alice,
                    ems,
                    ALLERGIES,
                    Purpose.BreakTheGlass
                )
            );
        }
        vm.prank(ems);
        records.logBatchAccess(batchId, recordId, categories, Purpose.BreakTheGlass);

        if (!allowed) {
            vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordBreakGlassRequired.selector, recordId, ems));
        }
        vm.prank(custodian);
        records.logKeyRelease(recordId, ems);

        if (!allowed) {
            vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordBreakGlassRequired.selector, recordId, ems));
        }
        vm.prank(custodian);
        records.logBatchKeyRelease(batchId, recordId, categories, keyringDigest, new bytes32[](0), ems);
    }

    /// @dev The two registries once checked suspension differently (canAccess: "not suspended"; key release:
    /// "active provider"). Now both ask breakGlassCovers, and a suspended provider with an open episode is refused
    /// on every path, reads and key releases alike, until reinstated.
    function test_BreakGlassCovers_SuspendedProviderRefusedOnEveryPath() public {
        address custodian = vm.addr(CUSTODIAN_PK);
        vm.prank(REGISTRAR);
        directory.registerProvider(custodian, IDirectory.ProviderKind.Emergency, _x25519("custodian.x25519"));
        vm.prank(ADMIN);
        directory.setEmergencyCustodian(custodian);

        // Arguments first: `_digest` calls the sha256 precompile, which would take the prank.
        bytes memory content = _cid(_digest("alice allergies"));
        bytes32 keyringDigest = _digest("keyring");
        bytes memory keyring = _cid(keyringDigest);
        vm.prank(alice);
        bytes32 recordId = records.anchor(alice, _bit(ALLERGIES), content, keyring, bytes32(0));
        bytes32 batchId = _oneLeafBatch(recordId, _bit(ALLERGIES), keyringDigest);

        _assertEveryPath(recordId, batchId, keyringDigest, custodian, false); // not open yet
        _open(ems, alice, HOUR);
        _assertEveryPath(recordId, batchId, keyringDigest, custodian, true);

        vm.prank(REGISTRAR);
        directory.suspendProvider(ems);
        assertTrue(consent.breakGlassExpiry(alice, ems) > block.timestamp, "the episode is still open");
        _assertEveryPath(recordId, batchId, keyringDigest, custodian, false);

        vm.prank(REGISTRAR);
        directory.reinstateProvider(ems);
        _assertEveryPath(recordId, batchId, keyringDigest, custodian, true);
    }

    function test_BreakGlassCovers_FalseForEmptyCategories() public {
        _open(ems, alice, HOUR);
        assertFalse(consent.breakGlassCovers(alice, ems, 0));
        assertTrue(consent.breakGlassCovers(alice, ems, IPS_CATEGORIES));
    }

    /// @dev For any categories, emergency mask, elapsed time and suspension: covered exactly when the categories
    /// are non-empty, all emergency categories, the episode still open and the provider not suspended.
    function testFuzz_BreakGlassCovers_MatchesModel(
        uint64 categories,
        uint64 mask,
        uint256 elapsed,
        bool suspended
    ) public {
        elapsed = bound(elapsed, 0, 2 * HOUR);
        vm.prank(alice);
        consent.setEmergencyCategories(alice, mask);
        _open(ems, alice, HOUR);
        if (suspended) {
            vm.prank(REGISTRAR);
            directory.suspendProvider(ems);
        }
        vm.warp(START + elapsed);
        bool expected = categories != 0 && mask & categories == categories && elapsed < HOUR && !suspended;
        assertEq(consent.breakGlassCovers(alice, ems, categories), expected, "covers");
        assertFalse(consent.breakGlassCovers(alice, ems2, categories), "another provider");
        assertFalse(consent.breakGlassCovers(bob, ems, categories), "another patient");
    }

    // ---------------------------------------------------------------------------------------------------------
    // closeBreakGlass
    // ---------------------------------------------------------------------------------------------------------

    function test_CloseBreakGlass_ByPatient() public {
        _open(ems, alice, HOUR);
        vm.expectEmit(true, true, true, true, address(consent));
        emit IConsentRegistry.BreakGlassClosed(alice, ems, alice);
        _close(alice, alice, ems);
        assertEq(consent.breakGlassExpiry(alice, ems), START, "ended at closing");
        _assertBreakGlassAccess(alice, ems, 0);
    }

    function test_CloseBreakGlass_ByDelegate() public {
        vm.startPrank(alice);
        consent.addDelegate(alice, GUARDIAN, IConsentRegistry.DelegateKind.Guardian);
        consent.addDelegate(alice, PROXY, IConsentRegistry.DelegateKind.Proxy);
        vm.stopPrank();

        _open(ems, alice, HOUR);
        vm.expectEmit(true, true, true, true, address(consent));
        emit IConsentRegistry.BreakGlassClosed(alice, ems, PROXY);
        _close(PROXY, alice, ems);
        assertFalse(consent.canAccess(alice, ems, 1, Action.Read), "closed by proxy");

        _open(ems2, alice, HOUR);
        vm.expectEmit(true, true, true, true, address(consent));
        emit IConsentRegistry.BreakGlassClosed(alice, ems2, GUARDIAN);
        _close(GUARDIAN, alice, ems2);
        assertFalse(consent.canAccess(alice, ems2, 1, Action.Read), "closed by guardian");
    }

    function test_CloseBreakGlass_ByProvider_ThenReopen() public {
        _open(ems, alice, HOUR);
        vm.expectEmit(true, true, true, true, address(consent));
        emit IConsentRegistry.BreakGlassClosed(alice, ems, ems);
        _close(ems, alice, ems);
        assertFalse(consent.canAccess(alice, ems, 1, Action.Read), "closed");

        // Closing starts the cooldown: no close-and-reopen renewal, in this block or the next minutes.
        vm.expectRevert(
            abi.encodeWithSelector(IConsentRegistry.ConsentBreakGlassCooldown.selector, alice, ems, START + COOLDOWN)
        );
        _open(ems, alice, 2 * HOUR);
        vm.warp(START + COOLDOWN - 1);
        vm.expectRevert(
            abi.encodeWithSelector(IConsentRegistry.ConsentBreakGlassCooldown.selector, alice, ems, START + COOLDOWN)
        );
        _open(ems, alice, 2 * HOUR);
        // After it, a new (loud) episode.
        vm.warp(START + COOLDOWN);
        vm.expectEmit(true, true, true, true, address(consent));
        emit IConsentRegistry.BreakGlassOpened(alice, ems, JUSTIFICATION, uint64(START + COOLDOWN + 2 * HOUR));
        _open(ems, alice, 2 * HOUR);
        assertTrue(consent.canAccess(alice, ems, 1, Action.Read), "reopened");
    }

    function test_CloseBreakGlass_OnlyTheNamedEpisode() public {
        _open(ems, alice, HOUR);
        _open(ems2, alice, HOUR);
        _open(ems, bob, HOUR);
        _close(alice, alice, ems);
        assertFalse(consent.canAccess(alice, ems, 1, Action.Read), "alice/ems closed");
        assertTrue(consent.canAccess(alice, ems2, 1, Action.Read), "alice/ems2 open");
        assertTrue(consent.canAccess(bob, ems, 1, Action.Read), "bob/ems open");
    }

    function test_CloseBreakGlass_RevertWhen_Others() public {
        vm.prank(bob);
        consent.addDelegate(bob, GUARDIAN, IConsentRegistry.DelegateKind.Guardian);
        _open(ems, alice, HOUR);
        _open(ems2, alice, HOUR);

        // Another emergency provider (with its own episode), another patient, bob's guardian, the admins.
        address[7] memory actors = [ems2, bob, GUARDIAN, hospital, STRANGER, ADMIN, REGISTRAR];
        for (uint256 i = 0; i < actors.length; ++i) {
            _expectUnauthorized(alice, actors[i]);
            _close(actors[i], alice, ems);
        }
        assertTrue(consent.canAccess(alice, ems, 1, Action.Read), "still open");
        assertEq(consent.breakGlassExpiry(alice, ems), START + HOUR, "expiry kept");
    }

    function test_CloseBreakGlass_RevertWhen_NotOpen() public {
        // Never opened.
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentBreakGlassNotOpen.selector, alice, ems));
        _close(alice, alice, ems);
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentBreakGlassNotOpen.selector, alice, ems));
        _close(ems, alice, ems);

        // Expired.
        _open(ems, alice, HOUR);
        vm.warp(START + HOUR);
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentBreakGlassNotOpen.selector, alice, ems));
        _close(alice, alice, ems);

        // Already closed.
        vm.warp(START + HOUR + COOLDOWN);
        _open(ems, alice, HOUR);
        _close(alice, alice, ems);
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentBreakGlassNotOpen.selector, alice, ems));
        _close(ems, alice, ems);

        // Unknown provider.
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentBreakGlassNotOpen.selector, alice, hospital));
        _close(alice, alice, hospital);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Directory: maximum duration
    // ---------------------------------------------------------------------------------------------------------

    function test_SetBreakGlassMaxDuration_Bounds() public {
        vm.expectEmit(true, true, true, true, address(directory));
        emit IDirectory.BreakGlassMaxDurationSet(1 minutes);
        vm.prank(ADMIN);
        directory.setBreakGlassMaxDuration(1 minutes);
        assertEq(directory.breakGlassMaxDuration(), 1 minutes, "1 minute");

        vm.expectEmit(true, true, true, true, address(directory));
        emit IDirectory.BreakGlassMaxDurationSet(7 days);
        vm.prank(ADMIN);
        directory.setBreakGlassMaxDuration(7 days);
        assertEq(directory.breakGlassMaxDuration(), 7 days, "7 days");

        uint64[4] memory invalid = [uint64(0), 1 minutes - 1, 7 days + 1, type(uint64).max];
        for (uint256 i = 0; i < invalid.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IDirectory.DirectoryInvalidBreakGlassDuration.selector, invalid[i]));
            vm.prank(ADMIN);
            directory.setBreakGlassMaxDuration(invalid[i]);
        }
        assertEq(directory.breakGlassMaxDuration(), 7 days, "unchanged");
    }

    function test_SetBreakGlassMaxDuration_RevertWhen_NotAdmin() public {
        address[4] memory accounts = [REGISTRAR, STRANGER, alice, ems];
        for (uint256 i = 0; i < accounts.length; ++i) {
            _expectNotAdmin(accounts[i]);
            vm.prank(accounts[i]);
            directory.setBreakGlassMaxDuration(HOUR);
        }
        assertEq(directory.breakGlassMaxDuration(), DEFAULT_MAX, "unchanged");
    }

    function testFuzz_SetBreakGlassMaxDuration(uint64 maxDuration) public {
        bool valid = maxDuration >= 1 minutes && maxDuration <= 7 days;
        if (!valid) {
            vm.expectRevert(
                abi.encodeWithSelector(IDirectory.DirectoryInvalidBreakGlassDuration.selector, maxDuration)
            );
        }
        vm.prank(ADMIN);
        directory.setBreakGlassMaxDuration(maxDuration);
        assertEq(directory.breakGlassMaxDuration(), valid ? maxDuration : DEFAULT_MAX, "maximum");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Directory: emergency custodian
    // ---------------------------------------------------------------------------------------------------------

    function test_SetEmergencyCustodian() public {
        assertEq(directory.emergencyCustodian(), address(0), "none by default");

        vm.expectEmit(true, true, true, true, address(directory));
        emit IDirectory.EmergencyCustodianSet(ems);
        vm.prank(ADMIN);
        directory.setEmergencyCustodian(ems);
        assertEq(directory.emergencyCustodian(), ems, "ems");

        vm.prank(ADMIN);
        directory.setEmergencyCustodian(ems2);
        assertEq(directory.emergencyCustodian(), ems2, "replaced");

        vm.expectEmit(true, true, true, true, address(directory));
        emit IDirectory.EmergencyCustodianSet(address(0));
        vm.prank(ADMIN);
        directory.setEmergencyCustodian(address(0));
        assertEq(directory.emergencyCustodian(), address(0), "removed");
    }

    function test_SetEmergencyCustodian_RevertWhen_NotActiveEmergencyProvider() public {
        vm.prank(ADMIN);
        directory.setEmergencyCustodian(ems2);

        address[5] memory accounts = [hospital, lab, alice, STRANGER, REGISTRAR];
        for (uint256 i = 0; i < accounts.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IDirectory.DirectoryInvalidCustodian.selector, accounts[i]));
            vm.prank(ADMIN);
            directory.setEmergencyCustodian(accounts[i]);
        }

        vm.prank(REGISTRAR);
        directory.suspendProvider(ems);
        vm.expectRevert(abi.encodeWithSelector(IDirectory.DirectoryInvalidCustodian.selector, ems));
        vm.prank(ADMIN);
        directory.setEmergencyCustodian(ems);

        assertEq(directory.emergencyCustodian(), ems2, "unchanged");
    }

    function test_SetEmergencyCustodian_RevertWhen_NotAdmin() public {
        address[4] memory accounts = [REGISTRAR, STRANGER, alice, ems];
        for (uint256 i = 0; i < accounts.length; ++i) {
            _expectNotAdmin(accounts[i]);
            vm.prank(accounts[i]);
            directory.setEmergencyCustodian(ems);
        }
        assertEq(directory.emergencyCustodian(), address(0), "unchanged");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Fuzz
    // ---------------------------------------------------------------------------------------------------------

    /// @dev For any duration and elapsed time, category, action, purpose and emergency mask: access is exactly
    /// (duration valid && elapsed < duration && category in mask && read && purpose emergency).
    function testFuzz_BreakGlassAccess(
        uint64 duration,
        uint256 elapsed,
        uint8 category,
        uint8 purpose,
        bool write,
        uint64 mask,
        bool customMask
    ) public {
        duration = uint64(bound(duration, 0, 2 * DEFAULT_MAX));
        elapsed = bound(elapsed, 0, 3 * DEFAULT_MAX);
        category = uint8(bound(category, 0, 70));
        purpose = uint8(bound(purpose, 0, PURPOSE_COUNT - 1));
        if (customMask) {
            vm.prank(alice);
            consent.setEmergencyCategories(alice, mask);
        } else {
            mask = IPS_CATEGORIES;
        }

        bool valid = duration != 0 && duration <= DEFAULT_MAX;
        if (!valid) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IConsentRegistry.ConsentBreakGlassInvalidDuration.selector,
                    duration,
                    DEFAULT_MAX
                )
            );
        }
        _open(ems, alice, duration);
        assertEq(consent.breakGlassExpiry(alice, ems), valid ? START + duration : 0, "expiry");

        vm.warp(START + elapsed);
        bool readable = valid && elapsed < duration && category <= 63 && mask & _bit(category) != 0;
        Action action = write ? Action.Write : Action.Read;
        assertEq(consent.canAccess(alice, ems, category, action), readable && !write, "canAccess");
        assertEq(
            consent.canAccessForPurpose(alice, ems, category, action, Purpose(purpose)),
            readable && !write && _isEmergencyPurpose(purpose),
            "canAccessForPurpose"
        );
        assertFalse(consent.canAccess(bob, ems, category, Action.Read), "other patient");
        assertFalse(consent.canAccess(alice, ems2, category, Action.Read), "other provider");
    }
}
