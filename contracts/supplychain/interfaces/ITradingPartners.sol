// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title Carechain drug supply chain: trading-partner registry
/// @notice The authorised trading partners of the drug supply chain (manufacturers, repackagers, wholesale
/// distributors, dispensers), credentialed, suspended and reinstated by the registrars of the core Carechain
/// {IDirectory} (its `REGISTRAR_ROLE`), so one governance credentials providers and partners alike.
/// Holds no business data: a partner's GLN and its licence reference stay off chain; the registry keeps only a
/// salted commitment to the GLN and a salted hash of the licence reference, which a counterparty given the clear
/// values (and the salts) checks with {partner}.
interface ITradingPartners {
    /// @notice What a partner does in the chain of custody. `None` means "not a partner".
    enum PartnerRole {
        None,
        Manufacturer,
        Repackager,
        Wholesaler,
        Dispenser
    }

    /// @notice A credentialed partner, as {partner} returns it.
    /// @dev Three slots: glnCommitment, licenceHash, and role (8) | suspended (8) | credentialedAt (64).
    struct Partner {
        bytes32 glnCommitment;
        bytes32 licenceHash;
        PartnerRole role;
        bool suspended;
        uint64 credentialedAt;
    }

    /// @notice Emitted when `registrar` credentials `partner` in `role`.
    event PartnerCredentialed(
        address indexed partner,
        PartnerRole role,
        bytes32 glnCommitment,
        bytes32 licenceHash,
        address indexed registrar
    );
    /// @notice Emitted when `registrar` suspends `partner`.
    event PartnerSuspended(address indexed partner, address indexed registrar);
    /// @notice Emitted when `registrar` reinstates `partner`.
    event PartnerReinstated(address indexed partner, address indexed registrar);

    /// @notice The caller holds no `REGISTRAR_ROLE` in the core Directory.
    error TradingPartnersUnauthorizedRegistrar(address account);
    /// @notice `partner` is already credentialed.
    error TradingPartnersAlreadyCredentialed(address partner);
    /// @notice `partner` is not credentialed.
    error TradingPartnersNotCredentialed(address partner);
    /// @notice The zero address was given as a partner or as the directory.
    error TradingPartnersZeroAddress();
    /// @notice `None` was given as a role, or a zero GLN commitment or licence hash.
    error TradingPartnersInvalidCredential();
    /// @notice `partner`'s suspension is already `suspended`.
    error TradingPartnersSuspensionUnchanged(address partner, bool suspended);

    /// @notice Credentials `partner` as `role` with salted commitments to its GLN and its licence reference.
    /// @dev Requirements: the caller holds the Directory's `REGISTRAR_ROLE`; `partner` is not zero and not yet
    /// credentialed; `role` is not `None`; neither hash is zero. Emits a {PartnerCredentialed} event.
    /// @param partner The partner's account.
    /// @param role What the partner does.
    /// @param glnCommitment keccak256(abi.encode(salt, gln)) of its GLN (the SDK's `glnCommitment`).
    /// @param licenceHash keccak256(abi.encode(salt, licence)) of its licence reference (e.g. the state licence number
    /// and issuer), salted because licence numbers are guessable (the SDK's `licenceCommitment`).
    function credential(address partner, PartnerRole role, bytes32 glnCommitment, bytes32 licenceHash) external;

    /// @notice Suspends `partner`: it can no longer commission, ship, dispense or decommission.
    /// @dev Requirements: the caller holds the Directory's `REGISTRAR_ROLE`; `partner` is credentialed and active.
    /// Emits a {PartnerSuspended} event.
    /// @param partner The partner to suspend.
    function suspend(address partner) external;

    /// @notice Reinstates a suspended `partner`.
    /// @dev Requirements: the caller holds the Directory's `REGISTRAR_ROLE`; `partner` is credentialed and suspended.
    /// Emits a {PartnerReinstated} event.
    /// @param partner The partner to reinstate.
    function reinstate(address partner) external;

    /// @notice The core Carechain Directory whose registrars govern this registry.
    function directory() external view returns (address);

    /// @notice The credential of `account` (all zero for an account that is not a partner).
    /// @param account The account to look up.
    function partner(address account) external view returns (Partner memory);

    /// @notice The role of `account` if it is a credentialed, unsuspended partner, else `None`.
    /// @param account The account to look up.
    function activeRole(address account) external view returns (PartnerRole);
}
