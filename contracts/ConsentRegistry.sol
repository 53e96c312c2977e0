// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";

import {IConsentRegistry} from "./interfaces/IConsentRegistry.sol";
import {IDirectory} from "./interfaces/IDirectory.sol";
import {
    Action,
    ConsentTerms,
    ConsentTermsLib,
    EMERGENCY_PURPOSES,
    IPS_CATEGORIES,
    MAX_CATEGORY,
    Purpose
} from "./types/Access.sol";

/// @title ConsentRegistry
/// @notice Implementation of {IConsentRegistry}: one grant per (patient, grantee) in one storage slot; delegates;
/// EIP-712 signed grants and revocations with a nonce per signer; break-glass.
contract ConsentRegistry is IConsentRegistry, EIP712, Nonces {
    using ConsentTermsLib for ConsentTerms;

    /// @notice EIP-712 type of {GrantRequest}.
    bytes32 public constant GRANT_TYPEHASH = keccak256(
        "Grant(address patient,address grantee,uint64 readMask,uint64 writeMask,uint32 purposes,uint64 expiresAt,"
        "address signer,uint256 nonce,uint256 deadline,uint256 chainId,address registry)"
    );
    /// @notice EIP-712 type of {RevokeRequest}.
    bytes32 public constant REVOKE_TYPEHASH = keccak256(
        "Revoke(address patient,address grantee,address signer,uint256 nonce,uint256 deadline,uint256 chainId,"
        "address registry)"
    );

    /// @dev Mask of every purpose that {Purpose} defines.
    uint32 private constant _ALL_PURPOSES = uint32((1 << (uint256(type(Purpose).max) + 1)) - 1);

    /// @dev A patient's break-glass categories; `set` distinguishes "none" from "default".
    struct EmergencyPolicy {
        uint64 categories;
        bool set;
    }

    /// @inheritdoc IConsentRegistry
    IDirectory public immutable directory;

    mapping(address patient => mapping(address grantee => ConsentTerms)) private _consents;
    mapping(address patient => mapping(address delegate => DelegateKind)) private _delegates;
    mapping(address patient => EmergencyPolicy) private _emergency;
    mapping(address patient => mapping(address provider => uint64 expiresAt)) private _breakGlass;

    constructor(IDirectory directory_) EIP712("Carechain ConsentRegistry", "1") {
        directory = directory_;
    }

    // ── Grants ───────────────────────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IConsentRegistry
    function grant(address grantee, ConsentTerms calldata terms) external {
        _grant(msg.sender, grantee, terms, msg.sender);
    }

    /// @inheritdoc IConsentRegistry
    function revoke(address grantee) external {
        _revoke(msg.sender, grantee, msg.sender);
    }

    /// @inheritdoc IConsentRegistry
    function grantFor(address patient, address grantee, ConsentTerms calldata terms) external {
        _requirePatientOrDelegate(patient, msg.sender);
        _grant(patient, grantee, terms, msg.sender);
    }

    /// @inheritdoc IConsentRegistry
    function revokeFor(address patient, address grantee) external {
        _requirePatientOrDelegate(patient, msg.sender);
        _revoke(patient, grantee, msg.sender);
    }

    /// @inheritdoc IConsentRegistry
    function grantBySig(GrantRequest calldata request, bytes calldata signature) external {
        _checkRequest(request.deadline, request.chainId, request.registry);
        _requirePatientOrDelegate(request.patient, request.signer);
        _useCheckedNonce(request.signer, request.nonce);
        _checkSignature(request.signer, keccak256(abi.encode(GRANT_TYPEHASH, request)), signature);
        ConsentTerms memory terms = ConsentTerms(request.readMask, request.writeMask, request.purposes, request.expiresAt);
        _grant(request.patient, request.grantee, terms, request.signer);
    }

    /// @inheritdoc IConsentRegistry
    function revokeBySig(RevokeRequest calldata request, bytes calldata signature) external {
        _checkRequest(request.deadline, request.chainId, request.registry);
        _requirePatientOrDelegate(request.patient, request.signer);
        _useCheckedNonce(request.signer, request.nonce);
        _checkSignature(request.signer, keccak256(abi.encode(REVOKE_TYPEHASH, request)), signature);
        _revoke(request.patient, request.grantee, request.signer);
    }

    // ── Delegates and emergency policy ───────────────────────────────────────────────────────────────────────

    /// @inheritdoc IConsentRegistry
    function addDelegate(address patient, address delegate, DelegateKind kind) external {
        _requirePatientOrGuardian(patient, msg.sender);
        if (delegate == address(0) || delegate == patient || kind == DelegateKind.None) {
            revert ConsentInvalidDelegate(delegate);
        }
        _delegates[patient][delegate] = kind;
        emit DelegateAdded(patient, delegate, msg.sender, kind);
    }

    /// @inheritdoc IConsentRegistry
    function removeDelegate(address patient, address delegate) external {
        if (msg.sender != delegate) _requirePatientOrGuardian(patient, msg.sender);
        if (_delegates[patient][delegate] == DelegateKind.None) revert ConsentDelegateNotFound(patient, delegate);
        delete _delegates[patient][delegate];
        emit DelegateRemoved(patient, delegate, msg.sender);
    }

    /// @inheritdoc IConsentRegistry
    function setEmergencyCategories(address patient, uint64 categories) external {
        _requirePatientOrDelegate(patient, msg.sender);
        _emergency[patient] = EmergencyPolicy(categories, true);
        emit EmergencyCategoriesSet(patient, msg.sender, categories);
    }

    // ── Break-glass ──────────────────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IConsentRegistry
    function openBreakGlass(address patient, bytes32 justificationHash, uint64 duration) external {
        IDirectory.ProviderRecord memory entry = directory.provider(msg.sender);
        if (entry.kind != IDirectory.ProviderKind.Emergency || entry.suspended) {
            revert ConsentNotEmergencyProvider(msg.sender);
        }
        if (!directory.isPatient(patient)) revert ConsentPatientNotRegistered(patient);
        uint64 maxDuration = directory.breakGlassMaxDuration();
        if (duration == 0 || duration > maxDuration) revert ConsentBreakGlassInvalidDuration(duration, maxDuration);
        uint64 current = _breakGlass[patient][msg.sender];
        if (current > block.timestamp) revert ConsentBreakGlassAlreadyOpen(patient, msg.sender, current);
        uint64 expiresAt = uint64(block.timestamp) + duration;
        _breakGlass[patient][msg.sender] = expiresAt;
        emit BreakGlassOpened(patient, msg.sender, justificationHash, expiresAt);
    }

    /// @inheritdoc IConsentRegistry
    function closeBreakGlass(address patient, address provider) external {
        if (msg.sender != provider) _requirePatientOrDelegate(patient, msg.sender);
        if (_breakGlass[patient][provider] <= block.timestamp) revert ConsentBreakGlassNotOpen(patient, provider);
        delete _breakGlass[patient][provider];
        emit BreakGlassClosed(patient, provider, msg.sender);
    }

    // ── Views ────────────────────────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IConsentRegistry
    function consentOf(address patient, address grantee) external view returns (ConsentTerms memory) {
        return _consents[patient][grantee];
    }

    /// @inheritdoc IConsentRegistry
    function delegateOf(address patient, address delegate) external view returns (DelegateKind) {
        return _delegates[patient][delegate];
    }

    /// @inheritdoc IConsentRegistry
    function isPatientOrDelegate(address patient, address account) public view returns (bool) {
        return account == patient || _delegates[patient][account] != DelegateKind.None;
    }

    /// @inheritdoc IConsentRegistry
    function emergencyCategoriesOf(address patient) public view returns (uint64) {
        EmergencyPolicy memory policy = _emergency[patient];
        return policy.set ? policy.categories : IPS_CATEGORIES;
    }

    /// @inheritdoc IConsentRegistry
    function breakGlassExpiry(address patient, address provider) external view returns (uint64) {
        return _breakGlass[patient][provider];
    }

    /// @inheritdoc IConsentRegistry
    function nonces(address signer) public view override(IConsentRegistry, Nonces) returns (uint256) {
        return super.nonces(signer);
    }

    /// @inheritdoc IConsentRegistry
    function canAccess(address patient, address grantee, uint8 category, Action action) external view returns (bool) {
        return _canAccess(patient, grantee, category, action, _ALL_PURPOSES);
    }

    /// @inheritdoc IConsentRegistry
    function canAccessForPurpose(address patient, address grantee, uint8 category, Action action, Purpose purpose)
        external
        view
        returns (bool)
    {
        return _canAccess(patient, grantee, category, action, uint32(1) << uint8(purpose));
    }

    // ── Internals ────────────────────────────────────────────────────────────────────────────────────────────

    /// @dev Checks and stores a grant made by `actor` on behalf of `patient`.
    function _grant(address patient, address grantee, ConsentTerms memory terms, address actor) internal {
        if (!directory.isPatient(patient)) revert ConsentPatientNotRegistered(patient);
        if (grantee == patient) revert ConsentSelfGrant(patient);
        if (directory.encryptionKeyOf(grantee) == bytes32(0)) revert ConsentGranteeNotRegistered(grantee);
        if (terms.readMask | terms.writeMask == 0) revert ConsentEmptyScope();
        if (terms.purposes == 0 || terms.purposes & ~_ALL_PURPOSES != 0) revert ConsentInvalidPurposes(terms.purposes);
        if (terms.expiresAt <= block.timestamp) revert ConsentExpiryNotInFuture(terms.expiresAt, block.timestamp);
        _consents[patient][grantee] = terms;
        emit ConsentGranted(patient, grantee, actor, terms);
    }

    /// @dev Deletes the grant of `grantee` on `patient`'s records; `actor` is who asked.
    function _revoke(address patient, address grantee, address actor) internal {
        if (_consents[patient][grantee].expiresAt == 0) revert ConsentNotFound(patient, grantee);
        delete _consents[patient][grantee];
        emit ConsentRevoked(patient, grantee, actor);
    }

    function _canAccess(address patient, address grantee, uint8 category, Action action, uint32 purposes)
        private
        view
        returns (bool)
    {
        if (category > MAX_CATEGORY) return false;
        if (grantee == patient) return directory.isPatient(patient);
        bool allowed = _consents[patient][grantee].allows(category, action, purposes, block.timestamp) ||
            (action == Action.Read &&
                purposes & EMERGENCY_PURPOSES != 0 &&
                _breakGlass[patient][grantee] > block.timestamp &&
                emergencyCategoriesOf(patient) & (uint64(1) << category) != 0);
        return allowed && !directory.isSuspended(grantee);
    }

    function _checkRequest(uint256 deadline, uint256 chainId, address registry) private view {
        if (block.timestamp > deadline) revert ConsentSignatureExpired(deadline, block.timestamp);
        if (chainId != block.chainid) revert ConsentSignatureWrongChain(chainId, block.chainid);
        if (registry != address(this)) revert ConsentSignatureWrongContract(registry, address(this));
    }

    function _checkSignature(address signer, bytes32 structHash, bytes calldata signature) private view {
        if (!SignatureChecker.isValidSignatureNow(signer, _hashTypedDataV4(structHash), signature)) {
            revert ConsentInvalidSignature(signer);
        }
    }

    function _requirePatientOrDelegate(address patient, address actor) private view {
        if (!isPatientOrDelegate(patient, actor)) revert ConsentUnauthorizedActor(patient, actor);
    }

    function _requirePatientOrGuardian(address patient, address actor) private view {
        if (actor != patient && _delegates[patient][actor] != DelegateKind.Guardian) {
            revert ConsentUnauthorizedActor(patient, actor);
        }
    }
}
