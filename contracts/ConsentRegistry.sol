// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";

import {IConsentRegistry, IPS_CATEGORIES} from "./interfaces/IConsentRegistry.sol";
import {IDirectory} from "./interfaces/IDirectory.sol";
import {CategoryMask, MAX_CATEGORY} from "./libraries/CategoryMask.sol";
import {Action} from "./types/Action.sol";
import {ConsentTerms, ConsentTermsLib} from "./types/ConsentTerms.sol";
import {ALL_PURPOSES, EMERGENCY_PURPOSES, Purpose, PurposeLibrary} from "./types/Purpose.sol";

/// @title ConsentRegistry
/// @notice Implementation of {IConsentRegistry}: one grant per (patient, grantee) in one storage slot; delegates;
/// EIP-712 signed grants and revocations with a nonce per signer and an epoch per (patient, grantee); break-glass.
/// @dev Why an epoch per (patient, grantee) rather than bumping nonces on revoke: a revoke must kill every
/// outstanding signed request for that grantee, whoever signed it (the patient or any delegate), and nothing else.
/// Bumping the nonces of the patient and all its delegates would also cancel their unrelated requests (a delegate's
/// nonce is shared across the patients it serves) and cost a write per delegate. The epoch changes with every grant
/// and revoke of the pair, so a signed request applies only to the consent state it was signed against. A delegate's
/// own signatures are cut off on its removal by using up its current nonce.
contract ConsentRegistry is IConsentRegistry, EIP712, Nonces {
    using CategoryMask for uint64;
    using ConsentTermsLib for ConsentTerms;
    using PurposeLibrary for Purpose;
    using EnumerableSet for EnumerableSet.AddressSet;

    /// @notice EIP-712 type of {GrantRequest}.
    bytes32 public constant GRANT_TYPEHASH = keccak256(
        "Grant(address patient,address grantee,uint64 readMask,uint64 writeMask,uint32 purposes,uint64 expiresAt,"
        "uint64 epoch,address signer,uint256 nonce,uint256 deadline,uint256 chainId,address registry)"
    );
    /// @notice EIP-712 type of {RevokeRequest}.
    bytes32 public constant REVOKE_TYPEHASH = keccak256(
        "Revoke(address patient,address grantee,uint64 epoch,address signer,uint256 nonce,uint256 deadline,"
        "uint256 chainId,address registry)"
    );

    /// @notice Most delegates a patient may have (bounds the work of removing a guardian and its appointees).
    uint256 public constant MAX_DELEGATES = 16;

    /// @dev Opening times kept per account for the break-glass rate limit: the Directory's maxima are uint8, so the
    /// last 256 openings always hold the one the limit compares against.
    uint256 private constant _OPENING_LOG_SIZE = 256;

    /// @dev A patient's break-glass categories; `set` distinguishes "none" from "default".
    struct EmergencyPolicy {
        uint64 categories;
        bool set;
    }

    /// @dev One delegate of one patient. One slot: kind (8) | namedBy (160) | confirmed (8).
    struct DelegateEntry {
        DelegateKind kind;
        address namedBy;
        bool confirmed;
    }

    /// @dev Break-glass openings of one account (a provider or a patient): how many in all, and the times of the
    /// last 256 in a ring (opening `i` at `openedAt[i % 256]`, six per slot).
    struct OpeningLog {
        uint64 count;
        uint40[_OPENING_LOG_SIZE] openedAt;
    }

    /// @inheritdoc IConsentRegistry
    IDirectory public immutable directory;

    mapping(address patient => mapping(address grantee => ConsentTerms)) private _consents;
    mapping(address patient => mapping(address grantee => uint64 epoch)) private _epochs;
    mapping(address patient => mapping(address delegate => DelegateEntry)) private _delegates;
    mapping(address patient => EnumerableSet.AddressSet) private _delegateSets;
    mapping(address patient => EmergencyPolicy) private _emergency;
    mapping(address patient => mapping(address provider => uint64 expiresAt)) private _breakGlass;
    mapping(address provider => OpeningLog) private _providerOpenings;
    mapping(address patient => OpeningLog) private _patientOpenings;

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
        _checkEpoch(request.patient, request.grantee, request.epoch);
        ConsentTerms memory terms = ConsentTerms(
            request.readMask,
            request.writeMask,
            request.purposes,
            request.expiresAt
        );
        _grant(request.patient, request.grantee, terms, request.signer);
    }

    /// @inheritdoc IConsentRegistry
    function revokeBySig(RevokeRequest calldata request, bytes calldata signature) external {
        _checkRequest(request.deadline, request.chainId, request.registry);
        _requirePatientOrDelegate(request.patient, request.signer);
        _useCheckedNonce(request.signer, request.nonce);
        _checkSignature(request.signer, keccak256(abi.encode(REVOKE_TYPEHASH, request)), signature);
        _checkEpoch(request.patient, request.grantee, request.epoch);
        _revoke(request.patient, request.grantee, request.signer);
    }

    /// @inheritdoc IConsentRegistry
    function cancelNonce(uint256 nonce) external {
        _useCheckedNonce(msg.sender, nonce);
        emit NonceCancelled(msg.sender, nonce);
    }

    // ── Delegates and emergency policy ───────────────────────────────────────────────────────────────────────

    /// @inheritdoc IConsentRegistry
    function addDelegate(address patient, address delegate, DelegateKind kind) external {
        _requirePatientOrGuardian(patient, msg.sender);
        if (delegate == address(0) || delegate == patient || kind == DelegateKind.None) {
            revert ConsentInvalidDelegate(delegate);
        }
        bool isPatient = msg.sender == patient;
        if (_delegateSets[patient].add(delegate)) {
            if (_delegateSets[patient].length() > MAX_DELEGATES) revert ConsentTooManyDelegates(patient, MAX_DELEGATES);
        } else if (!isPatient) {
            // Changing an existing delegate is the patient's: a guardian that did it would re-point or keep the
            // patient's confirmation of an account the patient confirmed for another role.
            revert ConsentUnauthorizedActor(patient, msg.sender);
        }
        _delegates[patient][delegate] = DelegateEntry(kind, msg.sender, isPatient);
        emit DelegateAdded(patient, delegate, msg.sender, kind);
    }

    /// @inheritdoc IConsentRegistry
    function removeDelegate(address patient, address delegate) external {
        if (msg.sender != delegate) _requirePatientOrGuardian(patient, msg.sender);
        if (_delegates[patient][delegate].kind == DelegateKind.None) revert ConsentDelegateNotFound(patient, delegate);
        _removeDelegate(patient, delegate, msg.sender);
    }

    /// @inheritdoc IConsentRegistry
    function confirmDelegate(address delegate) external {
        DelegateEntry storage entry = _delegates[msg.sender][delegate];
        if (entry.kind == DelegateKind.None) revert ConsentDelegateNotFound(msg.sender, delegate);
        if (entry.confirmed) revert ConsentDelegateAlreadyConfirmed(msg.sender, delegate);
        entry.confirmed = true;
        emit DelegateConfirmed(msg.sender, delegate);
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
        if (justificationHash == bytes32(0)) revert ConsentBreakGlassJustificationRequired(patient, msg.sender);
        uint64 maxDuration = directory.breakGlassMaxDuration();
        if (duration == 0 || duration > maxDuration) revert ConsentBreakGlassInvalidDuration(duration, maxDuration);
        uint64 current = _breakGlass[patient][msg.sender];
        if (current > block.timestamp) revert ConsentBreakGlassAlreadyOpen(patient, msg.sender, current);
        _recordOpening(patient, current, directory.breakGlassLimits());
        uint64 expiresAt = uint64(block.timestamp) + duration;
        _breakGlass[patient][msg.sender] = expiresAt;
        emit BreakGlassOpened(patient, msg.sender, justificationHash, expiresAt);
    }

    /// @inheritdoc IConsentRegistry
    function closeBreakGlass(address patient, address provider) external {
        if (msg.sender != provider) _requirePatientOrDelegate(patient, msg.sender);
        if (_breakGlass[patient][provider] <= block.timestamp) revert ConsentBreakGlassNotOpen(patient, provider);
        // The episode ends now; its end starts the cooldown before the provider may open again.
        _breakGlass[patient][provider] = uint64(block.timestamp);
        emit BreakGlassClosed(patient, provider, msg.sender);
    }

    // ── Views ────────────────────────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IConsentRegistry
    function consentOf(address patient, address grantee) external view returns (ConsentTerms memory) {
        return _consents[patient][grantee];
    }

    /// @inheritdoc IConsentRegistry
    function delegateOf(address patient, address delegate) external view returns (DelegateKind) {
        return _delegates[patient][delegate].kind;
    }

    /// @inheritdoc IConsentRegistry
    function delegatesOf(address patient) external view returns (Delegation[] memory list) {
        EnumerableSet.AddressSet storage set = _delegateSets[patient];
        list = new Delegation[](set.length());
        for (uint256 i = 0; i < list.length; ++i) {
            address delegate = set.at(i);
            DelegateEntry storage entry = _delegates[patient][delegate];
            list[i] = Delegation(delegate, entry.kind, entry.namedBy, entry.confirmed);
        }
    }

    /// @inheritdoc IConsentRegistry
    function isPatientOrDelegate(address patient, address account) public view returns (bool) {
        return account == patient || _delegates[patient][account].kind != DelegateKind.None;
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
    function consentEpoch(address patient, address grantee) external view returns (uint64) {
        return _epochs[patient][grantee];
    }

    /// @inheritdoc IConsentRegistry
    function canAccess(address patient, address grantee, uint8 category, Action action) external view returns (bool) {
        return _canAccess(patient, grantee, category, action, ALL_PURPOSES);
    }

    /// @inheritdoc IConsentRegistry
    function canAccessForPurpose(
        address patient,
        address grantee,
        uint8 category,
        Action action,
        Purpose purpose
    ) external view returns (bool) {
        return _canAccess(patient, grantee, category, action, purpose.bit());
    }

    /// @inheritdoc IConsentRegistry
    function breakGlassCovers(address patient, address provider, uint64 categories) public view returns (bool) {
        return
            categories != 0 &&
            _breakGlass[patient][provider] > block.timestamp &&
            emergencyCategoriesOf(patient).covers(categories) &&
            directory.isActiveProvider(provider);
    }

    // ── Internals ────────────────────────────────────────────────────────────────────────────────────────────

    /// @dev Checks and stores a grant made by `actor` on behalf of `patient`.
    function _grant(address patient, address grantee, ConsentTerms memory terms, address actor) internal {
        if (!directory.isPatient(patient)) revert ConsentPatientNotRegistered(patient);
        if (grantee == patient) revert ConsentSelfGrant(patient);
        if (directory.encryptionKeyOf(grantee) == bytes32(0)) revert ConsentGranteeNotRegistered(grantee);
        if (terms.readMask | terms.writeMask == 0) revert ConsentEmptyScope();
        if (terms.purposes == 0 || terms.purposes & ~ALL_PURPOSES != 0) revert ConsentInvalidPurposes(terms.purposes);
        if (terms.expiresAt <= block.timestamp) revert ConsentExpiryNotInFuture(terms.expiresAt, block.timestamp);
        _consents[patient][grantee] = terms;
        ++_epochs[patient][grantee];
        emit ConsentGranted(patient, grantee, actor, terms);
    }

    /// @dev Deletes the grant of `grantee` on `patient`'s records; `actor` is who asked. Every signed request for
    /// the pair made before is stale from now on (the epoch moves).
    function _revoke(address patient, address grantee, address actor) internal {
        if (_consents[patient][grantee].expiresAt == 0) revert ConsentNotFound(patient, grantee);
        delete _consents[patient][grantee];
        ++_epochs[patient][grantee];
        emit ConsentRevoked(patient, grantee, actor);
    }

    /// @dev Removes `delegate`, uses up its current nonce, then removes every unconfirmed delegate it named
    /// (recursively: at most {MAX_DELEGATES} levels, each a scan of at most {MAX_DELEGATES} entries).
    function _removeDelegate(address patient, address delegate, address actor) private {
        EnumerableSet.AddressSet storage set = _delegateSets[patient];
        delete _delegates[patient][delegate];
        set.remove(delegate);
        emit DelegateRemoved(patient, delegate, actor);
        emit NonceCancelled(delegate, _useNonce(delegate));
        // Backwards: a removal moves the last entry into the freed index, which this loop has already passed or
        // will still visit; entries not yet visited never move past it.
        for (uint256 i = set.length(); i > 0; --i) {
            if (i > set.length()) continue; // a nested removal shortened the set
            address other = set.at(i - 1);
            DelegateEntry storage entry = _delegates[patient][other];
            if (!entry.confirmed && entry.namedBy == delegate) _removeDelegate(patient, other, actor);
        }
    }

    /// @dev Checks the cooldown and both rate limits for a new break-glass by `msg.sender` on `patient`, whose last
    /// episode ended (or ends) at `lastEnd`, and records the opening.
    function _recordOpening(address patient, uint64 lastEnd, IDirectory.BreakGlassLimits memory limits) private {
        if (lastEnd != 0 && block.timestamp < lastEnd + limits.cooldown) {
            revert ConsentBreakGlassCooldown(patient, msg.sender, lastEnd + limits.cooldown);
        }
        uint64 retryAt = _logOpening(_providerOpenings[msg.sender], limits.maxPerProvider, limits.window);
        if (retryAt != 0) revert ConsentBreakGlassProviderRateLimited(msg.sender, limits.maxPerProvider, retryAt);
        retryAt = _logOpening(_patientOpenings[patient], limits.maxPerPatient, limits.window);
        if (retryAt != 0) revert ConsentBreakGlassPatientRateLimited(patient, limits.maxPerPatient, retryAt);
    }

    /// @dev Logs an opening now, unless `max` openings of `log` already fall in the last `window` seconds (the
    /// `max`-th latest one is less than `window` ago); then returns when the next one will be allowed, else 0.
    /// So no interval of `window` seconds ever holds more than `max` openings.
    function _logOpening(OpeningLog storage log, uint8 max, uint64 window) private returns (uint64 retryAt) {
        uint64 count = log.count;
        if (count >= max) {
            uint64 allowedAt = uint64(log.openedAt[(count - max) % _OPENING_LOG_SIZE]) + window;
            if (block.timestamp < allowedAt) return allowedAt;
        }
        log.openedAt[count % _OPENING_LOG_SIZE] = uint40(block.timestamp);
        log.count = count + 1;
        return 0;
    }

    /// @dev The consent rule: the patient itself; a live grant of `grantee` allowing `action` on `category` for
    /// one of `purposes`, unless `grantee` is suspended; or, for a read for an emergency purpose, an open break-glass
    /// of `grantee` covering `category` ({breakGlassCovers}, which has its own suspension check).
    function _canAccess(
        address patient,
        address grantee,
        uint8 category,
        Action action,
        uint32 purposes
    ) private view returns (bool) {
        if (category > MAX_CATEGORY) return false;
        if (grantee == patient) return directory.isPatient(patient);
        if (_consents[patient][grantee].allows(category, action, purposes, block.timestamp)) {
            return !directory.isSuspended(grantee);
        }
        return
            action == Action.Read &&
            purposes & EMERGENCY_PURPOSES != 0 &&
            breakGlassCovers(patient, grantee, CategoryMask.bit(category));
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

    /// @dev Refuses a signed request for (`patient`, `grantee`) made against an older epoch of their grant.
    function _checkEpoch(address patient, address grantee, uint64 epoch) private view {
        uint64 current = _epochs[patient][grantee];
        if (epoch != current) revert ConsentSignatureStale(patient, grantee, epoch, current);
    }

    function _requirePatientOrGuardian(address patient, address actor) private view {
        if (actor != patient && _delegates[patient][actor].kind != DelegateKind.Guardian) {
            revert ConsentUnauthorizedActor(patient, actor);
        }
    }
}
