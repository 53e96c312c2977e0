// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {IDirectory} from "../../interfaces/IDirectory.sol";

/// @title Carechain coverage policy registry
/// @notice Insurers publish coverage policies as versioned documents: each version is the SHA-256 of the policy's
/// canonical JSON and the CID of that document (covered services, allowed amounts, deductibles, co-insurance,
/// prior-authorisation rules, filing deadline), plus the terms the claim contract enforces (adjudication deadline,
/// appeal window, the arbiter of escalated claims). A policy holds no patient data. A policy names its settlement
/// token and its escrow periods once, at its first version; later versions change the document and the terms.
interface IPolicyRegistry {
    /// @notice What a policy is fixed to at its first version.
    /// @dev Two slots: insurer (160) | periodStart (64); token (160) | periodLength (64) | versions (32).
    struct Policy {
        address insurer;
        uint64 periodStart;
        IERC20 token;
        uint64 periodLength;
        uint32 versions;
    }

    /// @notice The terms of one policy version that the claim contract enforces, and where its document is.
    /// @dev `adjudicationPeriod`: seconds the insurer has to adjudicate a claim after its submission (and again
    /// after an appeal); `appealWindow`: seconds the provider has to appeal an adjudication; `arbiter`: who decides
    /// a claim the insurer let escalate. Slots: documentHash; arbiter (160) | effectiveFrom (64) |
    /// adjudicationPeriod (32); appealWindow (32) | publishedAt (64); the CID.
    struct PolicyVersion {
        bytes32 documentHash;
        address arbiter;
        uint64 effectiveFrom;
        uint32 adjudicationPeriod;
        uint32 appealWindow;
        uint64 publishedAt;
        bytes documentCid;
    }

    /// @notice The terms an insurer publishes a version with (see {PolicyVersion}).
    struct PolicyTerms {
        address arbiter;
        uint64 effectiveFrom;
        uint32 adjudicationPeriod;
        uint32 appealWindow;
    }

    /// @notice Emitted when `insurer` creates policy `policyId` settled in `token`, in escrow periods of
    /// `periodLength` seconds from `periodStart`.
    event PolicyCreated(
        bytes32 indexed policyId,
        address indexed insurer,
        IERC20 token,
        uint64 periodStart,
        uint64 periodLength
    );

    /// @notice Emitted when version `version` of policy `policyId` is published.
    event PolicyVersionPublished(
        bytes32 indexed policyId,
        uint32 indexed version,
        bytes32 documentHash,
        bytes documentCid,
        address arbiter,
        uint64 effectiveFrom,
        uint32 adjudicationPeriod,
        uint32 appealWindow
    );

    /// @notice Thrown when `account` publishes a policy but is not an active insurer in the Directory.
    error PolicyNotInsurer(address account);
    /// @notice Thrown when `account`, not the policy's insurer, publishes a version of `policyId`.
    error PolicyUnauthorizedInsurer(bytes32 policyId, address account);
    /// @notice Thrown when policy `policyId` does not exist.
    error PolicyNotFound(bytes32 policyId);
    /// @notice Thrown when version `version` of policy `policyId` does not exist.
    error PolicyVersionNotFound(bytes32 policyId, uint32 version);
    /// @notice Thrown when a policy is created with a zero token, or periods shorter than a day.
    error PolicyInvalidSettlement(address token, uint64 periodLength);
    /// @notice Thrown when a version's terms are unusable: zero arbiter, zero adjudication period or appeal window,
    /// or an arbiter that is the insurer itself.
    error PolicyInvalidTerms(address arbiter, uint32 adjudicationPeriod, uint32 appealWindow);
    /// @notice Thrown when a version's document hash is zero.
    error PolicyEmptyDocument();

    /// @notice Creates policy `policyId` (id = keccak256(abi.encode(msg.sender, name))) with its settlement
    /// `token` and escrow periods, and publishes its first version.
    /// @dev Requirements: the caller is an active provider of kind Insurer ({PolicyNotInsurer}); `token` non-zero
    /// and `periodLength` at least a day ({PolicyInvalidSettlement}); `documentHash` non-zero ({PolicyEmptyDocument});
    /// `documentCid` a CIDv1 sha2-256 (ContentIdInvalid); valid terms ({PolicyInvalidTerms}). Creating an existing
    /// policy publishes nothing and reverts with {PolicyUnauthorizedInsurer} (another insurer cannot collide: the id
    /// includes the insurer). Emits {PolicyCreated} and {PolicyVersionPublished}.
    /// @return policyId The policy's id.
    function createPolicy(
        bytes32 name,
        IERC20 token,
        uint64 periodStart,
        uint64 periodLength,
        bytes32 documentHash,
        bytes calldata documentCid,
        PolicyTerms calldata terms
    ) external returns (bytes32 policyId);

    /// @notice Publishes the next version of `policyId`. Earlier versions stay readable; claims name the version
    /// they were filed under.
    /// @dev Requirements: the caller is the policy's insurer and still an active Insurer; as {createPolicy} for
    /// the document and terms. Emits {PolicyVersionPublished}.
    /// @return version The new version number (the first version is 1).
    function publishVersion(
        bytes32 policyId,
        bytes32 documentHash,
        bytes calldata documentCid,
        PolicyTerms calldata terms
    ) external returns (uint32 version);

    /// @notice The Directory that says who is an insurer.
    function directory() external view returns (IDirectory);

    /// @notice The policy `policyId` (reverts with {PolicyNotFound} when it does not exist).
    function policy(bytes32 policyId) external view returns (Policy memory);

    /// @notice Version `version` of policy `policyId` (reverts with {PolicyVersionNotFound} when it does not exist).
    function policyVersion(bytes32 policyId, uint32 version) external view returns (PolicyVersion memory);

    /// @notice The escrow period that `timestamp` falls in for policy `policyId`, or reverts with
    /// {PolicyNotFound}; periods before `periodStart` do not exist and count as period 0.
    function periodAt(bytes32 policyId, uint64 timestamp) external view returns (uint32);

    /// @notice The id of the policy `insurer` creates under `name`.
    function policyIdOf(address insurer, bytes32 name) external pure returns (bytes32);
}
