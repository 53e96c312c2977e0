// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

import {IDirectory} from "../interfaces/IDirectory.sol";
import {ITradingPartners} from "./interfaces/ITradingPartners.sol";

/// @title TradingPartners
/// @notice Implementation of {ITradingPartners}: the registrars are the core Directory's, read on every call, so a
/// registrar added or removed there is one here too.
contract TradingPartners is ITradingPartners {
    /// @inheritdoc ITradingPartners
    address public immutable directory;

    /// @dev The Directory's `REGISTRAR_ROLE`, read once at construction (a constant of the Directory).
    bytes32 private immutable _registrarRole;

    mapping(address account => Partner) private _partners;

    /// @param directory_ The core Carechain Directory.
    constructor(address directory_) {
        if (directory_ == address(0)) revert TradingPartnersZeroAddress();
        directory = directory_;
        _registrarRole = IDirectory(directory_).REGISTRAR_ROLE();
    }

    modifier onlyRegistrar() {
        if (!IAccessControl(directory).hasRole(_registrarRole, msg.sender)) {
            revert TradingPartnersUnauthorizedRegistrar(msg.sender);
        }
        _;
    }

    /// @inheritdoc ITradingPartners
    function credential(
        address account,
        PartnerRole role,
        bytes32 glnCommitment,
        bytes32 licenceHash
    ) external onlyRegistrar {
        if (account == address(0)) revert TradingPartnersZeroAddress();
        if (role == PartnerRole.None || glnCommitment == bytes32(0) || licenceHash == bytes32(0)) {
            revert TradingPartnersInvalidCredential();
        }
        if (_partners[account].role != PartnerRole.None) revert TradingPartnersAlreadyCredentialed(account);
        _partners[account] = Partner({
            glnCommitment: glnCommitment,
            licenceHash: licenceHash,
            role: role,
            suspended: false,
            credentialedAt: uint64(block.timestamp)
        });
        emit PartnerCredentialed(account, role, glnCommitment, licenceHash, msg.sender);
    }

    /// @inheritdoc ITradingPartners
    function suspend(address account) external onlyRegistrar {
        _setSuspended(account, true);
        emit PartnerSuspended(account, msg.sender);
    }

    /// @inheritdoc ITradingPartners
    function reinstate(address account) external onlyRegistrar {
        _setSuspended(account, false);
        emit PartnerReinstated(account, msg.sender);
    }

    /// @inheritdoc ITradingPartners
    function partner(address account) external view returns (Partner memory) {
        return _partners[account];
    }

    /// @inheritdoc ITradingPartners
    function activeRole(address account) external view returns (PartnerRole) {
        Partner storage entry = _partners[account];
        return entry.suspended ? PartnerRole.None : entry.role;
    }

    function _setSuspended(address account, bool suspended) internal {
        Partner storage entry = _partners[account];
        if (entry.role == PartnerRole.None) revert TradingPartnersNotCredentialed(account);
        if (entry.suspended == suspended) revert TradingPartnersSuspensionUnchanged(account, suspended);
        entry.suspended = suspended;
    }
}
