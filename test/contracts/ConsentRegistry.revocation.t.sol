// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IConsentRegistry} from "../../contracts/interfaces/IConsentRegistry.sol";
import {Action} from "../../contracts/types/Action.sol";
import {ConsentTerms} from "../../contracts/types/ConsentTerms.sol";
import {SignedConsentBase} from "./utils/SignedConsentBase.sol";

/// @notice Consent that stays revoked: a revoke (or any later change of the grant) makes every signed request for
/// that (patient, grantee) made before it stale, whoever signed it; a signer can cancel its nonce; a removed
/// delegate's unspent signatures stay dead when it is named again. Written from the side of a relayer that withheld
/// signed requests and submits them later.
contract ConsentRegistryRevocationTest is SignedConsentBase {
    IConsentRegistry.DelegateKind internal constant GUARDIAN_KIND = IConsentRegistry.DelegateKind.Guardian;
    IConsentRegistry.DelegateKind internal constant PROXY_KIND = IConsentRegistry.DelegateKind.Proxy;

    function setUp() public {
        _setUpSigned();
        vm.startPrank(alice);
        consent.addDelegate(alice, guardian, GUARDIAN_KIND);
        consent.addDelegate(alice, proxy, PROXY_KIND);
        vm.stopPrank();
    }

    function _expectStale(address grantee, uint64 epoch, uint64 currentEpoch) internal {
        vm.expectRevert(
            abi.encodeWithSelector(IConsentRegistry.ConsentSignatureStale.selector, alice, grantee, epoch, currentEpoch)
        );
    }

    function _pk(address signer) internal view returns (uint256) {
        if (signer == alice) return ALICE_PK;
        if (signer == guardian) return GUARDIAN_PK;
        return PROXY_PK;
    }

    // ---------------------------------------------------------------------------------------------------------
    // The epoch of a (patient, grantee)
    // ---------------------------------------------------------------------------------------------------------

    function test_ConsentEpoch_MovesWithEveryChangeOfThePair() public {
        assertEq(consent.consentEpoch(alice, hospital), 0, "none yet");
        _grant(alice, hospital, _standardTerms());
        assertEq(consent.consentEpoch(alice, hospital), 1, "grant");
        vm.prank(guardian);
        consent.grantFor(alice, hospital, _standardTerms());
        assertEq(consent.consentEpoch(alice, hospital), 2, "grantFor");
        vm.prank(proxy);
        consent.revokeFor(alice, hospital);
        assertEq(consent.consentEpoch(alice, hospital), 3, "revokeFor");

        IConsentRegistry.GrantRequest memory g = _grantRequest(alice, hospital, alice);
        _relayGrant(g, _signGrant(ALICE_PK, g));
        assertEq(consent.consentEpoch(alice, hospital), 4, "grantBySig");
        IConsentRegistry.RevokeRequest memory r = _revokeRequest(alice, hospital, alice);
        _relayRevoke(r, _signRevoke(ALICE_PK, r));
        assertEq(consent.consentEpoch(alice, hospital), 5, "revokeBySig");

        // Per pair.
        assertEq(consent.consentEpoch(alice, lab), 0, "alice/lab");
        assertEq(consent.consentEpoch(bob, hospital), 0, "bob/hospital");
    }

    // ---------------------------------------------------------------------------------------------------------
    // A withheld signed grant after a revoke
    // ---------------------------------------------------------------------------------------------------------

    /// @dev The reported exploit: alice signs a grant, the relayer withholds it; alice revokes directly; the relayer
    /// submits the grant and the grantee is back. Now the grant is stale.
    function test_Revoke_MakesWithheldSignedGrantStale() public {
        _grant(alice, hospital, _standardTerms());
        IConsentRegistry.GrantRequest memory withheld = _grantRequest(alice, hospital, alice);
        bytes memory signature = _signGrant(ALICE_PK, withheld);

        vm.prank(alice);
        consent.revoke(hospital);

        _expectStale(hospital, 1, 2);
        _relayGrant(withheld, signature);
        _assertNoGrant(alice, hospital);
        assertFalse(consent.canAccess(alice, hospital, LABS, Action.Read), "still revoked");
        assertEq(consent.nonces(alice), 0, "a refused request uses no nonce");
    }

    /// @dev Same with a grant never made before the withheld one: a revoke needs a grant, so the patient grants,
    /// revokes, and the request signed before both is stale.
    function test_GrantThenRevoke_MakesRequestSignedBeforeStale() public {
        IConsentRegistry.GrantRequest memory withheld = _grantRequest(alice, hospital, alice);
        bytes memory signature = _signGrant(ALICE_PK, withheld);
        _grant(alice, hospital, _standardTerms());
        vm.prank(alice);
        consent.revoke(hospital);
        _expectStale(hospital, 0, 2);
        _relayGrant(withheld, signature);
        _assertNoGrant(alice, hospital);
    }

    /// @dev Whoever signed (patient, guardian, proxy) and whoever revoked (patient directly, a delegate, by
    /// signature): every withheld grant for the pair is dead.
    function test_Revoke_MakesEveryonesWithheldGrantsStale() public {
        _grant(alice, hospital, _standardTerms());
        address[3] memory signers = [alice, guardian, proxy];
        IConsentRegistry.GrantRequest[3] memory requests;
        bytes[3] memory signatures;
        for (uint256 i = 0; i < 3; ++i) {
            requests[i] = _grantRequest(alice, hospital, signers[i]);
            signatures[i] = _signGrant(_pk(signers[i]), requests[i]);
        }
        IConsentRegistry.RevokeRequest memory revoke = _revokeRequest(alice, hospital, proxy);
        _relayRevoke(revoke, _signRevoke(PROXY_PK, revoke)); // the proxy's nonce moves; the others' do not

        _expectStale(hospital, 1, 2);
        _relayGrant(requests[0], signatures[0]);
        _expectStale(hospital, 1, 2);
        _relayGrant(requests[1], signatures[1]);
        _expectBadNonce(proxy, 1);
        _relayGrant(requests[2], signatures[2]);
        _assertNoGrant(alice, hospital);
    }

    /// @dev A newer grant supersedes what was signed before it: old terms can't overwrite new ones, and a withheld
    /// signed revoke can't take back a grant made after it was signed.
    function test_Grant_MakesWithheldRequestsStale() public {
        _grant(alice, hospital, _standardTerms());
        IConsentRegistry.GrantRequest memory oldGrant = _grantRequest(alice, hospital, guardian);
        bytes memory oldGrantSignature = _signGrant(GUARDIAN_PK, oldGrant);
        IConsentRegistry.RevokeRequest memory oldRevoke = _revokeRequest(alice, hospital, proxy);
        bytes memory oldRevokeSignature = _signRevoke(PROXY_PK, oldRevoke);

        ConsentTerms memory narrower = _terms(_bit(LABS), 0, 1, expiry);
        _grant(alice, hospital, narrower);

        _expectStale(hospital, 1, 2);
        _relayGrant(oldGrant, oldGrantSignature);
        _expectStale(hospital, 1, 2);
        _relayRevoke(oldRevoke, oldRevokeSignature);
        _assertTerms(consent.consentOf(alice, hospital), narrower);
    }

    /// @dev The epoch is per pair: a revoke of the hospital leaves a withheld grant to the lab valid.
    function test_Revoke_LeavesOtherGranteesRequestsValid() public {
        _grant(alice, hospital, _standardTerms());
        IConsentRegistry.GrantRequest memory forLab = _grantRequest(alice, lab, guardian);
        bytes memory signature = _signGrant(GUARDIAN_PK, forLab);
        vm.prank(alice);
        consent.revoke(hospital);
        _relayGrant(forLab, signature);
        _assertTerms(consent.consentOf(alice, lab), _termsOf(forLab));
    }

    /// @dev Altering the epoch of a stale request breaks its signature.
    function test_GrantBySig_RevertWhen_EpochAltered() public {
        _grant(alice, hospital, _standardTerms());
        IConsentRegistry.GrantRequest memory withheld = _grantRequest(alice, hospital, alice);
        bytes memory signature = _signGrant(ALICE_PK, withheld);
        vm.prank(alice);
        consent.revoke(hospital);
        withheld.epoch = consent.consentEpoch(alice, hospital);
        _expectInvalidSignature(alice);
        _relayGrant(withheld, signature);
    }

    // ---------------------------------------------------------------------------------------------------------
    // cancelNonce
    // ---------------------------------------------------------------------------------------------------------

    function test_CancelNonce_KillsWithheldRequest() public {
        IConsentRegistry.GrantRequest memory withheld = _grantRequest(alice, hospital, alice);
        bytes memory signature = _signGrant(ALICE_PK, withheld);

        vm.expectEmit(true, true, true, true, address(consent));
        emit IConsentRegistry.NonceCancelled(alice, 0);
        vm.prank(alice);
        consent.cancelNonce(0);
        assertEq(consent.nonces(alice), 1, "nonce used");

        _expectBadNonce(alice, 1);
        _relayGrant(withheld, signature);
        _assertNoGrant(alice, hospital);

        // A request signed afterwards uses the next nonce and works.
        IConsentRegistry.GrantRequest memory fresh = _grantRequest(alice, hospital, alice);
        _relayGrant(fresh, _signGrant(ALICE_PK, fresh));
        _assertTerms(consent.consentOf(alice, hospital), _termsOf(fresh));
    }

    function test_CancelNonce_RevertWhen_NotCurrent() public {
        _expectBadNonce(alice, 0);
        vm.prank(alice);
        consent.cancelNonce(1);
        vm.prank(alice);
        consent.cancelNonce(0);
        _expectBadNonce(alice, 1);
        vm.prank(alice);
        consent.cancelNonce(0);
    }

    /// @dev Only the caller's own nonce: a stranger cancelling "alice's" nonce moves its own.
    function testFuzz_CancelNonce_OnlyTheCallersOwn(address caller, uint8 times) public {
        vm.assume(caller != alice && caller != address(vm));
        times = uint8(bound(times, 1, 8));
        uint256 first = consent.nonces(caller);
        for (uint256 i = 0; i < times; ++i) {
            vm.prank(caller);
            consent.cancelNonce(first + i);
        }
        assertEq(consent.nonces(caller), first + times, "caller's nonce");
        assertEq(consent.nonces(alice), 0, "alice's untouched");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Removed and re-added delegates
    // ---------------------------------------------------------------------------------------------------------

    /// @dev The reported exploit: a delegate's unspent signature came back when the delegate was named again.
    function test_RemoveDelegate_OldSignatureStaysDeadAfterReadding() public {
        IConsentRegistry.GrantRequest memory withheld = _grantRequest(alice, hospital, guardian);
        bytes memory signature = _signGrant(GUARDIAN_PK, withheld);

        vm.expectEmit(true, true, true, true, address(consent));
        emit IConsentRegistry.NonceCancelled(guardian, 0);
        vm.prank(alice);
        consent.removeDelegate(alice, guardian);
        assertEq(consent.nonces(guardian), 1, "the removed delegate's nonce is used up");

        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentUnauthorizedActor.selector, alice, guardian));
        _relayGrant(withheld, signature);

        vm.prank(alice);
        consent.addDelegate(alice, guardian, GUARDIAN_KIND);
        _expectBadNonce(guardian, 1);
        _relayGrant(withheld, signature);
        _assertNoGrant(alice, hospital);

        // What it signs after being named again works.
        IConsentRegistry.GrantRequest memory fresh = _grantRequest(alice, hospital, guardian);
        _relayGrant(fresh, _signGrant(GUARDIAN_PK, fresh));
        _assertTerms(consent.consentOf(alice, hospital), _termsOf(fresh));
    }

    /// @dev Also when the delegate removes itself.
    function test_RemoveDelegate_ItselfUsesUpItsNonce() public {
        IConsentRegistry.RevokeRequest memory withheld = _revokeRequest(alice, hospital, proxy);
        _grant(alice, hospital, _standardTerms());
        vm.prank(proxy);
        consent.removeDelegate(alice, proxy);
        vm.prank(alice);
        consent.addDelegate(alice, proxy, PROXY_KIND);
        withheld.epoch = consent.consentEpoch(alice, hospital); // even with the epoch right
        _expectBadNonce(proxy, 1);
        _relayRevoke(withheld, _signRevoke(PROXY_PK, withheld));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Property: after a revoke, no signature made before it grants again
    // ---------------------------------------------------------------------------------------------------------

    /// @dev A signed request held back by a relayer.
    struct Held {
        bool isGrant;
        IConsentRegistry.GrantRequest grantRequest;
        IConsentRegistry.RevokeRequest revokeRequest;
        bytes signature;
        /// @dev Signed before a later revoke (or other change) of its pair, or its signer was removed since.
        bool dead;
        bool used;
    }

    Held[] internal _held;

    function _signers(uint256 i) internal view returns (address) {
        return
            i % 3 == 0
                ? alice
                : i % 3 == 1
                    ? guardian
                    : proxy;
    }

    function _grantees(uint256 i) internal view returns (address) {
        return i % 2 == 0 ? hospital : lab;
    }

    /// @dev Marks every held request for `grantee` (or, when `signer` is set, every request of `signer`) dead.
    function _kill(address grantee, address signer) internal {
        for (uint256 i = 0; i < _held.length; ++i) {
            Held storage h = _held[i];
            address g = h.isGrant ? h.grantRequest.grantee : h.revokeRequest.grantee;
            address s = h.isGrant ? h.grantRequest.signer : h.revokeRequest.signer;
            if ((signer == address(0) && g == grantee) || (signer != address(0) && s == signer)) h.dead = true;
        }
    }

    /// @dev Relays held request `i`; a dead one must be refused.
    function _relayHeld(uint256 i) internal {
        Held storage h = _held[i];
        if (h.used) return;
        bool ok;
        address grantee;
        vm.prank(STRANGER);
        if (h.isGrant) {
            grantee = h.grantRequest.grantee;
            try consent.grantBySig(h.grantRequest, h.signature) {
                ok = true;
            } catch {}
        } else {
            grantee = h.revokeRequest.grantee;
            try consent.revokeBySig(h.revokeRequest, h.signature) {
                ok = true;
            } catch {}
        }
        if (!ok) return;
        assertFalse(h.dead, "a request signed before a revoke (or by a since-removed delegate) was accepted");
        h.used = true;
        _kill(grantee, address(0)); // the pair changed: everything else held for it is dead now
    }

    /// @dev Random sequences of signing (held back), direct grants and revokes by the patient and its delegates,
    /// delegate removal and re-naming, cancelled nonces and relays: a held request is never accepted once its pair
    /// changed after it was signed or its signer stopped being a delegate, and after the last revoke of a pair no
    /// held request brings the grantee back.
    function testFuzz_AfterRevoke_NoOutstandingSignatureGrantsAgain(uint256 seed) public {
        for (uint256 step = 0; step < 40; ++step) {
            uint256 r = uint256(keccak256(abi.encode(seed, step)));
            uint256 action = r % 8;
            address signer = _signers(r >> 8);
            address grantee = _grantees(r >> 16);
            if (action <= 1) {
                // Sign a grant (0) or a revoke (1) and hand it to the relayer, who holds it.
                Held storage h = _held.push();
                h.isGrant = action == 0;
                if (h.isGrant) {
                    h.grantRequest = _grantRequest(alice, grantee, signer);
                    h.signature = _signGrant(_pk(signer), h.grantRequest);
                } else {
                    h.revokeRequest = _revokeRequest(alice, grantee, signer);
                    h.signature = _signRevoke(_pk(signer), h.revokeRequest);
                }
            } else if (action == 2 && consent.isPatientOrDelegate(alice, signer)) {
                vm.prank(signer);
                consent.grantFor(alice, grantee, _standardTerms());
                _kill(grantee, address(0));
            } else if (action == 3 && consent.isPatientOrDelegate(alice, signer)) {
                if (consent.consentOf(alice, grantee).expiresAt == 0) continue;
                vm.prank(signer);
                consent.revokeFor(alice, grantee);
                _kill(grantee, address(0));
            } else if (action == 4 && signer != alice) {
                // The patient removes a delegate (if it is one) and names it again.
                if (consent.isPatientOrDelegate(alice, signer)) {
                    vm.prank(alice);
                    consent.removeDelegate(alice, signer);
                    _kill(address(0), signer);
                }
                vm.prank(alice);
                consent.addDelegate(alice, signer, (r >> 24) % 2 == 0 ? GUARDIAN_KIND : PROXY_KIND);
            } else if (action == 5) {
                uint256 nonce = consent.nonces(signer);
                vm.prank(signer);
                consent.cancelNonce(nonce);
                _kill(address(0), signer);
            } else if (_held.length > 0) {
                _relayHeld((r >> 32) % _held.length);
            }
        }
        // Finally the patient revokes both grantees (granting first where there is nothing to revoke) and the relayer
        // submits everything it holds: nobody is back.
        for (uint256 g = 0; g < 2; ++g) {
            if (consent.consentOf(alice, _grantees(g)).expiresAt == 0) _grant(alice, _grantees(g), _standardTerms());
            vm.prank(alice);
            consent.revoke(_grantees(g));
            _kill(_grantees(g), address(0));
        }
        for (uint256 i = 0; i < _held.length; ++i) {
            _relayHeld(i);
        }
        for (uint256 g = 0; g < 2; ++g) {
            _assertNoGrant(alice, _grantees(g));
            assertFalse(consent.canAccess(alice, _grantees(g), LABS, Action.Read), "revoked stays revoked");
        }
    }
}
