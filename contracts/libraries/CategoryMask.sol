// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @dev Highest record category: categories are the bits 0..63 of a uint64 mask (numbered by the SDK's category
/// table, sdk/fhir/categories.ts).
uint8 constant MAX_CATEGORY = 63;

/// @title CategoryMask
/// @notice The one rule for record categories as bits: category `c` (0..{MAX_CATEGORY}) is bit `c` of a uint64
/// mask. Every contract that builds a category bit or tests a mask does it here.
/// @dev Attach with `using CategoryMask for uint64;`.
library CategoryMask {
    /// @notice `category` is above {MAX_CATEGORY}, so no bit of a mask stands for it.
    error CategoryMaskOutOfRange(uint8 category);
    /// @notice The mask names no category.
    error CategoryMaskEmpty();

    /// @notice The mask holding `category` alone.
    /// @dev Reverts with {CategoryMaskOutOfRange} above {MAX_CATEGORY}.
    function bit(uint8 category) internal pure returns (uint64) {
        if (category > MAX_CATEGORY) revert CategoryMaskOutOfRange(category);
        return uint64(1) << category;
    }

    /// @notice Whether `mask` holds `category` (false for a category above {MAX_CATEGORY}).
    /// @dev A shift by more than {MAX_CATEGORY} leaves no bit, so no range check is needed.
    function has(uint64 mask, uint8 category) internal pure returns (bool) {
        return (mask >> category) & 1 != 0;
    }

    /// @notice Whether every category of `categories` is in `mask` (true for an empty `categories`).
    function covers(uint64 mask, uint64 categories) internal pure returns (bool) {
        return categories & ~mask == 0;
    }

    /// @notice Whether `categories` names at least one category and every one of them is in `mask`.
    function coversSome(uint64 mask, uint64 categories) internal pure returns (bool) {
        return categories != 0 && categories & ~mask == 0;
    }

    /// @notice The lowest category of `mask`.
    /// @dev Reverts with {CategoryMaskEmpty} on an empty mask. Walk a mask's categories in order with
    /// `for (uint64 rest = mask; rest != 0; rest &= rest - 1) { uint8 c = rest.lowest(); ... }`.
    function lowest(uint64 mask) internal pure returns (uint8 category) {
        if (mask == 0) revert CategoryMaskEmpty();
        while (mask & 1 == 0) {
            mask >>= 1;
            ++category;
        }
    }
}
