import { KeyEvent, keyEventRecordOf } from '@gridproof/registry';
import {
  AnchorQueries,
  BatchRecord,
  ChainPort,
  compareRecords,
  IndexedLeaf,
  keyEventLeaf,
  keyEventRef,
  LeafRef,
  LogProofs,
  MerkleFrontier,
  OnChainBatch,
  ReanchoredBatch,
  recordKey,
  recordLeaf,
  RecordRef,
  verifyConsistency,
} from '@gridproof/anchor';
import { auditResultLine, type LineSink, type RecordSource } from '@gridproof/influx';
import type { IngestRecord } from '@gridproof/telemetry';
import type { DeviceKeyLookup } from './proof.service';
import { checkSequences, checkSignatures, SequenceFindings, SignatureFindings } from './record-checks';

export interface BatchAudit {
  batchId: number;
  start: number;
  end: number;
  verified: boolean;
  /** Why not, in words (empty when verified). */
  problems: string[];
  /** anchored: leaves the batch added to the log per the chain (its size minus the previous head's). */
  count: { anchored: number | null; stored: number };
  /** The log's size at this batch's head: on chain, and as rebuilt from InfluxDB. */
  treeSize: { onChain: number | null; rebuilt: number | null };
  roots: { onChain: string | null; rebuilt: string | null; store: string };
  /**
   * RFC 6962 §2.1.2: the consistency proof from the previous anchored head to this one, built
   * from the store and checked against both roots on chain (null for batch 0 or when either
   * head is not on chain). false means the log was rewritten, not appended to.
   */
  consistency: { fromTreeSize: number; toTreeSize: number; proofLength: number; verified: boolean } | null;
  altered: RecordRef[];
  missing: RecordRef[];
  injected: RecordRef[];
  /**
   * Accepted readings InfluxDB refused for good before the batch was sealed, as the operator's
   * store records them: never in InfluxDB, so not in the batch nor on chain. Not a failure of
   * the batch (what was anchored is intact), but a gap an auditor must see.
   */
  deadLettered: { count: number; readings: RecordRef[] };
  /** Every stored record's Ed25519 signature against its device's key at the record's rx. */
  signatures: SignatureFindings | null;
  /**
   * The key events the log received in this window, as the SQL key history holds them, against
   * the batch's key-event leaves (named once the batch does not verify): altered (same id, other
   * content), in SQL with an rx in this window but not in the log, in the log but not in SQL.
   */
  keyEvents: KeyEventFindings;
  /**
   * Each time the chain lost this batch's anchoring and it was anchored again (the operator's
   * record, anchor_reanchor_events), with when, and the anchoring that was lost. A re-anchored
   * batch is never verified: the chain attests its root only since the re-anchoring, not since
   * the batch was sealed, so an edited root would look the same.
   */
  reanchored: Array<{ event: number; detectedAt: number; reason: string; detail: string; lost: { txHash: string; blockNumber: number; blockHash: string | null; anchoredAt: number | null } }>;
}

/** A key event as reports name it. */
export interface KeyEventRef {
  id: number;
  device: string;
  event: string | null;
  at: number;
  rx: number | null;
}

export interface KeyEventFindings {
  /** Key events of the SQL history the batch was rebuilt with. */
  checked: number;
  altered: KeyEventRef[];
  missingFromLog: KeyEventRef[];
  notInSql: KeyEventRef[];
}

export interface AuditReport {
  from: number;
  to: number;
  batches: BatchAudit[];
  verified: number;
  failed: number;
  records: number;
  /**
   * Per device over the period, in receive order: seq gaps and reordering, next to the count of
   * readings InfluxDB refused (dead-lettered), which also leave gaps.
   */
  sequences: SequenceFindings & { deadLettered: number };
  /**
   * The SQL key history against the key-event leaves of the log (docs/anchoring.md §6): every
   * batch's findings together, plus the key events of the period's devices that the log
   * received in other batches (checked against those batches' leaves), plus every event the
   * SQL store holds that never reached the log (`unlogged`). verified is false when any is named.
   */
  keyHistory: KeyEventFindings & { unlogged: KeyEventRef[]; verified: boolean };
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
    private readonly repo: AnchorQueries,
    private readonly reader: RecordSource,
    private readonly chain: () => ChainPort | null,
    private readonly options: AuditOptions,
    /** Where the audit_results points for Grafana go. */
    private readonly influxWriter: LineSink | null = null,
    /** The registry's key history; without it signatures are not checked (null findings). */
    private readonly keys: DeviceKeyLookup | null = null,
  ) {}

  async audit(from: number, to: number): Promise<AuditReport> {
    const t0 = Date.now();
    const batches = await this.repo.batchesOverlapping(from, to);
    const unlogged = this.keys ? (await this.keys.unloggedKeyEvents()).map(keyEventRefOf) : [];
    if (!batches.length) {
      const keyHistory = { checked: 0, altered: [], missingFromLog: [], notInSql: [], unlogged, verified: unlogged.length === 0 };
      return { from, to, batches: [], verified: 0, failed: 0, records: 0, sequences: { ...checkSequences([]), deadLettered: 0 }, keyHistory, durationMs: Date.now() - t0 };
    }
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
    const histories = this.keys ? await this.keys.keyHistories([...new Set(stored.map((s) => s.record.device))]) : null;
    // The key events the log received in the period are leaves of its batches, like the records.
    const keyEventsByBatch = new Map<number, KeyEvent[]>(batches.map((b) => [b.id, []]));
    for (const e of this.keys ? await this.keys.keyEventsLoggedBetween(start, end) : []) {
      const i = upperBound(starts, e.rx!) - 1;
      if (i >= 0 && e.rx! < batches[i].end) keyEventsByBatch.get(batches[i].id)!.push(e);
    }
    const chain = this.chain();
    const reanchored = await this.repo.reanchoredBatches(batches[0].id, batches[batches.length - 1].id);
    const results: BatchAudit[] = [];
    const log = new LogProofs(this.repo);
    // The head before the period: its stored frontier is where the log continues from.
    let prevStored = batches[0].id > 0 ? await this.repo.batch(batches[0].id - 1) : null;
    let prevOnChain = batches[0].id > 0 && chain ? await chain.getBatch(batches[0].id - 1) : null;
    for (const b of batches) {
      const onChain = chain ? await chain.getBatch(b.id) : null;
      results.push(await this.auditBatch(b, byBatch.get(b.id)!, keyEventsByBatch.get(b.id)!, onChain, prevStored, prevOnChain, chain !== null, log, histories, reanchored.filter((r) => r.batchId === b.id)));
      prevStored = b;
      prevOnChain = onChain;
    }
    const outside = histories && chain ? await this.checkKeyEventsOutside(histories, start, end, chain) : emptyKeyFindings();
    const keyHistory = {
      checked: results.reduce((n, r) => n + r.keyEvents.checked, outside.checked),
      altered: [...results.flatMap((r) => r.keyEvents.altered), ...outside.altered],
      missingFromLog: [...results.flatMap((r) => r.keyEvents.missingFromLog), ...outside.missingFromLog],
      notInSql: results.flatMap((r) => r.keyEvents.notInSql),
      unlogged,
      verified: false,
    };
    keyHistory.verified = !keyHistory.altered.length && !keyHistory.missingFromLog.length && !keyHistory.notInSql.length && !unlogged.length;
    const report: AuditReport = {
      from,
      to,
      batches: results,
      verified: results.filter((r) => r.verified).length,
      failed: results.filter((r) => !r.verified).length,
      records: stored.length,
      sequences: { ...checkSequences(results.flatMap((r) => byBatch.get(r.batchId)!)), deadLettered: results.reduce((n, r) => n + r.deadLettered.count, 0) },
      keyHistory,
      durationMs: Date.now() - t0,
    };
    this.writeResults(results);
    return report;
  }

  private async auditBatch(
    b: BatchRecord,
    records: IngestRecord[],
    keyEvents: KeyEvent[],
    onChain: OnChainBatch | null,
    prevStored: BatchRecord | null,
    prev: OnChainBatch | null,
    chainUp: boolean,
    log: LogProofs,
    histories: Map<string, KeyEvent[]> | null,
    lost: ReanchoredBatch[],
  ): Promise<BatchAudit> {
    records.sort(compareRecords);
    const leaves = records.map(recordLeaf);
    // The batch's leaves in log order: the stored records and the key events of its window.
    const keyLeaves = keyEvents.map((e) => {
      const record = keyEventRecordOf(e)!;
      return { ref: keyEventRef(record) as LeafRef, leaf: keyEventLeaf(record), event: e };
    });
    keyLeaves.sort((x, y) => compareRecords(x.ref, y.ref));
    const ordered = mergeLeaves(records, leaves, keyLeaves);
    const problems: string[] = [];
    const signatures = histories ? checkSignatures(records, histories) : null;
    if (signatures?.invalid.length) problems.push(`${signatures.invalid.length} records do not verify with their device's key at their receive time`);
    if (signatures?.unsigned.length) problems.push(`${signatures.unsigned.length} records are unsigned although their device had to sign`);
    if (signatures?.noKey.length) problems.push(`${signatures.noKey.length} records are from devices with no key history at their receive time`);
    // The log before this batch, as the store's frontier of the previous head: trusted only when
    // it folds to the previous root on chain at the previous size (batch 0 starts empty).
    const base = b.id === 0 ? MerkleFrontier.empty() : prevStored && prev ? frontierOf(prevStored) : null;
    const baseOk = b.id === 0 || (base !== null && prev !== null && base.root().toString('hex') === prev.root && base.size === prev.count);
    let rebuilt: MerkleFrontier | null = null;
    if (baseOk && base) {
      rebuilt = base.clone();
      for (const leaf of ordered) rebuilt.append(leaf);
    }
    const rebuiltRoot = rebuilt?.root().toString('hex') ?? null;
    if (!chainUp) problems.push('the chain is not connected');
    else if (!onChain) problems.push('the batch is not anchored on chain');
    else {
      if (!baseOk) problems.push(`the store's head before this batch does not match batch ${b.id - 1} on chain: the log cannot be rebuilt from it`);
      else {
        if (onChain.root !== rebuiltRoot) problems.push("the records in InfluxDB and the key events in the SQL store do not hash to the root on chain");
        if (onChain.count !== rebuilt!.size) problems.push(`the chain anchored a log of ${onChain.count} leaves at this batch, InfluxDB's records and SQL's key events make ${rebuilt!.size}`);
      }
      if (onChain.start !== b.start || onChain.end !== b.end) problems.push(`the chain's window [${onChain.start}, ${onChain.end}) differs from the store's`);
      const expectedPrev = b.id === 0 ? '00'.repeat(32) : prev?.root;
      if (onChain.prevRoot !== expectedPrev) problems.push('the batch does not chain to the previous batch on chain');
      if (onChain.root !== b.root) problems.push('the store records a different root than the chain');
      if (onChain.prevRoot !== b.prevRoot) problems.push('the store records a different previous root than the chain');
    }
    for (const r of lost) {
      problems.push(
        `RE-ANCHORED: the chain lost this batch's anchoring (tx ${r.lost.txHash}, block ${r.lost.blockNumber}); event ${r.event.id} (${r.event.reason}) found it on ${new Date(r.event.detectedAt).toISOString()} and the batch was anchored again${b.anchor ? ` on ${new Date(b.anchor.anchoredAt).toISOString()} (block ${b.anchor.blockNumber})` : ''}: the chain attests its root only since then`,
      );
    }
    const consistency = onChain && prev && prevStored && b.id > 0 ? await this.checkConsistency(log, prevStored, b, prev, onChain) : null;
    if (consistency && !consistency.verified) problems.push(`the log at this batch (${onChain!.count} leaves) is not an extension of the previous head (${prev!.count} leaves): RFC 6962 consistency fails`);
    const result: BatchAudit = {
      batchId: b.id,
      start: b.start,
      end: b.end,
      verified: problems.length === 0,
      problems,
      count: { anchored: onChain ? onChain.count - (b.id === 0 ? 0 : (prev?.count ?? 0)) : null, stored: records.length },
      treeSize: { onChain: onChain?.count ?? null, rebuilt: rebuilt?.size ?? null },
      roots: { onChain: onChain?.root ?? null, rebuilt: rebuiltRoot, store: b.root },
      consistency,
      altered: [],
      missing: [],
      injected: [],
      deadLettered: { count: b.deadLettered, readings: b.deadLetters },
      signatures,
      keyEvents: { ...emptyKeyFindings(), checked: keyEvents.length },
      reanchored: lost.map((r) => ({ event: r.event.id, detectedAt: r.event.detectedAt, reason: r.event.reason, detail: r.event.detail, lost: r.lost })),
    };
    if (result.verified || !onChain || !base || !baseOk) return result;

    const index = await this.repo.leaves(b.id);
    const fromIndex = base.clone();
    for (const l of index ?? []) fromIndex.append(l.leaf);
    if (!index || fromIndex.root().toString('hex') !== onChain.root) {
      problems.push('the leaf index in the store does not match the chain: records cannot be named');
      return result;
    }
    const anchored = new Map(index.filter((l) => l.kind !== 'key-event').map((l) => [recordKey(l.device, l.seq), l]));
    await this.nameKeyEvents(result.keyEvents, keyLeaves, index);
    const k = result.keyEvents;
    if (k.altered.length || k.missingFromLog.length || k.notInSql.length) {
      problems.push(`the SQL key history differs from the log's key events: ${k.altered.length} altered, ${k.missingFromLog.length} not in the log, ${k.notInSql.length} not in SQL`);
    }
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

  /**
   * Matches the SQL key events of a batch's window with the batch's key-event leaves (its leaf
   * index, already checked against the chain) by event id.
   */
  private async nameKeyEvents(out: KeyEventFindings, sql: Array<{ leaf: Buffer; event: KeyEvent }>, index: IndexedLeaf[]): Promise<void> {
    const logged = new Map(index.filter((l) => l.kind === 'key-event').map((l) => [l.seq, l]));
    for (const { leaf, event } of sql) {
      const l = logged.get(event.id);
      if (!l) out.missingFromLog.push(keyEventRefOf(event));
      else if (!l.leaf.equals(leaf)) out.altered.push(keyEventRefOf(event));
      logged.delete(event.id);
    }
    if (!logged.size) return;
    // In the log but not among SQL's events of this window: the row is gone, or its rx was
    // changed (then it is altered).
    const devices = [...new Set([...logged.values()].map((l) => l.device))];
    const histories = this.keys ? await this.keys.keyHistories(devices) : new Map<string, KeyEvent[]>();
    for (const l of logged.values()) {
      const row = histories.get(l.device)?.find((e) => e.id === l.seq);
      if (row) out.altered.push(keyEventRefOf(row));
      else out.notInSql.push({ id: l.seq, device: l.device, event: null, at: l.ts, rx: l.rx });
    }
  }

  /**
   * The key events of the period's devices that the log received outside the period (a
   * registration years ago): each is compared with its batch's leaf, once that batch's leaf
   * index is shown to fold to the root on chain. An event whose batch is not sealed yet is skipped.
   */
  private async checkKeyEventsOutside(histories: Map<string, KeyEvent[]>, start: number, end: number, chain: ChainPort): Promise<KeyEventFindings> {
    const out = emptyKeyFindings();
    /** Per batch: its key-event leaves by event id, or null when its leaf index is not the chain's. */
    const indexes = new Map<number, Map<number, IndexedLeaf> | null>();
    // A fleet registered together shares a batch or a few: ask the store once per batch.
    const batches: BatchRecord[] = [];
    for (const events of histories.values()) {
      for (const e of events) {
        if (e.rx === null || (e.rx >= start && e.rx < end)) continue;
        const rx = e.rx;
        let batch = batches.find((b) => b.start <= rx && rx < b.end) ?? null;
        if (!batch) {
          batch = await this.repo.batchAt(rx);
          if (batch) batches.push(batch);
        }
        if (!batch) continue;
        if (!indexes.has(batch.id)) {
          const index = await this.verifiedIndex(batch, chain);
          indexes.set(batch.id, index && new Map(index.filter((x) => x.kind === 'key-event').map((x) => [x.seq, x])));
        }
        const logged = indexes.get(batch.id)!;
        out.checked++;
        const l = logged?.get(e.id);
        if (!l) out.missingFromLog.push(keyEventRefOf(e));
        else if (!l.leaf.equals(keyEventLeaf(keyEventRecordOf(e)!))) out.altered.push(keyEventRefOf(e));
      }
    }
    return out;
  }

  /** A batch's leaf index, when it and the previous head's frontier give the roots on chain; else null. */
  private async verifiedIndex(b: BatchRecord, chain: ChainPort): Promise<IndexedLeaf[] | null> {
    const [onChain, prevOnChain, prevStored, index] = await Promise.all([chain.getBatch(b.id), b.id > 0 ? chain.getBatch(b.id - 1) : null, b.id > 0 ? this.repo.batch(b.id - 1) : null, this.repo.leaves(b.id)]);
    const base = b.id === 0 ? MerkleFrontier.empty() : prevStored ? frontierOf(prevStored) : null;
    if (!onChain || !index || !base) return null;
    if (b.id > 0 && (!prevOnChain || base.root().toString('hex') !== prevOnChain.root || base.size !== prevOnChain.count)) return null;
    const folded = base.clone();
    for (const l of index) folded.append(l.leaf);
    return folded.root().toString('hex') === onChain.root && folded.size === onChain.count ? index : null;
  }

  /** Builds the consistency proof between two consecutive heads from the store; checks it against the chain's roots. */
  private async checkConsistency(log: LogProofs, from: BatchRecord, to: BatchRecord, fromChain: OnChainBatch, toChain: OnChainBatch): Promise<BatchAudit['consistency']> {
    let proof: Buffer[] = [];
    let verified = false;
    try {
      if (fromChain.count === 0) verified = true; // every log extends the empty one
      else {
        proof = await log.consistency(from, to);
        verified = verifyConsistency(fromChain.count, toChain.count, Buffer.from(fromChain.root, 'hex'), Buffer.from(toChain.root, 'hex'), proof);
      }
    } catch {
      verified = false; // the store cannot even build one (its sizes or leaf index disagree)
    }
    return { fromTreeSize: fromChain.count, toTreeSize: toChain.count, proofLength: proof.length, verified };
  }

  private writeResults(results: BatchAudit[]): void {
    if (!this.influxWriter || !results.length) return;
    this.influxWriter
      .writeLines(results.map((r) => auditResultLine({ batchId: r.batchId, verified: r.verified, altered: r.altered.length, missing: r.missing.length, injected: r.injected.length, end: r.end })).join('\n'))
      .catch(() => undefined);
  }
}

/**
 * The batch's leaves in log order: the sorted records' leaves with the sorted key events' merged
 * in (most batches hold no key event: then the records' own array, at no cost).
 */
function mergeLeaves(records: readonly IngestRecord[], leaves: Buffer[], keyLeaves: ReadonlyArray<{ ref: LeafRef; leaf: Buffer }>): Buffer[] {
  if (!keyLeaves.length) return leaves;
  const out: Buffer[] = [];
  let k = 0;
  for (let i = 0; i < records.length; i++) {
    while (k < keyLeaves.length && compareRecords(keyLeaves[k].ref, records[i]) < 0) out.push(keyLeaves[k++].leaf);
    out.push(leaves[i]);
  }
  while (k < keyLeaves.length) out.push(keyLeaves[k++].leaf);
  return out;
}

function emptyKeyFindings(): KeyEventFindings {
  return { checked: 0, altered: [], missingFromLog: [], notInSql: [] };
}

function keyEventRefOf(e: KeyEvent): KeyEventRef {
  return { id: e.id, device: e.device, event: e.event, at: e.at, rx: e.rx };
}

function frontierOf(b: BatchRecord): MerkleFrontier | null {
  try {
    return MerkleFrontier.from(b.treeSize, b.frontier.map((h) => Buffer.from(h, 'hex')));
  } catch {
    return null;
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
