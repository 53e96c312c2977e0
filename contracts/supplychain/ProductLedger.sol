// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

import {IDirectory} from "../interfaces/IDirectory.sol";
import {IProductLedger} from "./interfaces/IProductLedger.sol";
import {ITradingPartners} from "./interfaces/ITradingPartners.sol";

/// @title ProductLedger
/// @notice Implementation of {IProductLedger}. Partner roles come from {ITradingPartners}; recall rights from the
/// lot's commissioner or the core Directory's registrars.
contract ProductLedger is IProductLedger {
    /// @dev Domain of unit nullifiers, so a nullifier is never equal to a commitment or a leaf.
    bytes32 private constant _NULLIFIER_DOMAIN = keccak256("carechain.supplychain.spent");

    /// @inheritdoc IProductLedger
    address public immutable partners;

    mapping(bytes32 lotId => Lot) private _lots;
    mapping(bytes32 eventHash => Shipment) private _shipments;
    mapping(bytes32 nullifier => Spend) private _spent;

    /// @param partners_ The trading-partner registry.
    constructor(address partners_) {
        if (partners_ == address(0)) revert ProductLedgerZeroValue();
        partners = partners_;
    }

    /// @inheritdoc IProductLedger
    function commission(bytes32 lotId, bytes32 itemsRoot, bytes32 eventHash) external {
        ITradingPartners.PartnerRole role = _roleOf(msg.sender);
        if (role != ITradingPartners.PartnerRole.Manufacturer && role != ITradingPartners.PartnerRole.Repackager) {
            revert ProductLedgerUnauthorizedPartner(msg.sender);
        }
        if (lotId == bytes32(0) || itemsRoot == bytes32(0) || eventHash == bytes32(0)) revert ProductLedgerZeroValue();
        Lot storage entry = _lots[lotId];
        if (entry.itemsRoot != bytes32(0)) revert ProductLedgerLotExists(lotId);
        entry.itemsRoot = itemsRoot;
        entry.commissioner = msg.sender;
        entry.commissionedAt = uint64(block.timestamp);
        emit LotCommissioned(lotId, msg.sender, itemsRoot, eventHash);
    }

    /// @inheritdoc IProductLedger
    function ship(bytes32 eventHash, bytes32 recipientCommitment, bytes32 itemsRoot) external {
        if (_roleOf(msg.sender) == ITradingPartners.PartnerRole.None)
            revert ProductLedgerUnauthorizedPartner(msg.sender);
        if (eventHash == bytes32(0) || recipientCommitment == bytes32(0) || itemsRoot == bytes32(0)) {
            revert ProductLedgerZeroValue();
        }
        Shipment storage entry = _shipments[eventHash];
        if (entry.itemsRoot != bytes32(0)) revert ProductLedgerShipmentExists(eventHash);
        entry.itemsRoot = itemsRoot;
        entry.recipientCommitment = recipientCommitment;
        entry.shipper = msg.sender;
        entry.shippedAt = uint64(block.timestamp);
        emit ShipmentAnchored(eventHash, msg.sender, recipientCommitment, itemsRoot);
    }

    /// @inheritdoc IProductLedger
    function dispense(bytes32 lotId, bytes32 commitment, bytes32[] calldata proof, bytes32 eventHash) external {
        if (_roleOf(msg.sender) != ITradingPartners.PartnerRole.Dispenser) {
            revert ProductLedgerUnauthorizedPartner(msg.sender);
        }
        Lot storage entry = _commissioned(lotId, commitment, proof);
        if (entry.recalled) revert ProductLedgerLotRecalled(lotId);
        _spend(commitment, SpendKind.Dispensed, eventHash);
    }

    /// @inheritdoc IProductLedger
    function decommission(bytes32 lotId, bytes32 commitment, bytes32[] calldata proof, bytes32 eventHash) external {
        if (_roleOf(msg.sender) == ITradingPartners.PartnerRole.None)
            revert ProductLedgerUnauthorizedPartner(msg.sender);
        _commissioned(lotId, commitment, proof);
        _spend(commitment, SpendKind.Decommissioned, eventHash);
    }

    /// @inheritdoc IProductLedger
    function recall(bytes32 lotId, bytes32 eventHash) external {
        Lot storage entry = _lots[lotId];
        if (entry.itemsRoot == bytes32(0)) revert ProductLedgerUnknownLot(lotId);
        if (entry.commissioner != msg.sender && !_isRegistrar(msg.sender)) {
            revert ProductLedgerUnauthorizedRecall(lotId, msg.sender);
        }
        if (entry.recalled) revert ProductLedgerAlreadyRecalled(lotId);
        if (eventHash == bytes32(0)) revert ProductLedgerZeroValue();
        entry.recalled = true;
        emit LotRecalled(lotId, msg.sender, eventHash);
    }

    /// @inheritdoc IProductLedger
    function reportSuspect(SuspectKind kind, bytes32 alertDigest) external {
        if (_roleOf(msg.sender) == ITradingPartners.PartnerRole.None)
            revert ProductLedgerUnauthorizedPartner(msg.sender);
        if (kind == SuspectKind.None || alertDigest == bytes32(0)) revert ProductLedgerZeroValue();
        emit SuspectReported(msg.sender, kind, alertDigest);
    }

    /// @inheritdoc IProductLedger
    function lot(bytes32 lotId) external view returns (Lot memory) {
        return _lots[lotId];
    }

    /// @inheritdoc IProductLedger
    function shipment(bytes32 eventHash) external view returns (Shipment memory) {
        return _shipments[eventHash];
    }

    /// @inheritdoc IProductLedger
    function spent(bytes32 nullifier) external view returns (Spend memory) {
        return _spent[nullifier];
    }

    /// @inheritdoc IProductLedger
    function nullifierOf(bytes32 commitment) public pure returns (bytes32) {
        return keccak256(abi.encode(_NULLIFIER_DOMAIN, commitment));
    }

    /// @inheritdoc IProductLedger
    function itemStatus(
        bytes32 lotId,
        bytes32 commitment,
        bytes32[] calldata proof
    ) external view returns (ItemStatus) {
        Lot storage entry = _lots[lotId];
        if (entry.itemsRoot == bytes32(0) || !MerkleProof.verifyCalldata(proof, entry.itemsRoot, _leaf(commitment))) {
            return ItemStatus.NotCommissioned;
        }
        SpendKind kind = _spent[nullifierOf(commitment)].kind;
        if (kind == SpendKind.Dispensed) return ItemStatus.Dispensed;
        if (kind == SpendKind.Decommissioned) return ItemStatus.Decommissioned;
        return entry.recalled ? ItemStatus.Recalled : ItemStatus.Active;
    }

    /// @inheritdoc IProductLedger
    function inShipment(bytes32 eventHash, bytes32 commitment, bytes32[] calldata proof) external view returns (bool) {
        bytes32 root = _shipments[eventHash].itemsRoot;
        return root != bytes32(0) && MerkleProof.verifyCalldata(proof, root, _leaf(commitment));
    }

    /// @dev The lot, after checking that the unit is one of its units.
    function _commissioned(
        bytes32 lotId,
        bytes32 commitment,
        bytes32[] calldata proof
    ) internal view returns (Lot storage entry) {
        entry = _lots[lotId];
        if (entry.itemsRoot == bytes32(0)) revert ProductLedgerUnknownLot(lotId);
        if (!MerkleProof.verifyCalldata(proof, entry.itemsRoot, _leaf(commitment))) {
            revert ProductLedgerNotCommissioned(lotId, commitment);
        }
    }

    function _spend(bytes32 commitment, SpendKind kind, bytes32 eventHash) internal {
        if (eventHash == bytes32(0)) revert ProductLedgerZeroValue();
        bytes32 nullifier = nullifierOf(commitment);
        Spend storage entry = _spent[nullifier];
        if (entry.kind != SpendKind.None) revert ProductLedgerAlreadySpent(nullifier, entry.kind);
        entry.by = msg.sender;
        entry.at = uint64(block.timestamp);
        entry.kind = kind;
        emit ItemSpent(nullifier, msg.sender, kind, eventHash);
    }

    /// @dev OpenZeppelin StandardMerkleTree leaf of `(bytes32 commitment)`.
    function _leaf(bytes32 commitment) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(commitment))));
    }

    function _roleOf(address account) internal view returns (ITradingPartners.PartnerRole) {
        return ITradingPartners(partners).activeRole(account);
    }

    function _isRegistrar(address account) internal view returns (bool) {
        address directory = ITradingPartners(partners).directory();
        return IAccessControl(directory).hasRole(IDirectory(directory).REGISTRAR_ROLE(), account);
    }
}
