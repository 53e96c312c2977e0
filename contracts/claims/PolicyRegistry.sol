// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IDirectory} from "../interfaces/IDirectory.sol";
import {ContentId} from "../libraries/ContentId.sol";
import {IPolicyRegistry} from "./interfaces/IPolicyRegistry.sol";

/// @title PolicyRegistry
/// @notice Implementation of {IPolicyRegistry}: insurers are the Directory's active providers of kind Insurer.
contract PolicyRegistry is IPolicyRegistry {
    /// @dev Shortest escrow period: a day (which also keeps period numbers within uint32 for any uint64 time).
    uint64 private constant _MIN_PERIOD = 1 days;

    /// @inheritdoc IPolicyRegistry
    IDirectory public immutable directory;

    mapping(bytes32 policyId => Policy) private _policies;
    mapping(bytes32 policyId => mapping(uint32 version => PolicyVersion)) private _versions;

    constructor(IDirectory directory_) {
        directory = directory_;
    }

    /// @inheritdoc IPolicyRegistry
    function createPolicy(
        bytes32 name,
        IERC20 token,
        uint64 periodStart,
        uint64 periodLength,
        bytes32 documentHash,
        bytes calldata documentCid,
        PolicyTerms calldata terms
    ) external returns (bytes32 policyId) {
        _requireInsurer(msg.sender);
        if (address(token) == address(0) || periodLength < _MIN_PERIOD) {
            revert PolicyInvalidSettlement(address(token), periodLength);
        }
        policyId = policyIdOf(msg.sender, name);
        if (_policies[policyId].insurer != address(0)) revert PolicyUnauthorizedInsurer(policyId, msg.sender);
        _policies[policyId] = Policy({
            insurer: msg.sender,
            periodStart: periodStart,
            token: token,
            periodLength: periodLength,
            versions: 0
        });
        emit PolicyCreated(policyId, msg.sender, token, periodStart, periodLength);
        _publish(policyId, documentHash, documentCid, terms);
    }

    /// @inheritdoc IPolicyRegistry
    function publishVersion(
        bytes32 policyId,
        bytes32 documentHash,
        bytes calldata documentCid,
        PolicyTerms calldata terms
    ) external returns (uint32 version) {
        Policy storage entry = _policies[policyId];
        if (entry.insurer == address(0)) revert PolicyNotFound(policyId);
        if (entry.insurer != msg.sender) revert PolicyUnauthorizedInsurer(policyId, msg.sender);
        _requireInsurer(msg.sender);
        return _publish(policyId, documentHash, documentCid, terms);
    }

    /// @inheritdoc IPolicyRegistry
    function policy(bytes32 policyId) external view returns (Policy memory) {
        Policy memory entry = _policies[policyId];
        if (entry.insurer == address(0)) revert PolicyNotFound(policyId);
        return entry;
    }

    /// @inheritdoc IPolicyRegistry
    function policyVersion(bytes32 policyId, uint32 version) external view returns (PolicyVersion memory) {
        if (version == 0 || version > _policies[policyId].versions) revert PolicyVersionNotFound(policyId, version);
        return _versions[policyId][version];
    }

    /// @inheritdoc IPolicyRegistry
    function periodAt(bytes32 policyId, uint64 timestamp) external view returns (uint32) {
        Policy storage entry = _policies[policyId];
        if (entry.insurer == address(0)) revert PolicyNotFound(policyId);
        if (timestamp < entry.periodStart) return 0;
        return SafeCast.toUint32((timestamp - entry.periodStart) / entry.periodLength);
    }

    /// @inheritdoc IPolicyRegistry
    function policyIdOf(address insurer, bytes32 name) public pure returns (bytes32) {
        return keccak256(abi.encode(insurer, name));
    }

    function _publish(
        bytes32 policyId,
        bytes32 documentHash,
        bytes calldata documentCid,
        PolicyTerms calldata terms
    ) private returns (uint32 version) {
        if (documentHash == bytes32(0)) revert PolicyEmptyDocument();
        ContentId.digestOf(documentCid);
        if (
            terms.arbiter == address(0) ||
            terms.arbiter == msg.sender ||
            terms.adjudicationPeriod == 0 ||
            terms.appealWindow == 0
        ) revert PolicyInvalidTerms(terms.arbiter, terms.adjudicationPeriod, terms.appealWindow);
        version = ++_policies[policyId].versions;
        _versions[policyId][version] = PolicyVersion({
            documentHash: documentHash,
            arbiter: terms.arbiter,
            effectiveFrom: terms.effectiveFrom,
            adjudicationPeriod: terms.adjudicationPeriod,
            appealWindow: terms.appealWindow,
            publishedAt: uint64(block.timestamp),
            documentCid: documentCid
        });
        emit PolicyVersionPublished(
            policyId,
            version,
            documentHash,
            documentCid,
            terms.arbiter,
            terms.effectiveFrom,
            terms.adjudicationPeriod,
            terms.appealWindow
        );
    }

    function _requireInsurer(address account) private view {
        IDirectory.ProviderRecord memory entry = directory.provider(account);
        if (entry.kind != IDirectory.ProviderKind.Insurer || entry.suspended) revert PolicyNotInsurer(account);
    }
}
