// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

import {IDirectory} from "./interfaces/IDirectory.sol";
import {X25519} from "./libraries/X25519.sol";

/// @title Directory
/// @notice Implementation of {IDirectory}. An account is either a patient or a provider, never both: a clinician
/// who is also a patient uses a separate account for each role, so that every key has one meaning.
contract Directory is IDirectory, AccessControl, EIP712 {
    /// @inheritdoc IDirectory
    bytes32 public constant REGISTRAR_ROLE = keccak256("carechain.registrar");
    /// @inheritdoc IDirectory
    bytes32 public constant REGISTER_PATIENT_TYPEHASH = keccak256(
        "RegisterPatient(address patient,bytes32 encryptionKey,uint256 deadline)"
    );

    uint64 private constant _MIN_BREAK_GLASS = 1 minutes;
    uint64 private constant _MAX_BREAK_GLASS = 7 days;
    uint64 private constant _MIN_RATE_WINDOW = 1 minutes;
    uint64 private constant _MAX_RATE_WINDOW = 30 days;
    uint64 private constant _MIN_COOLDOWN = 1 minutes;
    uint64 private constant _MAX_COOLDOWN = 7 days;

    /// @inheritdoc IDirectory
    address public emergencyCustodian;
    /// @inheritdoc IDirectory
    uint64 public breakGlassMaxDuration = 24 hours;

    BreakGlassLimits private _breakGlassLimits = BreakGlassLimits({
        maxPerProvider: 20,
        maxPerPatient: 5,
        window: 24 hours,
        cooldown: 15 minutes
    });

    /// @dev What the account's patient or provider entry holds besides its key. One slot: registeredAt (64) |
    /// keyRotatedAt (64).
    struct PatientDates {
        uint64 registeredAt;
        uint64 keyRotatedAt;
    }

    /// @dev One slot: kind (8) | suspended (8) | registeredAt (64).
    struct ProviderStatus {
        ProviderKind kind;
        bool suspended;
        uint64 registeredAt;
    }

    /// @dev Bit 255 of an X25519 key's RFC 7748 encoding: the top bit of its last byte, the low byte of the
    /// `bytes32`. Never set in a key the Directory accepts ({X25519.problem} refuses it as non-canonical), so
    /// `_keys` uses it to mark providers.
    bytes32 private constant _PROVIDER_FLAG = bytes32(uint256(0x80));

    /// @dev One slot answers "is this account registered, as what, and with which key": zero for an unknown account,
    /// else its encryption key, with {_PROVIDER_FLAG} set for a provider (clear for a patient). The consent checks
    /// (`isPatient`, `encryptionKeyOf`) read this slot only.
    mapping(address account => bytes32 keyAndRole) private _keys;
    mapping(address account => PatientDates) private _patients;
    mapping(address account => ProviderStatus) private _providers;
    mapping(address account => bytes32 documentDigest) private _pqKeys;

    /// @param admin Holds DEFAULT_ADMIN_ROLE (grants and revokes registrars).
    /// @param registrar The first credentialing authority.
    constructor(address admin, address registrar) EIP712("Carechain Directory", "1") {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(REGISTRAR_ROLE, registrar);
    }

    /// @inheritdoc IDirectory
    function registerPatient(bytes32 encryptionKey) external {
        _registerPatient(msg.sender, encryptionKey);
    }

    /// @inheritdoc IDirectory
    function registerPatientBySig(
        address account,
        bytes32 encryptionKey,
        uint256 deadline,
        bytes calldata signature
    ) external {
        if (account == address(0)) revert DirectoryZeroAddress();
        if (block.timestamp > deadline) revert DirectorySignatureExpired(deadline, block.timestamp);
        bytes32 structHash = keccak256(abi.encode(REGISTER_PATIENT_TYPEHASH, account, encryptionKey, deadline));
        if (!SignatureChecker.isValidSignatureNow(account, _hashTypedDataV4(structHash), signature)) {
            revert DirectoryInvalidSignature(account);
        }
        _registerPatient(account, encryptionKey);
    }

    /// @inheritdoc IDirectory
    function rotatePatientKey(bytes32 encryptionKey) external {
        _requireKey(encryptionKey);
        bytes32 previousKey = _keys[msg.sender];
        if (previousKey == bytes32(0) || previousKey & _PROVIDER_FLAG != 0) {
            revert DirectoryPatientNotRegistered(msg.sender);
        }
        _keys[msg.sender] = encryptionKey;
        _patients[msg.sender].keyRotatedAt = uint64(block.timestamp);
        emit PatientKeyRotated(msg.sender, previousKey, encryptionKey);
    }

    /// @inheritdoc IDirectory
    function registerProvider(
        address account,
        ProviderKind kind,
        bytes32 encryptionKey
    ) external onlyRole(REGISTRAR_ROLE) {
        if (account == address(0)) revert DirectoryZeroAddress();
        if (kind == ProviderKind.None) revert DirectoryInvalidProviderKind();
        _requireKey(encryptionKey);
        _requireUnregistered(account);
        _keys[account] = encryptionKey | _PROVIDER_FLAG;
        _providers[account] = ProviderStatus(kind, false, uint64(block.timestamp));
        emit ProviderRegistered(account, kind, msg.sender, encryptionKey);
    }

    /// @inheritdoc IDirectory
    function rotateProviderKey(bytes32 encryptionKey) external {
        _requireKey(encryptionKey);
        _requireProvider(msg.sender);
        bytes32 previousKey = _keys[msg.sender] & ~_PROVIDER_FLAG;
        _keys[msg.sender] = encryptionKey | _PROVIDER_FLAG;
        emit ProviderKeyRotated(msg.sender, previousKey, encryptionKey);
    }

    /// @inheritdoc IDirectory
    function suspendProvider(address account) external onlyRole(REGISTRAR_ROLE) {
        _setSuspended(account, true);
        emit ProviderSuspended(account, msg.sender);
    }

    /// @inheritdoc IDirectory
    function reinstateProvider(address account) external onlyRole(REGISTRAR_ROLE) {
        _setSuspended(account, false);
        emit ProviderReinstated(account, msg.sender);
    }

    /// @inheritdoc IDirectory
    function setEmergencyCustodian(address custodian) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (custodian != address(0)) {
            ProviderStatus storage entry = _providers[custodian];
            if (entry.kind != ProviderKind.Emergency || entry.suspended) revert DirectoryInvalidCustodian(custodian);
        }
        emergencyCustodian = custodian;
        emit EmergencyCustodianSet(custodian);
    }

    /// @inheritdoc IDirectory
    function setBreakGlassMaxDuration(uint64 maxDuration) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (maxDuration < _MIN_BREAK_GLASS || maxDuration > _MAX_BREAK_GLASS) {
            revert DirectoryInvalidBreakGlassDuration(maxDuration);
        }
        breakGlassMaxDuration = maxDuration;
        emit BreakGlassMaxDurationSet(maxDuration);
    }

    /// @inheritdoc IDirectory
    function setBreakGlassLimits(BreakGlassLimits calldata limits) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (
            limits.maxPerProvider == 0 ||
            limits.maxPerPatient == 0 ||
            limits.window < _MIN_RATE_WINDOW ||
            limits.window > _MAX_RATE_WINDOW ||
            limits.cooldown < _MIN_COOLDOWN ||
            limits.cooldown > _MAX_COOLDOWN
        ) {
            revert DirectoryInvalidBreakGlassLimits(
                limits.maxPerProvider,
                limits.maxPerPatient,
                limits.window,
                limits.cooldown
            );
        }
        _breakGlassLimits = limits;
        emit BreakGlassLimitsSet(limits.maxPerProvider, limits.maxPerPatient, limits.window, limits.cooldown);
    }

    /// @inheritdoc IDirectory
    function breakGlassLimits() external view returns (BreakGlassLimits memory) {
        return _breakGlassLimits;
    }

    /// @inheritdoc IDirectory
    function patient(address account) external view returns (PatientRecord memory entry) {
        if (!isPatient(account)) return entry;
        PatientDates storage dates = _patients[account];
        entry = PatientRecord(_keys[account], dates.registeredAt, dates.keyRotatedAt);
    }

    /// @inheritdoc IDirectory
    function provider(address account) external view returns (ProviderRecord memory entry) {
        ProviderStatus storage status = _providers[account];
        if (status.kind == ProviderKind.None) return entry;
        entry = ProviderRecord(_keys[account] & ~_PROVIDER_FLAG, status.kind, status.suspended, status.registeredAt);
    }

    /// @inheritdoc IDirectory
    function isPatient(address account) public view returns (bool) {
        bytes32 entry = _keys[account];
        return entry != bytes32(0) && entry & _PROVIDER_FLAG == 0;
    }

    /// @inheritdoc IDirectory
    function isActiveProvider(address account) external view returns (bool) {
        ProviderStatus storage entry = _providers[account];
        return entry.kind != ProviderKind.None && !entry.suspended;
    }

    /// @inheritdoc IDirectory
    function isSuspended(address account) external view returns (bool) {
        return _providers[account].suspended;
    }

    /// @inheritdoc IDirectory
    function encryptionKeyOf(address account) external view returns (bytes32) {
        return _keys[account] & ~_PROVIDER_FLAG;
    }

    /// @inheritdoc IDirectory
    function setPqKey(bytes32 documentDigest) external {
        if (_keys[msg.sender] == bytes32(0)) revert DirectoryAccountNotRegistered(msg.sender);
        _pqKeys[msg.sender] = documentDigest;
        emit PqKeySet(msg.sender, documentDigest);
    }

    /// @inheritdoc IDirectory
    function pqKeyOf(address account) external view returns (bytes32) {
        return _pqKeys[account];
    }

    function _registerPatient(address account, bytes32 encryptionKey) private {
        _requireKey(encryptionKey);
        _requireUnregistered(account);
        _keys[account] = encryptionKey;
        _patients[account] = PatientDates(uint64(block.timestamp), 0);
        emit PatientRegistered(account, encryptionKey);
    }

    function _setSuspended(address account, bool suspended) private {
        ProviderStatus storage entry = _requireProvider(account);
        if (entry.suspended == suspended) revert DirectoryProviderSuspensionUnchanged(account, suspended);
        entry.suspended = suspended;
    }

    function _requireProvider(address account) private view returns (ProviderStatus storage entry) {
        entry = _providers[account];
        if (entry.kind == ProviderKind.None) revert DirectoryProviderNotRegistered(account);
    }

    function _requireUnregistered(address account) private view {
        if (_keys[account] != bytes32(0)) {
            revert DirectoryAlreadyRegistered(account);
        }
    }

    /// @dev Refuses zero, non-canonical and small-order X25519 keys (see {X25519}).
    function _requireKey(bytes32 encryptionKey) private pure {
        if (encryptionKey == bytes32(0)) revert DirectoryInvalidEncryptionKey();
        X25519.Problem problem = X25519.problem(encryptionKey);
        if (problem == X25519.Problem.NonCanonical) revert DirectoryNonCanonicalEncryptionKey(encryptionKey);
        if (problem == X25519.Problem.LowOrder) revert DirectoryLowOrderEncryptionKey(encryptionKey);
    }
}
