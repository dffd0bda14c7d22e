import type { InfluxDB } from 'influx';
import { AnchorRepository, BatchRecord, ChainPort, compareRecords, InfluxRecordReader, merkleRoot, OnChainBatch, recordKey, recordLeaf, RecordRef } from '@gridproof/anchor';
import { MEASUREMENTS } from '@gridproof/influx';
import type { IngestRecord } from '@gridproof/telemetry';

export interface BatchAudit {
  batchId: number;
  start: number;
  end: number;
  verified: boolean;
  /** Why not, in words (empty when verified). */
  problems: string[];
  count: { anchored: number | null; stored: number };
  roots: { onChain: string | null; rebuilt: string; store: string };
  altered: RecordRef[];
  missing: RecordRef[];
  injected: RecordRef[];
  /**
   * Accepted readings InfluxDB refused for good before the batch was sealed, as the operator's
   * store records them: never in InfluxDB, so not in the batch nor on chain. Not a failure of
   * the batch (what was anchored is intact), but a gap an auditor must see.
   */
  deadLettered: { count: number; readings: RecordRef[] };
}

export interface AuditReport {
  from: number;
  to: number;
  batches: BatchAudit[];
  verified: number;
  failed: number;
  records: number;
  durationMs: number;
}

export interface AuditOptions {
  maxBackfillMs: number;
  maxFutureSkewMs: number;
}

/**
 * Rebuilds every batch of a period from InfluxDB and compares it with the roots on chain. The
 * per-batch leaf index in the SQL store is used only to name records, and only once its own
 * Merkle root matched the chain's (so an operator cannot hide a change by editing the index).
 */
export class AuditService {
  constructor(
    private readonly repo: AnchorRepository,
    private readonly reader: InfluxRecordReader,
    private readonly chain: () => ChainPort | null,
    private readonly options: AuditOptions,
    private readonly influxWriter: InfluxDB | null = null,
  ) {}

  async audit(from: number, to: number): Promise<AuditReport> {
    const t0 = Date.now();
    const batches = await this.repo.batchesOverlapping(from, to);
    if (!batches.length) return { from, to, batches: [], verified: 0, failed: 0, records: 0, durationMs: Date.now() - t0 };
    const start = batches[0].start;
    const end = batches[batches.length - 1].end;
    // One scan for the whole period, split by rx: InfluxDB cannot index rx (a field).
    const stored = await this.reader.recordsByRx(start, end, { fromTs: start - this.options.maxBackfillMs, toTs: end + this.options.maxFutureSkewMs });
    const byBatch = new Map<number, IngestRecord[]>(batches.map((b) => [b.id, []]));
    const starts = batches.map((b) => b.start);
    for (const s of stored) {
      const i = upperBound(starts, s.record.rx) - 1;
      if (i >= 0 && s.record.rx < batches[i].end) byBatch.get(batches[i].id)!.push(s.record);
    }
    const chain = this.chain();
    const results: BatchAudit[] = [];
    let previousOnChain: OnChainBatch | null = null;
    for (const b of batches) {
      const onChain = chain ? await chain.getBatch(b.id) : null;
      const prev = b.id === 0 ? null : previousOnChain?.batchId === b.id - 1 ? previousOnChain : chain ? await chain.getBatch(b.id - 1) : null;
      results.push(await this.auditBatch(b, byBatch.get(b.id)!, onChain, prev, chain !== null));
      previousOnChain = onChain;
    }
    const report: AuditReport = {
      from,
      to,
      batches: results,
      verified: results.filter((r) => r.verified).length,
      failed: results.filter((r) => !r.verified).length,
      records: stored.length,
      durationMs: Date.now() - t0,
    };
    this.writeResults(results);
    return report;
  }

  private async auditBatch(b: BatchRecord, records: IngestRecord[], onChain: OnChainBatch | null, prev: OnChainBatch | null, chainUp: boolean): Promise<BatchAudit> {
    records.sort(compareRecords);
    const leaves = records.map(recordLeaf);
    const rebuilt = merkleRoot(leaves).toString('hex');
    const problems: string[] = [];
    if (!chainUp) problems.push('the chain is not connected');
    else if (!onChain) problems.push('the batch is not anchored on chain');
    else {
      if (onChain.root !== rebuilt) problems.push('the records in InfluxDB do not hash to the root on chain');
      if (onChain.count !== records.length) problems.push(`the chain anchored ${onChain.count} records, InfluxDB holds ${records.length}`);
      if (onChain.start !== b.start || onChain.end !== b.end) problems.push(`the chain's window [${onChain.start}, ${onChain.end}) differs from the store's`);
      const expectedPrev = b.id === 0 ? '00'.repeat(32) : prev?.root;
      if (onChain.prevRoot !== expectedPrev) problems.push('the batch does not chain to the previous batch on chain');
      if (onChain.root !== b.root) problems.push('the store records a different root than the chain');
    }
    const result: BatchAudit = {
      batchId: b.id,
      start: b.start,
      end: b.end,
      verified: problems.length === 0,
      problems,
      count: { anchored: onChain?.count ?? null, stored: records.length },
      roots: { onChain: onChain?.root ?? null, rebuilt, store: b.root },
      altered: [],
      missing: [],
      injected: [],
      deadLettered: { count: b.deadLettered, readings: b.deadLetters },
    };
    if (result.verified || !onChain) return result;

    const index = await this.repo.leaves(b.id);
    if (!index || merkleRoot(index.map((l) => l.leaf)).toString('hex') !== onChain.root) {
      problems.push('the leaf index in the store does not match the chain: records cannot be named');
      return result;
    }
    const anchored = new Map(index.map((l) => [recordKey(l.device, l.seq), l]));
    const seen = new Set<string>();
    records.forEach((r, i) => {
      const key = recordKey(r.device, r.seq);
      const ref = { device: r.device, seq: r.seq, ts: r.ts, rx: r.rx };
      const a = anchored.get(key);
      if (!a || seen.has(key)) result.injected.push(ref);
      else if (!a.leaf.equals(leaves[i])) result.altered.push(ref);
      seen.add(key);
    });
    for (const [key, l] of anchored) if (!seen.has(key)) result.missing.push({ device: l.device, seq: l.seq, ts: l.ts, rx: l.rx });
    return result;
  }

  private writeResults(results: BatchAudit[]): void {
    if (!this.influxWriter || !results.length) return;
    this.influxWriter
      .writePoints(
        results.map((r) => ({
          measurement: MEASUREMENTS.auditResults,
          fields: { batch_id: r.batchId, verified: r.verified ? 1 : 0, altered: r.altered.length, missing: r.missing.length, injected: r.injected.length },
          timestamp: new Date(r.end),
        })),
        { precision: 'ms' },
      )
      .catch(() => undefined);
  }
}

function upperBound(sorted: number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
