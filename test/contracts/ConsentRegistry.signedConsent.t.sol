// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";

import {ConsentRegistry} from "../../contracts/ConsentRegistry.sol";
import {IConsentRegistry} from "../../contracts/interfaces/IConsentRegistry.sol";
import {Action} from "../../contracts/types/Action.sol";
import {ConsentTerms} from "../../contracts/types/ConsentTerms.sol";
import {Purpose} from "../../contracts/types/Purpose.sol";
import {SignedConsentBase} from "./utils/SignedConsentBase.sol";

/// @notice A minimal ERC-1271 contract wallet: a signature is valid when `owner` (an EOA) signed the hash itself.
/// @dev Recovers with the `ecrecover` precompile directly, independently of OpenZeppelin's ECDSA.
contract OwnerWallet is IERC1271 {
    address public immutable owner;

    constructor(address owner_) {
        owner = owner_;
    }

    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        if (signature.length != 65) return bytes4(0xffffffff);
        bytes32 r = bytes32(signature[0:32]);
        bytes32 s = bytes32(signature[32:64]);
        uint8 v = uint8(signature[64]);
        address recovered = ecrecover(hash, v, r, s);
        return recovered != address(0) && recovered == owner ? IERC1271.isValidSignature.selector : bytes4(0xffffffff);
    }
}

/// @notice EIP-712 signed grants and revocations (grantBySig, revokeBySig), relayed by anyone. The digest is built
/// here from the EIP-712 definitions, never read from the contract, so that a wrong type string or domain fails.
contract ConsentRegistrySignedConsentTest is SignedConsentBase {
    function setUp() public {
        _setUpSigned();
    }

    // ---------------------------------------------------------------------------------------------------------
    // Domain and types
    // ---------------------------------------------------------------------------------------------------------

    function test_Eip712Domain_MatchesIndependentDomain() public view {
        (
            bytes1 fields,
            string memory name,
            string memory version,
            uint256 chainId,
            address verifyingContract,
            bytes32 salt,
            uint256[] memory extensions
        ) = consent.eip712Domain();
        assertEq(uint256(uint8(fields)), 0x0f, "fields: name, version, chainId, verifyingContract");
        assertEq(bytes(name), bytes(NAME), "name");
        assertEq(bytes(version), bytes(VERSION), "version");
        assertEq(chainId, block.chainid, "chainId");
        assertEq(verifyingContract, address(consent), "verifyingContract");
        assertEq(salt, bytes32(0), "salt");
        assertEq(extensions.length, 0, "extensions");
    }

    function test_Typehashes_MatchTypeStrings() public view {
        assertEq(consent.GRANT_TYPEHASH(), GRANT_TYPEHASH, "Grant");
        assertEq(consent.REVOKE_TYPEHASH(), REVOKE_TYPEHASH, "Revoke");
    }

    function test_Nonces_StartAtZero() public view {
        assertEq(consent.nonces(alice), 0, "alice");
        assertEq(consent.nonces(guardian), 0, "guardian");
        assertEq(consent.nonces(STRANGER), 0, "stranger");
    }

    // ---------------------------------------------------------------------------------------------------------
    // grantBySig: success
    // ---------------------------------------------------------------------------------------------------------

    function test_GrantBySig_ByPatient_RelayedByStranger() public {
        IConsentRegistry.GrantRequest memory request = _grantRequest(alice, hospital, alice);
        bytes memory signature = _signGrant(ALICE_PK, request);

        vm.expectEmit(true, true, true, true, address(consent));
        emit IConsentRegistry.ConsentGranted(alice, hospital, alice, _termsOf(request));
        _relayGrant(request, signature);

        _assertTerms(consent.consentOf(alice, hospital), _termsOf(request));
        assertTrue(consent.canAccess(alice, hospital, LABS, Action.Write), "hospital writes labs");
        assertEq(consent.nonces(alice), 1, "alice's nonce used");
        assertEq(consent.nonces(STRANGER), 0, "relayer's nonce untouched");
    }

    function test_GrantBySig_RelayedByGranteeOrPatient() public {
        IConsentRegistry.GrantRequest memory request = _grantRequest(alice, hospital, alice);
        vm.prank(hospital);
        consent.grantBySig(request, _signGrant(ALICE_PK, request));
        _assertTerms(consent.consentOf(alice, hospital), _termsOf(request));

        request = _grantRequest(alice, lab, alice);
        assertEq(request.nonce, 1, "second nonce");
        vm.prank(alice);
        consent.grantBySig(request, _signGrant(ALICE_PK, request));
        _assertTerms(consent.consentOf(alice, lab), _termsOf(request));
        assertEq(consent.nonces(alice), 2, "two nonces used");
    }

    function test_GrantBySig_AtDeadline() public {
        IConsentRegistry.GrantRequest memory request = _grantRequest(alice, hospital, alice);
        vm.warp(deadline);
        _relayGrant(request, _signGrant(ALICE_PK, request));
        _assertTerms(consent.consentOf(alice, hospital), _termsOf(request));
    }

    function test_GrantBySig_SignedByGuardian() public {
        vm.prank(alice);
        consent.addDelegate(alice, guardian, IConsentRegistry.DelegateKind.Guardian);

        IConsentRegistry.GrantRequest memory request = _grantRequest(alice, hospital, guardian);
        vm.expectEmit(true, true, true, true, address(consent));
        emit IConsentRegistry.ConsentGranted(alice, hospital, guardian, _termsOf(request));
        _relayGrant(request, _signGrant(GUARDIAN_PK, request));

        _assertTerms(consent.consentOf(alice, hospital), _termsOf(request));
        assertEq(consent.nonces(guardian), 1, "guardian's nonce used");
        assertEq(consent.nonces(alice), 0, "alice's nonce untouched");
    }

    function test_GrantBySig_SignedByProxy() public {
        vm.prank(alice);
        consent.addDelegate(alice, proxy, IConsentRegistry.DelegateKind.Proxy);

        IConsentRegistry.GrantRequest memory request = _grantRequest(alice, lab, proxy);
        vm.expectEmit(true, true, true, true, address(consent));
        emit IConsentRegistry.ConsentGranted(alice, lab, proxy, _termsOf(request));
        _relayGrant(request, _signGrant(PROXY_PK, request));

        _assertTerms(consent.consentOf(alice, lab), _termsOf(request));
        assertEq(consent.nonces(proxy), 1, "proxy's nonce used");
    }

    /// @dev One nonce sequence per signer, across patients: a guardian of alice and bob signs for both in turn.
    function test_GrantBySig_NonceIsPerSignerAcrossPatients() public {
        vm.prank(alice);
        consent.addDelegate(alice, guardian, IConsentRegistry.DelegateKind.Guardian);
        vm.prank(bob);
        consent.addDelegate(bob, guardian, IConsentRegistry.DelegateKind.Guardian);

        IConsentRegistry.GrantRequest memory forAlice = _grantRequest(alice, hospital, guardian);
        IConsentRegistry.GrantRequest memory forBob = _grantRequest(bob, hospital, guardian);
        assertEq(forBob.nonce, 0, "same nonce before use");
        bytes memory bobSignature = _signGrant(GUARDIAN_PK, forBob);
        _relayGrant(forAlice, _signGrant(GUARDIAN_PK, forAlice));

        // forBob was signed with nonce 0, which alice's grant used.
        _expectBadNonce(guardian, 1);
        _relayGrant(forBob, bobSignature);

        forBob.nonce = 1;
        _relayGrant(forBob, _signGrant(GUARDIAN_PK, forBob));
        _assertTerms(consent.consentOf(bob, hospital), _termsOf(forBob));
        assertEq(consent.nonces(guardian), 2, "guardian nonce");
    }

    // ---------------------------------------------------------------------------------------------------------
    // grantBySig: refusals
    // ---------------------------------------------------------------------------------------------------------

    function test_GrantBySig_RevertWhen_Replayed() public {
        IConsentRegistry.GrantRequest memory request = _grantRequest(alice, hospital, alice);
        bytes memory signature = _signGrant(ALICE_PK, request);
        _relayGrant(request, signature);

        _expectBadNonce(alice, 1);
        _relayGrant(request, signature);

        // Still refused after the grant was revoked (a replay must not restore it).
        vm.prank(alice);
        consent.revoke(hospital);
        _expectBadNonce(alice, 1);
        _relayGrant(request, signature);
        _assertNoGrant(alice, hospital);
    }

    function test_GrantBySig_RevertWhen_NonceAhead() public {
        IConsentRegistry.GrantRequest memory request = _grantRequest(alice, hospital, alice);
        request.nonce = 1;
        _expectBadNonce(alice, 0);
        _relayGrant(request, _signGrant(ALICE_PK, request));
        _assertNoGrant(alice, hospital);
    }

    function test_GrantBySig_RevertWhen_Expired() public {
        IConsentRegistry.GrantRequest memory request = _grantRequest(alice, hospital, alice);
        bytes memory signature = _signGrant(ALICE_PK, request);
        vm.warp(deadline + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IConsentRegistry.ConsentSignatureExpired.selector, deadline, deadline + 1)
        );
        _relayGrant(request, signature);

        vm.warp(deadline + 365 days);
        vm.expectRevert(
            abi.encodeWithSelector(IConsentRegistry.ConsentSignatureExpired.selector, deadline, deadline + 365 days)
        );
        _relayGrant(request, signature);
        _assertNoGrant(alice, hospital);
        assertEq(consent.nonces(alice), 0, "nonce not used");
    }

    function test_GrantBySig_RevertWhen_WrongChainInRequest() public {
        IConsentRegistry.GrantRequest memory request = _grantRequest(alice, hospital, alice);
        request.chainId = block.chainid + 1;
        vm.expectRevert(
            abi.encodeWithSelector(
                IConsentRegistry.ConsentSignatureWrongChain.selector,
                block.chainid + 1,
                block.chainid
            )
        );
        _relayGrant(request, _signGrant(ALICE_PK, request));
        _assertNoGrant(alice, hospital);
    }

    /// @dev Signed on one chain, relayed on another (a fork): refused by chain id; and with the request's chain id
    /// edited to match, refused as an invalid signature (the domain separator follows block.chainid).
    function test_GrantBySig_RevertWhen_RelayedOnAnotherChain() public {
        uint256 original = block.chainid;
        IConsentRegistry.GrantRequest memory request = _grantRequest(alice, hospital, alice);
        bytes memory signature = _signGrant(ALICE_PK, request);

        uint256 other = original + 1000;
        vm.chainId(other);
        assertEq(block.chainid, other, "chain switched");
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentSignatureWrongChain.selector, original, other));
        _relayGrant(request, signature);

        request.chainId = other;
        _expectInvalidSignature(alice);
        _relayGrant(request, signature);

        // Signed for the new chain, it works there.
        _relayGrant(request, _sign(ALICE_PK, _digest712(other, address(consent), _grantStructHash(request))));
        _assertTerms(consent.consentOf(alice, hospital), _termsOf(request));
    }

    function test_GrantBySig_RevertWhen_WrongRegistryInRequest() public {
        IConsentRegistry.GrantRequest memory request = _grantRequest(alice, hospital, alice);
        request.registry = address(records);
        vm.expectRevert(
            abi.encodeWithSelector(
                IConsentRegistry.ConsentSignatureWrongContract.selector,
                address(records),
                address(consent)
            )
        );
        _relayGrant(request, _signGrant(ALICE_PK, request));
        _assertNoGrant(alice, hospital);
    }

    /// @dev A signature for one deployment is refused by another one on the same chain.
    function test_GrantBySig_RevertWhen_SignedForAnotherDeployment() public {
        ConsentRegistry other = new ConsentRegistry(directory);
        IConsentRegistry.GrantRequest memory request = _grantRequest(alice, hospital, alice);
        bytes memory signature = _signGrant(ALICE_PK, request);

        vm.expectRevert(
            abi.encodeWithSelector(
                IConsentRegistry.ConsentSignatureWrongContract.selector,
                address(consent),
                address(other)
            )
        );
        vm.prank(STRANGER);
        other.grantBySig(request, signature);

        // Pointed at the other deployment but signed for this one: the domain differs.
        request.registry = address(other);
        _expectInvalidSignature(alice);
        vm.prank(STRANGER);
        other.grantBySig(request, signature);

        // Signed in the other deployment's domain, it works there and only there.
        bytes memory otherSignature = _sign(
            ALICE_PK,
            _digest712(block.chainid, address(other), _grantStructHash(request))
        );
        vm.prank(STRANGER);
        other.grantBySig(request, otherSignature);
        _assertTerms(other.consentOf(alice, hospital), _termsOf(request));
        _assertNoGrant(alice, hospital);
    }

    function test_GrantBySig_RevertWhen_FieldAlteredAfterSigning() public {
        IConsentRegistry.GrantRequest memory signed = _grantRequest(alice, hospital, alice);
        bytes memory signature = _signGrant(ALICE_PK, signed);

        for (uint256 field = 0; field < 6; ++field) {
            IConsentRegistry.GrantRequest memory altered = _copy(signed);
            if (field == 0) altered.grantee = lab;
            else if (field == 1) altered.readMask = signed.readMask | _bit(0);
            else if (field == 2) altered.writeMask = signed.writeMask | _bit(IMAGING);
            else if (field == 3) altered.expiresAt = signed.expiresAt + 1;
            else if (field == 4) altered.purposes = signed.purposes | _purposeBit(Purpose.Research);
            else altered.deadline = signed.deadline + 1;
            _expectInvalidSignature(alice);
            _relayGrant(altered, signature);
        }
        _assertNoGrant(alice, hospital);
        _assertNoGrant(alice, lab);
        assertEq(consent.nonces(alice), 0, "no nonce used");

        // The unaltered request still goes through.
        _relayGrant(signed, signature);
        _assertTerms(consent.consentOf(alice, hospital), _termsOf(signed));
    }

    /// @dev Moving alice's signed request to bob's records: alice is not bob's delegate.
    function test_GrantBySig_RevertWhen_PatientAltered() public {
        IConsentRegistry.GrantRequest memory request = _grantRequest(alice, hospital, alice);
        bytes memory signature = _signGrant(ALICE_PK, request);
        request.patient = bob;
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentUnauthorizedActor.selector, bob, alice));
        _relayGrant(request, signature);
        _assertNoGrant(bob, hospital);
    }

    function test_GrantBySig_RevertWhen_SignerNotPatientOrDelegate() public {
        // bob, a patient, signs a grant on alice's records.
        IConsentRegistry.GrantRequest memory request = _grantRequest(alice, hospital, bob);
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentUnauthorizedActor.selector, alice, bob));
        _relayGrant(request, _signGrant(BOB_PK, request));

        // The grantee signs its own grant.
        request = _grantRequest(alice, hospital, hospital);
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentUnauthorizedActor.selector, alice, hospital));
        _relayGrant(request, _signGrant(HOSPITAL_PK, request));

        // A removed guardian.
        vm.prank(alice);
        consent.addDelegate(alice, guardian, IConsentRegistry.DelegateKind.Guardian);
        request = _grantRequest(alice, hospital, guardian);
        bytes memory signature = _signGrant(GUARDIAN_PK, request);
        vm.prank(alice);
        consent.removeDelegate(alice, guardian);
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentUnauthorizedActor.selector, alice, guardian));
        _relayGrant(request, signature);

        _assertNoGrant(alice, hospital);
    }

    function test_GrantBySig_RevertWhen_SignedBySomeoneElse() public {
        IConsentRegistry.GrantRequest memory request = _grantRequest(alice, hospital, alice);
        _expectInvalidSignature(alice);
        _relayGrant(request, _signGrant(BOB_PK, request));

        // Even by one of alice's delegates: the request names alice as signer.
        vm.prank(alice);
        consent.addDelegate(alice, guardian, IConsentRegistry.DelegateKind.Guardian);
        _expectInvalidSignature(alice);
        _relayGrant(request, _signGrant(GUARDIAN_PK, request));

        // A delegate's request signed by the patient.
        IConsentRegistry.GrantRequest memory byGuardian = _grantRequest(alice, hospital, guardian);
        _expectInvalidSignature(guardian);
        _relayGrant(byGuardian, _signGrant(ALICE_PK, byGuardian));

        _assertNoGrant(alice, hospital);
    }

    function test_GrantBySig_RevertWhen_MalformedSignature() public {
        IConsentRegistry.GrantRequest memory request = _grantRequest(alice, hospital, alice);
        bytes memory signature = _signGrant(ALICE_PK, request);

        _expectInvalidSignature(alice);
        _relayGrant(request, "");

        bytes memory truncated = new bytes(64);
        for (uint256 i = 0; i < 64; ++i) truncated[i] = signature[i];
        _expectInvalidSignature(alice);
        _relayGrant(request, truncated);

        bytes memory flipped = bytes.concat(signature);
        flipped[10] = bytes1(uint8(flipped[10]) ^ 0x01);
        _expectInvalidSignature(alice);
        _relayGrant(request, flipped);

        // The high-s twin of a valid signature (malleability) is refused.
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(
            ALICE_PK,
            _digest712(block.chainid, address(consent), _grantStructHash(request))
        );
        bytes memory twin = abi.encodePacked(r, bytes32(SECP256K1_N - uint256(s)), v == 27 ? uint8(28) : uint8(27));
        _expectInvalidSignature(alice);
        _relayGrant(request, twin);

        _assertNoGrant(alice, hospital);
        _relayGrant(request, signature);
        _assertTerms(consent.consentOf(alice, hospital), _termsOf(request));
    }

    /// @dev A valid signature does not bypass the grant checks.
    function test_GrantBySig_RevertWhen_TermsInvalid() public {
        IConsentRegistry.GrantRequest memory request = _grantRequest(alice, STRANGER, alice);
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentGranteeNotRegistered.selector, STRANGER));
        _relayGrant(request, _signGrant(ALICE_PK, request));

        request = _grantRequest(alice, hospital, alice);
        request.expiresAt = uint64(block.timestamp);
        vm.expectRevert(
            abi.encodeWithSelector(
                IConsentRegistry.ConsentExpiryNotInFuture.selector,
                uint64(block.timestamp),
                block.timestamp
            )
        );
        _relayGrant(request, _signGrant(ALICE_PK, request));
        assertEq(consent.nonces(alice), 0, "nonce not used by a reverted grant");
    }

    // ---------------------------------------------------------------------------------------------------------
    // revokeBySig
    // ---------------------------------------------------------------------------------------------------------

    function test_RevokeBySig_ByPatient_RelayedByStranger() public {
        _grant(alice, hospital, _standardTerms());
        IConsentRegistry.RevokeRequest memory request = _revokeRequest(alice, hospital, alice);

        vm.expectEmit(true, true, true, true, address(consent));
        emit IConsentRegistry.ConsentRevoked(alice, hospital, alice);
        _relayRevoke(request, _signRevoke(ALICE_PK, request));

        _assertNoGrant(alice, hospital);
        assertFalse(consent.canAccess(alice, hospital, LABS, Action.Read), "access gone");
        assertEq(consent.nonces(alice), 1, "nonce used");
    }

    function test_RevokeBySig_ByDelegate() public {
        _grant(alice, hospital, _standardTerms());
        vm.prank(alice);
        consent.addDelegate(alice, proxy, IConsentRegistry.DelegateKind.Proxy);
        IConsentRegistry.RevokeRequest memory request = _revokeRequest(alice, hospital, proxy);

        vm.expectEmit(true, true, true, true, address(consent));
        emit IConsentRegistry.ConsentRevoked(alice, hospital, proxy);
        _relayRevoke(request, _signRevoke(PROXY_PK, request));
        _assertNoGrant(alice, hospital);
        assertEq(consent.nonces(proxy), 1, "proxy's nonce used");
    }

    function test_RevokeBySig_RevertWhen_Replayed() public {
        _grant(alice, hospital, _standardTerms());
        IConsentRegistry.RevokeRequest memory request = _revokeRequest(alice, hospital, alice);
        bytes memory signature = _signRevoke(ALICE_PK, request);
        _relayRevoke(request, signature);

        // Granted again: the old revocation can't be replayed to take it away.
        _grant(alice, hospital, _standardTerms());
        _expectBadNonce(alice, 1);
        _relayRevoke(request, signature);
        _assertTerms(consent.consentOf(alice, hospital), _standardTerms());
    }

    function test_RevokeBySig_RevertWhen_Expired() public {
        _grant(alice, hospital, _standardTerms());
        IConsentRegistry.RevokeRequest memory request = _revokeRequest(alice, hospital, alice);
        bytes memory signature = _signRevoke(ALICE_PK, request);
        vm.warp(deadline + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IConsentRegistry.ConsentSignatureExpired.selector, deadline, deadline + 1)
        );
        _relayRevoke(request, signature);
        _assertTerms(consent.consentOf(alice, hospital), _standardTerms());
    }

    function test_RevokeBySig_RevertWhen_WrongChainOrContract() public {
        _grant(alice, hospital, _standardTerms());
        IConsentRegistry.RevokeRequest memory request = _revokeRequest(alice, hospital, alice);
        request.chainId = 1;
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentSignatureWrongChain.selector, 1, block.chainid));
        _relayRevoke(request, _signRevoke(ALICE_PK, request));

        request = _revokeRequest(alice, hospital, alice);
        request.registry = address(directory);
        vm.expectRevert(
            abi.encodeWithSelector(
                IConsentRegistry.ConsentSignatureWrongContract.selector,
                address(directory),
                address(consent)
            )
        );
        _relayRevoke(request, _signRevoke(ALICE_PK, request));
        _assertTerms(consent.consentOf(alice, hospital), _standardTerms());
    }

    function test_RevokeBySig_RevertWhen_AlteredOrWrongSigner() public {
        _grant(alice, hospital, _standardTerms());
        _grant(alice, lab, _standardTerms());
        IConsentRegistry.RevokeRequest memory request = _revokeRequest(alice, hospital, alice);
        bytes memory signature = _signRevoke(ALICE_PK, request);

        request.grantee = lab;
        _expectInvalidSignature(alice);
        _relayRevoke(request, signature);

        request.grantee = hospital;
        _expectInvalidSignature(alice);
        _relayRevoke(request, _signRevoke(BOB_PK, request));

        IConsentRegistry.RevokeRequest memory byBob = _revokeRequest(alice, hospital, bob);
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentUnauthorizedActor.selector, alice, bob));
        _relayRevoke(byBob, _signRevoke(BOB_PK, byBob));

        _assertTerms(consent.consentOf(alice, hospital), _standardTerms());
        _assertTerms(consent.consentOf(alice, lab), _standardTerms());
    }

    function test_RevokeBySig_RevertWhen_NoGrant() public {
        IConsentRegistry.RevokeRequest memory request = _revokeRequest(alice, hospital, alice);
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentNotFound.selector, alice, hospital));
        _relayRevoke(request, _signRevoke(ALICE_PK, request));
        assertEq(consent.nonces(alice), 0, "nonce not used");
    }

    /// @dev Grants and revocations share the signer's nonce, and a signature of one type is not one of the other.
    function test_BySig_GrantAndRevokeShareNoncesAndTypes() public {
        IConsentRegistry.GrantRequest memory grantRequest = _grantRequest(alice, hospital, alice);
        IConsentRegistry.RevokeRequest memory revokeRequest = _revokeRequest(alice, hospital, alice);
        bytes memory grantSignature = _signGrant(ALICE_PK, grantRequest);
        bytes memory revokeSignature = _signRevoke(ALICE_PK, revokeRequest);

        // The grant signature is not a revocation signature for the same fields.
        _expectInvalidSignature(alice);
        _relayRevoke(revokeRequest, grantSignature);

        _relayGrant(grantRequest, grantSignature);
        // The revocation was signed with nonce 0, which the grant used.
        _expectBadNonce(alice, 1);
        _relayRevoke(revokeRequest, revokeSignature);
        _assertTerms(consent.consentOf(alice, hospital), _termsOf(grantRequest));
    }

    // ---------------------------------------------------------------------------------------------------------
    // ERC-1271 contract wallets
    // ---------------------------------------------------------------------------------------------------------

    function _walletPatient() internal returns (OwnerWallet wallet) {
        wallet = new OwnerWallet(vm.addr(WALLET_OWNER_PK));
        vm.label(address(wallet), "wallet");
        vm.prank(address(wallet));
        directory.registerPatient(_x25519("carechain.test.wallet.x25519"));
        assertTrue(directory.isPatient(address(wallet)), "wallet registered");
    }

    function test_GrantBySig_Erc1271WalletPatient() public {
        OwnerWallet wallet = _walletPatient();
        IConsentRegistry.GrantRequest memory request = _grantRequest(address(wallet), hospital, address(wallet));

        vm.expectEmit(true, true, true, true, address(consent));
        emit IConsentRegistry.ConsentGranted(address(wallet), hospital, address(wallet), _termsOf(request));
        _relayGrant(request, _signGrant(WALLET_OWNER_PK, request));

        _assertTerms(consent.consentOf(address(wallet), hospital), _termsOf(request));
        assertEq(consent.nonces(address(wallet)), 1, "wallet nonce");

        IConsentRegistry.RevokeRequest memory revokeRequest = _revokeRequest(
            address(wallet),
            hospital,
            address(wallet)
        );
        _relayRevoke(revokeRequest, _signRevoke(WALLET_OWNER_PK, revokeRequest));
        _assertNoGrant(address(wallet), hospital);
    }

    function test_GrantBySig_RevertWhen_Erc1271WalletRejects() public {
        OwnerWallet wallet = _walletPatient();
        IConsentRegistry.GrantRequest memory request = _grantRequest(address(wallet), hospital, address(wallet));

        // Signed by someone other than the owner.
        _expectInvalidSignature(address(wallet));
        _relayGrant(request, _signGrant(ALICE_PK, request));

        // Signed by the owner, then altered.
        bytes memory signature = _signGrant(WALLET_OWNER_PK, request);
        request.readMask = ALL_CATEGORIES;
        _expectInvalidSignature(address(wallet));
        _relayGrant(request, signature);

        _assertNoGrant(address(wallet), hospital);
        assertEq(consent.nonces(address(wallet)), 0, "nonce not used");
    }

    /// @dev The wallet as a delegate of an EOA patient.
    function test_GrantBySig_Erc1271WalletDelegate() public {
        OwnerWallet wallet = new OwnerWallet(vm.addr(WALLET_OWNER_PK));
        vm.prank(alice);
        consent.addDelegate(alice, address(wallet), IConsentRegistry.DelegateKind.Proxy);

        IConsentRegistry.GrantRequest memory request = _grantRequest(alice, lab, address(wallet));
        vm.expectEmit(true, true, true, true, address(consent));
        emit IConsentRegistry.ConsentGranted(alice, lab, address(wallet), _termsOf(request));
        _relayGrant(request, _signGrant(WALLET_OWNER_PK, request));
        _assertTerms(consent.consentOf(alice, lab), _termsOf(request));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Fuzz
    // ---------------------------------------------------------------------------------------------------------

    /// @dev After one use (current nonce 1), any nonce but 1, below or above, is refused with the current nonce.
    function testFuzz_GrantBySig_RevertWhen_NonceNotCurrent(uint256 offset) public {
        vm.assume(offset != 0);
        IConsentRegistry.GrantRequest memory first = _grantRequest(alice, lab, alice);
        _relayGrant(first, _signGrant(ALICE_PK, first));
        assertEq(consent.nonces(alice), 1, "one used");

        IConsentRegistry.GrantRequest memory request = _grantRequest(alice, hospital, alice);
        unchecked {
            request.nonce = 1 + offset;
        }
        _expectBadNonce(alice, 1);
        _relayGrant(request, _signGrant(ALICE_PK, request));
        _assertNoGrant(alice, hospital);
        assertEq(consent.nonces(alice), 1, "nonce unchanged");
    }

    /// @dev Any valid signed grant, by the patient or a delegate, goes through once and never again.
    function testFuzz_GrantBySig_UsableOnce(
        uint64 readMask,
        uint64 writeMask,
        uint32 purposes,
        uint64 expiresAt,
        uint256 secondsLeft,
        uint8 signerChoice,
        address relayer
    ) public {
        vm.assume(readMask | writeMask != 0 && relayer != address(vm));
        purposes = uint32(bound(purposes, 1, ALL_PURPOSES));
        expiresAt = uint64(bound(expiresAt, START + 1, type(uint64).max));
        secondsLeft = bound(secondsLeft, 0, 365 days);
        deadline = START + secondsLeft;

        vm.prank(alice);
        consent.addDelegate(alice, guardian, IConsentRegistry.DelegateKind.Guardian);
        vm.prank(alice);
        consent.addDelegate(alice, proxy, IConsentRegistry.DelegateKind.Proxy);
        uint256 choice = signerChoice % 3;
        uint256 pk =
            choice == 0
                ? ALICE_PK
                : choice == 1
                    ? GUARDIAN_PK
                    : PROXY_PK;
        address signer = vm.addr(pk);

        IConsentRegistry.GrantRequest memory request = _grantRequest(alice, hospital, signer);
        (request.readMask, request.writeMask, request.purposes, request.expiresAt) = (
            readMask,
            writeMask,
            purposes,
            expiresAt
        );
        bytes memory signature = _signGrant(pk, request);

        vm.expectEmit(true, true, true, true, address(consent));
        emit IConsentRegistry.ConsentGranted(alice, hospital, signer, _termsOf(request));
        vm.prank(relayer);
        consent.grantBySig(request, signature);
        _assertTerms(consent.consentOf(alice, hospital), _termsOf(request));
        assertEq(consent.nonces(signer), 1, "used");

        _expectBadNonce(signer, 1);
        vm.prank(relayer);
        consent.grantBySig(request, signature);
    }

    /// @dev Any key but alice's fails to sign for alice.
    function testFuzz_GrantBySig_RevertWhen_WrongKey(uint256 pk) public {
        pk = bound(pk, 1, SECP256K1_N - 1);
        vm.assume(pk != ALICE_PK);
        IConsentRegistry.GrantRequest memory request = _grantRequest(alice, hospital, alice);
        _expectInvalidSignature(alice);
        _relayGrant(request, _signGrant(pk, request));
        _assertNoGrant(alice, hospital);
    }
}
