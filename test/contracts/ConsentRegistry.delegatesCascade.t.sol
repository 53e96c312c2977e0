// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IConsentRegistry} from "../../contracts/interfaces/IConsentRegistry.sol";
import {Purpose} from "../../contracts/types/Purpose.sol";
import {CarechainTest} from "./utils/Test.sol";

/// @notice Who a patient's delegates are, on chain (delegatesOf), and what happens to the delegates a guardian
/// named when that guardian is removed: they go with it unless the patient confirmed them (confirmDelegate).
/// Written from the side of a hostile guardian that plants delegates to outlive its own removal.
contract ConsentRegistryDelegatesCascadeTest is CarechainTest {
    IConsentRegistry.DelegateKind internal constant NONE = IConsentRegistry.DelegateKind.None;
    IConsentRegistry.DelegateKind internal constant GUARDIAN_KIND = IConsentRegistry.DelegateKind.Guardian;
    IConsentRegistry.DelegateKind internal constant PROXY_KIND = IConsentRegistry.DelegateKind.Proxy;

    address internal constant G1 = address(uint160(uint256(keccak256("carechain.test.cascade.g1"))));
    address internal constant G2 = address(uint160(uint256(keccak256("carechain.test.cascade.g2"))));
    address internal constant P1 = address(uint160(uint256(keccak256("carechain.test.cascade.p1"))));
    address internal constant P2 = address(uint160(uint256(keccak256("carechain.test.cascade.p2"))));
    address internal constant P3 = address(uint160(uint256(keccak256("carechain.test.cascade.p3"))));

    function setUp() public {
        _deploy();
    }

    function _add(address actor, address delegate, IConsentRegistry.DelegateKind kind) internal {
        vm.prank(actor);
        consent.addDelegate(alice, delegate, kind);
    }

    function _remove(address actor, address delegate) internal {
        vm.prank(actor);
        consent.removeDelegate(alice, delegate);
    }

    function _isDelegate(address account) internal view returns (bool) {
        return consent.delegateOf(alice, account) != NONE;
    }

    /// @dev The entry of `delegate` in `delegatesOf(alice)`; fails when it is not listed.
    function _entry(address delegate) internal view returns (IConsentRegistry.Delegation memory entry) {
        IConsentRegistry.Delegation[] memory list = consent.delegatesOf(alice);
        for (uint256 i = 0; i < list.length; ++i) {
            if (list[i].delegate == delegate) return list[i];
        }
        assertTrue(false, "not listed");
    }

    /// @dev delegatesOf agrees with delegateOf, lists each delegate once, and every unconfirmed delegate's namer is
    /// itself a current delegate (so removing a guardian reaches everything it planted).
    function _assertListConsistent(address[] memory accounts) internal view {
        IConsentRegistry.Delegation[] memory list = consent.delegatesOf(alice);
        uint256 expected;
        for (uint256 i = 0; i < accounts.length; ++i) {
            if (_isDelegate(accounts[i])) ++expected;
        }
        assertEq(list.length, expected, "count");
        assertTrue(list.length <= consent.MAX_DELEGATES(), "cap");
        for (uint256 i = 0; i < list.length; ++i) {
            assertEq(uint256(list[i].kind), uint256(consent.delegateOf(alice, list[i].delegate)), "kind");
            assertTrue(list[i].kind != NONE, "listed delegates are delegates");
            for (uint256 j = i + 1; j < list.length; ++j) {
                assertTrue(list[i].delegate != list[j].delegate, "listed once");
            }
            if (!list[i].confirmed)
                assertTrue(_isDelegate(list[i].namedBy), "an unconfirmed delegate's namer is a delegate");
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // delegatesOf
    // ---------------------------------------------------------------------------------------------------------

    function test_DelegatesOf_ListsKindNamerAndConfirmation() public {
        assertEq(consent.delegatesOf(alice).length, 0, "none");
        _add(alice, G1, GUARDIAN_KIND);
        _add(G1, P1, PROXY_KIND);

        IConsentRegistry.Delegation[] memory list = consent.delegatesOf(alice);
        assertEq(list.length, 2, "two");
        IConsentRegistry.Delegation memory g1 = _entry(G1);
        assertEq(uint256(g1.kind), uint256(GUARDIAN_KIND), "g1 kind");
        assertEq(g1.namedBy, alice, "g1 named by alice");
        assertTrue(g1.confirmed, "the patient's own choice is confirmed");
        IConsentRegistry.Delegation memory p1 = _entry(P1);
        assertEq(uint256(p1.kind), uint256(PROXY_KIND), "p1 kind");
        assertEq(p1.namedBy, G1, "p1 named by g1");
        assertFalse(p1.confirmed, "not confirmed yet");

        _remove(alice, P1);
        assertEq(consent.delegatesOf(alice).length, 1, "one left");
        assertEq(consent.delegatesOf(bob).length, 0, "bob has none");
    }

    function test_DelegatesOf_PatientChangesKindAndConfirms() public {
        _add(alice, G1, GUARDIAN_KIND);
        _add(G1, P1, PROXY_KIND);
        _add(alice, P1, GUARDIAN_KIND); // the patient re-names: its own choice now
        IConsentRegistry.Delegation memory p1 = _entry(P1);
        assertEq(uint256(p1.kind), uint256(GUARDIAN_KIND), "kind");
        assertEq(p1.namedBy, alice, "named by alice now");
        assertTrue(p1.confirmed, "confirmed");
        assertEq(consent.delegatesOf(alice).length, 2, "no duplicate");
    }

    function test_AddDelegate_RevertWhen_TooMany() public {
        uint256 max = consent.MAX_DELEGATES();
        for (uint256 i = 0; i < max; ++i) {
            _add(alice, address(uint160(0xDE1E6A7E00 + i)), PROXY_KIND);
        }
        address extra = address(uint160(0xDE1E6A7E00 + max));
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentTooManyDelegates.selector, alice, max));
        _add(alice, extra, PROXY_KIND);
        // Re-naming an existing one is not one more.
        _add(alice, address(uint160(0xDE1E6A7E00)), GUARDIAN_KIND);
        assertEq(consent.delegatesOf(alice).length, max, "at the cap");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Removing a guardian removes what it planted
    // ---------------------------------------------------------------------------------------------------------

    /// @dev A hostile guardian names a proxy and a guardian, which names a proxy of its own; the patient removes the
    /// first guardian: all three go with it, each with an event, and none can act any more.
    function test_RemoveGuardian_RemovesItsUnconfirmedDelegatesRecursively() public {
        _add(alice, G1, GUARDIAN_KIND);
        _add(G1, P1, PROXY_KIND);
        _add(G1, G2, GUARDIAN_KIND);
        _add(G2, P2, PROXY_KIND);
        _add(alice, P3, PROXY_KIND); // the patient's own

        vm.expectEmit(true, true, true, true, address(consent));
        emit IConsentRegistry.DelegateRemoved(alice, G1, alice);
        _remove(alice, G1);

        assertFalse(_isDelegate(G1), "g1");
        assertFalse(_isDelegate(P1), "p1 planted by g1");
        assertFalse(_isDelegate(G2), "g2 planted by g1");
        assertFalse(_isDelegate(P2), "p2 planted by g2");
        assertTrue(_isDelegate(P3), "the patient's own proxy stays");
        assertEq(consent.delegatesOf(alice).length, 1, "only p3 listed");

        address[4] memory gone = [P1, G2, P2, G1];
        for (uint256 i = 0; i < gone.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentUnauthorizedActor.selector, alice, gone[i]));
            vm.prank(gone[i]);
            consent.grantFor(
                alice,
                hospital,
                _terms(_bit(3), 0, _purposeBit(Purpose.Treatment), uint64(START + 1 days))
            );
            assertEq(consent.nonces(gone[i]), 1, "its nonce is used up");
        }
    }

    /// @dev A delegate the patient confirmed stays when its guardian goes (and so do the ones it named).
    function test_RemoveGuardian_KeepsConfirmedDelegates() public {
        _add(alice, G1, GUARDIAN_KIND);
        _add(G1, G2, GUARDIAN_KIND);
        _add(G2, P2, PROXY_KIND);
        _add(G1, P1, PROXY_KIND);

        vm.expectEmit(true, true, true, true, address(consent));
        emit IConsentRegistry.DelegateConfirmed(alice, G2);
        vm.prank(alice);
        consent.confirmDelegate(G2);
        assertTrue(_entry(G2).confirmed, "confirmed");

        _remove(alice, G1);
        assertTrue(_isDelegate(G2), "confirmed g2 stays");
        assertTrue(_isDelegate(P2), "named by g2, which stays");
        assertFalse(_isDelegate(P1), "unconfirmed p1 goes");

        // Now g2 goes: its unconfirmed proxy with it.
        _remove(alice, G2);
        assertFalse(_isDelegate(P2), "p2 goes with g2");
    }

    /// @dev The cascade follows the guardian, whoever removes it (another guardian, or the guardian itself).
    function test_RemoveGuardian_CascadesWhoeverRemovesIt() public {
        _add(alice, G1, GUARDIAN_KIND);
        _add(alice, G2, GUARDIAN_KIND);
        _add(G1, P1, PROXY_KIND);
        _add(G2, P2, PROXY_KIND);
        _remove(G2, G1); // by another guardian
        assertFalse(_isDelegate(P1), "p1");
        _remove(G2, G2); // by itself
        assertFalse(_isDelegate(P2), "p2");
        assertEq(consent.delegatesOf(alice).length, 0, "none left");
    }

    /// @dev Removing a proxy touches nobody else; proxies name nobody.
    function test_RemoveProxy_RemovesOnlyIt() public {
        _add(alice, G1, GUARDIAN_KIND);
        _add(G1, P1, PROXY_KIND);
        _add(G1, P2, PROXY_KIND);
        _remove(alice, P1);
        assertTrue(_isDelegate(P2), "p2 stays");
        assertTrue(_isDelegate(G1), "g1 stays");
    }

    /// @dev The escape a hostile guardian would try: have its appointee re-name itself (or be re-named by another
    /// appointee) so that it no longer counts as named by the guardian. Only the patient changes an existing
    /// delegate, so the escape is refused and the cascade still reaches it.
    function test_RemoveGuardian_AppointeeCannotEscapeByBeingRenamed() public {
        _add(alice, G1, GUARDIAN_KIND);
        _add(G1, G2, GUARDIAN_KIND);
        _add(G2, P2, PROXY_KIND);

        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentUnauthorizedActor.selector, alice, G2));
        _add(G2, G2, GUARDIAN_KIND); // re-name itself
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentUnauthorizedActor.selector, alice, G2));
        _add(G2, G1, PROXY_KIND); // demote its own namer
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentUnauthorizedActor.selector, alice, G1));
        _add(G1, G2, PROXY_KIND);

        _remove(alice, G1);
        assertEq(consent.delegatesOf(alice).length, 0, "all planted delegates gone");
    }

    // ---------------------------------------------------------------------------------------------------------
    // confirmDelegate
    // ---------------------------------------------------------------------------------------------------------

    function test_ConfirmDelegate_RevertWhen_NotADelegate() public {
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentDelegateNotFound.selector, alice, P1));
        vm.prank(alice);
        consent.confirmDelegate(P1);
    }

    function test_ConfirmDelegate_RevertWhen_AlreadyConfirmed() public {
        _add(alice, G1, GUARDIAN_KIND);
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentDelegateAlreadyConfirmed.selector, alice, G1));
        vm.prank(alice);
        consent.confirmDelegate(G1);
    }

    /// @dev Only the patient confirms: a guardian "confirming" its own appointee acts on its own (empty) delegate
    /// list, not the patient's.
    function test_ConfirmDelegate_OnlyByThePatient() public {
        _add(alice, G1, GUARDIAN_KIND);
        _add(G1, P1, PROXY_KIND);
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentDelegateNotFound.selector, G1, P1));
        vm.prank(G1);
        consent.confirmDelegate(P1);
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentDelegateNotFound.selector, P1, P1));
        vm.prank(P1);
        consent.confirmDelegate(P1);
        assertFalse(_entry(P1).confirmed, "still unconfirmed");
        _remove(alice, G1);
        assertFalse(_isDelegate(P1), "went with g1");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Fuzz
    // ---------------------------------------------------------------------------------------------------------

    /// @dev Random naming (by the patient and by guardians), confirming and removing among six accounts: the list
    /// stays consistent, every unconfirmed delegate's namer is a current delegate, and after any removal no
    /// unconfirmed delegate named by the removed account is left.
    function testFuzz_Delegates_CascadeKeepsTheNamingTree(uint256 seed) public {
        address[] memory accounts = new address[](6);
        (accounts[0], accounts[1], accounts[2], accounts[3], accounts[4], accounts[5]) = (G1, G2, P1, P2, P3, bob);
        for (uint256 step = 0; step < 48; ++step) {
            uint256 r = uint256(keccak256(abi.encode(seed, step)));
            address target = accounts[(r >> 8) % accounts.length];
            address actorPick = accounts[(r >> 16) % accounts.length];
            uint256 action = r % 4;
            if (action == 0) {
                // Named by the patient.
                _add(alice, target, (r >> 24) % 2 == 0 ? GUARDIAN_KIND : PROXY_KIND);
            } else if (action == 1) {
                // Named by a guardian (a new delegate only: changing one is the patient's).
                if (
                    consent.delegateOf(alice, actorPick) != GUARDIAN_KIND || _isDelegate(target) || target == actorPick
                ) {
                    continue;
                }
                _add(actorPick, target, (r >> 24) % 2 == 0 ? GUARDIAN_KIND : PROXY_KIND);
                assertFalse(_entry(target).confirmed, "a guardian's appointee starts unconfirmed");
            } else if (action == 2) {
                if (!_isDelegate(target) || _entry(target).confirmed) continue;
                vm.prank(alice);
                consent.confirmDelegate(target);
            } else {
                if (!_isDelegate(target)) continue;
                _remove(alice, target);
                IConsentRegistry.Delegation[] memory list = consent.delegatesOf(alice);
                for (uint256 i = 0; i < list.length; ++i) {
                    assertTrue(list[i].confirmed || list[i].namedBy != target, "an appointee of the removed survived");
                }
            }
            _assertListConsistent(accounts);
        }
    }
}
