// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IDirectory} from "../../interfaces/IDirectory.sol";
import {IPolicyRegistry} from "./IPolicyRegistry.sol";

/// @title Carechain claim registry and settlement escrow
/// @notice The lifecycle of insurance claims filed under a published policy version, and the ERC-20 escrow that
/// pays them. On chain a claim is only its commitment (a salted hash of the FHIR Claim, which travels encrypted off
/// chain), its provider, the policy and version, its state, the adjudication's commitment (a salted hash of the
/// ClaimResponse) and the amount the escrow pays the provider. The patient, the claim lines, the diagnoses and the
/// per-line amounts never reach the chain.
///
/// Lifecycle: Submitted → Adjudicated (Approved, Partial or Denied) → Paid (Approved or Partial) or Closed
/// (Denied); a Partial or Denied adjudication may be appealed once within the policy's appeal window
/// (Adjudicated → Appealed → Adjudicated again, final). An insurer that lets the adjudication deadline pass (after
/// submission or after an appeal) lets the provider escalate the claim (→ Escalated) to the policy version's
/// arbiter, whose decision is final and is paid from the same escrow.
///
/// Escrow: anyone (typically the insurer) funds a policy's period with the policy's token; a claim is paid from the
/// period it was submitted in, only on an Approved or Partial decision, and only once; nothing moves on a denied or
/// appealed claim. The insurer reclaims a period's rest once the period is over and none of its claims is open.
interface IClaimRegistry {
    /// @notice Where a claim is in its lifecycle.
    enum ClaimState {
        None,
        Submitted,
        Adjudicated,
        Appealed,
        Escalated,
        Paid,
        Closed
    }

    /// @notice An adjudication's outcome for the whole claim (per-line outcomes are in the ClaimResponse).
    enum Decision {
        None,
        Approved,
        Partial,
        Denied
    }

    /// @notice A claim, as {claim} returns it.
    /// @dev Four slots: provider (160) | state (8) | decision (8) | appeals (8) | policyVersion (32) | period (32);
    /// policyId; submittedAt (64) | deadline (64) | amount (128); response.
    /// `deadline` is the adjudication deadline while Submitted or Appealed, and the end of the appeal window once
    /// Adjudicated (open while the block time is before it; equal to the adjudication time for a final decision,
    /// which leaves no window).
    struct Claim {
        address provider;
        ClaimState state;
        Decision decision;
        uint8 appeals;
        uint32 policyVersion;
        uint32 period;
        bytes32 policyId;
        uint64 submittedAt;
        uint64 deadline;
        uint128 amount;
        bytes32 response;
    }

    /// @notice Emitted when `provider` submits claim `claimId` under version `policyVersion` of `policyId`.
    event ClaimSubmitted(
        bytes32 indexed claimId,
        address indexed provider,
        bytes32 indexed policyId,
        uint32 policyVersion,
        uint32 period,
        uint64 deadline
    );
    /// @notice Emitted when the insurer (or, for an escalated claim, the arbiter `by`) adjudicates `claimId`.
    /// `appealDeadline` equals the block time for a final decision.
    event ClaimAdjudicated(
        bytes32 indexed claimId,
        address indexed by,
        Decision decision,
        uint128 amount,
        bytes32 response,
        uint64 appealDeadline
    );
    /// @notice Emitted when the provider appeals `claimId`; the insurer must re-adjudicate before `deadline`.
    event ClaimAppealed(bytes32 indexed claimId, bytes32 reason, uint64 deadline);
    /// @notice Emitted when the provider escalates `claimId` to `arbiter` after the insurer missed `deadline`.
    event ClaimEscalated(bytes32 indexed claimId, address indexed arbiter, uint64 deadline);
    /// @notice Emitted when the escrow pays `amount` of claim `claimId` to `provider`.
    event ClaimPaid(bytes32 indexed claimId, address indexed provider, uint128 amount);
    /// @notice Emitted when the denied claim `claimId` is closed with nothing paid.
    event ClaimClosed(bytes32 indexed claimId);
    /// @notice Emitted when `funder` adds `amount` to the escrow of `policyId`'s period `period`.
    event EscrowFunded(bytes32 indexed policyId, uint32 indexed period, address indexed funder, uint256 amount);
    /// @notice Emitted when the insurer takes back the rest `amount` of a closed period.
    event EscrowReclaimed(bytes32 indexed policyId, uint32 indexed period, address indexed insurer, uint256 amount);

    /// @notice Thrown when `account` submits a claim but is not an active provider other than the policy's insurer.
    error ClaimNotProvider(address account);
    /// @notice Thrown when a claim id (its commitment) or a response commitment is zero.
    error ClaimEmptyCommitment();
    /// @notice Thrown when claim `claimId` already exists.
    error ClaimAlreadySubmitted(bytes32 claimId);
    /// @notice Thrown when claim `claimId` does not exist.
    error ClaimNotFound(bytes32 claimId);
    /// @notice Thrown when a claim is filed under a policy version that takes effect at `effectiveFrom`, later.
    error ClaimPolicyNotInForce(bytes32 policyId, uint32 version, uint64 effectiveFrom);
    /// @notice Thrown when `account` may not do this to claim `claimId`.
    error ClaimUnauthorized(bytes32 claimId, address account);
    /// @notice Thrown when claim `claimId` is in `state`, where this is not allowed.
    error ClaimInvalidState(bytes32 claimId, ClaimState state);
    /// @notice Thrown when the insurer adjudicates claim `claimId` after its deadline (the claim may escalate).
    error ClaimAdjudicationDeadlinePassed(bytes32 claimId, uint64 deadline, uint256 timestamp);
    /// @notice Thrown when claim `claimId` is escalated (or a denial closed by a third party) before `deadline`.
    error ClaimDeadlineNotPassed(bytes32 claimId, uint64 deadline, uint256 timestamp);
    /// @notice Thrown when claim `claimId` is appealed after its appeal window closed at `deadline`.
    error ClaimAppealWindowClosed(bytes32 claimId, uint64 deadline, uint256 timestamp);
    /// @notice Thrown when claim `claimId` cannot be appealed: approved in full, or appealed already.
    error ClaimNotAppealable(bytes32 claimId, Decision decision, uint8 appeals);
    /// @notice Thrown when a decision and its amount disagree: None, Denied with an amount, or a payment of zero.
    error ClaimInvalidDecision(Decision decision, uint128 amount);
    /// @notice Thrown when the escrow of `policyId`'s `period` holds `balance`, less than the `amount` due.
    error ClaimEscrowInsufficient(bytes32 policyId, uint32 period, uint256 balance, uint128 amount);
    /// @notice Thrown when a period is reclaimed before it ended, or while `open` of its claims are not final.
    error ClaimEscrowInUse(bytes32 policyId, uint32 period, uint256 open);
    /// @notice Thrown when an escrow is funded with nothing.
    error ClaimZeroFunding();

    /// @notice Files claim `claimId` (its commitment) under version `policyVersion` of `policyId`, in the current
    /// escrow period, with an adjudication deadline of the version's adjudication period from now.
    /// @dev Requirements: the caller is an active provider and not the policy's insurer ({ClaimNotProvider});
    /// `claimId` non-zero ({ClaimEmptyCommitment}) and new ({ClaimAlreadySubmitted}); the version exists
    /// (PolicyVersionNotFound) and is in force ({ClaimPolicyNotInForce}). Emits {ClaimSubmitted}.
    function submit(bytes32 claimId, bytes32 policyId, uint32 policyVersion) external;

    /// @notice The insurer's adjudication of `claimId`: the decision, the amount the escrow will pay the provider,
    /// and the commitment to the ClaimResponse. An adjudication after an appeal is final.
    /// @dev Requirements: the caller is the policy's insurer ({ClaimUnauthorized}); the claim is Submitted or
    /// Appealed ({ClaimInvalidState}); the deadline has not passed ({ClaimAdjudicationDeadlinePassed}); Approved and
    /// Partial carry an amount > 0, Denied carries 0 ({ClaimInvalidDecision}); `response` non-zero. A final denial
    /// closes the claim. Emits {ClaimAdjudicated} (and {ClaimClosed}).
    function adjudicate(bytes32 claimId, Decision decision, uint128 amount, bytes32 response) external;

    /// @notice The provider appeals a Partial or Denied adjudication within the appeal window; `reason` is the
    /// commitment to its reasons (sent to the insurer off chain). The insurer gets a new adjudication period.
    /// @dev Requirements: the caller is the claim's provider; the claim is Adjudicated, Partial or Denied and not
    /// appealed before ({ClaimNotAppealable}); the window is open ({ClaimAppealWindowClosed}). Emits {ClaimAppealed}.
    function appeal(bytes32 claimId, bytes32 reason) external;

    /// @notice The provider escalates a claim whose insurer missed the adjudication deadline to the policy
    /// version's arbiter; the insurer can no longer adjudicate it.
    /// @dev Requirements: the caller is the claim's provider; the claim is Submitted or Appealed; the deadline has
    /// passed ({ClaimDeadlineNotPassed}). Emits {ClaimEscalated}.
    function escalate(bytes32 claimId) external;

    /// @notice The arbiter's final decision on an escalated claim, paid from the insurer's escrow like any other.
    /// @dev Requirements: the caller is the arbiter of the claim's policy version; the claim is Escalated; as
    /// {adjudicate} for the decision. Emits {ClaimAdjudicated} (and {ClaimClosed} for a denial).
    function resolve(bytes32 claimId, Decision decision, uint128 amount, bytes32 response) external;

    /// @notice Pays an Approved or Partial claim from its period's escrow to its provider, once.
    /// @dev Requirements: the claim is Adjudicated with Approved or Partial ({ClaimInvalidState}); the caller is the
    /// provider (who thereby accepts the decision), or anyone once the appeal window has closed
    /// ({ClaimDeadlineNotPassed}); the escrow holds the amount ({ClaimEscrowInsufficient}). Emits {ClaimPaid}.
    function settle(bytes32 claimId) external;

    /// @notice Closes a denied claim with nothing paid: by its provider (accepting the denial), or by anyone once the
    /// appeal window has closed.
    /// @dev Requirements: the claim is Adjudicated with Denied ({ClaimInvalidState}). Emits {ClaimClosed}.
    function close(bytes32 claimId) external;

    /// @notice Adds `amount` of the policy's token to the escrow of `policyId`'s period `period` (the caller must
    /// have approved this contract). Counts what arrived, so a token that takes a fee cannot overstate the escrow.
    /// @dev Requirements: `amount` > 0 ({ClaimZeroFunding}); the policy exists. Emits {EscrowFunded}.
    function fund(bytes32 policyId, uint32 period, uint256 amount) external;

    /// @notice The insurer takes back what is left in a period's escrow, once the period has ended and every claim
    /// filed in it is Paid or Closed.
    /// @dev Requirements: the caller is the policy's insurer ({ClaimUnauthorized}); the period has ended and has no
    /// open claim ({ClaimEscrowInUse}). Emits {EscrowReclaimed}.
    function reclaim(bytes32 policyId, uint32 period) external;

    /// @notice The policy registry the claims are filed under.
    function policies() external view returns (IPolicyRegistry);

    /// @notice The Directory that says who is a provider.
    function directory() external view returns (IDirectory);

    /// @notice Claim `claimId` (reverts with {ClaimNotFound} when it does not exist).
    function claim(bytes32 claimId) external view returns (Claim memory);

    /// @notice What the escrow of `policyId`'s period `period` holds.
    function escrowBalance(bytes32 policyId, uint32 period) external view returns (uint256);

    /// @notice How many claims filed in `policyId`'s period `period` are not yet Paid or Closed.
    function openClaims(bytes32 policyId, uint32 period) external view returns (uint256);
}
