// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {IPolicyRegistry} from "../../../contracts/claims/interfaces/IPolicyRegistry.sol";
import {ContentId} from "../../../contracts/libraries/ContentId.sol";
import {ClaimsTestBase} from "./ClaimsTestBase.sol";

contract PolicyRegistryTest is ClaimsTestBase {
    function setUp() public {
        _deployClaims();
    }

    function test_createPolicy_recordsSettlementAndFirstVersion() public view {
        IPolicyRegistry.Policy memory p = policyRegistry.policy(policyId);
        assertEq(p.insurer, insurer);
        assertEq(address(p.token), address(token));
        assertEq(p.periodLength, YEAR);
        assertEq(p.versions, 1);
        assertEq(policyId, policyRegistry.policyIdOf(insurer, "gold-2025"));
        IPolicyRegistry.PolicyVersion memory v = policyRegistry.policyVersion(policyId, 1);
        assertEq(v.documentHash, _digest("policy v1"));
        assertEq(v.documentCid, _cid(_digest("policy v1 cid")));
        assertEq(v.arbiter, ARBITER);
        assertEq(v.adjudicationPeriod, ADJUDICATION);
    }

    function test_publishVersion_keepsEarlierVersions() public {
        (bytes32 d, bytes memory c) = (_digest("policy v2"), _cid(_digest("v2")));
        vm.prank(insurer);
        uint32 version = policyRegistry.publishVersion(policyId, d, c, _termsOf(ARBITER));
        assertEq(version, 2);
        assertEq(policyRegistry.policyVersion(policyId, 1).documentHash, _digest("policy v1"));
        assertEq(policyRegistry.policyVersion(policyId, 2).documentHash, _digest("policy v2"));
        vm.expectRevert(abi.encodeWithSelector(IPolicyRegistry.PolicyVersionNotFound.selector, policyId, uint32(3)));
        policyRegistry.policyVersion(policyId, 3);
    }

    function test_createPolicy_refusesNonInsurers() public {
        (bytes32 d, bytes memory c) = (_digest("d"), _cid(_digest("c")));
        vm.prank(hospital);
        vm.expectRevert(abi.encodeWithSelector(IPolicyRegistry.PolicyNotInsurer.selector, hospital));
        policyRegistry.createPolicy("x", IERC20(address(token)), 0, YEAR, d, c, _termsOf(ARBITER));
    }

    function test_publishVersion_refusesOtherInsurersAndSuspendedOnes() public {
        (bytes32 d, bytes memory c) = (_digest("d"), _cid(_digest("c")));
        vm.prank(hospital);
        vm.expectRevert(abi.encodeWithSelector(IPolicyRegistry.PolicyUnauthorizedInsurer.selector, policyId, hospital));
        policyRegistry.publishVersion(policyId, d, c, _termsOf(ARBITER));
        vm.prank(REGISTRAR);
        directory.suspendProvider(insurer);
        vm.prank(insurer);
        vm.expectRevert(abi.encodeWithSelector(IPolicyRegistry.PolicyNotInsurer.selector, insurer));
        policyRegistry.publishVersion(policyId, d, c, _termsOf(ARBITER));
    }

    function test_publish_refusesBadDocumentsAndTerms() public {
        (bytes32 d, bytes memory c) = (_digest("d"), _cid(_digest("c")));
        vm.startPrank(insurer);
        vm.expectRevert(abi.encodeWithSelector(IPolicyRegistry.PolicyEmptyDocument.selector));
        policyRegistry.publishVersion(policyId, bytes32(0), c, _termsOf(ARBITER));
        bytes memory bad = hex"0155";
        vm.expectRevert(abi.encodeWithSelector(ContentId.ContentIdInvalid.selector, bad));
        policyRegistry.publishVersion(policyId, d, bad, _termsOf(ARBITER));
        vm.expectRevert(
            abi.encodeWithSelector(IPolicyRegistry.PolicyInvalidTerms.selector, insurer, ADJUDICATION, APPEAL)
        );
        policyRegistry.publishVersion(policyId, d, c, _termsOf(insurer));
        vm.expectRevert(abi.encodeWithSelector(IPolicyRegistry.PolicyUnauthorizedInsurer.selector, policyId, insurer));
        policyRegistry.createPolicy("gold-2025", IERC20(address(token)), 0, YEAR, d, c, _termsOf(ARBITER));
        vm.expectRevert(
            abi.encodeWithSelector(IPolicyRegistry.PolicyInvalidSettlement.selector, address(token), uint64(0))
        );
        policyRegistry.createPolicy("other", IERC20(address(token)), 0, 0, d, c, _termsOf(ARBITER));
        vm.stopPrank();
    }

    function testFuzz_periodAt_countsWholePeriodsFromStart(uint64 offset) public view {
        offset = uint64(bound(offset, 0, 100 * YEAR));
        assertEq(policyRegistry.periodAt(policyId, uint64(START) + offset), offset / YEAR);
        assertEq(policyRegistry.periodAt(policyId, uint64(START) - 1), 0);
    }
}
