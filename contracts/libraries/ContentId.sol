// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title ContentId
/// @notice The one CID rule of the contracts: CIDv1, sha2-256, raw or dag-pb codec, 36 bytes,
/// `0x01 | codec | 0x12 | 0x20 | digest (32)`. RecordRegistry (record ciphertexts, keyrings, batch manifests) and the
/// modules beyond records (claims, trials) check their CIDs with it.
library ContentId {
    /// @dev CIDv1 prefix bytes: version 1, a one-byte codec, then multihash sha2-256 (0x12) of 32 bytes.
    uint256 internal constant LENGTH = 36;
    /// @dev Multicodec of raw bytes (the SDK's envelopes and keyrings).
    uint8 internal constant CODEC_RAW = 0x55;
    /// @dev Multicodec of dag-pb (UnixFS nodes of large files).
    uint8 internal constant CODEC_DAG_PB = 0x70;

    /// @notice Thrown when `cid` is not a 36-byte CIDv1 sha2-256 with a raw or dag-pb codec.
    error ContentIdInvalid(bytes cid);

    /// @notice Whether `cid` is a CIDv1 sha2-256 (raw or dag-pb), and its digest when it is (zero otherwise). For a
    /// caller that reverts with its own error; others use {digestOf}.
    function parse(bytes calldata cid) internal pure returns (bool valid, bytes32 digest) {
        if (cid.length != LENGTH || cid[0] != 0x01 || cid[2] != 0x12 || cid[3] != 0x20) return (false, 0);
        uint8 codec = uint8(cid[1]);
        if (codec != CODEC_RAW && codec != CODEC_DAG_PB) return (false, 0);
        return (true, bytes32(cid[4:36]));
    }

    /// @notice Reverts with {ContentIdInvalid} unless `cid` is a CIDv1 sha2-256 (raw or dag-pb); returns its digest.
    function digestOf(bytes calldata cid) internal pure returns (bytes32 digest) {
        bool valid;
        (valid, digest) = parse(cid);
        if (!valid) revert ContentIdInvalid(cid);
    }
}
