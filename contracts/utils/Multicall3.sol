// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title Multicall3 (aggregate3 subset)
/// @notice Aggregates many calls into one: the `aggregate3` function of Multicall3 by mds1 (github.com/mds1/multicall,
/// MIT), with the same selector and ABI, so the SDK talks to this and to the canonical deployment at
/// 0xcA11bde05977b3631167028862bE2a173976CA11 alike. Deployed by `deployCarechain` on local chains, where the
/// canonical one is absent. It holds no state and no privileges: a call made through it is made with its address
/// as `msg.sender`, so only views are batched through it.
contract Multicall3 {
    /// @notice One call: where, whether its failure is tolerated, and its calldata.
    struct Call3 {
        address target;
        bool allowFailure;
        bytes callData;
    }

    /// @notice One call's outcome.
    struct Result {
        bool success;
        bytes returnData;
    }

    /// @notice Makes every call in order and returns each outcome; reverts when a call whose failure is not
    /// tolerated fails.
    /// @param calls The calls.
    /// @return returnData One result per call, in order.
    function aggregate3(Call3[] calldata calls) public payable returns (Result[] memory returnData) {
        uint256 length = calls.length;
        returnData = new Result[](length);
        for (uint256 i = 0; i < length; ++i) {
            Call3 calldata calli = calls[i];
            Result memory result = returnData[i];
            // solhint-disable-next-line avoid-low-level-calls
            (result.success, result.returnData) = calli.target.call(calli.callData);
            if (!calli.allowFailure && !result.success) revert CallFailed(i);
        }
    }

    /// @notice A call whose failure was not tolerated failed.
    /// @param index Its position in the calls.
    error CallFailed(uint256 index);
}
