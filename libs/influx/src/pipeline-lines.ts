import { pointLine } from './line-protocol';
import { MEASUREMENTS } from './schema';

/**
 * Line protocol of the pipeline measurements anchoring and the audit write for Grafana (layout
 * in schema.ts). Numbers are floats, as node-influx's writePoints wrote them before these
 * builders replaced it, so the stored field types stay the same.
 */

export interface AnchoredBatchPoint {
  batchId: number;
  count: number;
  lagMs: number;
  root: string;
  txHash: string;
  blockNumber: number;
  /** The batch window's end (receive time, Unix ms): the point's time. */
  end: number;
}

export function anchorBatchLine(b: AnchoredBatchPoint): string {
  return pointLine(MEASUREMENTS.anchorBatches, {}, { batch_id: b.batchId, count: b.count, lag_ms: b.lagMs, root: b.root, tx: b.txHash, block: b.blockNumber }, b.end);
}

export interface AuditResultPoint {
  batchId: number;
  verified: boolean;
  altered: number;
  missing: number;
  injected: number;
  end: number;
}

export function auditResultLine(r: AuditResultPoint): string {
  return pointLine(MEASUREMENTS.auditResults, {}, { batch_id: r.batchId, verified: r.verified ? 1 : 0, altered: r.altered, missing: r.missing, injected: r.injected }, r.end);
}
