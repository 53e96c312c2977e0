// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

import {Directory} from "../../contracts/Directory.sol";
import {IDirectory} from "../../contracts/interfaces/IDirectory.sol";
import {CarechainTest} from "./utils/Test.sol";

contract DirectoryTest is CarechainTest {
    bytes32 internal constant NEW_KEY = bytes32(uint256(keccak256("carechain.test.new.x25519")) & ~X25519_BIT_255);

    address internal carol;
    address internal pharmacy;
    bytes32 internal registrarRole;

    function setUp() public {
        _deploy();
        carol = vm.addr(0xCA401);
        pharmacy = vm.addr(0xFA4);
        vm.label(carol, "carol");
        vm.label(pharmacy, "pharmacy");
        registrarRole = directory.REGISTRAR_ROLE();
    }

    // ---------------------------------------------------------------------------------------------------------
    // Deployment and fixtures
    // ---------------------------------------------------------------------------------------------------------

    function test_Constructor_GrantsAdminAndRegistrarRoles() public view {
        assertEq(registrarRole, keccak256("carechain.registrar"), "REGISTRAR_ROLE");
        assertTrue(directory.hasRole(directory.DEFAULT_ADMIN_ROLE(), ADMIN), "admin has DEFAULT_ADMIN_ROLE");
        assertTrue(directory.hasRole(registrarRole, REGISTRAR), "registrar has REGISTRAR_ROLE");
        assertFalse(directory.hasRole(registrarRole, ADMIN), "admin is not a registrar");
        assertFalse(directory.hasRole(directory.DEFAULT_ADMIN_ROLE(), REGISTRAR), "registrar is not admin");
        assertEq(directory.getRoleAdmin(registrarRole), directory.DEFAULT_ADMIN_ROLE(), "registrar role admin");
    }

    function test_Fixtures_AreRegistered() public view {
        assertTrue(directory.isPatient(alice), "alice is a patient");
        assertTrue(directory.isPatient(bob), "bob is a patient");
        assertTrue(directory.isActiveProvider(hospital), "hospital is an active provider");
        assertTrue(directory.isActiveProvider(lab), "lab is an active provider");
        assertEq(uint256(directory.provider(hospital).kind), uint256(IDirectory.ProviderKind.Hospital), "kind");
        assertEq(uint256(directory.provider(lab).kind), uint256(IDirectory.ProviderKind.Lab), "kind");
        assertFalse(directory.isPatient(STRANGER), "stranger is no patient");
        assertFalse(directory.isActiveProvider(STRANGER), "stranger is no provider");
    }

    // ---------------------------------------------------------------------------------------------------------
    // registerPatient
    // ---------------------------------------------------------------------------------------------------------

    function test_RegisterPatient_StoresEntry() public {
        vm.warp(START + 123);
        vm.prank(carol);
        directory.registerPatient(NEW_KEY);

        IDirectory.PatientRecord memory entry = directory.patient(carol);
        assertEq(entry.encryptionKey, NEW_KEY, "encryptionKey");
        assertEq(entry.registeredAt, START + 123, "registeredAt");
        assertEq(entry.keyRotatedAt, 0, "keyRotatedAt");
        assertTrue(directory.isPatient(carol), "isPatient");
        assertEq(directory.encryptionKeyOf(carol), NEW_KEY, "encryptionKeyOf");
        assertFalse(directory.isActiveProvider(carol), "not a provider");
        assertFalse(directory.isSuspended(carol), "not suspended");
        assertEq(uint256(directory.provider(carol).kind), uint256(IDirectory.ProviderKind.None), "provider kind");
    }

    function test_RegisterPatient_EmitsPatientRegistered() public {
        vm.expectEmit(true, true, true, true, address(directory));
        emit IDirectory.PatientRegistered(carol, NEW_KEY);
        vm.prank(carol);
        directory.registerPatient(NEW_KEY);
    }

    function test_RegisterPatient_RevertWhen_ZeroKey() public {
        vm.expectRevert(IDirectory.DirectoryInvalidEncryptionKey.selector);
        vm.prank(carol);
        directory.registerPatient(bytes32(0));
        assertFalse(directory.isPatient(carol), "not registered");
    }

    function test_RegisterPatient_RevertWhen_AlreadyPatient() public {
        vm.expectRevert(abi.encodeWithSelector(IDirectory.DirectoryAlreadyRegistered.selector, alice));
        vm.prank(alice);
        directory.registerPatient(NEW_KEY);
        assertEq(directory.patient(alice).encryptionKey, ALICE_KEY, "key unchanged");
    }

    function test_RegisterPatient_RevertWhen_Provider() public {
        vm.expectRevert(abi.encodeWithSelector(IDirectory.DirectoryAlreadyRegistered.selector, hospital));
        vm.prank(hospital);
        directory.registerPatient(NEW_KEY);
        assertFalse(directory.isPatient(hospital), "hospital is no patient");
    }

    function test_RegisterPatient_RevertWhen_SuspendedProvider() public {
        vm.prank(REGISTRAR);
        directory.suspendProvider(lab);
        vm.expectRevert(abi.encodeWithSelector(IDirectory.DirectoryAlreadyRegistered.selector, lab));
        vm.prank(lab);
        directory.registerPatient(NEW_KEY);
    }

    // ---------------------------------------------------------------------------------------------------------
    // rotatePatientKey
    // ---------------------------------------------------------------------------------------------------------

    function test_RotatePatientKey_ReplacesKey() public {
        vm.warp(START + 1 days);
        vm.expectEmit(true, true, true, true, address(directory));
        emit IDirectory.PatientKeyRotated(alice, ALICE_KEY, NEW_KEY);
        vm.prank(alice);
        directory.rotatePatientKey(NEW_KEY);

        IDirectory.PatientRecord memory entry = directory.patient(alice);
        assertEq(entry.encryptionKey, NEW_KEY, "encryptionKey");
        assertEq(entry.registeredAt, START, "registeredAt unchanged");
        assertEq(entry.keyRotatedAt, START + 1 days, "keyRotatedAt");
        assertEq(directory.encryptionKeyOf(alice), NEW_KEY, "encryptionKeyOf");
        assertTrue(directory.isPatient(alice), "still a patient");
    }

    function test_RotatePatientKey_RevertWhen_ZeroKey() public {
        vm.expectRevert(IDirectory.DirectoryInvalidEncryptionKey.selector);
        vm.prank(alice);
        directory.rotatePatientKey(bytes32(0));
        assertEq(directory.encryptionKeyOf(alice), ALICE_KEY, "key unchanged");
    }

    function test_RotatePatientKey_RevertWhen_Unregistered() public {
        vm.expectRevert(abi.encodeWithSelector(IDirectory.DirectoryPatientNotRegistered.selector, STRANGER));
        vm.prank(STRANGER);
        directory.rotatePatientKey(NEW_KEY);
    }

    function test_RotatePatientKey_RevertWhen_Provider() public {
        vm.expectRevert(abi.encodeWithSelector(IDirectory.DirectoryPatientNotRegistered.selector, hospital));
        vm.prank(hospital);
        directory.rotatePatientKey(NEW_KEY);
        assertEq(directory.encryptionKeyOf(hospital), HOSPITAL_KEY, "provider key unchanged");
        assertFalse(directory.isPatient(hospital), "hospital is no patient");
    }

    // ---------------------------------------------------------------------------------------------------------
    // registerProvider
    // ---------------------------------------------------------------------------------------------------------

    function test_RegisterProvider_StoresEntry() public {
        vm.warp(START + 77);
        vm.prank(REGISTRAR);
        directory.registerProvider(pharmacy, IDirectory.ProviderKind.Pharmacy, NEW_KEY);

        IDirectory.ProviderRecord memory entry = directory.provider(pharmacy);
        assertEq(entry.encryptionKey, NEW_KEY, "encryptionKey");
        assertEq(uint256(entry.kind), uint256(IDirectory.ProviderKind.Pharmacy), "kind");
        assertFalse(entry.suspended, "suspended");
        assertEq(entry.registeredAt, START + 77, "registeredAt");
        assertTrue(directory.isActiveProvider(pharmacy), "isActiveProvider");
        assertFalse(directory.isSuspended(pharmacy), "isSuspended");
        assertFalse(directory.isPatient(pharmacy), "isPatient");
        assertEq(directory.encryptionKeyOf(pharmacy), NEW_KEY, "encryptionKeyOf");
        assertEq(directory.patient(pharmacy).encryptionKey, bytes32(0), "no patient entry");
    }

    function test_RegisterProvider_EmitsProviderRegistered() public {
        vm.expectEmit(true, true, true, true, address(directory));
        emit IDirectory.ProviderRegistered(pharmacy, IDirectory.ProviderKind.Pharmacy, REGISTRAR, NEW_KEY);
        vm.prank(REGISTRAR);
        directory.registerProvider(pharmacy, IDirectory.ProviderKind.Pharmacy, NEW_KEY);
    }

    function test_RegisterProvider_RevertWhen_ZeroAddress() public {
        vm.expectRevert(abi.encodeWithSelector(IDirectory.DirectoryZeroAddress.selector));
        vm.prank(REGISTRAR);
        directory.registerProvider(address(0), IDirectory.ProviderKind.Pharmacy, NEW_KEY);
        assertEq(directory.encryptionKeyOf(address(0)), bytes32(0), "zero address stays unregistered");
    }

    function test_RegisterProvider_RevertWhen_CallerIsNotRegistrar() public {
        address[5] memory callers = [STRANGER, ADMIN, alice, hospital, pharmacy];
        for (uint256 i = 0; i < callers.length; ++i) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IAccessControl.AccessControlUnauthorizedAccount.selector,
                    callers[i],
                    registrarRole
                )
            );
            vm.prank(callers[i]);
            directory.registerProvider(pharmacy, IDirectory.ProviderKind.Pharmacy, NEW_KEY);
        }
        assertFalse(directory.isActiveProvider(pharmacy), "not registered");
    }

    function test_RegisterProvider_ByRegistrarTheAdminAppoints() public {
        vm.prank(ADMIN);
        directory.grantRole(registrarRole, carol);
        vm.prank(carol);
        directory.registerProvider(pharmacy, IDirectory.ProviderKind.Pharmacy, NEW_KEY);
        assertTrue(directory.isActiveProvider(pharmacy), "registered by the new registrar");

        vm.prank(ADMIN);
        directory.revokeRole(registrarRole, carol);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, carol, registrarRole)
        );
        vm.prank(carol);
        directory.suspendProvider(pharmacy);
    }

    function test_RegisterProvider_RevertWhen_KindNone() public {
        vm.expectRevert(IDirectory.DirectoryInvalidProviderKind.selector);
        vm.prank(REGISTRAR);
        directory.registerProvider(pharmacy, IDirectory.ProviderKind.None, NEW_KEY);
        assertFalse(directory.isActiveProvider(pharmacy), "not registered");
    }

    function test_RegisterProvider_RevertWhen_ZeroKey() public {
        vm.expectRevert(IDirectory.DirectoryInvalidEncryptionKey.selector);
        vm.prank(REGISTRAR);
        directory.registerProvider(pharmacy, IDirectory.ProviderKind.Pharmacy, bytes32(0));
    }

    function test_RegisterProvider_RevertWhen_AlreadyProvider() public {
        vm.expectRevert(abi.encodeWithSelector(IDirectory.DirectoryAlreadyRegistered.selector, lab));
        vm.prank(REGISTRAR);
        directory.registerProvider(lab, IDirectory.ProviderKind.Clinic, NEW_KEY);
        assertEq(uint256(directory.provider(lab).kind), uint256(IDirectory.ProviderKind.Lab), "kind unchanged");
        assertEq(directory.encryptionKeyOf(lab), LAB_KEY, "key unchanged");
    }

    function test_RegisterProvider_RevertWhen_Patient() public {
        vm.expectRevert(abi.encodeWithSelector(IDirectory.DirectoryAlreadyRegistered.selector, alice));
        vm.prank(REGISTRAR);
        directory.registerProvider(alice, IDirectory.ProviderKind.Hospital, NEW_KEY);
        assertFalse(directory.isActiveProvider(alice), "alice is no provider");
        assertEq(directory.encryptionKeyOf(alice), ALICE_KEY, "key unchanged");
    }

    // ---------------------------------------------------------------------------------------------------------
    // rotateProviderKey
    // ---------------------------------------------------------------------------------------------------------

    function test_RotateProviderKey_ReplacesKey() public {
        vm.expectEmit(true, true, true, true, address(directory));
        emit IDirectory.ProviderKeyRotated(hospital, HOSPITAL_KEY, NEW_KEY);
        vm.prank(hospital);
        directory.rotateProviderKey(NEW_KEY);

        IDirectory.ProviderRecord memory entry = directory.provider(hospital);
        assertEq(entry.encryptionKey, NEW_KEY, "encryptionKey");
        assertEq(uint256(entry.kind), uint256(IDirectory.ProviderKind.Hospital), "kind unchanged");
        assertEq(entry.registeredAt, START, "registeredAt unchanged");
        assertEq(directory.encryptionKeyOf(hospital), NEW_KEY, "encryptionKeyOf");
    }

    function test_RotateProviderKey_RevertWhen_ZeroKey() public {
        vm.expectRevert(IDirectory.DirectoryInvalidEncryptionKey.selector);
        vm.prank(hospital);
        directory.rotateProviderKey(bytes32(0));
    }

    function test_RotateProviderKey_RevertWhen_NotProvider() public {
        vm.expectRevert(abi.encodeWithSelector(IDirectory.DirectoryProviderNotRegistered.selector, alice));
        vm.prank(alice);
        directory.rotateProviderKey(NEW_KEY);

        vm.expectRevert(abi.encodeWithSelector(IDirectory.DirectoryProviderNotRegistered.selector, STRANGER));
        vm.prank(STRANGER);
        directory.rotateProviderKey(NEW_KEY);
    }

    // ---------------------------------------------------------------------------------------------------------
    // suspendProvider / reinstateProvider
    // ---------------------------------------------------------------------------------------------------------

    function test_SuspendProvider_SuspendsAndEmits() public {
        vm.expectEmit(true, true, true, true, address(directory));
        emit IDirectory.ProviderSuspended(hospital, REGISTRAR);
        vm.prank(REGISTRAR);
        directory.suspendProvider(hospital);

        assertTrue(directory.isSuspended(hospital), "isSuspended");
        assertFalse(directory.isActiveProvider(hospital), "isActiveProvider");
        assertTrue(directory.provider(hospital).suspended, "provider().suspended");
        assertEq(directory.encryptionKeyOf(hospital), HOSPITAL_KEY, "key kept");
        assertTrue(directory.isActiveProvider(lab), "other providers unaffected");
    }

    function test_SuspendProvider_RevertWhen_AlreadySuspended() public {
        vm.prank(REGISTRAR);
        directory.suspendProvider(hospital);
        vm.expectRevert(
            abi.encodeWithSelector(IDirectory.DirectoryProviderSuspensionUnchanged.selector, hospital, true)
        );
        vm.prank(REGISTRAR);
        directory.suspendProvider(hospital);
    }

    function test_SuspendProvider_RevertWhen_NotProvider() public {
        vm.expectRevert(abi.encodeWithSelector(IDirectory.DirectoryProviderNotRegistered.selector, alice));
        vm.prank(REGISTRAR);
        directory.suspendProvider(alice);

        vm.expectRevert(abi.encodeWithSelector(IDirectory.DirectoryProviderNotRegistered.selector, STRANGER));
        vm.prank(REGISTRAR);
        directory.suspendProvider(STRANGER);
    }

    function test_SuspendProvider_RevertWhen_CallerIsNotRegistrar() public {
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, ADMIN, registrarRole)
        );
        vm.prank(ADMIN);
        directory.suspendProvider(hospital);

        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, lab, registrarRole)
        );
        vm.prank(lab);
        directory.suspendProvider(hospital);
        assertTrue(directory.isActiveProvider(hospital), "still active");
    }

    function test_ReinstateProvider_ReinstatesAndEmits() public {
        vm.prank(REGISTRAR);
        directory.suspendProvider(hospital);

        vm.expectEmit(true, true, true, true, address(directory));
        emit IDirectory.ProviderReinstated(hospital, REGISTRAR);
        vm.prank(REGISTRAR);
        directory.reinstateProvider(hospital);

        assertFalse(directory.isSuspended(hospital), "isSuspended");
        assertTrue(directory.isActiveProvider(hospital), "isActiveProvider");
        assertFalse(directory.provider(hospital).suspended, "provider().suspended");
    }

    function test_ReinstateProvider_RevertWhen_NotSuspended() public {
        vm.expectRevert(
            abi.encodeWithSelector(IDirectory.DirectoryProviderSuspensionUnchanged.selector, hospital, false)
        );
        vm.prank(REGISTRAR);
        directory.reinstateProvider(hospital);
    }

    function test_ReinstateProvider_RevertWhen_NotProvider() public {
        vm.expectRevert(abi.encodeWithSelector(IDirectory.DirectoryProviderNotRegistered.selector, bob));
        vm.prank(REGISTRAR);
        directory.reinstateProvider(bob);
    }

    function test_ReinstateProvider_RevertWhen_CallerIsNotRegistrar() public {
        vm.prank(REGISTRAR);
        directory.suspendProvider(hospital);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, hospital, registrarRole)
        );
        vm.prank(hospital);
        directory.reinstateProvider(hospital);
        assertTrue(directory.isSuspended(hospital), "still suspended");
    }

    function test_RotateProviderKey_WhileSuspended() public {
        vm.prank(REGISTRAR);
        directory.suspendProvider(hospital);
        vm.prank(hospital);
        directory.rotateProviderKey(NEW_KEY);
        assertEq(directory.encryptionKeyOf(hospital), NEW_KEY, "rotated");
        assertTrue(directory.isSuspended(hospital), "still suspended");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------------------

    function test_Views_UnknownAccount() public view {
        assertFalse(directory.isPatient(STRANGER), "isPatient");
        assertFalse(directory.isActiveProvider(STRANGER), "isActiveProvider");
        assertFalse(directory.isSuspended(STRANGER), "isSuspended");
        assertEq(directory.encryptionKeyOf(STRANGER), bytes32(0), "encryptionKeyOf");
        IDirectory.PatientRecord memory p = directory.patient(STRANGER);
        assertEq(p.encryptionKey, bytes32(0), "patient key");
        assertEq(p.registeredAt, 0, "patient registeredAt");
        IDirectory.ProviderRecord memory q = directory.provider(STRANGER);
        assertEq(uint256(q.kind), uint256(IDirectory.ProviderKind.None), "provider kind");
        assertEq(q.registeredAt, 0, "provider registeredAt");
    }

    function test_Views_PatientIsNeitherActiveNorSuspendedProvider() public view {
        assertFalse(directory.isActiveProvider(alice), "isActiveProvider");
        assertFalse(directory.isSuspended(alice), "isSuspended");
        assertEq(directory.encryptionKeyOf(alice), ALICE_KEY, "encryptionKeyOf");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Fuzz
    // ---------------------------------------------------------------------------------------------------------

    function testFuzz_RegisterPatient(address account, bytes32 key, uint64 at) public {
        vm.assume(!_isFixture(account));
        key = _fuzzKey(key);
        vm.warp(at);
        vm.prank(account);
        directory.registerPatient(key);

        assertTrue(directory.isPatient(account), "isPatient");
        assertEq(directory.encryptionKeyOf(account), key, "encryptionKeyOf");
        assertEq(directory.patient(account).registeredAt, at, "registeredAt");
        assertFalse(directory.isActiveProvider(account), "isActiveProvider");

        // Now a patient, the account cannot be credentialed as a provider.
        vm.expectRevert(abi.encodeWithSelector(IDirectory.DirectoryAlreadyRegistered.selector, account));
        vm.prank(REGISTRAR);
        directory.registerProvider(account, IDirectory.ProviderKind.Hospital, key);
    }

    function testFuzz_RegisterProvider(address account, uint8 kindSeed, bytes32 key) public {
        vm.assume(!_isFixture(account));
        key = _fuzzKey(key);
        IDirectory.ProviderKind kind = IDirectory.ProviderKind(bound(kindSeed, 1, 7));
        vm.prank(REGISTRAR);
        directory.registerProvider(account, kind, key);

        assertTrue(directory.isActiveProvider(account), "isActiveProvider");
        assertFalse(directory.isSuspended(account), "isSuspended");
        assertFalse(directory.isPatient(account), "isPatient");
        assertEq(uint256(directory.provider(account).kind), uint256(kind), "kind");
        assertEq(directory.encryptionKeyOf(account), key, "encryptionKeyOf");

        // Now a provider, the account cannot register itself as a patient, nor be credentialed twice.
        vm.expectRevert(abi.encodeWithSelector(IDirectory.DirectoryAlreadyRegistered.selector, account));
        vm.prank(account);
        directory.registerPatient(key);
        vm.expectRevert(abi.encodeWithSelector(IDirectory.DirectoryAlreadyRegistered.selector, account));
        vm.prank(REGISTRAR);
        directory.registerProvider(account, kind, key);
    }

    function testFuzz_RegisterProvider_RevertWhen_CallerIsNotRegistrar(address caller, uint8 kindSeed) public {
        vm.assume(caller != REGISTRAR);
        IDirectory.ProviderKind kind = IDirectory.ProviderKind(bound(kindSeed, 1, 7));
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, caller, registrarRole)
        );
        vm.prank(caller);
        directory.registerProvider(pharmacy, kind, NEW_KEY);
    }

    function testFuzz_SuspendReinstate(uint8 toggles) public {
        toggles = uint8(bound(toggles, 1, 12));
        bool suspended;
        for (uint256 i = 0; i < toggles; ++i) {
            vm.prank(REGISTRAR);
            if (suspended) directory.reinstateProvider(lab);
            else directory.suspendProvider(lab);
            suspended = !suspended;
            assertEq(directory.isSuspended(lab), suspended, "isSuspended");
            assertEq(directory.isActiveProvider(lab), !suspended, "isActiveProvider");
        }
        vm.expectRevert(
            abi.encodeWithSelector(IDirectory.DirectoryProviderSuspensionUnchanged.selector, lab, suspended)
        );
        vm.prank(REGISTRAR);
        if (suspended) directory.suspendProvider(lab);
        else directory.reinstateProvider(lab);
    }

    function testFuzz_RotatePatientKey(bytes32 key, uint32 delay) public {
        key = _fuzzKey(key);
        vm.warp(START + delay);
        vm.prank(alice);
        directory.rotatePatientKey(key);
        assertEq(directory.encryptionKeyOf(alice), key, "encryptionKeyOf");
        assertEq(directory.patient(alice).keyRotatedAt, START + delay, "keyRotatedAt");
        assertEq(directory.patient(alice).registeredAt, START, "registeredAt");
    }

    /// @dev The one key slot per account holds the key and the role (bit 255 of the key marks a provider): for any
    /// usable key, a patient and a provider registered with it, then both rotated to a second key, each keep their
    /// role, key and dates, and neither is seen as the other (isPatient, encryptionKeyOf, patient(), provider(),
    /// suspension, registering again).
    function testFuzz_KeySlot_KeepsRoleAndKey(bytes32 keySeed, bytes32 rotatedSeed, uint32 delay) public {
        bytes32 key = _fuzzKey(keySeed);
        bytes32 rotated = _fuzzKey(rotatedSeed);
        address newPatient = address(uint160(uint256(keccak256("key-slot/patient"))));
        address newProvider = address(uint160(uint256(keccak256("key-slot/provider"))));
        vm.prank(newPatient);
        directory.registerPatient(key);
        vm.prank(REGISTRAR);
        directory.registerProvider(newProvider, IDirectory.ProviderKind.Pharmacy, key);
        vm.warp(START + delay);
        vm.prank(newPatient);
        directory.rotatePatientKey(rotated);
        vm.prank(newProvider);
        directory.rotateProviderKey(rotated);
        vm.prank(REGISTRAR);
        directory.suspendProvider(newProvider);

        assertTrue(directory.isPatient(newPatient), "patient is a patient");
        assertFalse(directory.isPatient(newProvider), "provider is no patient");
        assertEq(directory.encryptionKeyOf(newPatient), rotated, "patient key");
        assertEq(directory.encryptionKeyOf(newProvider), rotated, "provider key, without the role bit");
        assertEq(directory.patient(newPatient).encryptionKey, rotated, "patient(): key");
        assertEq(directory.patient(newPatient).registeredAt, START, "patient(): registeredAt");
        assertEq(directory.patient(newPatient).keyRotatedAt, START + delay, "patient(): keyRotatedAt");
        assertEq(directory.patient(newProvider).encryptionKey, bytes32(0), "patient() of a provider is empty");
        assertEq(directory.patient(newProvider).registeredAt, 0, "patient() of a provider: no date");
        IDirectory.ProviderRecord memory entry = directory.provider(newProvider);
        assertEq(entry.encryptionKey, rotated, "provider(): key");
        assertTrue(entry.kind == IDirectory.ProviderKind.Pharmacy, "provider(): kind");
        assertTrue(entry.suspended, "provider(): suspended");
        assertEq(entry.registeredAt, START, "provider(): registeredAt");
        assertEq(directory.provider(newPatient).encryptionKey, bytes32(0), "provider() of a patient is empty");
        assertTrue(
            directory.provider(newPatient).kind == IDirectory.ProviderKind.None,
            "provider() of a patient: None"
        );
        assertFalse(directory.isActiveProvider(newPatient), "a patient is no provider");
        assertFalse(directory.isSuspended(newPatient), "a patient is not suspended");

        vm.expectRevert(abi.encodeWithSelector(IDirectory.DirectoryAlreadyRegistered.selector, newProvider));
        vm.prank(newProvider);
        directory.registerPatient(key);
        vm.expectRevert(abi.encodeWithSelector(IDirectory.DirectoryAlreadyRegistered.selector, newPatient));
        vm.prank(REGISTRAR);
        directory.registerProvider(newPatient, IDirectory.ProviderKind.Lab, key);
        vm.expectRevert(abi.encodeWithSelector(IDirectory.DirectoryProviderNotRegistered.selector, newPatient));
        vm.prank(newPatient);
        directory.rotateProviderKey(key);
        vm.expectRevert(abi.encodeWithSelector(IDirectory.DirectoryPatientNotRegistered.selector, newProvider));
        vm.prank(newProvider);
        directory.rotatePatientKey(key);
    }
}
