// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import {IDirectory} from "../interfaces/IDirectory.sol";
import {IClaimRegistry} from "./interfaces/IClaimRegistry.sol";
import {IPolicyRegistry} from "./interfaces/IPolicyRegistry.sol";

/// @title ClaimRegistry
/// @notice Implementation of {IClaimRegistry}: the claim state machine, its deadlines, and the escrow per policy
/// period, in the policy's ERC-20 token (moved with OpenZeppelin SafeERC20).
contract ClaimRegistry is IClaimRegistry {
    using SafeERC20 for IERC20;

    /// @inheritdoc IClaimRegistry
    IPolicyRegistry public immutable policies;
    /// @inheritdoc IClaimRegistry
    IDirectory public immutable directory;

    mapping(bytes32 claimId => Claim) private _claims;
    mapping(bytes32 policyId => mapping(uint32 period => uint256)) private _escrow;
    mapping(bytes32 policyId => mapping(uint32 period => uint256)) private _open;

    constructor(IPolicyRegistry policies_) {
        policies = policies_;
        directory = policies_.directory();
    }

    /// @inheritdoc IClaimRegistry
    function submit(bytes32 claimId, bytes32 policyId, uint32 policyVersion) external {
        if (claimId == bytes32(0)) revert ClaimEmptyCommitment();
        if (_claims[claimId].state != ClaimState.None) revert ClaimAlreadySubmitted(claimId);
        IPolicyRegistry.Policy memory terms = policies.policy(policyId);
        if (!directory.isActiveProvider(msg.sender) || msg.sender == terms.insurer) revert ClaimNotProvider(msg.sender);
        IPolicyRegistry.PolicyVersion memory version = policies.policyVersion(policyId, policyVersion);
        if (block.timestamp < version.effectiveFrom) {
            revert ClaimPolicyNotInForce(policyId, policyVersion, version.effectiveFrom);
        }
        uint32 period = policies.periodAt(policyId, uint64(block.timestamp));
        uint64 deadline = uint64(block.timestamp) + version.adjudicationPeriod;
        _claims[claimId] = Claim({
            provider: msg.sender,
            state: ClaimState.Submitted,
            decision: Decision.None,
            appeals: 0,
            policyVersion: policyVersion,
            period: period,
            policyId: policyId,
            submittedAt: uint64(block.timestamp),
            deadline: deadline,
            amount: 0,
            response: bytes32(0)
        });
        ++_open[policyId][period];
        emit ClaimSubmitted(claimId, msg.sender, policyId, policyVersion, period, deadline);
    }

    /// @inheritdoc IClaimRegistry
    function adjudicate(bytes32 claimId, Decision decision, uint128 amount, bytes32 response) external {
        Claim storage entry = _claimOf(claimId);
        if (msg.sender != policies.policy(entry.policyId).insurer) revert ClaimUnauthorized(claimId, msg.sender);
        ClaimState state = entry.state;
        if (state != ClaimState.Submitted && state != ClaimState.Appealed) revert ClaimInvalidState(claimId, state);
        if (block.timestamp > entry.deadline) {
            revert ClaimAdjudicationDeadlinePassed(claimId, entry.deadline, block.timestamp);
        }
        _decide(claimId, entry, decision, amount, response, state == ClaimState.Appealed);
    }

    /// @inheritdoc IClaimRegistry
    function appeal(bytes32 claimId, bytes32 reason) external {
        Claim storage entry = _claimOf(claimId);
        if (msg.sender != entry.provider) revert ClaimUnauthorized(claimId, msg.sender);
        if (entry.state != ClaimState.Adjudicated) revert ClaimInvalidState(claimId, entry.state);
        if (entry.decision == Decision.Approved || entry.appeals != 0) {
            revert ClaimNotAppealable(claimId, entry.decision, entry.appeals);
        }
        if (block.timestamp >= entry.deadline) revert ClaimAppealWindowClosed(claimId, entry.deadline, block.timestamp);
        if (reason == bytes32(0)) revert ClaimEmptyCommitment();
        uint64 deadline =
            uint64(block.timestamp) + policies.policyVersion(entry.policyId, entry.policyVersion).adjudicationPeriod;
        (entry.state, entry.appeals, entry.deadline) = (ClaimState.Appealed, entry.appeals + 1, deadline);
        emit ClaimAppealed(claimId, reason, deadline);
    }

    /// @inheritdoc IClaimRegistry
    function escalate(bytes32 claimId) external {
        Claim storage entry = _claimOf(claimId);
        if (msg.sender != entry.provider) revert ClaimUnauthorized(claimId, msg.sender);
        if (entry.state != ClaimState.Submitted && entry.state != ClaimState.Appealed) {
            revert ClaimInvalidState(claimId, entry.state);
        }
        if (block.timestamp <= entry.deadline) revert ClaimDeadlineNotPassed(claimId, entry.deadline, block.timestamp);
        entry.state = ClaimState.Escalated;
        emit ClaimEscalated(claimId, _arbiterOf(entry), entry.deadline);
    }

    /// @inheritdoc IClaimRegistry
    function resolve(bytes32 claimId, Decision decision, uint128 amount, bytes32 response) external {
        Claim storage entry = _claimOf(claimId);
        if (msg.sender != _arbiterOf(entry)) revert ClaimUnauthorized(claimId, msg.sender);
        if (entry.state != ClaimState.Escalated) revert ClaimInvalidState(claimId, entry.state);
        _decide(claimId, entry, decision, amount, response, true);
    }

    /// @inheritdoc IClaimRegistry
    function settle(bytes32 claimId) external {
        Claim storage entry = _claimOf(claimId);
        if (entry.state != ClaimState.Adjudicated || entry.decision == Decision.Denied) {
            revert ClaimInvalidState(claimId, entry.state);
        }
        if (msg.sender != entry.provider && block.timestamp < entry.deadline) {
            revert ClaimDeadlineNotPassed(claimId, entry.deadline, block.timestamp);
        }
        (bytes32 policyId, uint32 period, uint128 amount, address provider) = (
            entry.policyId,
            entry.period,
            entry.amount,
            entry.provider
        );
        uint256 balance = _escrow[policyId][period];
        if (balance < amount) revert ClaimEscrowInsufficient(policyId, period, balance, amount);
        entry.state = ClaimState.Paid;
        _escrow[policyId][period] = balance - amount;
        --_open[policyId][period];
        emit ClaimPaid(claimId, provider, amount);
        policies.policy(policyId).token.safeTransfer(provider, amount);
    }

    /// @inheritdoc IClaimRegistry
    function close(bytes32 claimId) external {
        Claim storage entry = _claimOf(claimId);
        if (entry.state != ClaimState.Adjudicated || entry.decision != Decision.Denied) {
            revert ClaimInvalidState(claimId, entry.state);
        }
        if (msg.sender != entry.provider && block.timestamp < entry.deadline) {
            revert ClaimDeadlineNotPassed(claimId, entry.deadline, block.timestamp);
        }
        _close(claimId, entry);
    }

    /// @inheritdoc IClaimRegistry
    function fund(bytes32 policyId, uint32 period, uint256 amount) external {
        if (amount == 0) revert ClaimZeroFunding();
        IERC20 token = policies.policy(policyId).token;
        uint256 before = token.balanceOf(address(this));
        token.safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = token.balanceOf(address(this)) - before;
        _escrow[policyId][period] += received;
        emit EscrowFunded(policyId, period, msg.sender, received);
    }

    /// @inheritdoc IClaimRegistry
    function reclaim(bytes32 policyId, uint32 period) external {
        IPolicyRegistry.Policy memory terms = policies.policy(policyId);
        if (msg.sender != terms.insurer) revert ClaimUnauthorized(bytes32(0), msg.sender);
        uint256 open = _open[policyId][period];
        if (policies.periodAt(policyId, uint64(block.timestamp)) <= period || open != 0) {
            revert ClaimEscrowInUse(policyId, period, open);
        }
        uint256 amount = _escrow[policyId][period];
        _escrow[policyId][period] = 0;
        emit EscrowReclaimed(policyId, period, msg.sender, amount);
        if (amount != 0) terms.token.safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc IClaimRegistry
    function claim(bytes32 claimId) external view returns (Claim memory) {
        return _claimOf(claimId);
    }

    /// @inheritdoc IClaimRegistry
    function escrowBalance(bytes32 policyId, uint32 period) external view returns (uint256) {
        return _escrow[policyId][period];
    }

    /// @inheritdoc IClaimRegistry
    function openClaims(bytes32 policyId, uint32 period) external view returns (uint256) {
        return _open[policyId][period];
    }

    /// @dev Records a decision. A final one (after an appeal, or by the arbiter) leaves no appeal window, and a
    /// final denial closes the claim.
    function _decide(
        bytes32 claimId,
        Claim storage entry,
        Decision decision,
        uint128 amount,
        bytes32 response,
        bool isFinal
    ) private {
        if (
            decision == Decision.None ||
            (decision == Decision.Denied && amount != 0) ||
            (decision != Decision.Denied && amount == 0)
        ) revert ClaimInvalidDecision(decision, amount);
        if (response == bytes32(0)) revert ClaimEmptyCommitment();
        uint64 appealDeadline = uint64(block.timestamp);
        if (!isFinal) appealDeadline += policies.policyVersion(entry.policyId, entry.policyVersion).appealWindow;
        entry.state = ClaimState.Adjudicated;
        entry.decision = decision;
        entry.amount = amount;
        entry.response = response;
        entry.deadline = appealDeadline;
        emit ClaimAdjudicated(claimId, msg.sender, decision, amount, response, appealDeadline);
        if (isFinal && decision == Decision.Denied) _close(claimId, entry);
    }

    function _close(bytes32 claimId, Claim storage entry) private {
        entry.state = ClaimState.Closed;
        --_open[entry.policyId][entry.period];
        emit ClaimClosed(claimId);
    }

    function _claimOf(bytes32 claimId) private view returns (Claim storage entry) {
        entry = _claims[claimId];
        if (entry.state == ClaimState.None) revert ClaimNotFound(claimId);
    }

    function _arbiterOf(Claim storage entry) private view returns (address) {
        return policies.policyVersion(entry.policyId, entry.policyVersion).arbiter;
    }
}
