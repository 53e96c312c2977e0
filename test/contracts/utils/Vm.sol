// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title Vm
/// @notice The few cheatcodes Carechain's Solidity tests use, as implemented by Hardhat's EDR test runner
/// (the Foundry cheatcode ABI). forge-std is not a dependency: this is the subset we need, nothing more.
/// @dev Lives at `address(uint160(uint256(keccak256("hevm cheat code"))))`, see {CarechainTest.vm}.
interface Vm {
    /// @notice A log as {getRecordedLogs} returns it.
    struct Log {
        bytes32[] topics;
        bytes data;
        address emitter;
    }

    /// @notice Starts recording every log emitted from now on (and forgets those recorded before).
    function recordLogs() external;

    /// @notice The logs recorded since {recordLogs} or the last call of this cheatcode, which clears them.
    function getRecordedLogs() external returns (Log[] memory logs);

    /// @notice The next call (only) is made with `msg.sender == sender`.
    function prank(address sender) external;

    /// @notice Every following call is made with `msg.sender == sender`, until {stopPrank}.
    function startPrank(address sender) external;

    /// @notice Ends a {startPrank}.
    function stopPrank() external;

    /// @notice Sets `block.timestamp`.
    function warp(uint256 newTimestamp) external;

    /// @notice The next call must revert with exactly `revertData`.
    function expectRevert(bytes calldata revertData) external;

    /// @notice The next call must revert with exactly the 4-byte `revertData` (an error without arguments).
    function expectRevert(bytes4 revertData) external;

    /// @notice The next event emitted must match the one the test emits right after this cheatcode, comparing
    /// topic 1, 2 and 3 and the data as requested (topic 0, the signature, is always compared).
    function expectEmit(bool checkTopic1, bool checkTopic2, bool checkTopic3, bool checkData) external;

    /// @notice As {expectEmit}, and the event must be emitted by `emitter`.
    function expectEmit(bool checkTopic1, bool checkTopic2, bool checkTopic3, bool checkData, address emitter) external;

    /// @notice Discards the current fuzz input when `condition` is false.
    function assume(bool condition) external pure;

    /// @notice The address of the secp256k1 private key `privateKey`.
    function addr(uint256 privateKey) external pure returns (address keyAddr);

    /// @notice Names `account` in traces.
    function label(address account, string calldata newLabel) external;

    /// @notice Signs `digest` with the secp256k1 private key `privateKey` (no prefix is added).
    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);

    /// @notice Sets `block.chainid`.
    function chainId(uint256 newChainId) external;
}
