// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @notice What a grantee may do with a category of a patient's records.
/// @dev `Read` is allowed by the read mask of a grant's terms, `Write` by the write mask.
enum Action {
    Read,
    Write
}

/// @title ActionLibrary
/// @notice Which of a grant's two category masks allows an {Action}.
library ActionLibrary {
    /// @notice `readMask` for {Action.Read}, `writeMask` for {Action.Write}.
    function select(Action action, uint64 readMask, uint64 writeMask) internal pure returns (uint64) {
        return action == Action.Read ? readMask : writeMask;
    }
}
