// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @notice HL7 v3 PurposeOfUse codes that Carechain understands, as bit positions in a purpose mask.
/// @dev TREAT, HPAYMT, HOPERAT, HRESCH, ETREAT, BTG (http://terminology.hl7.org/CodeSystem/v3-ActReason). The SDK
/// mirrors the order in sdk/contracts/enums.ts; the indices are part of the wire format.
enum Purpose {
    Treatment,
    Payment,
    Operations,
    Research,
    EmergencyTreatment,
    BreakTheGlass
}

/// @dev Mask of every purpose that {Purpose} defines (bits 0..5).
uint32 constant ALL_PURPOSES = uint32((1 << (uint256(type(Purpose).max) + 1)) - 1);

/// @dev Purposes a break-glass read may be for: EmergencyTreatment and BreakTheGlass.
uint32 constant EMERGENCY_PURPOSES =
    uint32(1 << uint8(Purpose.EmergencyTreatment)) | uint32(1 << uint8(Purpose.BreakTheGlass));

/// @title PurposeLibrary
/// @notice A {Purpose} as a bit of a purpose mask.
library PurposeLibrary {
    /// @notice The purpose mask holding `purpose` alone.
    function bit(Purpose purpose) internal pure returns (uint32) {
        return uint32(1) << uint8(purpose);
    }
}
