// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {ClaimRegistry} from "../../../contracts/claims/ClaimRegistry.sol";
import {IClaimRegistry} from "../../../contracts/claims/interfaces/IClaimRegistry.sol";
import {IPolicyRegistry} from "../../../contracts/claims/interfaces/IPolicyRegistry.sol";
import {PilotStablecoin} from "../../../contracts/claims/PilotStablecoin.sol";
import {PolicyRegistry} from "../../../contracts/claims/PolicyRegistry.sol";
import {IDirectory} from "../../../contracts/interfaces/IDirectory.sol";
import {CarechainTest} from "../utils/Test.sol";

/// @title ClaimsTestBase
/// @notice Deploys the core plus PolicyRegistry, ClaimRegistry and a pilot stablecoin; registers an insurer; the
/// insurer creates one policy (yearly periods from START, 30-day adjudication, 14-day appeal window, an arbiter)
/// and funds its first period.
abstract contract ClaimsTestBase is CarechainTest {
    address internal constant ARBITER = address(uint160(uint256(keccak256("carechain.test.arbiter"))));
    bytes32 internal constant INSURER_KEY = bytes32(
        uint256(keccak256("carechain.test.insurer.x25519")) & ~X25519_BIT_255
    );
    uint32 internal constant ADJUDICATION = 30 days;
    uint32 internal constant APPEAL = 14 days;
    uint64 internal constant YEAR = 365 days;
    uint256 internal constant FUNDED = 1_000_000e6;

    address internal insurer;
    PolicyRegistry internal policyRegistry;
    ClaimRegistry internal claims;
    PilotStablecoin internal token;
    bytes32 internal policyId;

    function _deployClaims() internal {
        _deploy();
        insurer = vm.addr(0x1A5);
        vm.label(insurer, "insurer");
        vm.prank(REGISTRAR);
        directory.registerProvider(insurer, IDirectory.ProviderKind.Insurer, INSURER_KEY);
        policyRegistry = new PolicyRegistry(directory);
        claims = new ClaimRegistry(policyRegistry);
        token = new PilotStablecoin(address(this));
        (bytes32 documentHash, bytes memory documentCid) = (_digest("policy v1"), _cid(_digest("policy v1 cid")));
        vm.prank(insurer);
        policyId = policyRegistry.createPolicy(
            "gold-2025",
            IERC20(address(token)),
            uint64(START),
            YEAR,
            documentHash,
            documentCid,
            _termsOf(ARBITER)
        );
        token.mint(insurer, FUNDED);
        vm.startPrank(insurer);
        token.approve(address(claims), FUNDED);
        claims.fund(policyId, 0, FUNDED);
        vm.stopPrank();
    }

    function _termsOf(address arbiter) internal pure returns (IPolicyRegistry.PolicyTerms memory) {
        return
            IPolicyRegistry.PolicyTerms({
                arbiter: arbiter,
                effectiveFrom: uint64(START),
                adjudicationPeriod: ADJUDICATION,
                appealWindow: APPEAL
            });
    }

    function _submit(bytes32 claimId) internal {
        vm.prank(hospital);
        claims.submit(claimId, policyId, 1);
    }

    function _adjudicate(bytes32 claimId, IClaimRegistry.Decision decision, uint128 amount) internal {
        vm.prank(insurer);
        claims.adjudicate(claimId, decision, amount, keccak256(abi.encode("response", claimId, decision, amount)));
    }

    function _state(bytes32 claimId) internal view returns (IClaimRegistry.ClaimState) {
        return claims.claim(claimId).state;
    }
}
