// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Action, ConsentTerms, Purpose} from "../types/Access.sol";

/// @title Carechain consent registry
/// @notice Access-control lists that patients own. A grant gives one grantee a scope (record categories x
/// read/write), the purposes of use it may act for, and an expiry. {canAccess} answers the one policy question
/// that the record registry and the SDK both ask.
interface IConsentRegistry {
    /// @notice Emitted when `actor` (the patient) grants `grantee` the `terms` on `patient`'s records.
    /// A new grant to the same grantee replaces the previous one.
    event ConsentGranted(address indexed patient, address indexed grantee, address indexed actor, ConsentTerms terms);
    /// @notice Emitted when `actor` (the patient) revokes the grant of `grantee`.
    event ConsentRevoked(address indexed patient, address indexed grantee, address indexed actor);

    /// @notice `account` is not a registered patient, so it has no records to consent for.
    error ConsentPatientNotRegistered(address account);
    /// @notice `grantee` is neither a registered patient nor a credentialed provider.
    error ConsentGranteeNotRegistered(address grantee);
    /// @notice A patient always has access to its own records and cannot grant itself.
    error ConsentSelfGrant(address patient);
    /// @notice A grant must allow at least one category for reading or writing.
    error ConsentEmptyScope();
    /// @notice `purposes` is empty or names a purpose that does not exist.
    error ConsentInvalidPurposes(uint32 purposes);
    /// @notice `expiresAt` is not in the future (`timestamp` is the current block time).
    error ConsentExpiryNotInFuture(uint64 expiresAt, uint256 timestamp);
    /// @notice `grantee` holds no grant from `patient`.
    error ConsentNotFound(address patient, address grantee);

    /// @notice Grants `grantee` access to the caller's records on `terms`, replacing any earlier grant.
    /// @param grantee A registered patient or credentialed provider, not the caller.
    /// @param terms Read and write category masks, purpose mask and expiry (unix seconds, exclusive).
    function grant(address grantee, ConsentTerms calldata terms) external;

    /// @notice Revokes the caller's grant to `grantee`, effective in this block.
    function revoke(address grantee) external;

    /// @notice The current grant terms of `patient` to `grantee` (all zero when none; may be expired).
    function consentOf(address patient, address grantee) external view returns (ConsentTerms memory);

    /// @notice Whether `grantee` may perform `action` on `patient`'s records of `category` for some purpose.
    /// @dev True for the patient itself. False for a suspended provider, after revoke, and from `expiresAt` on.
    function canAccess(address patient, address grantee, uint8 category, Action action) external view returns (bool);

    /// @notice {canAccess} restricted to one purpose of use.
    function canAccessForPurpose(address patient, address grantee, uint8 category, Action action, Purpose purpose)
        external
        view
        returns (bool);
}
