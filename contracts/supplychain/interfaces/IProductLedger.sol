// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title Carechain drug supply chain: product ledger
/// @notice Commitments only. A lot is commissioned by anchoring the Merkle root of salted commitments to its units
/// (one transaction per lot, whatever its size); a change of ownership anchors the EPCIS Event Hash of the shipping
/// event, the root of the shipped units and a salted commitment to the recipient; dispensing and decommissioning
/// spend a unit by its nullifier; a lot can be recalled. No GTIN, serial, lot number, expiry, price, quantity or
/// recipient appears on chain: lot ids are salted hashes, units are salted commitments inside roots, and a spent
/// unit is known only by its nullifier.
/// @dev Leaves are OpenZeppelin StandardMerkleTree leaves of `(bytes32 commitment)`:
/// `keccak256(bytes.concat(keccak256(abi.encode(commitment))))`, where the SDK computes
/// `commitment = keccak256(abi.encode(salt, gtin, serial, lot, expiry))` with a salt per unit.
interface IProductLedger {
    /// @notice How a unit left the supply chain.
    enum SpendKind {
        None,
        Dispensed,
        Decommissioned
    }

    /// @notice What {itemStatus} finds for a unit.
    enum ItemStatus {
        NotCommissioned,
        Active,
        Recalled,
        Dispensed,
        Decommissioned
    }

    /// @notice The kind of a suspect-product alert.
    enum SuspectKind {
        None,
        Counterfeit,
        Diverted,
        DoubleDispense,
        Expired,
        Recalled
    }

    /// @notice A commissioned lot, as {lot} returns it.
    /// @dev Two slots: itemsRoot, and commissioner (160) | commissionedAt (64) | recalled (8).
    struct Lot {
        bytes32 itemsRoot;
        address commissioner;
        uint64 commissionedAt;
        bool recalled;
    }

    /// @notice An anchored change of ownership, as {shipment} returns it.
    /// @dev Three slots: itemsRoot, recipientCommitment, and shipper (160) | shippedAt (64).
    struct Shipment {
        bytes32 itemsRoot;
        bytes32 recipientCommitment;
        address shipper;
        uint64 shippedAt;
    }

    /// @notice A spent unit, as {spent} returns it.
    /// @dev One slot: by (160) | at (64) | kind (8).
    struct Spend {
        address by;
        uint64 at;
        SpendKind kind;
    }

    /// @notice Emitted when `commissioner` commissions lot `lotId` with the units under `itemsRoot`, described by
    /// the EPCIS commissioning event `eventHash`.
    event LotCommissioned(bytes32 indexed lotId, address indexed commissioner, bytes32 itemsRoot, bytes32 eventHash);
    /// @notice Emitted when `shipper` ships the units under `itemsRoot` to the recipient committed to by
    /// `recipientCommitment`; `eventHash` is the EPCIS shipping event and the shipment's id.
    event ShipmentAnchored(
        bytes32 indexed eventHash,
        address indexed shipper,
        bytes32 recipientCommitment,
        bytes32 itemsRoot
    );
    /// @notice Emitted when `by` dispenses or decommissions the unit whose nullifier is `nullifier`.
    event ItemSpent(bytes32 indexed nullifier, address indexed by, SpendKind kind, bytes32 eventHash);
    /// @notice Emitted when `by` recalls lot `lotId`.
    event LotRecalled(bytes32 indexed lotId, address indexed by, bytes32 eventHash);
    /// @notice Emitted when `reporter` raises a suspect-product alert whose encrypted document has digest
    /// `alertDigest` (readable by the partners it is encrypted to).
    event SuspectReported(address indexed reporter, SuspectKind kind, bytes32 alertDigest);

    /// @notice `account` is not an active partner in a role that may do this.
    error ProductLedgerUnauthorizedPartner(address account);
    /// @notice Lot `lotId` is already commissioned.
    error ProductLedgerLotExists(bytes32 lotId);
    /// @notice Lot `lotId` is not commissioned.
    error ProductLedgerUnknownLot(bytes32 lotId);
    /// @notice A shipment with event hash `eventHash` is already anchored.
    error ProductLedgerShipmentExists(bytes32 eventHash);
    /// @notice A zero lot id, root, event hash, commitment or digest was given.
    error ProductLedgerZeroValue();
    /// @notice The unit is not in lot `lotId` (its proof does not lead to the lot's root).
    error ProductLedgerNotCommissioned(bytes32 lotId, bytes32 commitment);
    /// @notice Lot `lotId` is recalled: its units can be neither dispensed nor decommissioned as saleable.
    error ProductLedgerLotRecalled(bytes32 lotId);
    /// @notice The unit with nullifier `nullifier` was already spent (`kind`).
    error ProductLedgerAlreadySpent(bytes32 nullifier, SpendKind kind);
    /// @notice Only the lot's commissioner or a Directory registrar may recall lot `lotId`.
    error ProductLedgerUnauthorizedRecall(bytes32 lotId, address account);
    /// @notice Lot `lotId` is already recalled.
    error ProductLedgerAlreadyRecalled(bytes32 lotId);

    /// @notice Commissions lot `lotId`: anchors the root of its units' commitments.
    /// @dev Requirements: the caller is an active Manufacturer or Repackager; `lotId`, `itemsRoot` and `eventHash`
    /// are not zero; the lot is new. Emits a {LotCommissioned} event.
    /// @param lotId keccak256(abi.encode(lotSalt, gtin, lot)), opaque to anyone without the salt.
    /// @param itemsRoot The StandardMerkleTree root of the lot's unit commitments.
    /// @param eventHash The SHA-256 digest of the EPCIS commissioning event's Event Hash ID.
    function commission(bytes32 lotId, bytes32 itemsRoot, bytes32 eventHash) external;

    /// @notice Anchors a change of ownership of the units under `itemsRoot` from the caller to a recipient.
    /// @dev Requirements: the caller is an active partner; no value is zero; `eventHash` is new. Emits a
    /// {ShipmentAnchored} event.
    /// @param eventHash The SHA-256 digest of the EPCIS shipping event's Event Hash ID (the shipment's id).
    /// @param recipientCommitment keccak256(abi.encode(recipient, salt)): the recipient, hidden.
    /// @param itemsRoot The StandardMerkleTree root of the shipped units' commitments.
    function ship(bytes32 eventHash, bytes32 recipientCommitment, bytes32 itemsRoot) external;

    /// @notice Dispenses one unit to a patient: marks it spent.
    /// @dev Requirements: the caller is an active Dispenser; the unit is in lot `lotId` (`proof`); the lot is not
    /// recalled; the unit is not spent. Emits an {ItemSpent} event.
    /// @param lotId The unit's lot.
    /// @param commitment The unit's commitment.
    /// @param proof Its StandardMerkleTree proof against the lot's root.
    /// @param eventHash The SHA-256 digest of the EPCIS dispensing event's Event Hash ID.
    function dispense(bytes32 lotId, bytes32 commitment, bytes32[] calldata proof, bytes32 eventHash) external;

    /// @notice Decommissions one unit (destroyed, stolen, sample, returned unsaleable): marks it spent.
    /// @dev Requirements: the caller is an active partner; the unit is in lot `lotId`; it is not spent (a
    /// recalled lot's units may be decommissioned). Emits an {ItemSpent} event.
    /// @param lotId The unit's lot.
    /// @param commitment The unit's commitment.
    /// @param proof Its StandardMerkleTree proof against the lot's root.
    /// @param eventHash The SHA-256 digest of the EPCIS decommissioning event's Event Hash ID.
    function decommission(bytes32 lotId, bytes32 commitment, bytes32[] calldata proof, bytes32 eventHash) external;

    /// @notice Recalls lot `lotId`: verification and dispensing of its units stop.
    /// @dev Requirements: the caller is the lot's commissioner or holds the Directory's `REGISTRAR_ROLE`; the lot
    /// is commissioned and not yet recalled. Emits a {LotRecalled} event.
    /// @param lotId The lot.
    /// @param eventHash The SHA-256 digest of the EPCIS recall event's Event Hash ID.
    function recall(bytes32 lotId, bytes32 eventHash) external;

    /// @notice Raises a suspect-product alert.
    /// @dev Requirements: the caller is an active partner; `kind` is not `None`; `alertDigest` is not zero. Emits
    /// a {SuspectReported} event.
    /// @param kind What was found.
    /// @param alertDigest The SHA-256 digest of the encrypted alert document (its CID's digest).
    function reportSuspect(SuspectKind kind, bytes32 alertDigest) external;

    /// @notice The trading-partner registry this ledger trusts.
    function partners() external view returns (address);

    /// @notice Lot `lotId` (all zero when not commissioned).
    /// @param lotId The lot.
    function lot(bytes32 lotId) external view returns (Lot memory);

    /// @notice The shipment anchored with event hash `eventHash` (all zero when none).
    /// @param eventHash The shipping event's digest.
    function shipment(bytes32 eventHash) external view returns (Shipment memory);

    /// @notice How the unit with nullifier `nullifier` was spent (all zero when it was not).
    /// @param nullifier keccak256(abi.encode(keccak256("carechain.supplychain.spent"), commitment)).
    function spent(bytes32 nullifier) external view returns (Spend memory);

    /// @notice The nullifier of a unit commitment.
    /// @param commitment The unit's commitment.
    function nullifierOf(bytes32 commitment) external pure returns (bytes32);

    /// @notice The status of a unit: commissioned in lot `lotId`, and whether recalled or spent.
    /// @param lotId The unit's lot.
    /// @param commitment The unit's commitment.
    /// @param proof Its StandardMerkleTree proof against the lot's root.
    function itemStatus(bytes32 lotId, bytes32 commitment, bytes32[] calldata proof) external view returns (ItemStatus);

    /// @notice Whether the unit is among the units of shipment `eventHash`.
    /// @param eventHash The shipping event's digest.
    /// @param commitment The unit's commitment.
    /// @param proof Its StandardMerkleTree proof against the shipment's root.
    function inShipment(bytes32 eventHash, bytes32 commitment, bytes32[] calldata proof) external view returns (bool);
}
