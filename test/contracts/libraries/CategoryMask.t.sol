// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {CategoryMask, MAX_CATEGORY} from "../../../contracts/libraries/CategoryMask.sol";
import {CarechainTest} from "../utils/Test.sol";

/// @notice Calls {CategoryMask}'s internal functions externally, so that a test can expect their reverts.
contract CategoryMaskHarness {
    using CategoryMask for uint64;

    /// @notice {CategoryMask.bit}.
    function bit(uint8 category) external pure returns (uint64) {
        return CategoryMask.bit(category);
    }

    /// @notice {CategoryMask.lowest}.
    function lowest(uint64 mask) external pure returns (uint8) {
        return mask.lowest();
    }
}

/// @notice {CategoryMask}, fuzzed against a model written here bit by bit (a loop over the 64 bits, no shifts of
/// the mask): every function on its success branch, `bit` and `lowest` on their revert branches too.
contract CategoryMaskTest is CarechainTest {
    using CategoryMask for uint64;

    CategoryMaskHarness internal harness;

    function setUp() public {
        harness = new CategoryMaskHarness();
    }

    /// @dev Whether bit `index` of `mask` is set, by powers of two (the model's only way to read a bit).
    function _modelHas(uint64 mask, uint256 index) internal pure returns (bool) {
        if (index > 63) return false;
        return (uint256(mask) / (2 ** index)) % 2 == 1;
    }

    function test_MaxCategory_IsTheTopBitOfAUint64() public pure {
        assertEq(MAX_CATEGORY, 63);
        assertEq(CategoryMask.bit(MAX_CATEGORY), uint64(2 ** 63));
        assertEq(CategoryMask.bit(0), 1);
    }

    function testFuzz_Bit_OneBitAtTheCategory(uint8 category) public view {
        category = uint8(bound(category, 0, MAX_CATEGORY));
        uint64 mask = harness.bit(category);
        assertEq(mask, uint64(2 ** uint256(category)), "value");
        for (uint256 i = 0; i < 64; ++i) {
            assertEq(_modelHas(mask, i), i == category, "only that bit");
        }
    }

    function testFuzz_Bit_RevertWhen_AboveMaxCategory(uint8 category) public {
        category = uint8(bound(category, uint256(MAX_CATEGORY) + 1, type(uint8).max));
        vm.expectRevert(abi.encodeWithSelector(CategoryMask.CategoryMaskOutOfRange.selector, category));
        harness.bit(category);
    }

    function testFuzz_Has_MatchesModel(uint64 mask, uint8 category) public pure {
        assertEq(mask.has(category), _modelHas(mask, category));
    }

    function testFuzz_Has_FalseAboveMaxCategory(uint64 mask, uint8 category) public pure {
        category = uint8(bound(category, uint256(MAX_CATEGORY) + 1, type(uint8).max));
        assertFalse(mask.has(category));
        assertFalse(type(uint64).max.has(category));
    }

    function testFuzz_Covers_MatchesModel(uint64 mask, uint64 categories) public pure {
        bool expected = true;
        for (uint256 i = 0; i < 64; ++i) {
            if (_modelHas(categories, i) && !_modelHas(mask, i)) expected = false;
        }
        assertEq(mask.covers(categories), expected, "covers");
        assertEq(mask.coversSome(categories), expected && categories != 0, "coversSome");
    }

    function testFuzz_Covers_EveryMaskCoversItselfAndNothing(uint64 mask) public pure {
        assertTrue(mask.covers(mask), "itself");
        assertTrue(mask.covers(0), "empty");
        assertFalse(mask.coversSome(0), "empty is not some");
        assertEq(mask.coversSome(mask), mask != 0, "itself, some");
        assertTrue(type(uint64).max.covers(mask), "everything covers");
    }

    function testFuzz_Lowest_MatchesModel(uint64 mask) public view {
        vm.assume(mask != 0);
        uint8 category = harness.lowest(mask);
        assertTrue(_modelHas(mask, category), "set");
        for (uint256 i = 0; i < category; ++i) {
            assertFalse(_modelHas(mask, i), "nothing lower");
        }
    }

    function testFuzz_Lowest_WalksEveryCategoryInOrder(uint64 mask) public pure {
        uint256 seen;
        int256 previous = -1;
        for (uint64 rest = mask; rest != 0; rest &= rest - 1) {
            uint8 category = rest.lowest();
            assertTrue(int256(uint256(category)) > previous, "ascending");
            assertTrue(_modelHas(mask, category), "a category of the mask");
            previous = int256(uint256(category));
            ++seen;
        }
        uint256 count;
        for (uint256 i = 0; i < 64; ++i) {
            if (_modelHas(mask, i)) ++count;
        }
        assertEq(seen, count, "every category once");
    }

    function test_Lowest_RevertWhen_Empty() public {
        vm.expectRevert(abi.encodeWithSelector(CategoryMask.CategoryMaskEmpty.selector));
        harness.lowest(0);
    }
}
