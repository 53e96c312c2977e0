// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

// Bench-only (scripts/bench/scale.ts compiles it with the solc npm package; it is not part of the build): makes
// many registered patients with anchored records in few transactions, so the scaling benchmark can grow the
// chain by thousands of patients in seconds. Each patient is a contract that registers itself in the Directory
// and anchors its own records through RecordRegistry.anchor — the same calls, storage and events as a patient
// account doing it by transaction.

interface IBenchDirectory {
    function registerPatient(bytes32 encryptionKey) external;
}

interface IBenchRecordRegistry {
    function anchor(
        address patient,
        uint64 categories,
        bytes calldata contentCid,
        bytes calldata keyringCid,
        bytes32 previous
    ) external returns (bytes32 recordId);
}

/// @notice One patient: registers, then anchors `records` records of its own (CIDv1 raw sha2-256 of made-up digests).
contract BenchPatient {
    constructor(IBenchDirectory directory, IBenchRecordRegistry registry, uint256 records, bytes32 seed) {
        // Bit 255 cleared: the Directory refuses non-canonical X25519 keys (a hash is not small-order).
        directory.registerPatient(bytes32(uint256(keccak256(abi.encode(seed, "key"))) & ~uint256(0x80)));
        for (uint256 i = 0; i < records; ++i) {
            bytes memory content = abi.encodePacked(bytes4(0x01551220), keccak256(abi.encode(seed, "content", i)));
            bytes memory keyring = abi.encodePacked(bytes4(0x01551220), keccak256(abi.encode(seed, "keyring", i)));
            registry.anchor(address(this), uint64(1) << (i % 16), content, keyring, bytes32(0));
        }
    }
}

/// @notice Creates `count` patients per call.
contract BenchPatientFactory {
    function spawn(
        IBenchDirectory directory,
        IBenchRecordRegistry registry,
        uint256 count,
        uint256 records,
        bytes32 salt
    ) external {
        for (uint256 i = 0; i < count; ++i) {
            new BenchPatient(directory, registry, records, keccak256(abi.encode(salt, i)));
        }
    }
}
