// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {TradingPartners} from "../../../contracts/supplychain/TradingPartners.sol";
import {ITradingPartners} from "../../../contracts/supplychain/interfaces/ITradingPartners.sol";
import {SupplyChainTest} from "./SupplyChainTest.sol";

contract TradingPartnersTest is SupplyChainTest {
    address internal newcomer = address(uint160(uint256(keccak256("carechain.test.newcomer"))));
    bytes32 internal constant GLN = keccak256("gln commitment");
    bytes32 internal constant LICENCE = keccak256("licence");

    function setUp() public {
        _deploySupplyChain();
    }

    function test_Constructor_RefusesZeroDirectory() public {
        vm.expectRevert(ITradingPartners.TradingPartnersZeroAddress.selector);
        new TradingPartners(address(0));
    }

    function test_Credential_StoresAndEmits() public {
        vm.warp(START + 7);
        vm.expectEmit(true, true, false, true, address(partnerRegistry));
        emit ITradingPartners.PartnerCredentialed(
            newcomer,
            ITradingPartners.PartnerRole.Wholesaler,
            GLN,
            LICENCE,
            REGISTRAR
        );
        vm.prank(REGISTRAR);
        partnerRegistry.credential(newcomer, ITradingPartners.PartnerRole.Wholesaler, GLN, LICENCE);
        ITradingPartners.Partner memory entry = partnerRegistry.partner(newcomer);
        assertEq(entry.glnCommitment, GLN, "gln");
        assertEq(entry.licenceHash, LICENCE, "licence");
        assertEq(uint256(entry.role), uint256(ITradingPartners.PartnerRole.Wholesaler), "role");
        assertFalse(entry.suspended, "not suspended");
        assertEq(uint256(entry.credentialedAt), START + 7, "credentialedAt");
        assertEq(
            uint256(partnerRegistry.activeRole(newcomer)),
            uint256(ITradingPartners.PartnerRole.Wholesaler),
            "active"
        );
    }

    function test_Credential_RefusesNonRegistrars() public {
        vm.expectRevert(
            abi.encodeWithSelector(ITradingPartners.TradingPartnersUnauthorizedRegistrar.selector, manufacturer)
        );
        vm.prank(manufacturer);
        partnerRegistry.credential(newcomer, ITradingPartners.PartnerRole.Wholesaler, GLN, LICENCE);
        vm.expectRevert(abi.encodeWithSelector(ITradingPartners.TradingPartnersUnauthorizedRegistrar.selector, ADMIN));
        vm.prank(ADMIN);
        partnerRegistry.credential(newcomer, ITradingPartners.PartnerRole.Wholesaler, GLN, LICENCE);
    }

    function test_Credential_FollowsTheDirectorysRegistrars() public {
        bytes32 role = directory.REGISTRAR_ROLE();
        vm.prank(ADMIN);
        directory.revokeRole(role, REGISTRAR);
        vm.expectRevert(
            abi.encodeWithSelector(ITradingPartners.TradingPartnersUnauthorizedRegistrar.selector, REGISTRAR)
        );
        vm.prank(REGISTRAR);
        partnerRegistry.credential(newcomer, ITradingPartners.PartnerRole.Wholesaler, GLN, LICENCE);
        vm.prank(ADMIN);
        directory.grantRole(role, STRANGER);
        vm.prank(STRANGER);
        partnerRegistry.credential(newcomer, ITradingPartners.PartnerRole.Wholesaler, GLN, LICENCE);
        assertEq(uint256(partnerRegistry.activeRole(newcomer)), uint256(ITradingPartners.PartnerRole.Wholesaler));
    }

    function test_Credential_RefusesInvalidInput() public {
        vm.startPrank(REGISTRAR);
        vm.expectRevert(ITradingPartners.TradingPartnersZeroAddress.selector);
        partnerRegistry.credential(address(0), ITradingPartners.PartnerRole.Wholesaler, GLN, LICENCE);
        vm.expectRevert(ITradingPartners.TradingPartnersInvalidCredential.selector);
        partnerRegistry.credential(newcomer, ITradingPartners.PartnerRole.None, GLN, LICENCE);
        vm.expectRevert(ITradingPartners.TradingPartnersInvalidCredential.selector);
        partnerRegistry.credential(newcomer, ITradingPartners.PartnerRole.Wholesaler, bytes32(0), LICENCE);
        vm.expectRevert(ITradingPartners.TradingPartnersInvalidCredential.selector);
        partnerRegistry.credential(newcomer, ITradingPartners.PartnerRole.Wholesaler, GLN, bytes32(0));
        vm.expectRevert(abi.encodeWithSelector(ITradingPartners.TradingPartnersAlreadyCredentialed.selector, pharmacy));
        partnerRegistry.credential(pharmacy, ITradingPartners.PartnerRole.Wholesaler, GLN, LICENCE);
        vm.stopPrank();
    }

    function test_SuspendAndReinstate() public {
        vm.expectEmit(true, true, false, true, address(partnerRegistry));
        emit ITradingPartners.PartnerSuspended(pharmacy, REGISTRAR);
        vm.prank(REGISTRAR);
        partnerRegistry.suspend(pharmacy);
        assertTrue(partnerRegistry.partner(pharmacy).suspended, "suspended");
        assertEq(uint256(partnerRegistry.activeRole(pharmacy)), uint256(ITradingPartners.PartnerRole.None), "inactive");

        vm.expectRevert(
            abi.encodeWithSelector(ITradingPartners.TradingPartnersSuspensionUnchanged.selector, pharmacy, true)
        );
        vm.prank(REGISTRAR);
        partnerRegistry.suspend(pharmacy);

        vm.expectEmit(true, true, false, true, address(partnerRegistry));
        emit ITradingPartners.PartnerReinstated(pharmacy, REGISTRAR);
        vm.prank(REGISTRAR);
        partnerRegistry.reinstate(pharmacy);
        assertEq(
            uint256(partnerRegistry.activeRole(pharmacy)),
            uint256(ITradingPartners.PartnerRole.Dispenser),
            "active"
        );

        vm.expectRevert(
            abi.encodeWithSelector(ITradingPartners.TradingPartnersSuspensionUnchanged.selector, pharmacy, false)
        );
        vm.prank(REGISTRAR);
        partnerRegistry.reinstate(pharmacy);
    }

    function test_Suspend_RefusesUnknownPartnersAndNonRegistrars() public {
        vm.expectRevert(abi.encodeWithSelector(ITradingPartners.TradingPartnersNotCredentialed.selector, newcomer));
        vm.prank(REGISTRAR);
        partnerRegistry.suspend(newcomer);
        vm.expectRevert(
            abi.encodeWithSelector(ITradingPartners.TradingPartnersUnauthorizedRegistrar.selector, wholesaler)
        );
        vm.prank(wholesaler);
        partnerRegistry.suspend(pharmacy);
    }

    function testFuzz_Credential(address account, uint8 roleSeed, bytes32 gln, bytes32 licence, address caller) public {
        vm.assume(account != address(0) && partnerRegistry.partner(account).role == ITradingPartners.PartnerRole.None);
        vm.assume(gln != bytes32(0) && licence != bytes32(0));
        ITradingPartners.PartnerRole role = ITradingPartners.PartnerRole(bound(roleSeed, 1, 4));
        if (caller != REGISTRAR) {
            vm.expectRevert(
                abi.encodeWithSelector(ITradingPartners.TradingPartnersUnauthorizedRegistrar.selector, caller)
            );
            vm.prank(caller);
            partnerRegistry.credential(account, role, gln, licence);
            assertEq(uint256(partnerRegistry.activeRole(account)), 0, "nothing stored");
        }
        vm.prank(REGISTRAR);
        partnerRegistry.credential(account, role, gln, licence);
        assertEq(uint256(partnerRegistry.activeRole(account)), uint256(role), "role");
        assertEq(partnerRegistry.partner(account).glnCommitment, gln, "gln");
    }
}
