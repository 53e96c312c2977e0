// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IClaimRegistry} from "../../../contracts/claims/interfaces/IClaimRegistry.sol";
import {IPolicyRegistry} from "../../../contracts/claims/interfaces/IPolicyRegistry.sol";
import {ClaimsTestBase} from "./ClaimsTestBase.sol";

contract ClaimRegistryTest is ClaimsTestBase {
    bytes32 internal constant CLAIM = keccak256("claim commitment 1");
    bytes32 internal constant REASON = keccak256("appeal reasons");

    function setUp() public {
        _deployClaims();
    }

    // ---------------------------------------------------------------------------------------------------------
    // Submission
    // ---------------------------------------------------------------------------------------------------------

    function test_submit_recordsOnlyCommitmentPartiesPolicyAndState() public {
        _submit(CLAIM);
        IClaimRegistry.Claim memory c = claims.claim(CLAIM);
        assertEq(c.provider, hospital);
        assertEq(c.policyId, policyId);
        assertEq(c.policyVersion, 1);
        assertEq(uint256(c.state), uint256(IClaimRegistry.ClaimState.Submitted));
        assertEq(c.deadline, START + ADJUDICATION);
        assertEq(claims.openClaims(policyId, 0), 1);
    }

    function test_submit_refusals() public {
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(IClaimRegistry.ClaimNotProvider.selector, STRANGER));
        claims.submit(CLAIM, policyId, 1);
        vm.prank(insurer);
        vm.expectRevert(abi.encodeWithSelector(IClaimRegistry.ClaimNotProvider.selector, insurer));
        claims.submit(CLAIM, policyId, 1);
        vm.prank(hospital);
        vm.expectRevert(abi.encodeWithSelector(IClaimRegistry.ClaimEmptyCommitment.selector));
        claims.submit(bytes32(0), policyId, 1);
        vm.prank(hospital);
        vm.expectRevert(abi.encodeWithSelector(IPolicyRegistry.PolicyVersionNotFound.selector, policyId, uint32(2)));
        claims.submit(CLAIM, policyId, 2);
        _submit(CLAIM);
        vm.prank(lab);
        vm.expectRevert(abi.encodeWithSelector(IClaimRegistry.ClaimAlreadySubmitted.selector, CLAIM));
        claims.submit(CLAIM, policyId, 1);
    }

    function test_submit_refusesAVersionNotYetInForce() public {
        IPolicyRegistry.PolicyTerms memory later = _termsOf(ARBITER);
        later.effectiveFrom = uint64(START + 10 days);
        (bytes32 d, bytes memory c) = (_digest("v2"), _cid(_digest("v2")));
        vm.prank(insurer);
        policyRegistry.publishVersion(policyId, d, c, later);
        vm.prank(hospital);
        vm.expectRevert(
            abi.encodeWithSelector(
                IClaimRegistry.ClaimPolicyNotInForce.selector,
                policyId,
                uint32(2),
                later.effectiveFrom
            )
        );
        claims.submit(CLAIM, policyId, 2);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Deadlines: a late insurer lets the claim escalate
    // ---------------------------------------------------------------------------------------------------------

    function testFuzz_lateInsurerEscalates(uint256 delay, uint128 amount) public {
        delay = bound(delay, 0, 3 * ADJUDICATION);
        amount = uint128(bound(amount, 1, FUNDED));
        _submit(CLAIM);
        vm.warp(START + delay);
        if (delay <= ADJUDICATION) {
            vm.prank(hospital);
            vm.expectRevert(
                abi.encodeWithSelector(
                    IClaimRegistry.ClaimDeadlineNotPassed.selector,
                    CLAIM,
                    uint64(START + ADJUDICATION),
                    START + delay
                )
            );
            claims.escalate(CLAIM);
            _adjudicate(CLAIM, IClaimRegistry.Decision.Approved, amount);
            assertEq(uint256(_state(CLAIM)), uint256(IClaimRegistry.ClaimState.Adjudicated));
            return;
        }
        vm.prank(insurer);
        vm.expectRevert(
            abi.encodeWithSelector(
                IClaimRegistry.ClaimAdjudicationDeadlinePassed.selector,
                CLAIM,
                uint64(START + ADJUDICATION),
                START + delay
            )
        );
        claims.adjudicate(CLAIM, IClaimRegistry.Decision.Denied, 0, REASON);
        vm.prank(hospital);
        claims.escalate(CLAIM);
        assertEq(uint256(_state(CLAIM)), uint256(IClaimRegistry.ClaimState.Escalated));
        // The insurer can no longer decide; the arbiter's decision is final and paid from the insurer's escrow.
        vm.prank(insurer);
        vm.expectRevert(
            abi.encodeWithSelector(
                IClaimRegistry.ClaimInvalidState.selector,
                CLAIM,
                IClaimRegistry.ClaimState.Escalated
            )
        );
        claims.adjudicate(CLAIM, IClaimRegistry.Decision.Denied, 0, REASON);
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(IClaimRegistry.ClaimUnauthorized.selector, CLAIM, STRANGER));
        claims.resolve(CLAIM, IClaimRegistry.Decision.Approved, amount, REASON);
        vm.prank(ARBITER);
        claims.resolve(CLAIM, IClaimRegistry.Decision.Approved, amount, REASON);
        vm.prank(STRANGER); // final: anyone may settle at once
        claims.settle(CLAIM);
        assertEq(token.balanceOf(hospital), amount);
    }

    function test_escalate_onlyByTheProvider() public {
        _submit(CLAIM);
        vm.warp(START + ADJUDICATION + 1);
        vm.prank(lab);
        vm.expectRevert(abi.encodeWithSelector(IClaimRegistry.ClaimUnauthorized.selector, CLAIM, lab));
        claims.escalate(CLAIM);
    }

    function test_lateReadjudicationAfterAppealEscalates() public {
        _submit(CLAIM);
        _adjudicate(CLAIM, IClaimRegistry.Decision.Denied, 0);
        vm.prank(hospital);
        claims.appeal(CLAIM, REASON);
        vm.warp(START + ADJUDICATION + 1);
        vm.prank(hospital);
        claims.escalate(CLAIM);
        assertEq(uint256(_state(CLAIM)), uint256(IClaimRegistry.ClaimState.Escalated));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Payment only on approval; nothing moves on denial or dispute
    // ---------------------------------------------------------------------------------------------------------

    function testFuzz_paymentOnlyOnApproval(uint8 rawDecision, uint128 amount) public {
        IClaimRegistry.Decision decision = IClaimRegistry.Decision(bound(rawDecision, 1, 3));
        amount = decision == IClaimRegistry.Decision.Denied ? 0 : uint128(bound(amount, 1, FUNDED));
        _submit(CLAIM);
        _adjudicate(CLAIM, decision, amount);
        uint256 escrowBefore = claims.escrowBalance(policyId, 0);
        if (decision == IClaimRegistry.Decision.Denied) {
            vm.prank(hospital);
            vm.expectRevert(
                abi.encodeWithSelector(
                    IClaimRegistry.ClaimInvalidState.selector,
                    CLAIM,
                    IClaimRegistry.ClaimState.Adjudicated
                )
            );
            claims.settle(CLAIM);
            assertEq(token.balanceOf(hospital), 0);
            assertEq(claims.escrowBalance(policyId, 0), escrowBefore);
            return;
        }
        vm.prank(hospital);
        claims.settle(CLAIM);
        assertEq(token.balanceOf(hospital), amount);
        assertEq(claims.escrowBalance(policyId, 0), escrowBefore - amount);
        assertEq(claims.openClaims(policyId, 0), 0);
        // Once only.
        vm.prank(hospital);
        vm.expectRevert(
            abi.encodeWithSelector(IClaimRegistry.ClaimInvalidState.selector, CLAIM, IClaimRegistry.ClaimState.Paid)
        );
        claims.settle(CLAIM);
    }

    function testFuzz_adjudicate_refusesInconsistentDecisions(uint8 rawDecision, uint128 amount) public {
        IClaimRegistry.Decision decision = IClaimRegistry.Decision(bound(rawDecision, 0, 3));
        bool valid =
            decision != IClaimRegistry.Decision.None &&
                (decision == IClaimRegistry.Decision.Denied ? amount == 0 : amount != 0);
        _submit(CLAIM);
        vm.prank(insurer);
        if (!valid)
            vm.expectRevert(abi.encodeWithSelector(IClaimRegistry.ClaimInvalidDecision.selector, decision, amount));
        claims.adjudicate(CLAIM, decision, amount, REASON);
    }

    function testFuzz_nothingMovesWhileAppealed(uint128 amount, uint256 wait) public {
        amount = uint128(bound(amount, 1, FUNDED));
        wait = bound(wait, 0, 10 * APPEAL);
        _submit(CLAIM);
        _adjudicate(CLAIM, IClaimRegistry.Decision.Partial, amount);
        vm.prank(hospital);
        claims.appeal(CLAIM, REASON);
        vm.warp(START + wait);
        vm.prank(hospital);
        vm.expectRevert(
            abi.encodeWithSelector(IClaimRegistry.ClaimInvalidState.selector, CLAIM, IClaimRegistry.ClaimState.Appealed)
        );
        claims.settle(CLAIM);
        assertEq(token.balanceOf(hospital), 0);
        assertEq(claims.escrowBalance(policyId, 0), FUNDED);
    }

    function test_appeal_reAdjudicationIsFinal() public {
        _submit(CLAIM);
        _adjudicate(CLAIM, IClaimRegistry.Decision.Partial, 100e6);
        vm.prank(lab);
        vm.expectRevert(abi.encodeWithSelector(IClaimRegistry.ClaimUnauthorized.selector, CLAIM, lab));
        claims.appeal(CLAIM, REASON);
        vm.prank(hospital);
        claims.appeal(CLAIM, REASON);
        _adjudicate(CLAIM, IClaimRegistry.Decision.Approved, 150e6);
        vm.prank(hospital);
        vm.expectRevert(
            abi.encodeWithSelector(
                IClaimRegistry.ClaimNotAppealable.selector,
                CLAIM,
                IClaimRegistry.Decision.Approved,
                uint8(1)
            )
        );
        claims.appeal(CLAIM, REASON);
        vm.prank(STRANGER);
        claims.settle(CLAIM);
        assertEq(token.balanceOf(hospital), 150e6);
    }

    function test_appeal_finalDenialClosesWithNothingPaid() public {
        _submit(CLAIM);
        _adjudicate(CLAIM, IClaimRegistry.Decision.Denied, 0);
        vm.prank(hospital);
        claims.appeal(CLAIM, REASON);
        _adjudicate(CLAIM, IClaimRegistry.Decision.Denied, 0);
        assertEq(uint256(_state(CLAIM)), uint256(IClaimRegistry.ClaimState.Closed));
        assertEq(claims.openClaims(policyId, 0), 0);
        assertEq(token.balanceOf(hospital), 0);
    }

    function test_appeal_refusedAfterTheWindowAndOnFullApproval() public {
        _submit(CLAIM);
        _adjudicate(CLAIM, IClaimRegistry.Decision.Denied, 0);
        vm.warp(START + APPEAL + 1);
        vm.prank(hospital);
        vm.expectRevert(
            abi.encodeWithSelector(
                IClaimRegistry.ClaimAppealWindowClosed.selector,
                CLAIM,
                uint64(START + APPEAL),
                START + APPEAL + 1
            )
        );
        claims.appeal(CLAIM, REASON);
        vm.prank(STRANGER);
        claims.close(CLAIM);
        assertEq(uint256(_state(CLAIM)), uint256(IClaimRegistry.ClaimState.Closed));

        bytes32 other = keccak256("claim 2");
        _submit(other);
        _adjudicate(other, IClaimRegistry.Decision.Approved, 1e6);
        vm.prank(hospital);
        vm.expectRevert(
            abi.encodeWithSelector(
                IClaimRegistry.ClaimNotAppealable.selector,
                other,
                IClaimRegistry.Decision.Approved,
                uint8(0)
            )
        );
        claims.appeal(other, REASON);
    }

    function test_settle_byOthersOnlyAfterTheAppealWindow() public {
        _submit(CLAIM);
        _adjudicate(CLAIM, IClaimRegistry.Decision.Partial, 5e6);
        vm.prank(insurer);
        vm.expectRevert(
            abi.encodeWithSelector(IClaimRegistry.ClaimDeadlineNotPassed.selector, CLAIM, uint64(START + APPEAL), START)
        );
        claims.settle(CLAIM);
        vm.warp(START + APPEAL + 1);
        vm.prank(insurer);
        claims.settle(CLAIM);
        assertEq(token.balanceOf(hospital), 5e6);
    }

    function test_adjudicate_onlyByTheInsurer() public {
        _submit(CLAIM);
        vm.prank(hospital);
        vm.expectRevert(abi.encodeWithSelector(IClaimRegistry.ClaimUnauthorized.selector, CLAIM, hospital));
        claims.adjudicate(CLAIM, IClaimRegistry.Decision.Approved, 1, REASON);
        vm.prank(insurer);
        vm.expectRevert(abi.encodeWithSelector(IClaimRegistry.ClaimEmptyCommitment.selector));
        claims.adjudicate(CLAIM, IClaimRegistry.Decision.Approved, 1, bytes32(0));
        vm.expectRevert(abi.encodeWithSelector(IClaimRegistry.ClaimNotFound.selector, REASON));
        claims.claim(REASON);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Escrow
    // ---------------------------------------------------------------------------------------------------------

    function testFuzz_settle_refusedWhenTheEscrowIsShort(uint128 amount) public {
        amount = uint128(bound(amount, FUNDED + 1, type(uint128).max));
        _submit(CLAIM);
        _adjudicate(CLAIM, IClaimRegistry.Decision.Approved, amount);
        vm.prank(hospital);
        vm.expectRevert(
            abi.encodeWithSelector(IClaimRegistry.ClaimEscrowInsufficient.selector, policyId, uint32(0), FUNDED, amount)
        );
        claims.settle(CLAIM);
        assertEq(token.balanceOf(hospital), 0);
        assertEq(claims.escrowBalance(policyId, 0), FUNDED);
    }

    function test_claimsArePaidFromTheirOwnPeriod() public {
        vm.warp(START + YEAR + 1);
        _submit(CLAIM);
        assertEq(claims.claim(CLAIM).period, 1);
        _adjudicate(CLAIM, IClaimRegistry.Decision.Approved, 1e6);
        vm.prank(hospital);
        vm.expectRevert(
            abi.encodeWithSelector(
                IClaimRegistry.ClaimEscrowInsufficient.selector,
                policyId,
                uint32(1),
                0,
                uint128(1e6)
            )
        );
        claims.settle(CLAIM);
    }

    function test_reclaim_onlyAfterThePeriodWithNoOpenClaim() public {
        _submit(CLAIM);
        vm.prank(insurer);
        vm.expectRevert(abi.encodeWithSelector(IClaimRegistry.ClaimEscrowInUse.selector, policyId, uint32(0), 1));
        claims.reclaim(policyId, 0);
        _adjudicate(CLAIM, IClaimRegistry.Decision.Approved, 10e6);
        vm.warp(START + YEAR);
        vm.prank(insurer);
        vm.expectRevert(abi.encodeWithSelector(IClaimRegistry.ClaimEscrowInUse.selector, policyId, uint32(0), 1));
        claims.reclaim(policyId, 0);
        vm.prank(hospital);
        claims.settle(CLAIM);
        vm.prank(hospital);
        vm.expectRevert(abi.encodeWithSelector(IClaimRegistry.ClaimUnauthorized.selector, bytes32(0), hospital));
        claims.reclaim(policyId, 0);
        vm.prank(insurer);
        claims.reclaim(policyId, 0);
        assertEq(token.balanceOf(insurer), FUNDED - 10e6);
        assertEq(claims.escrowBalance(policyId, 0), 0);
    }

    function test_fund_refusesZero() public {
        vm.expectRevert(abi.encodeWithSelector(IClaimRegistry.ClaimZeroFunding.selector));
        claims.fund(policyId, 0, 0);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Refusals in the wrong state
    // ---------------------------------------------------------------------------------------------------------

    function test_wrongStateRefusals() public {
        _submit(CLAIM);
        vm.prank(hospital);
        vm.expectRevert(
            abi.encodeWithSelector(
                IClaimRegistry.ClaimInvalidState.selector,
                CLAIM,
                IClaimRegistry.ClaimState.Submitted
            )
        );
        claims.appeal(CLAIM, REASON);
        vm.prank(ARBITER);
        vm.expectRevert(
            abi.encodeWithSelector(
                IClaimRegistry.ClaimInvalidState.selector,
                CLAIM,
                IClaimRegistry.ClaimState.Submitted
            )
        );
        claims.resolve(CLAIM, IClaimRegistry.Decision.Approved, 1, REASON);
        vm.prank(hospital);
        vm.expectRevert(
            abi.encodeWithSelector(
                IClaimRegistry.ClaimInvalidState.selector,
                CLAIM,
                IClaimRegistry.ClaimState.Submitted
            )
        );
        claims.close(CLAIM);
        _adjudicate(CLAIM, IClaimRegistry.Decision.Denied, 0);
        vm.prank(hospital);
        vm.expectRevert(abi.encodeWithSelector(IClaimRegistry.ClaimEmptyCommitment.selector));
        claims.appeal(CLAIM, bytes32(0));
        vm.prank(hospital);
        vm.expectRevert(
            abi.encodeWithSelector(
                IClaimRegistry.ClaimInvalidState.selector,
                CLAIM,
                IClaimRegistry.ClaimState.Adjudicated
            )
        );
        claims.escalate(CLAIM);
        vm.prank(STRANGER);
        vm.expectRevert(
            abi.encodeWithSelector(IClaimRegistry.ClaimDeadlineNotPassed.selector, CLAIM, uint64(START + APPEAL), START)
        );
        claims.close(CLAIM);
        vm.prank(hospital);
        claims.close(CLAIM);
        assertEq(uint256(_state(CLAIM)), uint256(IClaimRegistry.ClaimState.Closed));
    }

    function test_unknownPolicyIsRefusedEverywhere() public {
        bytes32 unknown = keccak256("no policy");
        vm.expectRevert(abi.encodeWithSelector(IPolicyRegistry.PolicyNotFound.selector, unknown));
        policyRegistry.policy(unknown);
        vm.expectRevert(abi.encodeWithSelector(IPolicyRegistry.PolicyNotFound.selector, unknown));
        policyRegistry.periodAt(unknown, uint64(START));
        (bytes32 d, bytes memory c) = (_digest("d"), _cid(_digest("c")));
        vm.prank(insurer);
        vm.expectRevert(abi.encodeWithSelector(IPolicyRegistry.PolicyNotFound.selector, unknown));
        policyRegistry.publishVersion(unknown, d, c, _termsOf(ARBITER));
    }

    function test_stablecoin_sixDecimals_ownerMintsOnly() public {
        assertEq(token.decimals(), 6);
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSignature("OwnableUnauthorizedAccount(address)", STRANGER));
        token.mint(STRANGER, 1);
    }
}
