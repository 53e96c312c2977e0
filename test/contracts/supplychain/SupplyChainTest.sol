// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ProductLedger} from "../../../contracts/supplychain/ProductLedger.sol";
import {TradingPartners} from "../../../contracts/supplychain/TradingPartners.sol";
import {ITradingPartners} from "../../../contracts/supplychain/interfaces/ITradingPartners.sol";
import {CarechainTest} from "../utils/Test.sol";

/// @title SupplyChainTest
/// @notice Base of the supply-chain tests: the core contracts plus TradingPartners and ProductLedger, five
/// credentialed partners, and a four-unit Merkle tree built the way OpenZeppelin's StandardMerkleTree hashes
/// (leaf = keccak256(keccak256(abi.encode(commitment))), nodes = commutative keccak256).
abstract contract SupplyChainTest is CarechainTest {
    TradingPartners internal partnerRegistry;
    ProductLedger internal ledger;

    address internal manufacturer = address(uint160(uint256(keccak256("carechain.test.manufacturer"))));
    address internal repackager = address(uint160(uint256(keccak256("carechain.test.repackager"))));
    address internal wholesaler = address(uint160(uint256(keccak256("carechain.test.wholesaler"))));
    address internal pharmacy = address(uint160(uint256(keccak256("carechain.test.pharmacy"))));
    address internal pharmacy2 = address(uint160(uint256(keccak256("carechain.test.pharmacy2"))));

    bytes32 internal constant LOT = keccak256("carechain.test.lot");
    bytes32 internal constant EVENT = keccak256("carechain.test.event");

    function _deploySupplyChain() internal {
        _deploy();
        partnerRegistry = new TradingPartners(address(directory));
        ledger = new ProductLedger(address(partnerRegistry));
        vm.startPrank(REGISTRAR);
        _credential(manufacturer, ITradingPartners.PartnerRole.Manufacturer);
        _credential(repackager, ITradingPartners.PartnerRole.Repackager);
        _credential(wholesaler, ITradingPartners.PartnerRole.Wholesaler);
        _credential(pharmacy, ITradingPartners.PartnerRole.Dispenser);
        _credential(pharmacy2, ITradingPartners.PartnerRole.Dispenser);
        vm.stopPrank();
    }

    function _credential(address account, ITradingPartners.PartnerRole role) internal {
        partnerRegistry.credential(
            account,
            role,
            keccak256(abi.encode("gln", account)),
            keccak256(abi.encode("lic", account))
        );
    }

    function _leaf(bytes32 commitment) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(commitment))));
    }

    function _node(bytes32 a, bytes32 b) internal pure returns (bytes32) {
        return a < b ? keccak256(abi.encode(a, b)) : keccak256(abi.encode(b, a));
    }

    /// @dev Four commitments derived from `seed`.
    function _units(bytes32 seed) internal pure returns (bytes32[4] memory units) {
        for (uint256 i = 0; i < 4; i++) units[i] = keccak256(abi.encode(seed, i));
    }

    /// @dev Root of a four-leaf tree over `units`, and the proof of unit `index`.
    function _tree(
        bytes32[4] memory units,
        uint256 index
    ) internal pure returns (bytes32 root, bytes32[] memory proof) {
        bytes32[4] memory leaves;
        for (uint256 i = 0; i < 4; i++) leaves[i] = _leaf(units[i]);
        bytes32 left = _node(leaves[0], leaves[1]);
        bytes32 right = _node(leaves[2], leaves[3]);
        root = _node(left, right);
        proof = new bytes32[](2);
        proof[0] = leaves[index ^ 1];
        proof[1] = index < 2 ? right : left;
    }
}
