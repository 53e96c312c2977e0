// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IDirectory} from "../../contracts/interfaces/IDirectory.sol";
import {CarechainTest} from "./utils/Test.sol";

/// @notice The Directory holds only X25519 keys that a record key can be wrapped for: every place that sets a key
/// (patient registration and rotation, provider registration and rotation) refuses small-order points and
/// non-canonical encodings, with the same rule, checked against a byte-by-byte reference model (CarechainTest).
contract DirectoryKeysTest is CarechainTest {
    /// @dev RFC 7748 §6.1: Alice's public key, a real X25519 key.
    bytes32 internal constant RFC7748_ALICE = hex"8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
    /// @dev p = 2^255 - 19.
    uint256 internal constant P = 2 ** 255 - 19;

    address internal constant NEWCOMER = address(uint160(uint256(keccak256("carechain.test.keys.newcomer"))));
    address internal constant CLINIC = address(uint160(uint256(keccak256("carechain.test.keys.clinic"))));

    enum Setter {
        RegisterPatient,
        RotatePatientKey,
        RegisterProvider,
        RotateProviderKey
    }

    function setUp() public {
        _deploy();
    }

    /// @dev The RFC 7748 encoding (little-endian) of the u-coordinate `u` (any 256-bit value, bit 255 included).
    function _encode(uint256 u) internal pure returns (bytes32 key) {
        bytes memory out = new bytes(32);
        for (uint256 i = 0; i < 32; ++i) {
            out[i] = bytes1(uint8(u >> (8 * i)));
        }
        key = bytes32(out);
    }

    /// @dev Sets `key` through `setter`; returns whether the Directory then holds it.
    function _set(Setter setter, bytes32 key) internal {
        if (setter == Setter.RegisterPatient) {
            vm.prank(NEWCOMER);
            directory.registerPatient(key);
        } else if (setter == Setter.RotatePatientKey) {
            vm.prank(alice);
            directory.rotatePatientKey(key);
        } else if (setter == Setter.RegisterProvider) {
            vm.prank(REGISTRAR);
            directory.registerProvider(CLINIC, IDirectory.ProviderKind.Clinic, key);
        } else {
            vm.prank(hospital);
            directory.rotateProviderKey(key);
        }
    }

    function _holder(Setter setter) internal view returns (address) {
        if (setter == Setter.RegisterPatient) return NEWCOMER;
        if (setter == Setter.RotatePatientKey) return alice;
        if (setter == Setter.RegisterProvider) return CLINIC;
        return hospital;
    }

    /// @dev The error the Directory must give for `key` (empty when it must accept it), from the reference model.
    function _expectedError(bytes32 key) internal pure returns (bytes memory) {
        if (key == bytes32(0)) return abi.encodeWithSelector(IDirectory.DirectoryInvalidEncryptionKey.selector);
        if (_uOf(key) >= P) {
            return abi.encodeWithSelector(IDirectory.DirectoryNonCanonicalEncryptionKey.selector, key);
        }
        if (!_isUsableX25519(key))
            return abi.encodeWithSelector(IDirectory.DirectoryLowOrderEncryptionKey.selector, key);
        return "";
    }

    /// @dev Checks that every setter accepts `key` exactly when the reference model does, with the expected error.
    function _assertEverySetter(bytes32 key) internal {
        bytes memory expected = _expectedError(key);
        for (uint8 s = 0; s < 4; ++s) {
            Setter setter = Setter(s);
            bytes32 before = directory.encryptionKeyOf(_holder(setter));
            if (expected.length != 0) {
                vm.expectRevert(expected);
                _set(setter, key);
                assertEq(directory.encryptionKeyOf(_holder(setter)), before, "key unchanged after refusal");
            } else {
                _set(setter, key);
                assertEq(directory.encryptionKeyOf(_holder(setter)), key, "key stored");
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Known points
    // ---------------------------------------------------------------------------------------------------------

    function test_Keys_AcceptRfc7748Key() public {
        assertTrue(_isUsableX25519(RFC7748_ALICE), "model");
        _assertEverySetter(RFC7748_ALICE);
    }

    /// @dev libsodium's seven: 0, 1, the two points of order 8, p - 1 (low order), p and p + 1 (non-canonical).
    function test_Keys_RevertWhen_SmallOrderPoint_EverySetter() public {
        bytes32[7] memory small = _smallOrderKeys();
        for (uint256 i = 1; i < small.length; ++i) {
            bytes memory expected =
                i < 5
                    ? abi.encodeWithSelector(IDirectory.DirectoryLowOrderEncryptionKey.selector, small[i])
                    : abi.encodeWithSelector(IDirectory.DirectoryNonCanonicalEncryptionKey.selector, small[i]);
            assertEq(_expectedError(small[i]), expected, "model");
            _assertEverySetter(small[i]);
        }
        // Zero is "no key" and keeps its own error.
        _assertEverySetter(small[0]);
    }

    /// @dev The same points with bit 255 set: the encodings a decoder that masks the bit would read as them.
    function test_Keys_RevertWhen_SmallOrderPointWithBit255_EverySetter() public {
        bytes32[7] memory small = _smallOrderKeys();
        for (uint256 i = 0; i < small.length; ++i) {
            bytes32 key = bytes32(uint256(small[i]) | X25519_BIT_255);
            assertEq(
                _expectedError(key),
                abi.encodeWithSelector(IDirectory.DirectoryNonCanonicalEncryptionKey.selector, key),
                "model"
            );
            _assertEverySetter(key);
        }
    }

    /// @dev A valid key with bit 255 set is refused (RFC 7748 makes decoders mask it: two encodings, one key).
    function test_Keys_RevertWhen_Bit255Set() public {
        bytes32 key = bytes32(uint256(RFC7748_ALICE) | X25519_BIT_255);
        vm.expectRevert(abi.encodeWithSelector(IDirectory.DirectoryNonCanonicalEncryptionKey.selector, key));
        _set(Setter.RegisterPatient, key);
        _assertEverySetter(key);
    }

    /// @dev Around p: p - 2 is an ordinary key, p - 1 is small-order, p .. 2^255 - 1 are non-canonical.
    function test_Keys_BoundaryAtP() public {
        assertEq(_expectedError(_encode(P - 2)), "", "p - 2 is a key");
        _assertEverySetter(_encode(P - 2));
        _assertEverySetter(_encode(P - 1));
        for (uint256 u = P; u < P + 19; ++u) {
            _assertEverySetter(_encode(u));
        }
        _assertEverySetter(_encode(type(uint256).max));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Fuzz
    // ---------------------------------------------------------------------------------------------------------

    /// @dev Any 32 bytes: accepted by every setter iff the reference model accepts them.
    function testFuzz_Keys_EverySetterMatchesModel(bytes32 key) public {
        _assertEverySetter(key);
    }

    /// @dev u near the edges (just below p, at and above p, with and without bit 255), where random bytes rarely
    /// land: accepted by every setter iff the reference model accepts them.
    function testFuzz_Keys_NearTheEdgesMatchesModel(uint256 offset, uint8 region) public {
        offset = bound(offset, 0, 63);
        uint256 u;
        if (region % 4 == 0) u = P - 1 - offset;
        else if (region % 4 == 1) u = P + (offset % 19);
        else if (region % 4 == 2)
            u = offset; // 0, 1 and small values
        else u = (P - 1 - offset) | (1 << 255);
        _assertEverySetter(_encode(u));
    }
}
