// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

/**
 * Pays GridProof's contribution ledger (libs/rewards, docs/owners.md). Each epoch the publisher
 * proposes the reward tree's root; it becomes claimable only after the challenge window, during
 * which the guardian can veto it. Claims are cumulative: the tree commits to each owner's total
 * earned so far, the contract remembers what it paid, and a claim pays the difference, so a
 * late claim never needs a catch-up and a second claim of the same total pays nothing.
 *
 * Leaf (an OpenZeppelin StandardMerkleTree leaf, npm package openzeppelin merkle-tree):
 *   keccak256(bytes.concat(keccak256(abi.encode(chainId, distributor, epoch, owner, cumulative))))
 * built here from block.chainid, address(this), the active epoch and msg.sender, so a proof for
 * another chain, distributor, epoch or owner never verifies, and only the owner can claim.
 */
contract GridProofRewardsDistributor {
    using SafeERC20 for IERC20;

    IERC20 public immutable token;
    address public immutable publisher;
    address public immutable guardian;
    uint64 public immutable challengeWindow;

    /** The claimable root and its epoch (epoch 0 with root 0: nothing claimable yet). */
    bytes32 public activeRoot;
    uint64 public activeEpoch;

    /** The proposed root waiting for its challenge window to pass. */
    bytes32 public pendingRoot;
    uint64 public pendingEpoch;
    uint64 public pendingSince;
    bool public hasPending;

    mapping(address => uint256) public claimed;

    event RootProposed(uint64 indexed epoch, bytes32 root, bytes32 manifestHash, uint64 claimableAt);
    event RootActivated(uint64 indexed epoch, bytes32 root);
    event RootVetoed(uint64 indexed epoch, bytes32 root);
    event Claimed(address indexed owner, uint64 indexed epoch, uint256 amount, uint256 cumulative);

    error NotPublisher();
    error NotGuardian();
    error EpochNotAfter(uint64 epoch, uint64 latest);
    error NothingPending();
    error ChallengeWindowOpen(uint64 claimableAt);
    error NoActiveRoot();
    error InvalidProof();
    error NothingToClaim(uint256 cumulative, uint256 alreadyClaimed);

    constructor(IERC20 token_, address publisher_, address guardian_, uint64 challengeWindow_) {
        token = token_;
        publisher = publisher_;
        guardian = guardian_;
        challengeWindow = challengeWindow_;
    }

    /**
     * Proposes an epoch's reward root, with the SHA-256 of its manifest's canonical JSON for
     * anyone to fetch and recompute. A pending root whose window has passed is activated first;
     * one still in its window is replaced (the newer cumulative tree covers the older).
     */
    function proposeRoot(uint64 epoch, bytes32 root, bytes32 manifestHash) external {
        if (msg.sender != publisher) revert NotPublisher();
        _activateIfDue();
        uint64 latest = hasPending ? pendingEpoch : activeEpoch;
        if (epoch <= latest && (hasPending || activeRoot != bytes32(0))) revert EpochNotAfter(epoch, latest);
        pendingRoot = root;
        pendingEpoch = epoch;
        pendingSince = uint64(block.timestamp);
        hasPending = true;
        emit RootProposed(epoch, root, manifestHash, uint64(block.timestamp) + challengeWindow);
    }

    /** The guardian's veto of a pending root (a wrong manifest found in the window). */
    function veto() external {
        if (msg.sender != guardian) revert NotGuardian();
        if (!hasPending) revert NothingPending();
        hasPending = false;
        emit RootVetoed(pendingEpoch, pendingRoot);
    }

    /** Makes the pending root claimable once its window has passed (anyone may call). */
    function activate() external {
        if (!hasPending) revert NothingPending();
        uint64 claimableAt = pendingSince + challengeWindow;
        if (block.timestamp < claimableAt) revert ChallengeWindowOpen(claimableAt);
        _activateIfDue();
    }

    /** Pays msg.sender the difference between its proven cumulative amount and what it was paid. */
    function claim(uint256 cumulative, bytes32[] calldata proof) external returns (uint256 amount) {
        _activateIfDue();
        if (activeRoot == bytes32(0)) revert NoActiveRoot();
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(block.chainid, address(this), uint256(activeEpoch), msg.sender, cumulative))));
        if (!MerkleProof.verifyCalldata(proof, activeRoot, leaf)) revert InvalidProof();
        uint256 already = claimed[msg.sender];
        if (cumulative <= already) revert NothingToClaim(cumulative, already);
        amount = cumulative - already;
        claimed[msg.sender] = cumulative;
        emit Claimed(msg.sender, activeEpoch, amount, cumulative);
        token.safeTransfer(msg.sender, amount);
    }

    function _activateIfDue() private {
        if (hasPending && block.timestamp >= pendingSince + challengeWindow) {
            activeRoot = pendingRoot;
            activeEpoch = pendingEpoch;
            hasPending = false;
            emit RootActivated(activeEpoch, activeRoot);
        }
    }
}
