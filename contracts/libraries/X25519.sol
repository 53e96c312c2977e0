// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title X25519
/// @notice Checks that 32 bytes are an X25519 public key that a key can be wrapped for (RFC 7748).
/// @dev A key is stored as the 32 bytes of its RFC 7748 encoding, in order: `bytes32` byte 0 is the least
/// significant byte of the u-coordinate (little-endian). Refused, so that the Directory only holds keys that HPKE
/// (DHKEM(X25519)) can wrap for:
/// - non-canonical encodings: bit 255 set (RFC 7748 §5 makes decoders mask it, so two encodings would name one
///   key), or u >= p = 2^255 - 19 (the same point as u - p);
/// - the u-coordinates of the small-order points of Curve25519 and its twist: 0 (order 2; also "no key"), 1
///   (order 4), p - 1 (order 4 on the twist) and the two points of order 8. A shared secret with any of them is
///   all zero, which HPKE refuses (RFC 9180 §7.1.4), so a keyring could not be wrapped for such a key. The usual
///   list of seven (libsodium's) adds p and p + 1, the non-canonical encodings of 0 and 1, refused by u >= p.
library X25519 {
    /// @dev The field prime p = 2^255 - 19.
    uint256 internal constant P = 0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffed;
    /// @dev u-coordinates of the two points of order 8.
    uint256 internal constant ORDER_8_A = 0x00b8495f16056286fdb1329ceb8d09da6ac49ff1fae35616aeb8413b7c7aebe0;
    uint256 internal constant ORDER_8_B = 0x57119fd0dd4e22d8868e1c58c45c44045bef839c55b1d0b1248c50a3bc959c5f;

    /// @notice Why a key was refused.
    enum Problem {
        None,
        NonCanonical,
        LowOrder
    }

    /// @notice The u-coordinate encoded by `key` (its bytes read little-endian, bit 255 included).
    function u(bytes32 key) internal pure returns (uint256 value) {
        value = uint256(key);
        // Reverse the 32 bytes: swap adjacent bytes, then 2-byte, 4-byte, 8-byte and 16-byte halves.
        value =
            ((value >> 8) & 0x00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff) |
            ((value & 0x00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff) << 8);
        value =
            ((value >> 16) & 0x0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff) |
            ((value & 0x0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff) << 16);
        value =
            ((value >> 32) & 0x00000000ffffffff00000000ffffffff00000000ffffffff00000000ffffffff) |
            ((value & 0x00000000ffffffff00000000ffffffff00000000ffffffff00000000ffffffff) << 32);
        value =
            ((value >> 64) & 0x0000000000000000ffffffffffffffff0000000000000000ffffffffffffffff) |
            ((value & 0x0000000000000000ffffffffffffffff0000000000000000ffffffffffffffff) << 64);
        value = (value >> 128) | (value << 128);
    }

    /// @notice What is wrong with `key` as an X25519 public key (`None` when it is a usable key).
    function problem(bytes32 key) internal pure returns (Problem) {
        uint256 value = u(key);
        if (value >= P) return Problem.NonCanonical; // also every key with bit 255 set
        if (value <= 1 || value == P - 1 || value == ORDER_8_A || value == ORDER_8_B) return Problem.LowOrder;
        return Problem.None;
    }
}
