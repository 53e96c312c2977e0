// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";

import {IConsentRegistry} from "../../../contracts/interfaces/IConsentRegistry.sol";
import {ConsentTerms} from "../../../contracts/types/ConsentTerms.sol";
import {Purpose} from "../../../contracts/types/Purpose.sol";
import {CarechainTest} from "./Test.sol";

/// @title SignedConsentBase
/// @notice Shared by the tests of signed consent (grantBySig, revokeBySig): EIP-712 digests built here from the
/// EIP-712 definitions, never read from the contract (so a wrong type string or domain fails), request builders at
/// the signer's current nonce and the pair's current consent epoch, relays and assertions.
abstract contract SignedConsentBase is CarechainTest {
    uint8 internal constant LABS = 3;
    uint8 internal constant IMAGING = 7;

    bytes32 internal constant DOMAIN_TYPEHASH = keccak256(
        "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
    );
    bytes32 internal constant GRANT_TYPEHASH = keccak256(
        "Grant(address patient,address grantee,uint64 readMask,uint64 writeMask,uint32 purposes,uint64 expiresAt,uint64 epoch,address signer,uint256 nonce,uint256 deadline,uint256 chainId,address registry)"
    );
    bytes32 internal constant REVOKE_TYPEHASH = keccak256(
        "Revoke(address patient,address grantee,uint64 epoch,address signer,uint256 nonce,uint256 deadline,uint256 chainId,address registry)"
    );
    string internal constant NAME = "Carechain ConsentRegistry";
    string internal constant VERSION = "1";

    uint256 internal constant GUARDIAN_PK = 0x6A4D;
    uint256 internal constant PROXY_PK = 0x940C;
    uint256 internal constant WALLET_OWNER_PK = 0x0A11E7;
    /// @dev secp256k1 group order.
    uint256 internal constant SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;

    address internal guardian;
    address internal proxy;
    uint64 internal expiry;
    uint256 internal deadline;

    // ---------------------------------------------------------------------------------------------------------
    // EIP-712, built independently
    // ---------------------------------------------------------------------------------------------------------

    function _domainSeparator(uint256 chainId, address registry) internal pure returns (bytes32) {
        return
            keccak256(
                abi.encode(DOMAIN_TYPEHASH, keccak256(bytes(NAME)), keccak256(bytes(VERSION)), chainId, registry)
            );
    }

    function _grantStructHash(IConsentRegistry.GrantRequest memory r) internal pure returns (bytes32) {
        // Every field is static: abi.encode of the parts is the concatenation of 32-byte words.
        return
            keccak256(
                bytes.concat(
                    abi.encode(GRANT_TYPEHASH, r.patient, r.grantee, r.readMask, r.writeMask, r.purposes),
                    abi.encode(r.expiresAt, r.epoch, r.signer, r.nonce, r.deadline, r.chainId, r.registry)
                )
            );
    }

    function _revokeStructHash(IConsentRegistry.RevokeRequest memory r) internal pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    REVOKE_TYPEHASH,
                    r.patient,
                    r.grantee,
                    r.epoch,
                    r.signer,
                    r.nonce,
                    r.deadline,
                    r.chainId,
                    r.registry
                )
            );
    }

    /// @dev The EIP-712 digest in the domain of `registry` on chain `chainId`.
    function _digest712(uint256 chainId, address registry, bytes32 structHash) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked("\x19\x01", _domainSeparator(chainId, registry), structHash));
    }

    function _sign(uint256 pk, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(pk, digest);
        return abi.encodePacked(r, s, v);
    }

    /// @dev `pk` signs `request` for this chain and {consent}.
    function _signGrant(uint256 pk, IConsentRegistry.GrantRequest memory request) internal view returns (bytes memory) {
        return _sign(pk, _digest712(block.chainid, address(consent), _grantStructHash(request)));
    }

    function _signRevoke(
        uint256 pk,
        IConsentRegistry.RevokeRequest memory request
    ) internal view returns (bytes memory) {
        return _sign(pk, _digest712(block.chainid, address(consent), _revokeStructHash(request)));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Builders and assertions
    // ---------------------------------------------------------------------------------------------------------

    function _standardTerms() internal view returns (ConsentTerms memory) {
        return _terms(_bit(LABS) | _bit(IMAGING), _bit(LABS), _purposeBit(Purpose.Treatment), expiry);
    }

    /// @dev `signer` grants `grantee` the standard terms on `patient`'s records, at `signer`'s current nonce.
    function _grantRequest(
        address patient,
        address grantee,
        address signer
    ) internal view returns (IConsentRegistry.GrantRequest memory) {
        ConsentTerms memory t = _standardTerms();
        return
            IConsentRegistry.GrantRequest({
                patient: patient,
                grantee: grantee,
                readMask: t.readMask,
                writeMask: t.writeMask,
                purposes: t.purposes,
                expiresAt: t.expiresAt,
                epoch: consent.consentEpoch(patient, grantee),
                signer: signer,
                nonce: consent.nonces(signer),
                deadline: deadline,
                chainId: block.chainid,
                registry: address(consent)
            });
    }

    function _revokeRequest(
        address patient,
        address grantee,
        address signer
    ) internal view returns (IConsentRegistry.RevokeRequest memory) {
        return
            IConsentRegistry.RevokeRequest({
                patient: patient,
                grantee: grantee,
                epoch: consent.consentEpoch(patient, grantee),
                signer: signer,
                nonce: consent.nonces(signer),
                deadline: deadline,
                chainId: block.chainid,
                registry: address(consent)
            });
    }

    function _termsOf(IConsentRegistry.GrantRequest memory r) internal pure returns (ConsentTerms memory) {
        return _terms(r.readMask, r.writeMask, r.purposes, r.expiresAt);
    }

    function _copy(
        IConsentRegistry.GrantRequest memory r
    ) internal pure returns (IConsentRegistry.GrantRequest memory c) {
        c = IConsentRegistry.GrantRequest(
            r.patient,
            r.grantee,
            r.readMask,
            r.writeMask,
            r.purposes,
            r.expiresAt,
            r.epoch,
            r.signer,
            r.nonce,
            r.deadline,
            r.chainId,
            r.registry
        );
    }

    function _relayGrant(IConsentRegistry.GrantRequest memory request, bytes memory signature) internal {
        vm.prank(STRANGER);
        consent.grantBySig(request, signature);
    }

    function _relayRevoke(IConsentRegistry.RevokeRequest memory request, bytes memory signature) internal {
        vm.prank(STRANGER);
        consent.revokeBySig(request, signature);
    }

    function _assertTerms(ConsentTerms memory actual, ConsentTerms memory expected) internal pure {
        assertEq(actual.readMask, expected.readMask, "readMask");
        assertEq(actual.writeMask, expected.writeMask, "writeMask");
        assertEq(actual.purposes, expected.purposes, "purposes");
        assertEq(actual.expiresAt, expected.expiresAt, "expiresAt");
    }

    function _assertNoGrant(address patient, address grantee) internal view {
        _assertTerms(consent.consentOf(patient, grantee), _terms(0, 0, 0, 0));
    }

    function _expectInvalidSignature(address signer) internal {
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentInvalidSignature.selector, signer));
    }

    function _expectBadNonce(address signer, uint256 currentNonce) internal {
        vm.expectRevert(abi.encodeWithSelector(Nonces.InvalidAccountNonce.selector, signer, currentNonce));
    }

    /// @notice {_deploy}, then names the guardian and proxy accounts and the standard expiry and deadline.
    function _setUpSigned() internal {
        _deploy();
        guardian = vm.addr(GUARDIAN_PK);
        proxy = vm.addr(PROXY_PK);
        vm.label(guardian, "guardian");
        vm.label(proxy, "proxy");
        expiry = uint64(START + 30 days);
        deadline = START + 1 hours;
    }
}
