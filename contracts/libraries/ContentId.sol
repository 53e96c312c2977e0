// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title ContentId
/// @notice Checks the CIDs that the modules beyond records (claims, trials) keep on chain: CIDv1, sha2-256, raw or
/// dag-pb codec, 36 bytes (the form RecordRegistry accepts for record ciphertexts).
library ContentId {
    /// @dev CIDv1 prefix bytes: version 1, a one-byte codec, then multihash sha2-256 (0x12) of 32 bytes.
    uint256 internal constant LENGTH = 36;
    uint8 internal constant CODEC_RAW = 0x55;
    uint8 internal constant CODEC_DAG_PB = 0x70;

    /// @notice Thrown when `cid` is not a 36-byte CIDv1 sha2-256 with a raw or dag-pb codec.
    error ContentIdInvalid(bytes cid);

    /// @notice Reverts with {ContentIdInvalid} unless `cid` is a CIDv1 sha2-256 (raw or dag-pb); returns its digest.
    function digestOf(bytes calldata cid) internal pure returns (bytes32 digest) {
        if (cid.length != LENGTH || cid[0] != 0x01 || cid[2] != 0x12 || cid[3] != 0x20) revert ContentIdInvalid(cid);
        uint8 codec = uint8(cid[1]);
        if (codec != CODEC_RAW && codec != CODEC_DAG_PB) revert ContentIdInvalid(cid);
        digest = bytes32(cid[4:36]);
    }
}
