// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/**
 * The reward token of the embedded development chain (`npm start`, tests): a plain
 * OpenZeppelin ERC-20 whose whole supply is minted to the deployer, who funds the distributor.
 * In production the distributor pays any ERC-20.
 */
contract GridProofRewardToken is ERC20 {
    constructor(uint256 supply) ERC20("GridProof Reward", "GPR") {
        _mint(msg.sender, supply);
    }
}
