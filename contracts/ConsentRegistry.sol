// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IConsentRegistry} from "./interfaces/IConsentRegistry.sol";
import {IDirectory} from "./interfaces/IDirectory.sol";
import {Action, ConsentTerms, ConsentTermsLib, MAX_CATEGORY, Purpose} from "./types/Access.sol";

/// @title ConsentRegistry
/// @notice Implementation of {IConsentRegistry}: one grant per (patient, grantee), one storage slot per grant.
contract ConsentRegistry is IConsentRegistry {
    using ConsentTermsLib for ConsentTerms;

    /// @dev Mask of every purpose that {Purpose} defines.
    uint32 private constant _ALL_PURPOSES = uint32((1 << (uint256(type(Purpose).max) + 1)) - 1);

    /// @notice The identity directory this registry trusts for patients, providers and suspensions.
    IDirectory public immutable directory;

    mapping(address patient => mapping(address grantee => ConsentTerms)) private _consents;

    constructor(IDirectory directory_) {
        directory = directory_;
    }

    /// @inheritdoc IConsentRegistry
    function grant(address grantee, ConsentTerms calldata terms) external {
        _grant(msg.sender, grantee, terms, msg.sender);
    }

    /// @inheritdoc IConsentRegistry
    function revoke(address grantee) external {
        _revoke(msg.sender, grantee, msg.sender);
    }

    /// @inheritdoc IConsentRegistry
    function consentOf(address patient, address grantee) external view returns (ConsentTerms memory) {
        return _consents[patient][grantee];
    }

    /// @inheritdoc IConsentRegistry
    function canAccess(address patient, address grantee, uint8 category, Action action) external view returns (bool) {
        return _canAccess(patient, grantee, category, action, _ALL_PURPOSES);
    }

    /// @inheritdoc IConsentRegistry
    function canAccessForPurpose(address patient, address grantee, uint8 category, Action action, Purpose purpose)
        external
        view
        returns (bool)
    {
        return _canAccess(patient, grantee, category, action, uint32(1) << uint8(purpose));
    }

    /// @dev Checks and stores a grant made by `actor` on behalf of `patient`.
    function _grant(address patient, address grantee, ConsentTerms calldata terms, address actor) internal {
        if (!directory.isPatient(patient)) revert ConsentPatientNotRegistered(patient);
        if (grantee == patient) revert ConsentSelfGrant(patient);
        if (directory.encryptionKeyOf(grantee) == bytes32(0)) revert ConsentGranteeNotRegistered(grantee);
        if (terms.readMask | terms.writeMask == 0) revert ConsentEmptyScope();
        if (terms.purposes == 0 || terms.purposes & ~_ALL_PURPOSES != 0) revert ConsentInvalidPurposes(terms.purposes);
        if (terms.expiresAt <= block.timestamp) revert ConsentExpiryNotInFuture(terms.expiresAt, block.timestamp);
        _consents[patient][grantee] = terms;
        emit ConsentGranted(patient, grantee, actor, terms);
    }

    /// @dev Deletes the grant of `grantee` on `patient`'s records; `actor` is who asked.
    function _revoke(address patient, address grantee, address actor) internal {
        if (_consents[patient][grantee].expiresAt == 0) revert ConsentNotFound(patient, grantee);
        delete _consents[patient][grantee];
        emit ConsentRevoked(patient, grantee, actor);
    }

    function _canAccess(address patient, address grantee, uint8 category, Action action, uint32 purposes)
        private
        view
        returns (bool)
    {
        if (grantee == patient) return category <= MAX_CATEGORY && directory.isPatient(patient);
        if (!_consents[patient][grantee].allows(category, action, purposes, block.timestamp)) return false;
        return !directory.isSuspended(grantee);
    }
}
