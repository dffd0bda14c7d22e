import type { RecordSource } from '@gridproof/influx';
import { AnchorQueries, keyEventLeaf, recordKey, recordLeaf } from '@gridproof/anchor';
import { keyEventRecordOf } from '@gridproof/registry';
import type { IngestRecord, KeyEventRecord } from '@gridproof/telemetry';
import type { DeviceKeyLookup } from './proof.service';
import { NotFoundError } from '@gridproof/core';

export const BATCH_EXPORT_FORMAT = 'gridproof-batch/1';

/**
 * Every leaf of one batch, in log order, with the record it hashes (Trillian's get-entries is
 * the model): enough to recompute the batch's tree head without InfluxDB or the SQL store.
 *
 * Re-verify: start from `previous` (the log's frontier at the previous head; fold it right to
 * left with RFC 6962 node hashes and compare with batch id − 1's root on chain), append each
 * entry's leaf = SHA-256(0x00 ‖ JCS(record)) in order, and compare the root and size with
 * getBatch(id) on chain. An entry whose stored row no longer hashes to its leaf carries the
 * leaf only, with `stored` saying why (the audit names it altered or missing). A key event's
 * entry carries its key-event record (from the SQL key history; `kind: "key-event"`), hashed
 * the same way.
 */
export interface BatchExport {
  format: typeof BATCH_EXPORT_FORMAT;
  hashAlgorithm: 'sha-256';
  batch: { id: number; start: number; end: number; count: number; treeSize: number; root: string; prevRoot: string };
  previous: { treeSize: number; frontier: string[] };
  chain: { chainId: number; contract: string; txHash: string; blockNumber: number } | null;
  entries: Array<{ leafIndex: number; leaf: string; record: IngestRecord | KeyEventRecord | null; stored: 'ok' | 'altered' | 'missing' }>;
}

export class BatchExportError extends NotFoundError {}

export class BatchExportService {
  constructor(
    private readonly repo: AnchorQueries,
    private readonly reader: RecordSource,
    private readonly bounds: { maxBackfillMs: number; maxFutureSkewMs: number },
    /** The SQL key history, for the batch's key-event leaves (without it they are reported missing). */
    private readonly keys: DeviceKeyLookup | null = null,
  ) {}

  async exportBatch(id: number): Promise<BatchExport> {
    const batch = await this.repo.batch(id);
    if (!batch) throw new BatchExportError(`no sealed batch ${id}`);
    const previous = id > 0 ? await this.repo.batch(id - 1) : null;
    const leaves = (await this.repo.leaves(id)) ?? [];
    const stored = await this.reader.recordsByRx(batch.start, batch.end, { fromTs: batch.start - this.bounds.maxBackfillMs, toTs: batch.end + this.bounds.maxFutureSkewMs });
    const byKey = new Map(stored.map((s) => [recordKey(s.record.device, s.record.seq), s.record]));
    const keyEvents = new Map((this.keys ? await this.keys.keyEventsLoggedBetween(batch.start, batch.end) : []).map((e) => [e.id, keyEventRecordOf(e)!]));
    const first = batch.treeSize - batch.count;
    return {
      format: BATCH_EXPORT_FORMAT,
      hashAlgorithm: 'sha-256',
      batch: { id: batch.id, start: batch.start, end: batch.end, count: batch.count, treeSize: batch.treeSize, root: batch.root, prevRoot: batch.prevRoot },
      previous: { treeSize: previous?.treeSize ?? 0, frontier: previous?.frontier ?? [] },
      chain: batch.anchor ? { chainId: batch.anchor.chainId, contract: batch.anchor.contract.toLowerCase(), txHash: batch.anchor.txHash.toLowerCase(), blockNumber: batch.anchor.blockNumber } : null,
      entries: leaves.map((l, i) => {
        if (l.kind === 'key-event') {
          const record = keyEvents.get(l.seq) ?? null;
          const ok = record !== null && keyEventLeaf(record).equals(l.leaf);
          return { leafIndex: first + i, leaf: l.leaf.toString('hex'), record: ok ? record : null, stored: ok ? 'ok' : record ? 'altered' : 'missing' };
        }
        const record = byKey.get(recordKey(l.device, l.seq)) ?? null;
        const ok = record !== null && recordLeaf(record).equals(l.leaf);
        return { leafIndex: first + i, leaf: l.leaf.toString('hex'), record: ok ? record : null, stored: ok ? 'ok' : record ? 'altered' : 'missing' };
      }),
    };
  }
}
