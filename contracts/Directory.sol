// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

import {IDirectory} from "./interfaces/IDirectory.sol";
import {X25519} from "./libraries/X25519.sol";

/// @title Directory
/// @notice Implementation of {IDirectory}. An account is either a patient or a provider, never both: a clinician
/// who is also a patient uses a separate account for each role, so that every key has one meaning.
contract Directory is IDirectory, AccessControl {
    /// @inheritdoc IDirectory
    bytes32 public constant REGISTRAR_ROLE = keccak256("carechain.registrar");

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

    mapping(address account => PatientRecord) private _patients;
    mapping(address account => ProviderRecord) private _providers;

    /// @param admin Holds DEFAULT_ADMIN_ROLE (grants and revokes registrars).
    /// @param registrar The first credentialing authority.
    constructor(address admin, address registrar) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(REGISTRAR_ROLE, registrar);
    }

    /// @inheritdoc IDirectory
    function registerPatient(bytes32 encryptionKey) external {
        _requireKey(encryptionKey);
        _requireUnregistered(msg.sender);
        _patients[msg.sender] = PatientRecord(encryptionKey, uint64(block.timestamp), 0);
        emit PatientRegistered(msg.sender, encryptionKey);
    }

    /// @inheritdoc IDirectory
    function rotatePatientKey(bytes32 encryptionKey) external {
        _requireKey(encryptionKey);
        PatientRecord storage entry = _patients[msg.sender];
        bytes32 previousKey = entry.encryptionKey;
        if (previousKey == bytes32(0)) revert DirectoryPatientNotRegistered(msg.sender);
        entry.encryptionKey = encryptionKey;
        entry.keyRotatedAt = uint64(block.timestamp);
        emit PatientKeyRotated(msg.sender, previousKey, encryptionKey);
    }

    /// @inheritdoc IDirectory
    function registerProvider(address account, ProviderKind kind, bytes32 encryptionKey)
        external
        onlyRole(REGISTRAR_ROLE)
    {
        if (account == address(0)) revert DirectoryZeroAddress();
        if (kind == ProviderKind.None) revert DirectoryInvalidProviderKind();
        _requireKey(encryptionKey);
        _requireUnregistered(account);
        _providers[account] = ProviderRecord(encryptionKey, kind, false, uint64(block.timestamp));
        emit ProviderRegistered(account, kind, msg.sender, encryptionKey);
    }

    /// @inheritdoc IDirectory
    function rotateProviderKey(bytes32 encryptionKey) external {
        _requireKey(encryptionKey);
        ProviderRecord storage entry = _requireProvider(msg.sender);
        bytes32 previousKey = entry.encryptionKey;
        entry.encryptionKey = encryptionKey;
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
            ProviderRecord storage entry = _providers[custodian];
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
            limits.maxPerProvider == 0 || limits.maxPerPatient == 0 || limits.window < _MIN_RATE_WINDOW
                || limits.window > _MAX_RATE_WINDOW || limits.cooldown < _MIN_COOLDOWN || limits.cooldown > _MAX_COOLDOWN
        ) {
            revert DirectoryInvalidBreakGlassLimits(
                limits.maxPerProvider, limits.maxPerPatient, limits.window, limits.cooldown
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
    function patient(address account) external view returns (PatientRecord memory) {
        return _patients[account];
    }

    /// @inheritdoc IDirectory
    function provider(address account) external view returns (ProviderRecord memory) {
        return _providers[account];
    }

    /// @inheritdoc IDirectory
    function isPatient(address account) public view returns (bool) {
        return _patients[account].encryptionKey != bytes32(0);
    }

    /// @inheritdoc IDirectory
    function isActiveProvider(address account) external view returns (bool) {
        ProviderRecord storage entry = _providers[account];
        return entry.kind != ProviderKind.None && !entry.suspended;
    }

    /// @inheritdoc IDirectory
    function isSuspended(address account) external view returns (bool) {
        return _providers[account].suspended;
    }

    /// @inheritdoc IDirectory
    function encryptionKeyOf(address account) external view returns (bytes32) {
        bytes32 key = _patients[account].encryptionKey;
        return key != bytes32(0) ? key : _providers[account].encryptionKey;
    }

    function _setSuspended(address account, bool suspended) private {
        ProviderRecord storage entry = _requireProvider(account);
        if (entry.suspended == suspended) revert DirectoryProviderSuspensionUnchanged(account, suspended);
        entry.suspended = suspended;
    }

    function _requireProvider(address account) private view returns (ProviderRecord storage entry) {
        entry = _providers[account];
        if (entry.kind == ProviderKind.None) revert DirectoryProviderNotRegistered(account);
    }

    function _requireUnregistered(address account) private view {
        if (isPatient(account) || _providers[account].kind != ProviderKind.None) {
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
