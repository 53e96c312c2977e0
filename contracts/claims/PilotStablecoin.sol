// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title PilotStablecoin
/// @notice A test stablecoin (6 decimals, like USDC) for the claims pilot and tests: its owner mints at will, so it
/// is worth nothing. Never deploy it where it could be taken for money.
contract PilotStablecoin is ERC20, Ownable {
    constructor(address owner_) ERC20("Carechain Pilot USD", "cpUSD") Ownable(owner_) {}

    /// @notice Mints `amount` to `to` (owner only).
    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }

    /// @notice 6 decimals: one unit is a micro-dollar, so a cent is 10,000 units.
    function decimals() public pure override returns (uint8) {
        return 6;
    }
}
