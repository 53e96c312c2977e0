// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

import {IConsentRegistry} from "../../contracts/interfaces/IConsentRegistry.sol";
import {IDirectory} from "../../contracts/interfaces/IDirectory.sol";
import {Action} from "../../contracts/types/Action.sol";
import {CarechainTest} from "./utils/Test.sol";

/// @notice Break-glass that is bounded: a justification is required, a provider can't close and reopen to renew
/// (cooldown after every episode), and openings are rate-limited per provider and per patient (Directory limits,
/// set by the admin). Written from the side of a hostile emergency provider.
contract ConsentRegistryBreakGlassLimitsTest is CarechainTest {
    uint64 internal constant HOUR = 1 hours;
    bytes32 internal constant WHY = keccak256("salted justification");
    bytes32 internal constant ADMIN_ROLE = 0x00;

    /// @dev Emergency providers, and extra patients.
    address[3] internal ems;
    address[4] internal patients;

    function setUp() public {
        _deploy();
        vm.startPrank(REGISTRAR);
        for (uint256 i = 0; i < ems.length; ++i) {
            ems[i] = address(uint160(0xE3E300 + i));
            directory.registerProvider(
                ems[i],
                IDirectory.ProviderKind.Emergency,
                _x25519(string(abi.encode("ems", i)))
            );
        }
        vm.stopPrank();
        patients[0] = alice;
        patients[1] = bob;
        for (uint256 i = 2; i < patients.length; ++i) {
            patients[i] = address(uint160(0xBA7E00 + i));
            vm.prank(patients[i]);
            directory.registerPatient(_x25519(string(abi.encode("patient", i))));
        }
    }

    function _open(address provider, address patient, uint64 duration) internal {
        vm.prank(provider);
        consent.openBreakGlass(patient, WHY, duration);
    }

    function _close(address actor, address patient, address provider) internal {
        vm.prank(actor);
        consent.closeBreakGlass(patient, provider);
    }

    function _limits(
        uint8 perProvider,
        uint8 perPatient,
        uint64 window,
        uint64 cooldown
    ) internal pure returns (IDirectory.BreakGlassLimits memory) {
        return IDirectory.BreakGlassLimits(perProvider, perPatient, window, cooldown);
    }

    function _setLimits(IDirectory.BreakGlassLimits memory limits) internal {
        vm.prank(ADMIN);
        directory.setBreakGlassLimits(limits);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Justification
    // ---------------------------------------------------------------------------------------------------------

    function test_OpenBreakGlass_RevertWhen_JustificationZero() public {
        vm.expectRevert(
            abi.encodeWithSelector(IConsentRegistry.ConsentBreakGlassJustificationRequired.selector, alice, ems[0])
        );
        vm.prank(ems[0]);
        consent.openBreakGlass(alice, bytes32(0), HOUR);
        assertEq(consent.breakGlassExpiry(alice, ems[0]), 0, "nothing opened");
        assertFalse(consent.canAccess(alice, ems[0], 1, Action.Read), "no access");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Cooldown: no close-and-reopen renewal
    // ---------------------------------------------------------------------------------------------------------

    /// @dev The reported renewal: open, close, reopen in the same block (a fresh episode of the maximum length).
    function test_OpenBreakGlass_RevertWhen_ReopenedInTheBlockItClosed() public {
        _open(ems[0], alice, 24 hours);
        vm.warp(START + 23 hours);
        _close(ems[0], alice, ems[0]);
        vm.expectRevert(
            abi.encodeWithSelector(
                IConsentRegistry.ConsentBreakGlassCooldown.selector,
                alice,
                ems[0],
                uint64(START + 23 hours + 15 minutes)
            )
        );
        _open(ems[0], alice, 24 hours);
        assertFalse(consent.canAccess(alice, ems[0], 1, Action.Read), "not renewed");
    }

    /// @dev The cooldown is per (patient, provider): another provider, or the same provider on another patient,
    /// is not held back.
    function test_Cooldown_PerPatientAndProvider() public {
        _open(ems[0], alice, HOUR);
        _close(alice, alice, ems[0]);
        _open(ems[1], alice, HOUR);
        _open(ems[0], bob, HOUR);
        assertTrue(consent.canAccess(alice, ems[1], 1, Action.Read), "ems1 on alice");
        assertTrue(consent.canAccess(bob, ems[0], 1, Action.Read), "ems0 on bob");
    }

    function testFuzz_Cooldown_FollowsTheDirectory(uint64 cooldown, uint64 wait, bool closeEarly) public {
        cooldown = uint64(bound(cooldown, 1 minutes, 7 days));
        wait = uint64(bound(wait, 0, 8 days));
        _setLimits(_limits(20, 5, 24 hours, cooldown));
        _open(ems[0], alice, HOUR);
        uint64 end = uint64(START + HOUR);
        if (closeEarly) {
            vm.warp(START + 10 minutes);
            _close(ems[0], alice, ems[0]);
            end = uint64(START + 10 minutes);
        }
        vm.warp(end + wait);
        if (wait < cooldown) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IConsentRegistry.ConsentBreakGlassCooldown.selector,
                    alice,
                    ems[0],
                    end + cooldown
                )
            );
            _open(ems[0], alice, HOUR);
        } else {
            _open(ems[0], alice, HOUR);
            assertEq(consent.breakGlassExpiry(alice, ems[0]), end + wait + HOUR, "opened");
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Rate limits
    // ---------------------------------------------------------------------------------------------------------

    /// @dev A hostile provider sweeping patients: the next opening over its limit is refused until the oldest
    /// opening in the window is a window old.
    function test_ProviderRateLimit_RefusesOverTheLimit() public {
        _setLimits(_limits(3, 5, 24 hours, 15 minutes));
        _open(ems[0], patients[0], HOUR);
        vm.warp(START + 1 hours);
        _open(ems[0], patients[1], HOUR);
        vm.warp(START + 2 hours);
        _open(ems[0], patients[2], HOUR);
        vm.warp(START + 3 hours);
        vm.expectRevert(
            abi.encodeWithSelector(
                IConsentRegistry.ConsentBreakGlassProviderRateLimited.selector,
                ems[0],
                uint8(3),
                uint64(START + 24 hours)
            )
        );
        _open(ems[0], patients[3], HOUR);
        assertFalse(consent.canAccess(patients[3], ems[0], 1, Action.Read), "no access over the limit");
        // Another provider is not limited by it.
        _open(ems[1], patients[3], HOUR);
        // A window after the first opening (not a second before), one more is allowed; then the second one bounds it.
        vm.warp(START + 24 hours - 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IConsentRegistry.ConsentBreakGlassProviderRateLimited.selector,
                ems[0],
                uint8(3),
                uint64(START + 24 hours)
            )
        );
        _open(ems[0], patients[3], HOUR);
        vm.warp(START + 24 hours);
        _open(ems[0], patients[3], HOUR);
        vm.expectRevert(
            abi.encodeWithSelector(
                IConsentRegistry.ConsentBreakGlassProviderRateLimited.selector,
                ems[0],
                uint8(3),
                uint64(START + 25 hours)
            )
        );
        _open(ems[0], patients[0], HOUR);
    }

    /// @dev Several providers on one patient: the patient's limit bounds them together.
    function test_PatientRateLimit_BoundsAllProvidersTogether() public {
        _setLimits(_limits(20, 2, 24 hours, 15 minutes));
        _open(ems[0], alice, HOUR);
        _open(ems[1], alice, HOUR);
        vm.expectRevert(
            abi.encodeWithSelector(
                IConsentRegistry.ConsentBreakGlassPatientRateLimited.selector,
                alice,
                uint8(2),
                uint64(START + 24 hours)
            )
        );
        _open(ems[2], alice, HOUR);
        _open(ems[2], bob, HOUR); // bob is not limited by alice's openings
    }

    /// @dev The defaults: 20 per provider and 5 per patient in 24 hours, a 15-minute cooldown.
    function test_Limits_Defaults() public view {
        IDirectory.BreakGlassLimits memory limits = directory.breakGlassLimits();
        assertEq(limits.maxPerProvider, 20, "per provider");
        assertEq(limits.maxPerPatient, 5, "per patient");
        assertEq(limits.window, 24 hours, "window");
        assertEq(limits.cooldown, 15 minutes, "cooldown");
    }

    /// @dev Lowering a limit applies at once to openings already made.
    function test_Limits_LoweredApplyToPastOpenings() public {
        _open(ems[0], patients[0], HOUR);
        _open(ems[0], patients[1], HOUR);
        _setLimits(_limits(2, 5, 24 hours, 15 minutes));
        vm.expectRevert(
            abi.encodeWithSelector(
                IConsentRegistry.ConsentBreakGlassProviderRateLimited.selector,
                ems[0],
                uint8(2),
                uint64(START + 24 hours)
            )
        );
        _open(ems[0], patients[2], HOUR);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Directory.setBreakGlassLimits
    // ---------------------------------------------------------------------------------------------------------

    function test_SetBreakGlassLimits_StoresAndEmits() public {
        vm.expectEmit(true, true, true, true, address(directory));
        emit IDirectory.BreakGlassLimitsSet(7, 3, 12 hours, 1 hours);
        _setLimits(_limits(7, 3, 12 hours, 1 hours));
        IDirectory.BreakGlassLimits memory limits = directory.breakGlassLimits();
        assertEq(limits.maxPerProvider, 7, "per provider");
        assertEq(limits.maxPerPatient, 3, "per patient");
        assertEq(limits.window, 12 hours, "window");
        assertEq(limits.cooldown, 1 hours, "cooldown");
        // The bounds themselves are allowed.
        _setLimits(_limits(1, 1, 1 minutes, 1 minutes));
        _setLimits(_limits(255, 255, 30 days, 7 days));
    }

    function test_SetBreakGlassLimits_RevertWhen_OutOfBounds() public {
        IDirectory.BreakGlassLimits[8] memory invalid = [
            _limits(0, 5, 24 hours, 15 minutes),
            _limits(20, 0, 24 hours, 15 minutes),
            _limits(20, 5, 1 minutes - 1, 15 minutes),
            _limits(20, 5, 30 days + 1, 15 minutes),
            _limits(20, 5, 24 hours, 0),
            _limits(20, 5, 24 hours, 1 minutes - 1),
            _limits(20, 5, 24 hours, 7 days + 1),
            _limits(20, 5, type(uint64).max, type(uint64).max)
        ];
        for (uint256 i = 0; i < invalid.length; ++i) {
            IDirectory.BreakGlassLimits memory l = invalid[i];
            vm.expectRevert(
                abi.encodeWithSelector(
                    IDirectory.DirectoryInvalidBreakGlassLimits.selector,
                    l.maxPerProvider,
                    l.maxPerPatient,
                    l.window,
                    l.cooldown
                )
            );
            _setLimits(l);
        }
        assertEq(directory.breakGlassLimits().maxPerProvider, 20, "unchanged");
    }

    function test_SetBreakGlassLimits_RevertWhen_NotAdmin() public {
        address[4] memory accounts = [REGISTRAR, STRANGER, alice, ems[0]];
        for (uint256 i = 0; i < accounts.length; ++i) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IAccessControl.AccessControlUnauthorizedAccount.selector,
                    accounts[i],
                    ADMIN_ROLE
                )
            );
            vm.prank(accounts[i]);
            directory.setBreakGlassLimits(_limits(1, 1, 1 hours, 1 hours));
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Property: the contract opens exactly what a model of the limits allows, and no window holds more than the
    // limits
    // ---------------------------------------------------------------------------------------------------------

    /// @dev Every successful opening: (provider index, patient index, time).
    uint256[] internal _openedProvider;
    uint256[] internal _openedPatient;
    uint256[] internal _openedAt;

    /// @dev Per (patient, provider): when the last episode ends or ended (0: never opened), in the model.
    mapping(uint256 patient => mapping(uint256 provider => uint256)) internal _modelEnd;

    function _countInWindow(
        bool byProvider,
        uint256 index,
        uint256 from,
        uint256 to
    ) internal view returns (uint256 n) {
        for (uint256 i = 0; i < _openedAt.length; ++i) {
            uint256 who = byProvider ? _openedProvider[i] : _openedPatient[i];
            if (who == index && _openedAt[i] > from && _openedAt[i] <= to) ++n;
        }
    }

    /// @dev A model of openBreakGlass's bounds: allowed when no episode is open, the cooldown since the last one
    /// passed, and fewer than max openings by the provider and on the patient in the last `window` seconds.
    function _modelAllows(
        uint256 provider,
        uint256 patient,
        IDirectory.BreakGlassLimits memory limits
    ) internal view returns (bool) {
        uint256 end = _modelEnd[patient][provider];
        if (end > block.timestamp) return false;
        if (end != 0 && block.timestamp < end + limits.cooldown) return false;
        uint256 from = block.timestamp >= limits.window ? block.timestamp - limits.window : 0;
        if (_countInWindow(true, provider, from, block.timestamp) >= limits.maxPerProvider) return false;
        if (_countInWindow(false, patient, from, block.timestamp) >= limits.maxPerPatient) return false;
        return true;
    }

    /// @dev A hostile emergency provider (and two others) opening, closing and reopening break-glass on four
    /// patients at random times under random limits: the contract opens exactly when the model allows, and in
    /// every interval of `window` seconds there are at most `maxPerProvider` openings by any provider and
    /// `maxPerPatient` on any patient.
    function testFuzz_BreakGlassRate_NeverAboveTheLimits(uint256 seed, uint8 perProvider, uint8 perPatient) public {
        IDirectory.BreakGlassLimits memory limits = _limits(
            uint8(bound(perProvider, 1, 6)),
            uint8(bound(perPatient, 1, 4)),
            uint64(bound(seed >> 128, 1 hours, 6 hours)),
            uint64(bound(seed >> 64, 1 minutes, 30 minutes))
        );
        _setLimits(limits);
        for (uint256 step = 0; step < 60; ++step) {
            uint256 r = uint256(keccak256(abi.encode(seed, step)));
            uint256 provider = r % ems.length;
            uint256 patient = (r >> 8) % patients.length;
            uint256 action = (r >> 16) % 4;
            if (action == 0) {
                vm.warp(block.timestamp + bound(r >> 24, 1, 2 hours));
            } else if (action == 1 && _modelEnd[patient][provider] > block.timestamp) {
                _close(ems[provider], patients[patient], ems[provider]);
                _modelEnd[patient][provider] = block.timestamp;
            } else {
                uint64 duration = uint64(bound(r >> 32, 1 minutes, 3 hours));
                bool allowed = _modelAllows(provider, patient, limits);
                vm.prank(ems[provider]);
                try consent.openBreakGlass(patients[patient], WHY, duration) {
                    assertTrue(allowed, "opened where the model refuses");
                    _openedProvider.push(provider);
                    _openedPatient.push(patient);
                    _openedAt.push(block.timestamp);
                    _modelEnd[patient][provider] = block.timestamp + duration;
                } catch {
                    assertFalse(allowed, "refused where the model allows");
                }
            }
        }
        // No interval of `window` seconds holds more than the limits (checked at each opening's time, where the
        // count of a sliding window can rise).
        for (uint256 i = 0; i < _openedAt.length; ++i) {
            uint256 t = _openedAt[i];
            uint256 from = t >= limits.window ? t - limits.window : 0;
            assertTrue(_countInWindow(true, _openedProvider[i], from, t) <= limits.maxPerProvider, "provider window");
            assertTrue(_countInWindow(false, _openedPatient[i], from, t) <= limits.maxPerPatient, "patient window");
        }
    }
}
