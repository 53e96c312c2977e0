// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {CategoryMask, MAX_CATEGORY} from "../libraries/CategoryMask.sol";
import {Action, ActionLibrary} from "./Action.sol";

/// @notice The terms of one consent grant, packed in a single storage slot.
/// @dev Layout (low to high bits): readMask (64) | writeMask (64) | purposes (32) | expiresAt (64) | 32 free.
/// Category `c` (0..63) is readable when bit `c` of `readMask` is set, writable when bit `c` of `writeMask` is
/// ({CategoryMask}). Purpose `p` is allowed when bit `p` of `purposes` is set. A grant is live while
/// `block.timestamp < expiresAt`.
struct ConsentTerms {
    uint64 readMask;
    uint64 writeMask;
    uint32 purposes;
    uint64 expiresAt;
}

/// @title ConsentTermsLib
/// @notice The consent rule on one grant's terms, in one place.
library ConsentTermsLib {
    using ActionLibrary for Action;
    using CategoryMask for uint64;

    /// @notice Whether `terms` allow `action` on `category` for at least one purpose in `purposes`, at `timestamp`.
    /// @dev Live while `timestamp < expiresAt`; categories above {MAX_CATEGORY} are never allowed.
    function allows(
        ConsentTerms storage terms,
        uint8 category,
        Action action,
        uint32 purposes,
        uint256 timestamp
    ) internal view returns (bool) {
        if (category > MAX_CATEGORY || timestamp >= terms.expiresAt || terms.purposes & purposes == 0) return false;
        return action.select(terms.readMask, terms.writeMask).has(category);
    }
}
