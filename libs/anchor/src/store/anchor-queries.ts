import type { IndexedLeaf } from '../records/leaf-index';
import type { ChainPort } from '../chain/chain.port';
import type { AnchorRepository, BatchRecord, ReanchoredBatch } from '../store/anchor.repository';

/**
 * The anchored log as its readers see it: the audit, proofs and batch exports ask for batches,
 * their leaves and the connected chain through this port, never through the repository that
 * writes them. AnchorModule provides it as ANCHOR_QUERIES.
 */
export interface AnchorQueries {
  batch(id: number): Promise<BatchRecord | null>;
  /** The batch whose window holds this receive time. */
  batchAt(rx: number): Promise<BatchRecord | null>;
  batchesOverlapping(from: number, to: number): Promise<BatchRecord[]>;
  /** The batch that added the log's leaf at this index. */
  batchHoldingLeaf(index: number): Promise<BatchRecord | null>;
  reanchoredBatches(fromId: number, toId: number): Promise<ReanchoredBatch[]>;
  /** The batch's leaves in log order; null when the batch is unknown. */
  leaves(batchId: number): Promise<IndexedLeaf[] | null>;
  lastAnchored(): Promise<BatchRecord | null>;
  /** The chain, once the anchoring service connected to it. */
  currentChain(): ChainPort | null;
}

/** Nest token of the AnchorQueries port. */
export const ANCHOR_QUERIES = Symbol('AnchorQueries');

/** The port over the repository (reads only) and the anchoring service's chain. */
export function anchorQueries(repo: AnchorRepository, chain: () => ChainPort | null): AnchorQueries {
  return {
    batch: (id) => repo.batch(id),
    batchAt: (rx) => repo.batchAt(rx),
    batchesOverlapping: (from, to) => repo.batchesOverlapping(from, to),
    batchHoldingLeaf: (index) => repo.batchHoldingLeaf(index),
    reanchoredBatches: (fromId, toId) => repo.reanchoredBatches(fromId, toId),
    leaves: (batchId) => repo.leaves(batchId),
    lastAnchored: () => repo.lastAnchored(),
    currentChain: chain,
  };
}
