import { consistencyProof, inclusionProof, MerkleFrontier, merkleRoot, nodeHash } from '../merkle/merkle';
import type { AnchorQueries } from '../store/anchor-queries';
import type { BatchRecord } from '../store/anchor.repository';

/**
 * Proofs over the one append-only log that all batches form (docs/anchoring.md §3): RFC 6962
 * §2.1.1 inclusion of a leaf in a tree head, and §2.1.2 consistency between two heads.
 *
 * Subtree hashes come from what the SQL store keeps: each batch's frontier (the roots of the
 * perfect subtrees covering the log up to its head) and each batch's leaf index. Any other
 * range is split the way RFC 6962 splits it. An inclusion proof in batch k costs the hashing of
 * batch k's leaves; a consistency proof from head j to head k that of the leaves of batches
 * j+1..k. Nothing here is trusted by a verifier: the proofs are checked against roots on chain.
 */
export class LogProofs {
  private readonly nodes = new Map<string, Buffer>();
  private readonly leaves = new Map<number, Buffer[]>();
  /** Batches known so far, by id, to find which one holds a leaf index. */
  private readonly batches = new Map<number, BatchRecord>();

  constructor(private readonly repo: Pick<AnchorQueries, 'batch' | 'batchHoldingLeaf' | 'leaves'>) {}

  /** The audit path of the batch's leaf `indexInBatch` against the batch's own tree head. */
  async inclusion(batch: BatchRecord, indexInBatch: number): Promise<{ leafIndex: number; treeSize: number; path: Buffer[] }> {
    this.learn(batch);
    const previous = batch.id > 0 ? await this.repo.batch(batch.id - 1) : null;
    if (previous) this.learn(previous);
    const leafIndex = batch.treeSize - batch.count + indexInBatch;
    return { leafIndex, treeSize: batch.treeSize, path: await inclusionProof(leafIndex, batch.treeSize, (lo, hi) => this.rangeHash(lo, hi)) };
  }

  /** The consistency proof from the head of batch `from` to the head of batch `to` (from ≤ to). */
  async consistency(from: BatchRecord, to: BatchRecord): Promise<Buffer[]> {
    this.learn(from);
    this.learn(to);
    return consistencyProof(from.treeSize, to.treeSize, (lo, hi) => this.rangeHash(lo, hi));
  }

  /** Records a batch's frontier nodes as known subtree hashes. */
  learn(batch: BatchRecord): void {
    if (this.batches.has(batch.id)) return;
    this.batches.set(batch.id, batch);
    const frontier = MerkleFrontier.from(batch.treeSize, batch.frontier.map((h) => Buffer.from(h, 'hex')));
    frontier.ranges().forEach(([lo, hi], i) => this.nodes.set(`${lo}:${hi}`, frontier.hashes[i]));
  }

  private async rangeHash(lo: number, hi: number): Promise<Buffer> {
    const known = this.nodes.get(`${lo}:${hi}`);
    if (known) return known;
    const batch = await this.batchHolding(lo);
    const first = batch.treeSize - batch.count;
    let out: Buffer;
    if (hi <= batch.treeSize) {
      out = merkleRoot((await this.leavesOf(batch)).slice(lo - first, hi - first));
    } else {
      // Spans batches: MTH(D[lo:hi]) = node(MTH(D[lo:lo+k]), MTH(D[lo+k:hi])), k the largest power of two < hi − lo.
      let k = 1;
      while (k * 2 < hi - lo) k *= 2;
      out = nodeHash(await this.rangeHash(lo, lo + k), await this.rangeHash(lo + k, hi));
    }
    this.nodes.set(`${lo}:${hi}`, out);
    return out;
  }

  private async batchHolding(index: number): Promise<BatchRecord> {
    for (const b of this.batches.values()) if (b.count > 0 && b.treeSize - b.count <= index && index < b.treeSize) return b;
    const found = await this.repo.batchHoldingLeaf(index);
    if (!found) throw new Error(`no sealed batch holds log leaf ${index}`);
    this.batches.set(found.id, found);
    return found;
  }

  private async leavesOf(batch: BatchRecord): Promise<Buffer[]> {
    let leaves = this.leaves.get(batch.id);
    if (!leaves) {
      leaves = ((await this.repo.leaves(batch.id)) ?? []).map((l) => l.leaf);
      if (leaves.length !== batch.count) throw new Error(`batch ${batch.id}: the leaf index holds ${leaves.length} leaves, the batch ${batch.count}`);
      this.leaves.set(batch.id, leaves);
    }
    return leaves;
  }
}
