// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ProductLedger} from "../../../contracts/supplychain/ProductLedger.sol";
import {IProductLedger} from "../../../contracts/supplychain/interfaces/IProductLedger.sol";
import {SupplyChainTest} from "./SupplyChainTest.sol";

contract ProductLedgerTest is SupplyChainTest {
    bytes32[4] internal units;
    bytes32 internal root;

    function setUp() public {
        _deploySupplyChain();
        units = _units(keccak256("carechain.test.units"));
        (root, ) = _tree(units, 0);
        vm.prank(manufacturer);
        ledger.commission(LOT, root, EVENT);
    }

    function _proof(uint256 index) internal view returns (bytes32[] memory proof) {
        (, proof) = _tree(units, index);
    }

    function _status(uint256 index) internal view returns (IProductLedger.ItemStatus) {
        return ledger.itemStatus(LOT, units[index], _proof(index));
    }

    // commission ----------------------------------------------------------------------------------------------

    function test_Constructor_RefusesZeroRegistry() public {
        vm.expectRevert(IProductLedger.ProductLedgerZeroValue.selector);
        new ProductLedger(address(0));
    }

    function test_Commission_StoresLotAndEmits() public {
        bytes32 lotId = keccak256("lot 2");
        vm.warp(START + 50);
        vm.expectEmit(true, true, false, true, address(ledger));
        emit IProductLedger.LotCommissioned(lotId, repackager, root, EVENT);
        vm.prank(repackager);
        ledger.commission(lotId, root, EVENT);
        IProductLedger.Lot memory entry = ledger.lot(lotId);
        assertEq(entry.itemsRoot, root, "root");
        assertEq(entry.commissioner, repackager, "commissioner");
        assertEq(uint256(entry.commissionedAt), START + 50, "commissionedAt");
        assertFalse(entry.recalled, "recalled");
        for (uint256 i = 0; i < 4; i++) {
            assertEq(uint256(_status(i)), uint256(IProductLedger.ItemStatus.Active), "every unit is active");
        }
    }

    function test_Commission_CostsOneTransactionWhateverTheLotSize() public {
        uint256 before = gasleft();
        vm.prank(manufacturer);
        ledger.commission(keccak256("lot 3"), root, EVENT);
        uint256 used = before - gasleft();
        // 100,000 units at <= 5 gas per unit is 500,000 gas; one lot costs a fixed amount under 100,000.
        assertTrue(used < 100_000, "commission gas");
    }

    function test_Commission_RefusesWrongCallersAndValues() public {
        vm.expectRevert(abi.encodeWithSelector(IProductLedger.ProductLedgerUnauthorizedPartner.selector, wholesaler));
        vm.prank(wholesaler);
        ledger.commission(keccak256("x"), root, EVENT);
        vm.expectRevert(abi.encodeWithSelector(IProductLedger.ProductLedgerUnauthorizedPartner.selector, STRANGER));
        vm.prank(STRANGER);
        ledger.commission(keccak256("x"), root, EVENT);
        vm.startPrank(manufacturer);
        vm.expectRevert(abi.encodeWithSelector(IProductLedger.ProductLedgerLotExists.selector, LOT));
        ledger.commission(LOT, root, EVENT);
        vm.expectRevert(IProductLedger.ProductLedgerZeroValue.selector);
        ledger.commission(bytes32(0), root, EVENT);
        vm.expectRevert(IProductLedger.ProductLedgerZeroValue.selector);
        ledger.commission(keccak256("x"), bytes32(0), EVENT);
        vm.expectRevert(IProductLedger.ProductLedgerZeroValue.selector);
        ledger.commission(keccak256("x"), root, bytes32(0));
        vm.stopPrank();
    }

    function test_Commission_RefusesSuspendedManufacturer() public {
        vm.prank(REGISTRAR);
        partnerRegistry.suspend(manufacturer);
        vm.expectRevert(abi.encodeWithSelector(IProductLedger.ProductLedgerUnauthorizedPartner.selector, manufacturer));
        vm.prank(manufacturer);
        ledger.commission(keccak256("x"), root, EVENT);
    }

    // itemStatus ----------------------------------------------------------------------------------------------

    function test_ItemStatus_NotCommissionedForForeignUnitsAndLots() public view {
        assertEq(uint256(ledger.itemStatus(LOT, keccak256("fake"), _proof(0))), 0, "foreign unit");
        assertEq(uint256(ledger.itemStatus(keccak256("no lot"), units[0], _proof(0))), 0, "unknown lot");
        assertEq(uint256(ledger.itemStatus(LOT, units[0], _proof(1))), 0, "wrong proof");
    }

    // ship ----------------------------------------------------------------------------------------------------

    function test_Ship_AnchorsShipment() public {
        bytes32 recipient = keccak256(abi.encode(wholesaler, bytes32("salt")));
        vm.expectEmit(true, true, false, true, address(ledger));
        emit IProductLedger.ShipmentAnchored(EVENT, manufacturer, recipient, root);
        vm.prank(manufacturer);
        ledger.ship(EVENT, recipient, root);
        IProductLedger.Shipment memory entry = ledger.shipment(EVENT);
        assertEq(entry.itemsRoot, root, "root");
        assertEq(entry.recipientCommitment, recipient, "recipient");
        assertEq(entry.shipper, manufacturer, "shipper");
        assertTrue(ledger.inShipment(EVENT, units[2], _proof(2)), "unit 2 shipped");
        assertFalse(ledger.inShipment(EVENT, keccak256("fake"), _proof(2)), "fake not shipped");
        assertFalse(ledger.inShipment(keccak256("other"), units[2], _proof(2)), "no such shipment");
    }

    function test_Ship_RefusesStrangersDuplicatesAndZeros() public {
        vm.expectRevert(abi.encodeWithSelector(IProductLedger.ProductLedgerUnauthorizedPartner.selector, STRANGER));
        vm.prank(STRANGER);
        ledger.ship(EVENT, bytes32("r"), root);
        vm.startPrank(wholesaler);
        ledger.ship(EVENT, bytes32("r"), root);
        vm.expectRevert(abi.encodeWithSelector(IProductLedger.ProductLedgerShipmentExists.selector, EVENT));
        ledger.ship(EVENT, bytes32("r"), root);
        vm.expectRevert(IProductLedger.ProductLedgerZeroValue.selector);
        ledger.ship(bytes32(0), bytes32("r"), root);
        vm.expectRevert(IProductLedger.ProductLedgerZeroValue.selector);
        ledger.ship(keccak256("e2"), bytes32(0), root);
        vm.expectRevert(IProductLedger.ProductLedgerZeroValue.selector);
        ledger.ship(keccak256("e2"), bytes32("r"), bytes32(0));
        vm.stopPrank();
    }

    // dispense / decommission ---------------------------------------------------------------------------------

    function test_Dispense_SpendsTheUnitOnce() public {
        bytes32 nullifier = ledger.nullifierOf(units[1]);
        assertTrue(nullifier != units[1] && nullifier != _leaf(units[1]), "nullifier is neither commitment nor leaf");
        vm.expectEmit(true, true, false, true, address(ledger));
        emit IProductLedger.ItemSpent(nullifier, pharmacy, IProductLedger.SpendKind.Dispensed, EVENT);
        vm.prank(pharmacy);
        ledger.dispense(LOT, units[1], _proof(1), EVENT);
        assertEq(uint256(_status(1)), uint256(IProductLedger.ItemStatus.Dispensed), "dispensed");
        assertEq(ledger.spent(nullifier).by, pharmacy, "by");

        vm.expectRevert(
            abi.encodeWithSelector(
                IProductLedger.ProductLedgerAlreadySpent.selector,
                nullifier,
                IProductLedger.SpendKind.Dispensed
            )
        );
        vm.prank(pharmacy2);
        ledger.dispense(LOT, units[1], _proof(1), EVENT);
    }

    function test_Dispense_RefusesNonDispensersCounterfeitsAndRecalledLots() public {
        vm.expectRevert(abi.encodeWithSelector(IProductLedger.ProductLedgerUnauthorizedPartner.selector, wholesaler));
        vm.prank(wholesaler);
        ledger.dispense(LOT, units[0], _proof(0), EVENT);

        bytes32 fake = keccak256("counterfeit");
        vm.expectRevert(abi.encodeWithSelector(IProductLedger.ProductLedgerNotCommissioned.selector, LOT, fake));
        vm.prank(pharmacy);
        ledger.dispense(LOT, fake, _proof(0), EVENT);

        vm.expectRevert(abi.encodeWithSelector(IProductLedger.ProductLedgerUnknownLot.selector, keccak256("no lot")));
        vm.prank(pharmacy);
        ledger.dispense(keccak256("no lot"), units[0], _proof(0), EVENT);

        vm.prank(manufacturer);
        ledger.recall(LOT, EVENT);
        vm.expectRevert(abi.encodeWithSelector(IProductLedger.ProductLedgerLotRecalled.selector, LOT));
        vm.prank(pharmacy);
        ledger.dispense(LOT, units[0], _proof(0), EVENT);
    }

    function test_Decommission_SpendsEvenInARecalledLot() public {
        vm.prank(manufacturer);
        ledger.recall(LOT, EVENT);
        vm.prank(wholesaler);
        ledger.decommission(LOT, units[3], _proof(3), EVENT);
        assertEq(uint256(_status(3)), uint256(IProductLedger.ItemStatus.Decommissioned), "decommissioned");
        assertEq(uint256(_status(2)), uint256(IProductLedger.ItemStatus.Recalled), "others recalled");
        vm.expectRevert(abi.encodeWithSelector(IProductLedger.ProductLedgerUnauthorizedPartner.selector, STRANGER));
        vm.prank(STRANGER);
        ledger.decommission(LOT, units[2], _proof(2), EVENT);
        vm.expectRevert(IProductLedger.ProductLedgerZeroValue.selector);
        vm.prank(wholesaler);
        ledger.decommission(LOT, units[2], _proof(2), bytes32(0));
    }

    // recall --------------------------------------------------------------------------------------------------

    function test_Recall_ByCommissionerOrRegistrarOnly() public {
        vm.expectRevert(
            abi.encodeWithSelector(IProductLedger.ProductLedgerUnauthorizedRecall.selector, LOT, repackager)
        );
        vm.prank(repackager);
        ledger.recall(LOT, EVENT);

        vm.expectEmit(true, true, false, true, address(ledger));
        emit IProductLedger.LotRecalled(LOT, REGISTRAR, EVENT);
        vm.prank(REGISTRAR);
        ledger.recall(LOT, EVENT);
        assertTrue(ledger.lot(LOT).recalled, "recalled");
        assertEq(uint256(_status(0)), uint256(IProductLedger.ItemStatus.Recalled), "status");

        vm.expectRevert(abi.encodeWithSelector(IProductLedger.ProductLedgerAlreadyRecalled.selector, LOT));
        vm.prank(manufacturer);
        ledger.recall(LOT, EVENT);
        vm.expectRevert(abi.encodeWithSelector(IProductLedger.ProductLedgerUnknownLot.selector, keccak256("none")));
        vm.prank(manufacturer);
        ledger.recall(keccak256("none"), EVENT);
    }

    // reportSuspect -------------------------------------------------------------------------------------------

    function test_ReportSuspect() public {
        vm.expectEmit(true, false, false, true, address(ledger));
        emit IProductLedger.SuspectReported(pharmacy, IProductLedger.SuspectKind.Counterfeit, EVENT);
        vm.prank(pharmacy);
        ledger.reportSuspect(IProductLedger.SuspectKind.Counterfeit, EVENT);
        vm.expectRevert(IProductLedger.ProductLedgerZeroValue.selector);
        vm.prank(pharmacy);
        ledger.reportSuspect(IProductLedger.SuspectKind.None, EVENT);
        vm.expectRevert(abi.encodeWithSelector(IProductLedger.ProductLedgerUnauthorizedPartner.selector, STRANGER));
        vm.prank(STRANGER);
        ledger.reportSuspect(IProductLedger.SuspectKind.Diverted, EVENT);
    }

    // fuzz ----------------------------------------------------------------------------------------------------

    function testFuzz_Dispense_OnceAndOnlyTheGivenUnit(bytes32 seed, uint256 index) public {
        index = bound(index, 0, 3);
        bytes32 lotId = keccak256(abi.encode("fuzz lot", seed));
        bytes32[4] memory fuzzUnits = _units(seed);
        (bytes32 fuzzRoot, bytes32[] memory proof) = _tree(fuzzUnits, index);
        vm.prank(manufacturer);
        ledger.commission(lotId, fuzzRoot, EVENT);
        vm.prank(pharmacy);
        ledger.dispense(lotId, fuzzUnits[index], proof, EVENT);
        for (uint256 i = 0; i < 4; i++) {
            (, bytes32[] memory p) = _tree(fuzzUnits, i);
            uint256 expected = uint256(
                i == index ? IProductLedger.ItemStatus.Dispensed : IProductLedger.ItemStatus.Active
            );
            assertEq(uint256(ledger.itemStatus(lotId, fuzzUnits[i], p)), expected, "status");
        }
        vm.expectRevert(
            abi.encodeWithSelector(
                IProductLedger.ProductLedgerAlreadySpent.selector,
                ledger.nullifierOf(fuzzUnits[index]),
                IProductLedger.SpendKind.Dispensed
            )
        );
        vm.prank(pharmacy2);
        ledger.dispense(lotId, fuzzUnits[index], proof, EVENT);
    }

    function testFuzz_ItemStatus_RefusesAnyOtherCommitment(bytes32 commitment, uint256 index) public view {
        index = bound(index, 0, 3);
        vm.assume(commitment != units[0] && commitment != units[1] && commitment != units[2] && commitment != units[3]);
        assertEq(uint256(ledger.itemStatus(LOT, commitment, _proof(index))), 0, "not commissioned");
    }

    function testFuzz_Dispense_RefusesAnyOtherCommitment(bytes32 commitment, uint256 index) public {
        index = bound(index, 0, 3);
        vm.assume(commitment != units[0] && commitment != units[1] && commitment != units[2] && commitment != units[3]);
        vm.expectRevert(abi.encodeWithSelector(IProductLedger.ProductLedgerNotCommissioned.selector, LOT, commitment));
        vm.prank(pharmacy);
        ledger.dispense(LOT, commitment, _proof(index), EVENT);
    }
}
