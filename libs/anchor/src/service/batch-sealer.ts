import { setImmediate as nextTurn } from 'node:timers/promises';
import type { AcceptedReading, DeadLetteredReading, PipelineEvents } from '@gridproof/events';
import type { RecordSource } from '@gridproof/influx';
import type { KeyEventLog } from '@gridproof/registry';
import type { KeyEventRecord } from '@gridproof/telemetry';
import { ReceiveClock } from '../batch/receive-clock';
import { OpenWindow, WindowPlanner } from '../batch/window-planner';
import { LeafJournal } from '../log/leaf-journal';
import { MerkleFrontier } from '../merkle/merkle';
import { compareRecords, keyEventLeaf, keyEventRef, recordKey, recordLeaf, RecordRef } from '../records/record-leaf';
import { AnchorRepository, BatchRecord } from '../store/anchor.repository';
import type { AnchorMetrics } from './anchor-metrics';
import type { AnchorLogger, AnchorServiceOptions } from './anchor-options';

export const ZERO_ROOT = '00'.repeat(32);

/** anchor_state key: set once the key history that predates logged key events was imported. */
const KEY_HISTORY_IMPORTED = 'key_history_imported';

export interface BatchSealerDeps {
  repo: AnchorRepository;
  /** Asked only whether dead-lettered readings reached InfluxDB after all (partial refusals). */
  reader: RecordSource | null;
  clock: ReceiveClock;
  options: Pick<AnchorServiceOptions, 'intervalMs' | 'maxRecords' | 'settleMs' | 'tickMs'>;
  logger: AnchorLogger;
  metrics: AnchorMetrics | null;
  wallClock: () => number;
  /** Where the ingest commits records before PUBACK; null: records come through onAccepted. */
  journal: LeafJournal | null;
  /** Told after each batch is sealed (the anchorer counts its backlog). */
  onSealed: () => void;
  /** Told after a pass sealed batches (the anchorer wakes to anchor them). */
  wake: () => void;
}

/**
 * Seals receive-time windows into batches of one append-only RFC 6962 log.
 *
 * Commit at ingest: a window's leaves are the records the ingest committed to the LeafJournal
 * (fsynced before PUBACK), hashed from the bytes the device's accepted message produced; they
 * are never read back from InfluxDB, so a row forged there is never anchored (the audit names
 * it injected). After a crash the unsealed records come back from the journal. A window is
 * sealed once it ended settleMs ago; readings InfluxDB refused for good (dead-lettered) are
 * left out and recorded on the batch (docs/anchoring.md §3).
 */
export class BatchSealer {
  private planner: WindowPlanner | null = null;
  private unsubscribe: (() => void) | null = null;
  private sealTimer: NodeJS.Timeout | null = null;
  private running = false;
  private sealing: Promise<void> = Promise.resolve();
  private lateDeadLetters: Promise<void> = Promise.resolve();
  /** The log's right edge after the last sealed batch. */
  private frontier = MerkleFrontier.empty();
  /** Key events committed before start (the registry may change keys first): added to windows at start. */
  private pendingKeyEvents: KeyEventRecord[] = [];
  lastSealed: BatchRecord | null = null;
  lateRecords = 0;
  deadLettered = 0;

  constructor(private readonly d: BatchSealerDeps) {}

  /** Where sealed windows end; null before start. */
  get sealedUpTo(): number | null {
    return this.planner?.sealedUpTo ?? null;
  }

  get openWindows(): number {
    return this.planner?.open.length ?? 0;
  }

  /** Restores the windows from the SQL store, subscribes to committed readings and starts sealing. */
  async start(events?: PipelineEvents): Promise<void> {
    const { repo, journal } = this.d;
    const now = this.d.wallClock();
    this.lastSealed = await repo.lastBatch();
    this.frontier = this.lastSealed ? MerkleFrontier.from(this.lastSealed.treeSize, this.lastSealed.frontier.map((h) => Buffer.from(h, 'hex'))) : MerkleFrontier.empty();
    let genesis = Number(await repo.state('genesis'));
    if (!genesis) {
      genesis = Math.floor(now / this.d.options.intervalMs) * this.d.options.intervalMs;
      await repo.setState('genesis', String(genesis));
    }
    this.planner = new WindowPlanner(this.d.options.intervalMs, this.d.options.maxRecords, this.lastSealed?.end ?? genesis, now);
    this.d.clock.raiseFloor(this.planner.openStart);
    this.running = true;
    if (journal) {
      const recovered = journal.recovered();
      if (recovered.length) this.d.logger.warn(`recovered ${recovered.length} committed readings of unsealed windows from the leaf journal`);
      this.onAccepted(recovered);
      this.onKeyEvents(journal.recoveredKeyEvents());
      journal.onCommit({ readings: (readings) => this.onAccepted(readings), keyEvents: (records) => this.onKeyEvents(records) });
    }
    const pending = this.pendingKeyEvents;
    this.pendingKeyEvents = [];
    this.onKeyEvents(pending);
    if (events) {
      // With a journal, records arrive when committed (before PUBACK), not when InfluxDB has them.
      const offAccepted = journal ? () => undefined : events.on('accepted', (batch) => this.onAccepted(batch));
      const offDead = events.on('deadLettered', (readings) => this.onDeadLettered(readings));
      this.unsubscribe = () => {
        offAccepted();
        offDead();
      };
    }
    this.scheduleSeal();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.d.journal?.onCommit(null);
    if (this.sealTimer) clearTimeout(this.sealTimer);
    this.sealTimer = null;
    await this.sealing;
    await this.lateDeadLetters;
  }

  /** Adds committed readings' leaves to their windows (cheap: the ingest path calls it). */
  onAccepted(readings: readonly Pick<AcceptedReading, 'record' | 'leaf'>[]): void {
    const planner = this.planner;
    if (!planner) return;
    for (const { record, leaf } of readings) {
      if (!planner.add({ device: record.device, seq: record.seq, ts: record.ts, rx: record.rx, leaf: leaf ?? recordLeaf(record) })) {
        this.late(`record ${record.device}#${record.seq} has rx ${record.rx} in an already sealed window (sealed up to ${planner.sealedUpTo}): it is not anchored`);
      }
    }
    this.d.clock.raiseFloor(planner.openStart);
  }

  /** Adds committed key events' leaves to their windows (by their rx, like readings). */
  onKeyEvents(records: readonly KeyEventRecord[]): void {
    const planner = this.planner;
    if (!planner) {
      this.pendingKeyEvents.push(...records);
      return;
    }
    for (const r of records) {
      if (!planner.add({ ...keyEventRef(r), leaf: keyEventLeaf(r) })) {
        this.late(`key event ${r.id} (${r.event} of ${r.device}) has rx ${r.rx} in an already sealed window (sealed up to ${planner.sealedUpTo}): it is not anchored`);
      }
    }
    this.d.clock.raiseFloor(planner.openStart);
  }

  private late(message: string): void {
    this.lateRecords++;
    this.d.metrics?.lateRecords.inc();
    this.d.logger.error(message);
  }

  /**
   * The registry's KeyEventLog (docs/anchoring.md §1): key events are stamped with the receive
   * clock and committed to the leaf journal (fsynced) like readings; without a journal (tests
   * that feed records directly) they go straight to the windows.
   */
  keyEventLog(): KeyEventLog {
    return {
      now: () => this.d.clock.now(),
      commit: async (records) => {
        if (this.d.journal) await this.d.journal.appendKeyEvents(records);
        else this.onKeyEvents(records);
      },
    };
  }

  /**
   * Once per store: commits to the log the key events recorded before key events were logged
   * (rx null), stamped now. Later events are committed as they are made; an event found
   * without rx after this is one the log never received, which the audit names, never imports.
   */
  async importKeyHistory(registry: { importUnloggedKeyEvents(): Promise<Array<{ rx: number | null }>> }): Promise<number> {
    if (await this.d.repo.state(KEY_HISTORY_IMPORTED)) return 0;
    const events = await registry.importUnloggedKeyEvents();
    await this.d.repo.setState(KEY_HISTORY_IMPORTED, String(this.d.wallClock()));
    if (events.length) {
      this.d.logger.warn(`key history: ${events.length} key events recorded before key events were logged are committed to the log now (rx ${events[0].rx}); verify and the audit report them as imported`);
    }
    return events.length;
  }

  /**
   * Accepted readings that InfluxDB refused for good: their window must not wait for them, and
   * its batch must say they are missing. One whose window is already sealed (a spool from an
   * earlier process replayed after a restart) is added to that batch's record in the store.
   */
  onDeadLettered(readings: readonly DeadLetteredReading[]): void {
    const planner = this.planner;
    if (!planner) return;
    const late: DeadLetteredReading[] = [];
    for (const r of readings) if (!planner.deadLetter(r)) late.push(r);
    if (!late.length) return;
    this.lateDeadLetters = this.lateDeadLetters
      .then(() => this.recordLateDeadLetters(late))
      .catch((err: unknown) => {
        this.d.metrics?.errors.inc({ what: 'dead_letter' });
        this.d.logger.error(`could not record ${late.length} dead-lettered readings on their sealed batches: ${(err as Error).message}`);
      });
  }

  private async recordLateDeadLetters(readings: DeadLetteredReading[]): Promise<void> {
    const byBatch = new Map<number, { batch: BatchRecord; refs: RecordRef[] }>();
    for (const r of readings) {
      const batch = await this.d.repo.batchAt(r.rx);
      if (!batch) continue;
      const entry = byBatch.get(batch.id) ?? { batch, refs: [] };
      entry.refs.push({ device: r.device, seq: r.seq, ts: r.ts, rx: r.rx });
      byBatch.set(batch.id, entry);
    }
    for (const { batch, refs } of byBatch.values()) {
      // Committed at ingest, so in the batch; a refusal can be partial: the ones InfluxDB holds
      // after all are not missing.
      const refused = await this.refusedForGood(refs);
      const missing = refs.filter((r) => refused.has(recordKey(r.device, r.seq)));
      if (!missing.length) continue;
      await this.d.repo.addDeadLetters(batch.id, missing);
      this.deadLettered += missing.length;
      this.d.logger.error(`batch ${batch.id}: ${missing.length} of its readings were refused by InfluxDB after it was sealed; they stay in the log (committed at ingest) and are recorded as dead-lettered`);
    }
  }

  /** Seals every window that is due; returns how many were sealed. */
  async sealDue(): Promise<number> {
    const planner = this.planner;
    if (!planner) return 0;
    let sealed = 0;
    for (;;) {
      const now = this.d.wallClock();
      const w = planner.due(now, this.d.options.settleMs);
      if (!w) break;
      if (!(await this.seal(w))) break;
      planner.shift();
      this.d.clock.raiseFloor(planner.openStart);
      await this.d.journal?.release(planner.sealedUpTo);
      sealed++;
    }
    if (sealed) this.d.wake();
    return sealed;
  }

  private async seal(w: OpenWindow): Promise<boolean> {
    let leaves = [...w.leaves.values()];
    // Dead-lettered readings never reached InfluxDB: they are left out of the log and named on
    // the batch. A refusal can be partial (InfluxDB stored some points of the refused write):
    // those, found in InfluxDB, stay leaves. Only this membership question asks InfluxDB.
    let deadLetters: RecordRef[] = [];
    if (w.deadLettered.size) {
      const refused = await this.refusedForGood([...w.deadLettered.values()]);
      leaves = leaves.filter((l) => l.kind === 'key-event' || !refused.has(recordKey(l.device, l.seq)));
      deadLetters = [...w.deadLettered.entries()].filter(([key]) => refused.has(key)).map(([, r]) => ({ device: r.device, seq: r.seq, ts: r.ts, rx: r.rx }));
      deadLetters.sort(compareRecords);
    }
    leaves.sort(compareRecords);
    // A full window (GP_ANCHOR_MAX_RECORDS, 100,000) costs ≈0.1 s of hashing: done in slices, so
    // the broker keeps acknowledging meanwhile.
    const frontier = this.frontier.clone();
    for (let i = 0; i < leaves.length; i++) {
      frontier.append(leaves[i].leaf);
      if (i % 4_096 === 4_095) await nextTurn();
    }
    const root = frontier.root().toString('hex');
    const id = this.lastSealed ? this.lastSealed.id + 1 : 0;
    const prevRoot = this.lastSealed?.root ?? ZERO_ROOT;
    const head = { id, start: w.start, end: w.end, count: leaves.length, treeSize: frontier.size, root, prevRoot, frontier: frontier.hashes.map((h) => h.toString('hex')) };
    await this.d.repo.insertBatch({ ...head, deadLetters }, leaves);
    this.frontier = frontier;
    this.lastSealed = { ...head, sealedAt: this.d.wallClock(), deadLettered: deadLetters.length, deadLetters, anchor: null };
    if (deadLetters.length) {
      this.deadLettered += deadLetters.length;
      this.d.logger.error(
        `batch ${id} [${w.start}, ${w.end}) is sealed without ${deadLetters.length} accepted readings that InfluxDB refused for good (kept in the ingest's dead-letter folder); the batch records them`,
      );
    }
    this.d.onSealed();
    return true;
  }

  /** Of these dead-lettered readings, the keys of those InfluxDB does not hold. */
  private async refusedForGood(readings: DeadLetteredReading[]): Promise<Set<string>> {
    const refused = new Set<string>();
    for (const r of readings) {
      const stored = this.d.reader ? await this.d.reader.findRecords(r.device, { seq: r.seq }) : [];
      if (!stored.some((s) => s.record.rx === r.rx)) refused.add(recordKey(r.device, r.seq));
    }
    return refused;
  }

  private scheduleSeal(): void {
    if (!this.running) return;
    this.sealTimer = setTimeout(() => {
      this.sealing = this.sealDue()
        .then(() => undefined)
        .catch((err: unknown) => {
          this.d.metrics?.errors.inc({ what: 'seal' });
          this.d.logger.warn(`sealing failed, retrying: ${(err as Error).message}`);
        })
        .finally(() => this.scheduleSeal());
    }, this.d.options.tickMs);
  }
}
