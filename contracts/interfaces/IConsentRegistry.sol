// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Action} from "../types/Action.sol";
import {ConsentTerms} from "../types/ConsentTerms.sol";
import {Purpose} from "../types/Purpose.sol";
import {IDirectory} from "./IDirectory.sol";

/// @dev The International Patient Summary set that break-glass may read by default: Allergies (1), Medications (2),
/// Problems (3) and Immunizations (4), as numbered by the SDK's category table (sdk/fhir/categories.ts).
uint64 constant IPS_CATEGORIES = (1 << 1) | (1 << 2) | (1 << 3) | (1 << 4);

/// @title Carechain consent registry
/// @notice Access-control lists that patients own. A grant gives one grantee a scope (record categories x
/// read/write), the purposes of use it may act for, and an expiry. Patients act directly, through delegates
/// (guardian of a minor, proxy), or by an EIP-712 signature that anyone may relay. A credentialed emergency provider
/// may open time-boxed, read-only break-glass access to the patient's emergency categories. {canAccess} answers the
/// one policy question that the record registry and the SDK both ask.
interface IConsentRegistry {
    /// @notice Who may manage a patient's consent besides the patient.
    enum DelegateKind {
        None,
        Guardian,
        Proxy
    }

    /// @notice A delegate of a patient, as {delegatesOf} lists it.
    /// @dev `namedBy` is who named it (the patient, or a guardian); `confirmed` is true when the patient named or
    /// confirmed it. An unconfirmed delegate is removed with the guardian that named it.
    struct Delegation {
        address delegate;
        DelegateKind kind;
        address namedBy;
        bool confirmed;
    }

    /// @notice An EIP-712 signed grant: `signer` (the patient or one of its delegates) grants `grantee` the terms.
    /// @dev `chainId` and `registry` repeat the EIP-712 domain so that a signature for another chain or contract is
    /// refused with its own error rather than as an invalid signature. `epoch` is {consentEpoch} of (patient,
    /// grantee) when signing: any change of that grant (grant, revoke, by any path) makes the request stale.
    struct GrantRequest {
        address patient;
        address grantee;
        uint64 readMask;
        uint64 writeMask;
        uint32 purposes;
        uint64 expiresAt;
        uint64 epoch;
        address signer;
        uint256 nonce;
        uint256 deadline;
        uint256 chainId;
        address registry;
    }

    /// @notice An EIP-712 signed revocation of `grantee`'s grant on `patient`'s records.
    /// @dev `epoch` as in {GrantRequest}.
    struct RevokeRequest {
        address patient;
        address grantee;
        uint64 epoch;
        address signer;
        uint256 nonce;
        uint256 deadline;
        uint256 chainId;
        address registry;
    }

    /// @notice Emitted when `actor` (the patient or a delegate) grants `grantee` the `terms` on `patient`'s records.
    /// A new grant to the same grantee replaces the previous one.
    event ConsentGranted(address indexed patient, address indexed grantee, address indexed actor, ConsentTerms terms);
    /// @notice Emitted when `actor` (the patient or a delegate) revokes the grant of `grantee`.
    event ConsentRevoked(address indexed patient, address indexed grantee, address indexed actor);
    /// @notice Emitted when `actor` names `delegate` as a guardian or proxy of `patient`.
    event DelegateAdded(address indexed patient, address indexed delegate, address indexed actor, DelegateKind kind);
    /// @notice Emitted when `actor` removes `delegate` from `patient`'s delegates (also for each unconfirmed delegate
    /// removed with the guardian that named it).
    event DelegateRemoved(address indexed patient, address indexed delegate, address indexed actor);
    /// @notice Emitted when `patient` confirms `delegate`, named by a guardian: it stays when that guardian goes.
    event DelegateConfirmed(address indexed patient, address indexed delegate);
    /// @notice Emitted when `signer`'s nonce `nonce` is used up without a request: cancelled by the signer, or
    /// spent because the signer stopped being a delegate of a patient.
    event NonceCancelled(address indexed signer, uint256 nonce);
    /// @notice Emitted when `actor` sets the categories that break-glass may read for `patient`.
    event EmergencyCategoriesSet(address indexed patient, address indexed actor, uint64 categories);
    /// @notice Emitted when emergency `provider` opens break-glass read access to `patient` until `expiresAt`.
    /// `justificationHash` commits to the written justification kept by the provider for review.
    event BreakGlassOpened(
        address indexed patient,
        address indexed provider,
        bytes32 justificationHash,
        uint64 expiresAt
    );
    /// @notice Emitted when `actor` (patient, delegate or the provider) closes `provider`'s break-glass early.
    event BreakGlassClosed(address indexed patient, address indexed provider, address indexed actor);

    /// @notice `account` is not a registered patient, so it has no records to consent for.
    error ConsentPatientNotRegistered(address account);
    /// @notice `grantee` is neither a registered patient nor a credentialed provider.
    error ConsentGranteeNotRegistered(address grantee);
    /// @notice A patient always has access to its own records and cannot grant itself.
    error ConsentSelfGrant(address patient);
    /// @notice A grant must allow at least one category for reading or writing.
    error ConsentEmptyScope();
    /// @notice `purposes` is empty or names a purpose that does not exist.
    error ConsentInvalidPurposes(uint32 purposes);
    /// @notice `expiresAt` is not in the future (`timestamp` is the current block time).
    error ConsentExpiryNotInFuture(uint64 expiresAt, uint256 timestamp);
    /// @notice `grantee` holds no grant from `patient`.
    error ConsentNotFound(address patient, address grantee);
    /// @notice `actor` is neither `patient` nor one of its delegates allowed to do this.
    error ConsentUnauthorizedActor(address patient, address actor);
    /// @notice `delegate` can't be named: zero address, the patient itself, or kind `None`.
    error ConsentInvalidDelegate(address delegate);
    /// @notice `delegate` is not a delegate of `patient`.
    error ConsentDelegateNotFound(address patient, address delegate);
    /// @notice The signed request's deadline has passed.
    error ConsentSignatureExpired(uint256 deadline, uint256 timestamp);
    /// @notice The signed request is for chain `chainId`, not this one.
    error ConsentSignatureWrongChain(uint256 chainId, uint256 expectedChainId);
    /// @notice The signed request is for registry `registry`, not this one.
    error ConsentSignatureWrongContract(address registry, address expectedRegistry);
    /// @notice The signature is not `signer`'s signature of this request (altered request or wrong signer).
    error ConsentInvalidSignature(address signer);
    /// @notice `account` is not an active emergency provider.
    error ConsentNotEmergencyProvider(address account);
    /// @notice `provider`'s break-glass on `patient` is open until `expiresAt`: it can't be renewed silently.
    error ConsentBreakGlassAlreadyOpen(address patient, address provider, uint64 expiresAt);
    /// @notice `duration` is zero or above the Directory's maximum `maxDuration`.
    error ConsentBreakGlassInvalidDuration(uint64 duration, uint64 maxDuration);
    /// @notice `provider` has no open break-glass on `patient`.
    error ConsentBreakGlassNotOpen(address patient, address provider);
    /// @notice Break-glass needs a justification: its hash must not be zero.
    error ConsentBreakGlassJustificationRequired(address patient, address provider);
    /// @notice `provider`'s last break-glass on `patient` ended less than the cooldown ago; allowed from `availableAt`.
    error ConsentBreakGlassCooldown(address patient, address provider, uint64 availableAt);
    /// @notice `provider` already opened `maxOpenings` break-glass episodes in the window; allowed from `availableAt`.
    error ConsentBreakGlassProviderRateLimited(address provider, uint8 maxOpenings, uint64 availableAt);
    /// @notice `maxOpenings` break-glass episodes were already opened on `patient` in the window; allowed from
    /// `availableAt`.
    error ConsentBreakGlassPatientRateLimited(address patient, uint8 maxOpenings, uint64 availableAt);
    /// @notice The signed request was made against consent epoch `epoch` of (`patient`, `grantee`); the grant has
    /// changed since (granted or revoked again), so the request is stale.
    error ConsentSignatureStale(address patient, address grantee, uint64 epoch, uint64 currentEpoch);
    /// @notice `patient` already has the most delegates allowed (`max`).
    error ConsentTooManyDelegates(address patient, uint256 max);
    /// @notice `delegate` is already confirmed by `patient`.
    error ConsentDelegateAlreadyConfirmed(address patient, address delegate);

    /// @notice Grants `grantee` access to the caller's records on `terms`, replacing any earlier grant.
    /// @param grantee A registered patient or credentialed provider, not the caller.
    /// @param terms Read and write category masks, purpose mask and expiry (unix seconds, exclusive).
    function grant(address grantee, ConsentTerms calldata terms) external;

    /// @notice Revokes the caller's grant to `grantee`, effective in this block.
    function revoke(address grantee) external;

    /// @notice {grant} on behalf of `patient`, by the patient or one of its delegates.
    function grantFor(address patient, address grantee, ConsentTerms calldata terms) external;

    /// @notice {revoke} on behalf of `patient`, by the patient or one of its delegates.
    function revokeFor(address patient, address grantee) external;

    /// @notice Relays a grant signed (EIP-712) by the patient or a delegate. Anyone may call; the signer pays nothing.
    /// @dev Refuses expired, replayed or cancelled (OpenZeppelin `InvalidAccountNonce`), stale
    /// ({ConsentSignatureStale}: the grant changed since signing, e.g. a revoke), wrong-chain, wrong-contract and
    /// altered requests with distinct errors. ERC-1271 contract wallets are accepted (OpenZeppelin SignatureChecker).
    function grantBySig(GrantRequest calldata request, bytes calldata signature) external;

    /// @notice Relays a revocation signed (EIP-712) by the patient or a delegate. Refused like {grantBySig}.
    function revokeBySig(RevokeRequest calldata request, bytes calldata signature) external;

    /// @notice Uses up the caller's current nonce `nonce` without a request, so that a signed request carrying it
    /// (handed to a relayer, withheld) can never be submitted.
    /// @custom:emits NonceCancelled
    function cancelNonce(uint256 nonce) external;

    /// @notice Names `delegate` as a guardian or proxy of `patient`. By the patient or a guardian of it.
    /// @dev A delegate named by the patient is confirmed; one named by a guardian is not, until the patient
    /// {confirmDelegate}s it. Only the patient changes the kind of an existing delegate (a guardian gets
    /// {ConsentUnauthorizedActor}). At most 16 delegates per patient ({ConsentTooManyDelegates}).
    function addDelegate(address patient, address delegate, DelegateKind kind) external;

    /// @notice Removes `delegate` from `patient`'s delegates. By the patient, a guardian, or the delegate itself.
    /// @dev Also removes, recursively, every unconfirmed delegate that `delegate` named, and uses up the current nonce
    /// of each removed delegate ({NonceCancelled}) so that no signature it made before comes back if it is named
    /// again.
    function removeDelegate(address patient, address delegate) external;

    /// @notice The caller (a patient) confirms `delegate`, named by one of its guardians: it then stays when that
    /// guardian is removed.
    /// @custom:emits DelegateConfirmed
    function confirmDelegate(address delegate) external;

    /// @notice Sets the categories that break-glass may read (default: the International Patient Summary set).
    /// By the patient or a delegate.
    function setEmergencyCategories(address patient, uint64 categories) external;

    /// @notice Opens read-only access to `patient`'s emergency categories for `duration` seconds, without consent.
    /// Only an active emergency provider, with a non-zero `justificationHash`; at most the Directory's
    /// `breakGlassMaxDuration`; never while one is open, nor within the Directory's cooldown after the provider's
    /// last episode on this patient ended (closed or expired); at most the Directory's limits of openings per
    /// provider and per patient in any window.
    function openBreakGlass(address patient, bytes32 justificationHash, uint64 duration) external;

    /// @notice Closes `provider`'s break-glass on `patient` early. By the patient, a delegate, or the provider.
    function closeBreakGlass(address patient, address provider) external;

    /// @notice The identity directory this registry trusts.
    function directory() external view returns (IDirectory);

    /// @notice The current grant terms of `patient` to `grantee` (all zero when none; may be expired).
    function consentOf(address patient, address grantee) external view returns (ConsentTerms memory);

    /// @notice The kind of `delegate` for `patient` (`None` when it is not one).
    function delegateOf(address patient, address delegate) external view returns (DelegateKind);

    /// @notice Every current delegate of `patient`, with its kind, who named it and whether the patient confirmed it.
    function delegatesOf(address patient) external view returns (Delegation[] memory);

    /// @notice Whether `account` is `patient` or one of its delegates.
    function isPatientOrDelegate(address patient, address account) external view returns (bool);

    /// @notice The categories break-glass may read for `patient`.
    function emergencyCategoriesOf(address patient) external view returns (uint64);

    /// @notice When `provider`'s break-glass on `patient` ends or ended (0 when never opened; the closing time when
    /// closed early).
    function breakGlassExpiry(address patient, address provider) external view returns (uint64);

    /// @notice The next nonce `signer` must use in a signed request.
    function nonces(address signer) external view returns (uint256);

    /// @notice How many times the grant of `patient` to `grantee` has changed (grants and revokes): the `epoch` a
    /// signed request for this pair must carry.
    function consentEpoch(address patient, address grantee) external view returns (uint64);

    /// @notice Whether `grantee` may perform `action` on `patient`'s records of `category` for some purpose.
    /// @dev True for the patient itself. False for a suspended provider, after revoke, and from `expiresAt` on.
    /// Open break-glass gives read access to the patient's emergency categories ({breakGlassCovers}).
    function canAccess(address patient, address grantee, uint8 category, Action action) external view returns (bool);

    /// @notice Whether `provider` holds an open break-glass on `patient` that covers every category of
    /// `categories` (a record that spans categories needs them all to be emergency categories), while `provider`
    /// is still an active provider. The one break-glass rule: {canAccess} (break-glass reads) and the record
    /// registry's key releases both ask it.
    /// @dev Requirements for true: `categories` is not empty; `provider`'s episode on `patient` has not expired or
    /// been closed ({breakGlassExpiry} is after this block); every category of `categories` is in
    /// {emergencyCategoriesOf}(`patient`); `provider` is an active provider ({IDirectory.isActiveProvider}).
    /// The suspension check is "active provider", not "not suspended": break-glass is a provider's privilege
    /// (only an active emergency provider opens it, and a provider's kind never changes), so it lasts only while
    /// the provider is registered and unsuspended; a suspended provider's open episode grants nothing until it is
    /// reinstated. (Consent grants use "not suspended" because a grantee may be a patient, which has no provider
    /// entry and is never suspended.)
    function breakGlassCovers(address patient, address provider, uint64 categories) external view returns (bool);

    /// @notice {canAccess} restricted to one purpose of use. Break-glass reads count for ETREAT and BTG only.
    function canAccessForPurpose(
        address patient,
        address grantee,
        uint8 category,
        Action action,
        Purpose purpose
    ) external view returns (bool);
}
