// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ConsentRegistry} from "../../../contracts/ConsentRegistry.sol";
import {Directory} from "../../../contracts/Directory.sol";
import {IDirectory} from "../../../contracts/interfaces/IDirectory.sol";
import {RecordRegistry} from "../../../contracts/RecordRegistry.sol";
import {ConsentTerms} from "../../../contracts/types/ConsentTerms.sol";
import {Purpose} from "../../../contracts/types/Purpose.sol";
import {Vm} from "./Vm.sol";

/// @title CarechainTest
/// @notice Base of Carechain's Solidity tests: the cheatcode handle, assertions that revert with the observed
/// values, a bounded-input helper for fuzz tests, and {_deploy}, which deploys the three contracts and
/// registers the fixtures (two patients, a hospital and a lab).
abstract contract CarechainTest {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    // ---------------------------------------------------------------------------------------------------------
    // Fixtures
    // ---------------------------------------------------------------------------------------------------------

    /// @dev Block time the fixtures are registered at (2025-06-15), well away from zero and from uint64 limits.
    uint256 internal constant START = 1_750_000_000;

    /// @dev Mask of every {Purpose} (Treatment .. BreakTheGlass).
    uint32 internal constant ALL_PURPOSES = 0x3f;
    /// @dev Number of {Purpose} values.
    uint8 internal constant PURPOSE_COUNT = 6;
    /// @dev Mask of every category (0 .. 63).
    uint64 internal constant ALL_CATEGORIES = type(uint64).max;

    uint256 internal constant ALICE_PK = 0xA11CE;
    uint256 internal constant BOB_PK = 0xB0B;
    uint256 internal constant HOSPITAL_PK = 0x4051;
    uint256 internal constant LAB_PK = 0x1AB;

    address internal constant ADMIN = address(uint160(uint256(keccak256("carechain.test.admin"))));
    address internal constant REGISTRAR = address(uint160(uint256(keccak256("carechain.test.registrar"))));
    /// @dev Registered as nothing.
    address internal constant STRANGER = address(uint160(uint256(keccak256("carechain.test.stranger"))));

    /// @dev Bit 255 of an X25519 key in its RFC 7748 encoding (the top bit of its last byte): the Directory refuses
    /// keys that set it, so fixture keys made by hashing clear it.
    uint256 internal constant X25519_BIT_255 = 0x80;

    bytes32 internal constant ALICE_KEY = bytes32(uint256(keccak256("carechain.test.alice.x25519")) & ~X25519_BIT_255);
    bytes32 internal constant BOB_KEY = bytes32(uint256(keccak256("carechain.test.bob.x25519")) & ~X25519_BIT_255);
    bytes32 internal constant HOSPITAL_KEY = bytes32(
        uint256(keccak256("carechain.test.hospital.x25519")) & ~X25519_BIT_255
    );
    bytes32 internal constant LAB_KEY = bytes32(uint256(keccak256("carechain.test.lab.x25519")) & ~X25519_BIT_255);

    /// @dev Patients.
    address internal alice;
    address internal bob;
    /// @dev Providers (a hospital and a lab), credentialed by {REGISTRAR}.
    address internal hospital;
    address internal lab;

    Directory internal directory;
    ConsentRegistry internal consent;
    RecordRegistry internal records;

    /// @notice Deploys Directory(ADMIN, REGISTRAR), ConsentRegistry(directory) and RecordRegistry(consent) at
    /// block time {START}, then registers alice and bob as patients, hospital as a Hospital and lab as a Lab.
    function _deploy() internal {
        vm.warp(START);

        alice = vm.addr(ALICE_PK);
        bob = vm.addr(BOB_PK);
        hospital = vm.addr(HOSPITAL_PK);
        lab = vm.addr(LAB_PK);

        directory = new Directory(ADMIN, REGISTRAR);
        consent = new ConsentRegistry(directory);
        records = new RecordRegistry(consent);

        vm.label(ADMIN, "admin");
        vm.label(REGISTRAR, "registrar");
        vm.label(STRANGER, "stranger");
        vm.label(alice, "alice");
        vm.label(bob, "bob");
        vm.label(hospital, "hospital");
        vm.label(lab, "lab");
        vm.label(address(directory), "Directory");
        vm.label(address(consent), "ConsentRegistry");
        vm.label(address(records), "RecordRegistry");

        vm.prank(alice);
        directory.registerPatient(ALICE_KEY);
        vm.prank(bob);
        directory.registerPatient(BOB_KEY);
        vm.startPrank(REGISTRAR);
        directory.registerProvider(hospital, IDirectory.ProviderKind.Hospital, HOSPITAL_KEY);
        directory.registerProvider(lab, IDirectory.ProviderKind.Lab, LAB_KEY);
        vm.stopPrank();
    }

    /// @dev Whether `account` is one of the fixtures, or an address a fuzz input should not take.
    function _isFixture(address account) internal view returns (bool) {
        return
            account == alice ||
            account == bob ||
            account == hospital ||
            account == lab ||
            account == ADMIN ||
            account == REGISTRAR ||
            account == STRANGER ||
            account == address(0) ||
            account == address(vm) ||
            account == address(this) ||
            account == address(directory) ||
            account == address(consent) ||
            account == address(records);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Builders
    // ---------------------------------------------------------------------------------------------------------

    /// @dev The u-coordinate of an X25519 key in RFC 7748 encoding: its 32 bytes read little-endian, byte by byte
    /// (a reference independent of contracts/libraries/X25519.sol).
    function _uOf(bytes32 key) internal pure returns (uint256 u) {
        for (uint256 i = 0; i < 32; ++i) {
            u |= uint256(uint8(key[i])) << (8 * i);
        }
    }

    /// @dev The RFC 7748 encodings of the small-order points that libsodium's `has_small_order` lists (the last two
    /// are p and p + 1, non-canonical encodings of 0 and 1).
    function _smallOrderKeys() internal pure returns (bytes32[7] memory) {
        return
            [
                bytes32(0),
                bytes32(hex"0100000000000000000000000000000000000000000000000000000000000000"),
                bytes32(hex"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"),
                bytes32(hex"5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157"),
                bytes32(hex"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
                bytes32(hex"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
                bytes32(hex"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")
            ];
    }

    /// @dev Whether the Directory should accept `key`: u < 2^255 - 19 (so bit 255 clear) and not small-order.
    function _isUsableX25519(bytes32 key) internal pure returns (bool) {
        uint256 u = _uOf(key);
        if (u >= 2 ** 255 - 19) return false;
        bytes32[7] memory small = _smallOrderKeys();
        for (uint256 i = 0; i < small.length; ++i) {
            if (_uOf(small[i]) == u) return false;
        }
        return true;
    }

    /// @dev `seed` made into a usable X25519 key for fuzz tests: bit 255 cleared, small-order points discarded.
    function _fuzzKey(bytes32 seed) internal pure returns (bytes32 key) {
        key = bytes32(uint256(seed) & ~X25519_BIT_255);
        vm.assume(_isUsableX25519(key));
    }

    /// @dev A valid X25519 public key made up from `name` (its hash with bit 255 cleared; the hash is neither a
    /// small-order point nor >= 2^255 - 19, except with negligible probability).
    function _x25519(string memory name) internal pure returns (bytes32) {
        return bytes32(uint256(keccak256(bytes(name))) & ~X25519_BIT_255);
    }

    function _terms(
        uint64 readMask,
        uint64 writeMask,
        uint32 purposes,
        uint64 expiresAt
    ) internal pure returns (ConsentTerms memory) {
        return ConsentTerms({readMask: readMask, writeMask: writeMask, purposes: purposes, expiresAt: expiresAt});
    }

    /// @dev `patient` grants `grantee` the `terms`.
    function _grant(address patient, address grantee, ConsentTerms memory terms) internal {
        vm.prank(patient);
        consent.grant(grantee, terms);
    }

    /// @dev Registers two emergency providers, `ems_` (0xE3E3) and `custodian_` (0xC057), and names the second the
    /// Directory's emergency custodian.
    function _registerEmergencyCustodian() internal returns (address ems_, address custodian_) {
        (ems_, custodian_) = (address(uint160(0xE3E3)), address(uint160(0xC057)));
        vm.startPrank(REGISTRAR);
        directory.registerProvider(ems_, IDirectory.ProviderKind.Emergency, _x25519("ems.x25519"));
        directory.registerProvider(custodian_, IDirectory.ProviderKind.Emergency, _x25519("custodian.x25519"));
        vm.stopPrank();
        vm.prank(ADMIN);
        directory.setEmergencyCustodian(custodian_);
    }

    /// @dev The bit of `category` in a category mask.
    function _bit(uint8 category) internal pure returns (uint64) {
        return uint64(1) << category;
    }

    /// @dev The bit of `purpose` in a purpose mask.
    function _purposeBit(Purpose purpose) internal pure returns (uint32) {
        return uint32(1) << uint8(purpose);
    }

    /// @dev A CIDv1, raw codec (0x55), sha2-256 multihash of `digest`.
    function _cid(bytes32 digest) internal pure returns (bytes memory) {
        return abi.encodePacked(bytes4(0x01551220), digest);
    }

    /// @dev A CIDv1, dag-pb codec (0x70), sha2-256 multihash of `digest`.
    function _cidDagPb(bytes32 digest) internal pure returns (bytes memory) {
        return abi.encodePacked(bytes4(0x01701220), digest);
    }

    /// @dev A deterministic digest standing in for the SHA-256 of a ciphertext called `name`.
    function _digest(string memory name) internal pure returns (bytes32) {
        return sha256(bytes(name));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Fuzzing
    // ---------------------------------------------------------------------------------------------------------

    error BoundInvalidRange(uint256 min, uint256 max);

    /// @dev Maps `x` into [min, max]: unchanged when already inside, otherwise wrapped (modulo the range size).
    function bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        if (min > max) revert BoundInvalidRange(min, max);
        if (x >= min && x <= max) return x;
        // Not reached for the full range [0, 2^256 - 1], so `size` cannot overflow.
        uint256 size = max - min + 1;
        return min + (x % size);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Assertions: each reverts with a custom error that carries what was observed.
    // ---------------------------------------------------------------------------------------------------------

    error AssertTrueFailed(string message);
    error AssertFalseFailed(string message);
    error AssertEqUintFailed(uint256 actual, uint256 expected, string message);
    error AssertEqAddressFailed(address actual, address expected, string message);
    error AssertEqBytes32Failed(bytes32 actual, bytes32 expected, string message);
    error AssertEqBoolFailed(bool actual, bool expected, string message);
    error AssertEqBytesFailed(bytes actual, bytes expected, string message);
    error AssertEqBytes32ArrayFailed(bytes32[] actual, bytes32[] expected, string message);

    function assertTrue(bool condition) internal pure {
        assertTrue(condition, "");
    }

    function assertTrue(bool condition, string memory message) internal pure {
        if (!condition) revert AssertTrueFailed(message);
    }

    function assertFalse(bool condition) internal pure {
        assertFalse(condition, "");
    }

    function assertFalse(bool condition, string memory message) internal pure {
        if (condition) revert AssertFalseFailed(message);
    }

    function assertEq(uint256 actual, uint256 expected) internal pure {
        assertEq(actual, expected, "");
    }

    function assertEq(uint256 actual, uint256 expected, string memory message) internal pure {
        if (actual != expected) revert AssertEqUintFailed(actual, expected, message);
    }

    function assertEq(address actual, address expected) internal pure {
        assertEq(actual, expected, "");
    }

    function assertEq(address actual, address expected, string memory message) internal pure {
        if (actual != expected) revert AssertEqAddressFailed(actual, expected, message);
    }

    function assertEq(bytes32 actual, bytes32 expected) internal pure {
        assertEq(actual, expected, "");
    }

    function assertEq(bytes32 actual, bytes32 expected, string memory message) internal pure {
        if (actual != expected) revert AssertEqBytes32Failed(actual, expected, message);
    }

    function assertEq(bool actual, bool expected) internal pure {
        assertEq(actual, expected, "");
    }

    function assertEq(bool actual, bool expected, string memory message) internal pure {
        if (actual != expected) revert AssertEqBoolFailed(actual, expected, message);
    }

    function assertEq(bytes memory actual, bytes memory expected) internal pure {
        assertEq(actual, expected, "");
    }

    function assertEq(bytes memory actual, bytes memory expected, string memory message) internal pure {
        if (keccak256(actual) != keccak256(expected)) revert AssertEqBytesFailed(actual, expected, message);
    }

    function assertEq(bytes32[] memory actual, bytes32[] memory expected) internal pure {
        assertEq(actual, expected, "");
    }

    function assertEq(bytes32[] memory actual, bytes32[] memory expected, string memory message) internal pure {
        if (keccak256(abi.encode(actual)) != keccak256(abi.encode(expected))) {
            revert AssertEqBytes32ArrayFailed(actual, expected, message);
        }
    }
}
