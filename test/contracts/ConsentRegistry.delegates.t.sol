// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IConsentRegistry} from "../../contracts/interfaces/IConsentRegistry.sol";
import {IDirectory} from "../../contracts/interfaces/IDirectory.sol";
import {IPS_CATEGORIES} from "../../contracts/interfaces/IConsentRegistry.sol";
import {Action} from "../../contracts/types/Action.sol";
import {ConsentTerms} from "../../contracts/types/ConsentTerms.sol";
import {Purpose} from "../../contracts/types/Purpose.sol";
import {CarechainTest} from "./utils/Test.sol";

/// @notice Delegates (guardian, proxy) of a patient: who may name and remove them, what they may do on the
/// patient's behalf (grantFor, revokeFor, setEmergencyCategories), and the break-glass category policy.
contract ConsentRegistryDelegatesTest is CarechainTest {
    uint8 internal constant LABS = 3;
    uint8 internal constant IMAGING = 7;

    address internal constant GUARDIAN = address(uint160(uint256(keccak256("carechain.test.delegates.guardian"))));
    address internal constant GUARDIAN2 = address(uint160(uint256(keccak256("carechain.test.delegates.guardian2"))));
    address internal constant PROXY = address(uint160(uint256(keccak256("carechain.test.delegates.proxy"))));
    address internal constant PROXY2 = address(uint160(uint256(keccak256("carechain.test.delegates.proxy2"))));
    uint256 internal constant EMS_PK = 0xE3E3;

    IConsentRegistry.DelegateKind internal constant NONE = IConsentRegistry.DelegateKind.None;
    IConsentRegistry.DelegateKind internal constant GUARDIAN_KIND = IConsentRegistry.DelegateKind.Guardian;
    IConsentRegistry.DelegateKind internal constant PROXY_KIND = IConsentRegistry.DelegateKind.Proxy;

    uint64 internal expiry;

    function setUp() public {
        _deploy();
        expiry = uint64(START + 30 days);
        vm.label(GUARDIAN, "guardian");
        vm.label(GUARDIAN2, "guardian2");
        vm.label(PROXY, "proxy");
        vm.label(PROXY2, "proxy2");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Helpers
    // ---------------------------------------------------------------------------------------------------------

    function _standardTerms() internal view returns (ConsentTerms memory) {
        return _terms(_bit(LABS) | _bit(IMAGING), _bit(LABS), _purposeBit(Purpose.Treatment), expiry);
    }

    function _addDelegate(
        address actor,
        address patient,
        address delegate,
        IConsentRegistry.DelegateKind kind
    ) internal {
        vm.prank(actor);
        consent.addDelegate(patient, delegate, kind);
    }

    /// @dev alice names GUARDIAN a guardian and PROXY a proxy.
    function _aliceDelegates() internal {
        _addDelegate(alice, alice, GUARDIAN, GUARDIAN_KIND);
        _addDelegate(alice, alice, PROXY, PROXY_KIND);
    }

    function _kind(address patient, address delegate) internal view returns (uint256) {
        return uint256(consent.delegateOf(patient, delegate));
    }

    function _expectUnauthorized(address patient, address actor) internal {
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentUnauthorizedActor.selector, patient, actor));
    }

    function _assertTerms(ConsentTerms memory actual, ConsentTerms memory expected) internal pure {
        assertEq(actual.readMask, expected.readMask, "readMask");
        assertEq(actual.writeMask, expected.writeMask, "writeMask");
        assertEq(actual.purposes, expected.purposes, "purposes");
        assertEq(actual.expiresAt, expected.expiresAt, "expiresAt");
    }

    // ---------------------------------------------------------------------------------------------------------
    // addDelegate
    // ---------------------------------------------------------------------------------------------------------

    function test_DelegateOf_NoneByDefault() public view {
        assertEq(_kind(alice, GUARDIAN), uint256(NONE), "guardian");
        assertEq(_kind(alice, bob), uint256(NONE), "bob");
        assertFalse(consent.isPatientOrDelegate(alice, GUARDIAN), "guardian is nobody yet");
    }

    function test_AddDelegate_ByPatient_StoresKindAndEmits() public {
        vm.expectEmit(true, true, true, true, address(consent));
        emit IConsentRegistry.DelegateAdded(alice, GUARDIAN, alice, GUARDIAN_KIND);
        _addDelegate(alice, alice, GUARDIAN, GUARDIAN_KIND);

        vm.expectEmit(true, true, true, true, address(consent));
        emit IConsentRegistry.DelegateAdded(alice, PROXY, alice, PROXY_KIND);
        _addDelegate(alice, alice, PROXY, PROXY_KIND);

        assertEq(_kind(alice, GUARDIAN), uint256(GUARDIAN_KIND), "guardian kind");
        assertEq(_kind(alice, PROXY), uint256(PROXY_KIND), "proxy kind");
        // Per patient: nothing changes for bob.
        assertEq(_kind(bob, GUARDIAN), uint256(NONE), "not bob's guardian");
        assertEq(_kind(bob, PROXY), uint256(NONE), "not bob's proxy");
    }

    function test_AddDelegate_RegisteredAccountsCanBeDelegates() public {
        // Another patient and a provider may be delegates too (a parent who is a patient, a care home).
        _addDelegate(alice, alice, bob, PROXY_KIND);
        _addDelegate(alice, alice, hospital, GUARDIAN_KIND);
        assertEq(_kind(alice, bob), uint256(PROXY_KIND), "bob");
        assertEq(_kind(alice, hospital), uint256(GUARDIAN_KIND), "hospital");
        assertEq(_kind(bob, alice), uint256(NONE), "not symmetric");
    }

    function test_AddDelegate_AgainReplacesKind() public {
        _addDelegate(alice, alice, PROXY, PROXY_KIND);
        vm.expectEmit(true, true, true, true, address(consent));
        emit IConsentRegistry.DelegateAdded(alice, PROXY, alice, GUARDIAN_KIND);
        _addDelegate(alice, alice, PROXY, GUARDIAN_KIND);
        assertEq(_kind(alice, PROXY), uint256(GUARDIAN_KIND), "promoted");

        _addDelegate(alice, alice, PROXY, PROXY_KIND);
        assertEq(_kind(alice, PROXY), uint256(PROXY_KIND), "demoted");
    }

    function test_AddDelegate_ByGuardian() public {
        _addDelegate(alice, alice, GUARDIAN, GUARDIAN_KIND);

        vm.expectEmit(true, true, true, true, address(consent));
        emit IConsentRegistry.DelegateAdded(alice, PROXY, GUARDIAN, PROXY_KIND);
        _addDelegate(GUARDIAN, alice, PROXY, PROXY_KIND);
        _addDelegate(GUARDIAN, alice, GUARDIAN2, GUARDIAN_KIND);

        assertEq(_kind(alice, PROXY), uint256(PROXY_KIND), "proxy added by guardian");
        assertEq(_kind(alice, GUARDIAN2), uint256(GUARDIAN_KIND), "guardian added by guardian");
    }

    function test_AddDelegate_RevertWhen_Proxy() public {
        _aliceDelegates();
        _expectUnauthorized(alice, PROXY);
        _addDelegate(PROXY, alice, PROXY2, PROXY_KIND);
        // A proxy can't promote itself either.
        _expectUnauthorized(alice, PROXY);
        _addDelegate(PROXY, alice, PROXY, GUARDIAN_KIND);

        assertEq(_kind(alice, PROXY2), uint256(NONE), "proxy2 not added");
        assertEq(_kind(alice, PROXY), uint256(PROXY_KIND), "proxy still a proxy");
    }

    function test_AddDelegate_RevertWhen_NotPatientOrGuardian() public {
        _aliceDelegates();
        address[5] memory actors = [STRANGER, bob, hospital, ADMIN, REGISTRAR];
        for (uint256 i = 0; i < actors.length; ++i) {
            _expectUnauthorized(alice, actors[i]);
            _addDelegate(actors[i], alice, PROXY2, PROXY_KIND);
        }
        // bob's guardian is not alice's.
        _addDelegate(bob, bob, GUARDIAN2, GUARDIAN_KIND);
        _expectUnauthorized(alice, GUARDIAN2);
        _addDelegate(GUARDIAN2, alice, PROXY2, PROXY_KIND);
        // alice's guardian is not bob's.
        _expectUnauthorized(bob, GUARDIAN);
        _addDelegate(GUARDIAN, bob, PROXY2, PROXY_KIND);

        assertEq(_kind(alice, PROXY2), uint256(NONE), "alice: nothing added");
        assertEq(_kind(bob, PROXY2), uint256(NONE), "bob: nothing added");
    }

    function test_AddDelegate_RevertWhen_InvalidDelegate() public {
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentInvalidDelegate.selector, address(0)));
        _addDelegate(alice, alice, address(0), PROXY_KIND);

        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentInvalidDelegate.selector, alice));
        _addDelegate(alice, alice, alice, GUARDIAN_KIND);

        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentInvalidDelegate.selector, PROXY));
        _addDelegate(alice, alice, PROXY, NONE);

        // The same checks apply to a guardian acting for the patient.
        _addDelegate(alice, alice, GUARDIAN, GUARDIAN_KIND);
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentInvalidDelegate.selector, alice));
        _addDelegate(GUARDIAN, alice, alice, PROXY_KIND);
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentInvalidDelegate.selector, address(0)));
        _addDelegate(GUARDIAN, alice, address(0), PROXY_KIND);
        // Kind None is not a way to remove a delegate.
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentInvalidDelegate.selector, GUARDIAN));
        _addDelegate(GUARDIAN, alice, GUARDIAN, NONE);

        assertEq(_kind(alice, address(0)), uint256(NONE), "zero");
        assertEq(_kind(alice, alice), uint256(NONE), "self");
        assertEq(_kind(alice, PROXY), uint256(NONE), "kind none");
        assertEq(_kind(alice, GUARDIAN), uint256(GUARDIAN_KIND), "guardian kept");
    }

    // ---------------------------------------------------------------------------------------------------------
    // removeDelegate
    // ---------------------------------------------------------------------------------------------------------

    function test_RemoveDelegate_ByPatient() public {
        _aliceDelegates();
        vm.expectEmit(true, true, true, true, address(consent));
        emit IConsentRegistry.DelegateRemoved(alice, GUARDIAN, alice);
        vm.prank(alice);
        consent.removeDelegate(alice, GUARDIAN);

        assertEq(_kind(alice, GUARDIAN), uint256(NONE), "guardian removed");
        assertEq(_kind(alice, PROXY), uint256(PROXY_KIND), "proxy kept");
        assertFalse(consent.isPatientOrDelegate(alice, GUARDIAN), "no longer a delegate");
    }

    function test_RemoveDelegate_ByGuardian() public {
        _aliceDelegates();
        _addDelegate(alice, alice, GUARDIAN2, GUARDIAN_KIND);

        vm.expectEmit(true, true, true, true, address(consent));
        emit IConsentRegistry.DelegateRemoved(alice, PROXY, GUARDIAN);
        vm.prank(GUARDIAN);
        consent.removeDelegate(alice, PROXY);
        // A guardian may remove another guardian.
        vm.prank(GUARDIAN);
        consent.removeDelegate(alice, GUARDIAN2);

        assertEq(_kind(alice, PROXY), uint256(NONE), "proxy removed");
        assertEq(_kind(alice, GUARDIAN2), uint256(NONE), "guardian2 removed");
        assertEq(_kind(alice, GUARDIAN), uint256(GUARDIAN_KIND), "guardian kept");
    }

    function test_RemoveDelegate_ByDelegateItself() public {
        _aliceDelegates();
        vm.expectEmit(true, true, true, true, address(consent));
        emit IConsentRegistry.DelegateRemoved(alice, PROXY, PROXY);
        vm.prank(PROXY);
        consent.removeDelegate(alice, PROXY);

        vm.expectEmit(true, true, true, true, address(consent));
        emit IConsentRegistry.DelegateRemoved(alice, GUARDIAN, GUARDIAN);
        vm.prank(GUARDIAN);
        consent.removeDelegate(alice, GUARDIAN);

        assertEq(_kind(alice, PROXY), uint256(NONE), "proxy left");
        assertEq(_kind(alice, GUARDIAN), uint256(NONE), "guardian left");
    }

    function test_RemoveDelegate_RevertWhen_ProxyRemovesAnother() public {
        _aliceDelegates();
        _addDelegate(alice, alice, PROXY2, PROXY_KIND);
        _expectUnauthorized(alice, PROXY);
        vm.prank(PROXY);
        consent.removeDelegate(alice, PROXY2);
        _expectUnauthorized(alice, PROXY);
        vm.prank(PROXY);
        consent.removeDelegate(alice, GUARDIAN);

        assertEq(_kind(alice, PROXY2), uint256(PROXY_KIND), "proxy2 kept");
        assertEq(_kind(alice, GUARDIAN), uint256(GUARDIAN_KIND), "guardian kept");
    }

    function test_RemoveDelegate_RevertWhen_Others() public {
        _aliceDelegates();
        _addDelegate(bob, bob, GUARDIAN2, GUARDIAN_KIND);
        address[5] memory actors = [STRANGER, bob, hospital, ADMIN, GUARDIAN2];
        for (uint256 i = 0; i < actors.length; ++i) {
            _expectUnauthorized(alice, actors[i]);
            vm.prank(actors[i]);
            consent.removeDelegate(alice, PROXY);
        }
        assertEq(_kind(alice, PROXY), uint256(PROXY_KIND), "proxy kept");
    }

    function test_RemoveDelegate_RevertWhen_NotADelegate() public {
        _aliceDelegates();
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentDelegateNotFound.selector, alice, STRANGER));
        vm.prank(alice);
        consent.removeDelegate(alice, STRANGER);

        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentDelegateNotFound.selector, alice, PROXY2));
        vm.prank(GUARDIAN);
        consent.removeDelegate(alice, PROXY2);

        // Calling on oneself when one is not a delegate.
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentDelegateNotFound.selector, bob, PROXY));
        vm.prank(PROXY);
        consent.removeDelegate(bob, PROXY);

        // Removed twice.
        vm.prank(alice);
        consent.removeDelegate(alice, PROXY);
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentDelegateNotFound.selector, alice, PROXY));
        vm.prank(alice);
        consent.removeDelegate(alice, PROXY);
    }

    function test_RemoveDelegate_RemovedGuardianLosesPowers() public {
        _aliceDelegates();
        vm.prank(alice);
        consent.removeDelegate(alice, GUARDIAN);

        _expectUnauthorized(alice, GUARDIAN);
        _addDelegate(GUARDIAN, alice, PROXY2, PROXY_KIND);
        _expectUnauthorized(alice, GUARDIAN);
        vm.prank(GUARDIAN);
        consent.removeDelegate(alice, PROXY);
        _expectUnauthorized(alice, GUARDIAN);
        vm.prank(GUARDIAN);
        consent.grantFor(alice, hospital, _standardTerms());
        _expectUnauthorized(alice, GUARDIAN);
        vm.prank(GUARDIAN);
        consent.setEmergencyCategories(alice, 0);
    }

    // ---------------------------------------------------------------------------------------------------------
    // grantFor / revokeFor
    // ---------------------------------------------------------------------------------------------------------

    function test_GrantFor_ByPatient() public {
        ConsentTerms memory terms = _standardTerms();
        vm.expectEmit(true, true, true, true, address(consent));
        emit IConsentRegistry.ConsentGranted(alice, hospital, alice, terms);
        vm.prank(alice);
        consent.grantFor(alice, hospital, terms);
        _assertTerms(consent.consentOf(alice, hospital), terms);
    }

    function test_GrantFor_ByGuardian_ActorIsGuardian() public {
        _aliceDelegates();
        ConsentTerms memory terms = _standardTerms();
        vm.expectEmit(true, true, true, true, address(consent));
        emit IConsentRegistry.ConsentGranted(alice, hospital, GUARDIAN, terms);
        vm.prank(GUARDIAN);
        consent.grantFor(alice, hospital, terms);

        _assertTerms(consent.consentOf(alice, hospital), terms);
        assertTrue(consent.canAccess(alice, hospital, LABS, Action.Write), "hospital writes labs");
        // The grant is alice's, not the guardian's.
        _assertTerms(consent.consentOf(GUARDIAN, hospital), _terms(0, 0, 0, 0));
    }

    function test_GrantFor_ByProxy_ActorIsProxy() public {
        _aliceDelegates();
        ConsentTerms memory terms = _standardTerms();
        vm.expectEmit(true, true, true, true, address(consent));
        emit IConsentRegistry.ConsentGranted(alice, lab, PROXY, terms);
        vm.prank(PROXY);
        consent.grantFor(alice, lab, terms);

        _assertTerms(consent.consentOf(alice, lab), terms);
        assertTrue(consent.canAccess(alice, lab, IMAGING, Action.Read), "lab reads imaging");
        assertFalse(consent.canAccess(alice, lab, IMAGING, Action.Write), "not writes imaging");
    }

    function test_GrantFor_DelegateRunsTheSameChecks() public {
        _aliceDelegates();
        vm.startPrank(PROXY);
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentSelfGrant.selector, alice));
        consent.grantFor(alice, alice, _standardTerms());
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentGranteeNotRegistered.selector, STRANGER));
        consent.grantFor(alice, STRANGER, _standardTerms());
        vm.expectRevert(IConsentRegistry.ConsentEmptyScope.selector);
        consent.grantFor(alice, hospital, _terms(0, 0, 1, expiry));
        vm.stopPrank();
    }

    function test_GrantFor_RevertWhen_NotPatientOrDelegate() public {
        _aliceDelegates();
        _addDelegate(bob, bob, GUARDIAN2, GUARDIAN_KIND);
        ConsentTerms memory terms = _standardTerms();
        address[6] memory actors = [STRANGER, bob, hospital, lab, ADMIN, GUARDIAN2];
        for (uint256 i = 0; i < actors.length; ++i) {
            _expectUnauthorized(alice, actors[i]);
            vm.prank(actors[i]);
            consent.grantFor(alice, hospital, terms);
        }
        // alice's delegates can't act for bob.
        _expectUnauthorized(bob, GUARDIAN);
        vm.prank(GUARDIAN);
        consent.grantFor(bob, hospital, terms);
        _expectUnauthorized(bob, alice);
        vm.prank(alice);
        consent.grantFor(bob, hospital, terms);

        _assertTerms(consent.consentOf(alice, hospital), _terms(0, 0, 0, 0));
        _assertTerms(consent.consentOf(bob, hospital), _terms(0, 0, 0, 0));
    }

    function test_RevokeFor_ByDelegate_ActorIsDelegate() public {
        _aliceDelegates();
        _grant(alice, hospital, _standardTerms());
        _grant(alice, lab, _standardTerms());

        vm.expectEmit(true, true, true, true, address(consent));
        emit IConsentRegistry.ConsentRevoked(alice, hospital, PROXY);
        vm.prank(PROXY);
        consent.revokeFor(alice, hospital);

        vm.expectEmit(true, true, true, true, address(consent));
        emit IConsentRegistry.ConsentRevoked(alice, lab, GUARDIAN);
        vm.prank(GUARDIAN);
        consent.revokeFor(alice, lab);

        _assertTerms(consent.consentOf(alice, hospital), _terms(0, 0, 0, 0));
        _assertTerms(consent.consentOf(alice, lab), _terms(0, 0, 0, 0));
        assertFalse(consent.canAccess(alice, hospital, LABS, Action.Read), "hospital read gone");
    }

    function test_RevokeFor_ByPatient() public {
        _grant(alice, hospital, _standardTerms());
        vm.expectEmit(true, true, true, true, address(consent));
        emit IConsentRegistry.ConsentRevoked(alice, hospital, alice);
        vm.prank(alice);
        consent.revokeFor(alice, hospital);
        _assertTerms(consent.consentOf(alice, hospital), _terms(0, 0, 0, 0));
    }

    function test_RevokeFor_RevertWhen_NoGrant() public {
        _aliceDelegates();
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentNotFound.selector, alice, hospital));
        vm.prank(PROXY);
        consent.revokeFor(alice, hospital);
    }

    function test_RevokeFor_RevertWhen_NotPatientOrDelegate() public {
        _aliceDelegates();
        ConsentTerms memory terms = _standardTerms();
        _grant(alice, hospital, terms);
        // Even the grantee can't revoke a grant for the patient (it lets the grant expire, or asks the patient).
        address[5] memory actors = [STRANGER, bob, hospital, lab, ADMIN];
        for (uint256 i = 0; i < actors.length; ++i) {
            _expectUnauthorized(alice, actors[i]);
            vm.prank(actors[i]);
            consent.revokeFor(alice, hospital);
        }
        _assertTerms(consent.consentOf(alice, hospital), terms);
    }

    function testFuzz_GrantFor_RevertWhen_NotPatientOrDelegate(address actor) public {
        _aliceDelegates();
        vm.assume(actor != alice && actor != GUARDIAN && actor != PROXY);
        _expectUnauthorized(alice, actor);
        vm.prank(actor);
        consent.grantFor(alice, hospital, _standardTerms());
        _expectUnauthorized(alice, actor);
        vm.prank(actor);
        consent.revokeFor(alice, hospital);
        _expectUnauthorized(alice, actor);
        vm.prank(actor);
        consent.setEmergencyCategories(alice, 0);
        _expectUnauthorized(alice, actor);
        vm.prank(actor);
        consent.addDelegate(alice, PROXY2, PROXY_KIND);
    }

    function testFuzz_AddDelegate_ThenActs(address delegate, bool asGuardian) public {
        vm.assume(!_isFixture(delegate) && delegate != PROXY2);
        IConsentRegistry.DelegateKind kind = asGuardian ? GUARDIAN_KIND : PROXY_KIND;
        _addDelegate(alice, alice, delegate, kind);
        assertEq(_kind(alice, delegate), uint256(kind), "kind");
        assertTrue(consent.isPatientOrDelegate(alice, delegate), "delegate");
        assertFalse(consent.isPatientOrDelegate(bob, delegate), "not bob's");

        ConsentTerms memory terms = _standardTerms();
        vm.prank(delegate);
        consent.grantFor(alice, hospital, terms);
        _assertTerms(consent.consentOf(alice, hospital), terms);

        // Only a guardian may name others.
        if (!asGuardian) _expectUnauthorized(alice, delegate);
        _addDelegate(delegate, alice, PROXY2, PROXY_KIND);
        assertEq(_kind(alice, PROXY2), asGuardian ? uint256(PROXY_KIND) : uint256(NONE), "proxy2");
    }

    // ---------------------------------------------------------------------------------------------------------
    // isPatientOrDelegate
    // ---------------------------------------------------------------------------------------------------------

    function test_IsPatientOrDelegate() public {
        _aliceDelegates();
        assertTrue(consent.isPatientOrDelegate(alice, alice), "patient");
        assertTrue(consent.isPatientOrDelegate(alice, GUARDIAN), "guardian");
        assertTrue(consent.isPatientOrDelegate(alice, PROXY), "proxy");
        assertFalse(consent.isPatientOrDelegate(alice, bob), "other patient");
        assertFalse(consent.isPatientOrDelegate(alice, hospital), "provider");
        assertFalse(consent.isPatientOrDelegate(alice, STRANGER), "stranger");
        assertFalse(consent.isPatientOrDelegate(alice, address(0)), "zero");
        assertFalse(consent.isPatientOrDelegate(bob, GUARDIAN), "alice's guardian for bob");
        assertTrue(consent.isPatientOrDelegate(bob, bob), "bob himself");

        vm.prank(PROXY);
        consent.removeDelegate(alice, PROXY);
        assertFalse(consent.isPatientOrDelegate(alice, PROXY), "removed proxy");
        assertTrue(consent.isPatientOrDelegate(alice, GUARDIAN), "guardian kept");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Emergency categories
    // ---------------------------------------------------------------------------------------------------------

    function test_EmergencyCategories_DefaultIsIps() public view {
        assertEq(IPS_CATEGORIES, 0x1e, "IPS constant: bits 1..4");
        assertEq(consent.emergencyCategoriesOf(alice), 0x1e, "alice");
        assertEq(consent.emergencyCategoriesOf(bob), 0x1e, "bob");
        assertEq(consent.emergencyCategoriesOf(STRANGER), 0x1e, "unregistered");
    }

    function test_SetEmergencyCategories_ByPatient() public {
        uint64 mask = _bit(1) | _bit(LABS) | _bit(63);
        vm.expectEmit(true, true, true, true, address(consent));
        emit IConsentRegistry.EmergencyCategoriesSet(alice, alice, mask);
        vm.prank(alice);
        consent.setEmergencyCategories(alice, mask);
        assertEq(consent.emergencyCategoriesOf(alice), mask, "alice");
        assertEq(consent.emergencyCategoriesOf(bob), IPS_CATEGORIES, "bob unchanged");
    }

    function test_SetEmergencyCategories_ByDelegate() public {
        _aliceDelegates();
        vm.expectEmit(true, true, true, true, address(consent));
        emit IConsentRegistry.EmergencyCategoriesSet(alice, PROXY, _bit(IMAGING));
        vm.prank(PROXY);
        consent.setEmergencyCategories(alice, _bit(IMAGING));
        assertEq(consent.emergencyCategoriesOf(alice), _bit(IMAGING), "by proxy");

        vm.expectEmit(true, true, true, true, address(consent));
        emit IConsentRegistry.EmergencyCategoriesSet(alice, GUARDIAN, ALL_CATEGORIES);
        vm.prank(GUARDIAN);
        consent.setEmergencyCategories(alice, ALL_CATEGORIES);
        assertEq(consent.emergencyCategoriesOf(alice), ALL_CATEGORIES, "by guardian");
    }

    function test_SetEmergencyCategories_RevertWhen_Others() public {
        _aliceDelegates();
        _addDelegate(bob, bob, GUARDIAN2, GUARDIAN_KIND);
        address[6] memory actors = [STRANGER, bob, hospital, ADMIN, REGISTRAR, GUARDIAN2];
        for (uint256 i = 0; i < actors.length; ++i) {
            _expectUnauthorized(alice, actors[i]);
            vm.prank(actors[i]);
            consent.setEmergencyCategories(alice, 0);
        }
        assertEq(consent.emergencyCategoriesOf(alice), IPS_CATEGORIES, "unchanged");
    }

    /// @dev 0 is stored as "none", not read back as "unset, so the IPS default": an open break-glass then reads
    /// nothing at all. Setting the IPS mask again restores the default behaviour.
    function test_SetEmergencyCategories_ZeroMeansNone() public {
        address ems = vm.addr(EMS_PK);
        vm.prank(REGISTRAR);
        directory.registerProvider(ems, IDirectory.ProviderKind.Emergency, _x25519("ems.x25519"));
        vm.prank(ems);
        consent.openBreakGlass(alice, keccak256("unconscious, no ID"), 1 hours);
        assertTrue(consent.canAccess(alice, ems, 1, Action.Read), "default: allergies readable");

        vm.prank(alice);
        consent.setEmergencyCategories(alice, 0);
        assertEq(consent.emergencyCategoriesOf(alice), 0, "none");
        for (uint8 category = 0; category <= 63; ++category) {
            assertFalse(consent.canAccess(alice, ems, category, Action.Read), "nothing readable");
            assertFalse(consent.canAccessForPurpose(alice, ems, category, Action.Read, Purpose.BreakTheGlass), "BTG");
        }

        vm.prank(alice);
        consent.setEmergencyCategories(alice, IPS_CATEGORIES);
        assertTrue(consent.canAccess(alice, ems, 1, Action.Read), "IPS again");
        assertFalse(consent.canAccess(alice, ems, 5, Action.Read), "outside IPS");
    }

    function testFuzz_SetEmergencyCategories(uint64 mask, bool byDelegate) public {
        _aliceDelegates();
        address actor = byDelegate ? PROXY : alice;
        vm.expectEmit(true, true, true, true, address(consent));
        emit IConsentRegistry.EmergencyCategoriesSet(alice, actor, mask);
        vm.prank(actor);
        consent.setEmergencyCategories(alice, mask);
        assertEq(consent.emergencyCategoriesOf(alice), mask, "alice");
        assertEq(consent.emergencyCategoriesOf(bob), IPS_CATEGORIES, "bob");
    }
}
