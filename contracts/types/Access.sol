// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @notice What a grantee may do with a category of a patient's records.
/// @dev Values are bit positions in {ConsentTerms}: `Read` is the read mask, `Write` the write mask.
enum Action {
    Read,
    Write
}

/// @notice HL7 v3 PurposeOfUse codes that Carechain understands, as bit positions in a purpose mask.
/// @dev TREAT, HPAYMT, HOPERAT, HRESCH, ETREAT, BTG (http://terminology.hl7.org/CodeSystem/v3-ActReason).
enum Purpose {
    Treatment,
    Payment,
    Operations,
    Research,
    EmergencyTreatment,
    BreakTheGlass
}

/// @notice The terms of one consent grant, packed in a single storage slot.
/// @dev Layout (low to high bits): readMask (64) | writeMask (64) | purposes (32) | expiresAt (64) | 32 free.
/// Category `c` (0..63) is readable when bit `c` of `readMask` is set, writable when bit `c` of `writeMask` is.
/// Purpose `p` is allowed when bit `p` of `purposes` is set. A grant is live while `block.timestamp < expiresAt`.
struct ConsentTerms {
    uint64 readMask;
    uint64 writeMask;
    uint32 purposes;
    uint64 expiresAt;
}

/// @dev Highest category index (categories are bits of a uint64 mask).
uint8 constant MAX_CATEGORY = 63;

/// @dev The International Patient Summary set that break-glass may read by default: Allergies (1), Medications (2),
/// Problems (3) and Immunizations (4), as numbered by the SDK's category table (sdk/fhir/categories.ts).
uint64 constant IPS_CATEGORIES = (1 << 1) | (1 << 2) | (1 << 3) | (1 << 4);

/// @dev Purposes a break-glass read may be for: EmergencyTreatment and BreakTheGlass.
uint32 constant EMERGENCY_PURPOSES = uint32(1 << uint8(Purpose.EmergencyTreatment)) | uint32(1 << uint8(Purpose.BreakTheGlass));

/// @title ConsentTermsLib
/// @notice The consent rule on one grant's terms, in one place.
/// @dev Also keeps this file a compilation unit with a contract in it (Hardhat's EDR can't load the build info of a
/// file that declares only types).
library ConsentTermsLib {
    /// @notice Whether `terms` allow `action` on `category` for at least one purpose in `purposes`, at `timestamp`.
    /// @dev Live while `timestamp < expiresAt`; categories above {MAX_CATEGORY} are never allowed.
    function allows(ConsentTerms storage terms, uint8 category, Action action, uint32 purposes, uint256 timestamp)
        internal
        view
        returns (bool)
    {
        if (category > MAX_CATEGORY || timestamp >= terms.expiresAt || terms.purposes & purposes == 0) return false;
        uint64 mask = action == Action.Read ? terms.readMask : terms.writeMask;
        return mask & (uint64(1) << category) != 0;
    }
}
