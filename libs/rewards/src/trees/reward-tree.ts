import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import type { RewardDomain } from '../ledger/ledger-input';

/**
 * The reward tree: an OpenZeppelin StandardMerkleTree (keccak256 of keccak256 of the ABI
 * encoding of each leaf, sorted pairs), so the distributor contract checks a claim with
 * OpenZeppelin's MerkleProof.
 *
 * Leaf: [uint256 chainId, address distributor, uint256 epoch, address owner, uint256 cumulative].
 * The domain (chain id, distributor, epoch) is in every leaf, not only in the manifest: the
 * contract rebuilds the leaf from block.chainid, address(this) and the epoch of the root it
 * holds, so a proof for one chain, one distributor or one epoch can never be replayed against
 * another, even if the same owner is owed the same cumulative amount there. A manifest field
 * alone would bind nothing the contract checks.
 */
export const REWARD_LEAF_ENCODING = ['uint256', 'address', 'uint256', 'address', 'uint256'] as const;
export type RewardLeaf = [string, string, string, string, string];

export function rewardLeaf(domain: RewardDomain, epoch: number, owner: string, cumulative: bigint): RewardLeaf {
  return [String(domain.chainId), domain.distributor.toLowerCase(), String(epoch), owner.toLowerCase(), cumulative.toString()];
}

/** The root published for an epoch in which nobody is owed anything: no proof can reach it. */
export const EMPTY_REWARD_ROOT = '0x' + '0'.repeat(64);

/**
 * Leaves in owner order; StandardMerkleTree sorts the leaf hashes itself (sortLeaves). Null for
 * no leaves (StandardMerkleTree refuses an empty tree); the root is then EMPTY_REWARD_ROOT.
 */
export function rewardTree(leaves: RewardLeaf[]): StandardMerkleTree<RewardLeaf> | null {
  return leaves.length ? StandardMerkleTree.of(leaves, [...REWARD_LEAF_ENCODING]) : null;
}
