import { setImmediate as nextTurn } from 'node:timers/promises';
import type { AcceptedReading, DeadLetteredReading, PipelineEvents } from '@gridproof/events';
import type { KeyEventLog } from '@gridproof/registry';
import type { KeyEventRecord } from '@gridproof/telemetry';
import { anchorBatchLine, MEASUREMENTS, type LineSink, type RecordSource } from '@gridproof/influx';
import { ReceiveClock } from '../batch/receive-clock';
import { OpenWindow, WindowPlanner } from '../batch/window-planner';
import { AnchorRejectedError, ChainPort, MinedAt } from '../chain/chain.port';
import { LeafJournal } from '../log/leaf-journal';
import { MerkleFrontier } from '../merkle/merkle';
import { compareRecords, keyEventLeaf, keyEventRef, recordKey, recordLeaf, RecordRef } from '../records/record-leaf';
import { AnchorRepository, BatchRecord, ReanchorEvent } from '../store/anchor.repository';
import { AnchorMetrics } from './anchor-metrics';
import { AnchorStatus } from './anchor-status';

export const ZERO_ROOT = '00'.repeat(32);

/** anchor_state key: set once the key history that predates logged key events was imported. */
const KEY_HISTORY_IMPORTED = 'key_history_imported';

export interface AnchorServiceOptions {
  intervalMs: number;
  maxRecords: number;
  /** Wait after a window ends before sealing it: covers writes still in flight to InfluxDB. */
  settleMs: number;
  maxBackfillMs: number;
  maxFutureSkewMs: number;
  confirmations: number;
  dropTimeoutMs: number;
  /** How often windows are checked for sealing and the chain for backlog. */
  tickMs: number;
  retryMinMs: number;
  retryMaxMs: number;
}

export interface AnchorLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

const silent: AnchorLogger = { log: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * Seals receive-time windows into batches of one append-only RFC 6962 log and anchors each
 * batch's tree head (size, root) on chain, continuously.
 *
 * Commit at ingest: a window's leaves are the records the ingest committed to the LeafJournal
 * (fsynced before PUBACK), hashed from the bytes the device's accepted message produced; they
 * are never read back from InfluxDB, so a row forged there is never anchored (the audit names
 * it injected). After a crash the unsealed records come back from the journal. A window is
 * sealed once it ended settleMs ago; readings InfluxDB refused for good (dead-lettered) are
 * left out and recorded on the batch (docs/anchoring.md §3).
 *
 * Anchoring: batches go on chain strictly in id order (the contract refuses a gap). Chain
 * errors are retried with exponential backoff; meanwhile batches queue in the SQL store. The
 * contract, not the SQL store, says what is anchored: every pass starts from its nextBatchId.
 */
export class AnchorService {
  private planner: WindowPlanner | null = null;
  private unsubscribe: (() => void) | null = null;
  private sealTimer: NodeJS.Timeout | null = null;
  private anchorLoop: Promise<void> | null = null;
  private running = false;
  private stopping = false;
  private wake: (() => void) | null = null;
  private chain: ChainPort | null = null;
  private deployedBlock = 0;
  private lastSealed: BatchRecord | null = null;
  private lastAnchored: BatchRecord | null = null;
  private backlog = 0;
  private lateRecords = 0;
  private deadLettered = 0;
  private lateDeadLetters: Promise<void> = Promise.resolve();
  private chainReachable = false;
  private chainError: string | null = null;
  private chainId: number | null = null;
  private sealing: Promise<void> = Promise.resolve();
  /** The log's right edge after the last sealed batch. */
  private frontier = MerkleFrontier.empty();
  private storeCheck: Promise<void> | null = null;
  private storeMismatches: number[] = [];
  private storeMismatchCount = 0;
  private startupCheck: AnchorStatus['history']['startupCheck'] = null;
  private reanchorEvents: ReanchorEvent[] = [];
  private reanchoredBatches = 0;
  /** Key events committed before start (the registry may change keys first): added to windows at start. */
  private pendingKeyEvents: KeyEventRecord[] = [];

  constructor(
    private readonly repo: AnchorRepository,
    /** Asked only whether dead-lettered readings reached InfluxDB after all (partial refusals). */
    private readonly reader: RecordSource | null,
    private readonly openChain: () => Promise<ChainPort>,
    readonly clock: ReceiveClock,
    private readonly options: AnchorServiceOptions,
    private readonly logger: AnchorLogger = silent,
    private readonly metrics: AnchorMetrics | null = null,
    /** Where the anchor_batches points for Grafana go; none in tests that do not look. */
    private readonly influxWriter: LineSink | null = null,
    private readonly wallClock: () => number = Date.now,
    private readonly chainKind: 'embedded' | 'rpc' = 'embedded',
    /** Where the ingest commits records before PUBACK; null: records come through onAccepted. */
    private readonly journal: LeafJournal | null = null,
  ) {}

  /** Restores the windows from the SQL store, subscribes to accepted readings and starts both loops. */
  async start(events?: PipelineEvents): Promise<void> {
    if (this.running) return;
    await this.repo.migrate();
    const now = this.wallClock();
    this.lastSealed = await this.repo.lastBatch();
    this.frontier = this.lastSealed ? MerkleFrontier.from(this.lastSealed.treeSize, this.lastSealed.frontier.map((h) => Buffer.from(h, 'hex'))) : MerkleFrontier.empty();
    this.lastAnchored = await this.repo.lastAnchored();
    this.backlog = await this.repo.unanchoredCount();
    this.reanchoredBatches = await this.repo.reanchoredCount();
    let genesis = Number(await this.repo.state('genesis'));
    if (!genesis) {
      genesis = Math.floor(now / this.options.intervalMs) * this.options.intervalMs;
      await this.repo.setState('genesis', String(genesis));
    }
    this.planner = new WindowPlanner(this.options.intervalMs, this.options.maxRecords, this.lastSealed?.end ?? genesis, now);
    this.clock.raiseFloor(this.planner.openStart);
    this.running = true;
    this.stopping = false;
    if (this.journal) {
      const recovered = this.journal.recovered();
      if (recovered.length) this.logger.warn(`recovered ${recovered.length} committed readings of unsealed windows from the leaf journal`);
      this.onAccepted(recovered);
      this.onKeyEvents(this.journal.recoveredKeyEvents());
      this.journal.onCommit({ readings: (readings) => this.onAccepted(readings), keyEvents: (records) => this.onKeyEvents(records) });
    }
    const pending = this.pendingKeyEvents;
    this.pendingKeyEvents = [];
    this.onKeyEvents(pending);
    if (events) {
      // With a journal, records arrive when committed (before PUBACK), not when InfluxDB has them.
      const offAccepted = this.journal ? () => undefined : events.on('accepted', (batch) => this.onAccepted(batch));
      const offDead = events.on('deadLettered', (readings) => this.onDeadLettered(readings));
      this.unsubscribe = () => {
        offAccepted();
        offDead();
      };
    }
    this.scheduleSeal();
    this.anchorLoop = this.runAnchorLoop();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopping = true;
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.journal?.onCommit(null);
    if (this.sealTimer) clearTimeout(this.sealTimer);
    this.sealTimer = null;
    this.wake?.();
    await this.sealing;
    await this.lateDeadLetters;
    await this.anchorLoop;
    this.anchorLoop = null;
    await this.storeCheck;
    this.storeCheck = null;
    // The chain belongs to whoever opened it (AnchorModule closes it after the service).
  }

  /** Adds committed readings' leaves to their windows (cheap: the ingest path calls it). */
  onAccepted(readings: readonly Pick<AcceptedReading, 'record' | 'leaf'>[]): void {
    const planner = this.planner;
    if (!planner) return;
    for (const { record, leaf } of readings) {
      if (!planner.add({ device: record.device, seq: record.seq, ts: record.ts, rx: record.rx, leaf: leaf ?? recordLeaf(record) })) {
        this.lateRecords++;
        this.metrics?.lateRecords.inc();
        this.logger.error(`record ${record.device}#${record.seq} has rx ${record.rx} in an already sealed window (sealed up to ${planner.sealedUpTo}): it is not anchored`);
      }
    }
    this.clock.raiseFloor(planner.openStart);
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
        this.lateRecords++;
        this.metrics?.lateRecords.inc();
        this.logger.error(`key event ${r.id} (${r.event} of ${r.device}) has rx ${r.rx} in an already sealed window (sealed up to ${planner.sealedUpTo}): it is not anchored`);
      }
    }
    this.clock.raiseFloor(planner.openStart);
  }

  /**
   * The registry's KeyEventLog (docs/anchoring.md §1): key events are stamped with the receive
   * clock and committed to the leaf journal (fsynced) like readings; without a journal (tests
   * that feed records directly) they go straight to the windows.
   */
  keyEventLog(): KeyEventLog {
    return {
      now: () => this.clock.now(),
      commit: async (records) => {
        if (this.journal) await this.journal.appendKeyEvents(records);
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
    if (await this.repo.state(KEY_HISTORY_IMPORTED)) return 0;
    const events = await registry.importUnloggedKeyEvents();
    await this.repo.setState(KEY_HISTORY_IMPORTED, String(this.wallClock()));
    if (events.length) {
      this.logger.warn(`key history: ${events.length} key events recorded before key events were logged are committed to the log now (rx ${events[0].rx}); verify and the audit report them as imported`);
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
        this.metrics?.errors.inc({ what: 'dead_letter' });
        this.logger.error(`could not record ${late.length} dead-lettered readings on their sealed batches: ${(err as Error).message}`);
      });
  }

  private async recordLateDeadLetters(readings: DeadLetteredReading[]): Promise<void> {
    const byBatch = new Map<number, { batch: BatchRecord; refs: RecordRef[] }>();
    for (const r of readings) {
      const batch = await this.repo.batchAt(r.rx);
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
      await this.repo.addDeadLetters(batch.id, missing);
      this.deadLettered += missing.length;
      this.logger.error(`batch ${batch.id}: ${missing.length} of its readings were refused by InfluxDB after it was sealed; they stay in the log (committed at ingest) and are recorded as dead-lettered`);
    }
  }

  status(): AnchorStatus {
    const now = this.wallClock();
    return {
      running: this.running,
      sealedUpTo: this.planner?.sealedUpTo ?? 0,
      lastSealed: this.lastSealed ? { id: this.lastSealed.id, start: this.lastSealed.start, end: this.lastSealed.end, count: this.lastSealed.count } : null,
      lastAnchored:
        this.lastAnchored?.anchor
          ? { id: this.lastAnchored.id, end: this.lastAnchored.end, txHash: this.lastAnchored.anchor.txHash, blockNumber: this.lastAnchored.anchor.blockNumber }
          : null,
      backlog: this.backlog,
      lagMs: Math.max(0, now - (this.lastAnchored?.end ?? this.planner?.sealedUpTo ?? now)),
      openWindows: this.planner?.open.length ?? 0,
      lateRecords: this.lateRecords,
      deadLettered: this.deadLettered,
      history: {
        reanchoredBatches: this.reanchoredBatches,
        reanchorEvents: this.reanchorEvents,
        storeMismatches: { count: this.storeMismatchCount, batches: this.storeMismatches },
        startupCheck: this.startupCheck,
      },
      chain: {
        kind: this.chain?.kind ?? this.chainKind,
        chainId: this.chainId,
        contract: this.chain?.contractAddress ?? null,
        rpcUrl: this.chain?.rpcUrl ?? null,
        reachable: this.chainReachable,
        lastError: this.chainError,
      },
    };
  }

  readonly healthName = 'anchor';

  /**
   * /api/health: degraded while the chain has lost history this process re-anchored, or the
   * store differs from the chain; the detail says which. (The HealthContributor shape of
   * apps/gridproof; this lib does not import the app.)
   */
  health(): { status: 'up' | 'degraded'; detail?: string; reanchoredBatches: number; storeMismatches: number } {
    const problems: string[] = [];
    for (const e of this.reanchorEvents) problems.push(`re-anchoring event ${e.id} (${e.reason}): ${e.batches} batches anchored again`);
    if (this.storeMismatchCount) problems.push(`${this.storeMismatchCount} anchored batches in the store differ from the chain (first: ${this.storeMismatches.slice(0, 5).join(', ')})`);
    return {
      status: problems.length ? 'degraded' : 'up',
      ...(problems.length ? { detail: problems.join('; ') } : {}),
      reanchoredBatches: this.reanchoredBatches,
      storeMismatches: this.storeMismatchCount,
    };
  }

  /** The chain, once connected (the audit and proofs read roots through it). */
  currentChain(): ChainPort | null {
    return this.chain;
  }

  /** Seals every window that is due; returns how many were sealed. */
  async sealDue(): Promise<number> {
    const planner = this.planner;
    if (!planner) return 0;
    let sealed = 0;
    for (;;) {
      const now = this.wallClock();
      const w = planner.due(now, this.options.settleMs);
      if (!w) break;
      if (!(await this.seal(w))) break;
      planner.shift();
      this.clock.raiseFloor(planner.openStart);
      await this.journal?.release(planner.sealedUpTo);
      sealed++;
    }
    if (sealed) this.wake?.();
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
    await this.repo.insertBatch({ ...head, deadLetters }, leaves);
    this.frontier = frontier;
    this.lastSealed = { ...head, sealedAt: this.wallClock(), deadLettered: deadLetters.length, deadLetters, anchor: null };
    if (deadLetters.length) {
      this.deadLettered += deadLetters.length;
      this.logger.error(
        `batch ${id} [${w.start}, ${w.end}) is sealed without ${deadLetters.length} accepted readings that InfluxDB refused for good (kept in the ingest's dead-letter folder); the batch records them`,
      );
    }
    this.backlog++;
    return true;
  }

  /** Of these dead-lettered readings, the keys of those InfluxDB does not hold. */
  private async refusedForGood(readings: DeadLetteredReading[]): Promise<Set<string>> {
    const refused = new Set<string>();
    for (const r of readings) {
      const stored = this.reader ? await this.reader.findRecords(r.device, { seq: r.seq }) : [];
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
          this.metrics?.errors.inc({ what: 'seal' });
          this.logger.warn(`sealing failed, retrying: ${(err as Error).message}`);
        })
        .finally(() => this.scheduleSeal());
    }, this.options.tickMs);
  }

  private async runAnchorLoop(): Promise<void> {
    let delay = this.options.retryMinMs;
    while (this.running) {
      try {
        await this.anchorPending();
        delay = this.options.retryMinMs;
        await this.idle(this.options.tickMs);
      } catch (err) {
        this.chainReachable = !(err instanceof ChainUnavailable);
        this.chainError = (err as Error).message;
        this.metrics?.errors.inc({ what: err instanceof AnchorRejectedError ? 'rejected' : 'chain' });
        this.logger.warn(`anchoring paused (${this.backlog} batches queued), retry in ${delay} ms: ${(err as Error).message}`);
        await this.idle(delay);
        delay = Math.min(delay * 2, this.options.retryMaxMs);
      }
    }
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  /** One pass: connects, reconciles with the contract, and anchors every queued batch in order. */
  async anchorPending(): Promise<number> {
    const chain = await this.connect();
    let next: number;
    try {
      next = await chain.nextBatchId();
    } catch (err) {
      throw new ChainUnavailable(err);
    }
    this.chainReachable = true;
    this.chainError = null;
    const last = await this.repo.lastAnchored();
    if (last && last.id >= next) {
      await this.reanchor('chain_behind', next, `contract ${chain.contractAddress} on chain ${this.chainId} holds ${next} batches, the store recorded batches up to ${last.id} as anchored on it`, chain.contractAddress, chain.contractAddress);
    }
    if (!this.storeCheck) {
      // In the background: ≈ 3 ms per batch (bench:chain-journal), minutes for a long history,
      // which must not hold up anchoring.
      this.storeCheck = this.checkStoreAgainstChain(chain, next).catch((err: unknown) => {
        this.metrics?.errors.inc({ what: 'check' });
        this.logger.error(`the start-up check of the store against the chain stopped: ${(err as Error).message}`);
      });
    }
    let anchored = 0;
    while (!this.stopping) {
      const batch = await this.repo.firstUnanchored();
      if (!batch) break;
      if (batch.id < next) {
        await this.adopt(chain, batch);
      } else {
        const receipt = await this.guard(() =>
          chain.anchor(
            // The tree head: on chain, `count` is the log's size after the batch (RFC 6962 tree_size).
            { batchId: batch.id, root: batch.root, prevRoot: batch.prevRoot, count: batch.treeSize, start: batch.start, end: batch.end },
            {
              confirmations: this.options.confirmations,
              dropTimeoutMs: this.options.dropTimeoutMs,
              onSent: (_hash, attempt) => this.metrics?.transactions.inc({ kind: attempt === 0 ? 'sent' : 'resubmitted' }),
            },
          ),
        );
        await this.recordAnchored(chain, batch, receipt);
        next = batch.id + 1;
      }
      anchored++;
    }
    this.backlog = await this.repo.unanchoredCount();
    return anchored;
  }

  /** A batch the chain already holds (sent before a crash): check the root, take the tx. */
  private async adopt(chain: ChainPort, batch: BatchRecord): Promise<void> {
    const onChain = await this.guard(() => chain.getBatch(batch.id));
    if (!onChain || onChain.root !== batch.root) {
      throw new Error(`batch ${batch.id}: the chain holds root ${onChain?.root ?? 'none'}, the store ${batch.root}; refusing to continue`);
    }
    const tx = await this.guard(() => chain.findAnchorTx(batch.id, this.deployedBlock));
    if (!tx) throw new Error(`batch ${batch.id} is on chain but its Anchored event was not found`);
    await this.recordAnchored(chain, batch, tx);
  }

  private async recordAnchored(chain: ChainPort, batch: BatchRecord, tx: MinedAt): Promise<void> {
    const anchor = { chainId: this.chainId ?? 0, contract: chain.contractAddress ?? '', txHash: tx.txHash, blockNumber: tx.blockNumber, blockHash: tx.blockHash, blockTimestamp: tx.blockTimestamp };
    await this.repo.markAnchored(batch.id, anchor);
    this.lastAnchored = { ...batch, anchor: { ...anchor, anchoredAt: this.wallClock() } };
    this.backlog = Math.max(0, this.backlog - 1);
    this.writeBatchPoint(this.lastAnchored);
  }

  private writeBatchPoint(b: BatchRecord): void {
    if (!this.influxWriter || !b.anchor) return;
    this.influxWriter
      .writeLines(anchorBatchLine({ batchId: b.id, count: b.count, lagMs: Math.max(0, this.wallClock() - b.end), root: b.root, txHash: b.anchor.txHash, blockNumber: b.anchor.blockNumber, end: b.end }))
      .catch((err: unknown) => this.logger.warn(`could not write ${MEASUREMENTS.anchorBatches} point: ${(err as Error).message}`));
  }

  /**
   * The chain no longer holds batches the store recorded as anchored on it. Anchoring them again
   * is the only way to go on (the contract takes batch ids in order from 0), but never silently:
   * the event and every lost position are recorded (anchor_reanchor_events), logged as an error,
   * counted, shown by health, and the audit reports each such batch as re-anchored, not verified.
   */
  private async reanchor(reason: ReanchorEvent['reason'], fromBatch: number, detail: string, contractBefore: string | null, contractAfter: string | null): Promise<void> {
    const event = await this.repo.recordReanchor({ reason, detail, chainId: this.chainId ?? 0, contractBefore, contractAfter, fromBatch });
    this.reanchorEvents.push(event);
    this.reanchoredBatches += event.batches;
    this.backlog = await this.repo.unanchoredCount();
    this.lastAnchored = await this.repo.lastAnchored();
    this.logger.error(
      `HISTORY LOST ON CHAIN (re-anchoring event ${event.id}, ${reason}): ${detail}. ${event.batches} batches from batch ${fromBatch} on are anchored again now; ` +
        'their earlier anchoring is gone, the audit reports them as re-anchored and proofs exported before no longer verify',
    );
  }

  /**
   * Once per process: every batch the store records as anchored must be on chain with the same
   * root, previous root and block. A difference means the store was edited (or the chain
   * replaced): it is logged as an error, counted and shown by health, never "repaired" by
   * re-anchoring the store's version. Also fills the block hash and time of batches anchored
   * before they were kept.
   */
  private async checkStoreAgainstChain(chain: ChainPort, next: number): Promise<void> {
    const t0 = this.wallClock();
    let checked = 0;
    for (let from = 0; from < next; ) {
      const page = await this.repo.anchoredBetween(from, next, 500);
      if (!page.length) break;
      for (const b of page) {
        if (this.stopping) return;
        const onChain = await this.guard(() => chain.getBatch(b.id));
        const wrong = !onChain
          ? 'not on chain'
          : onChain.root !== b.root
            ? `root ${onChain.root} on chain, ${b.root} in the store`
            : onChain.prevRoot !== b.prevRoot
              ? `previous root ${onChain.prevRoot} on chain, ${b.prevRoot} in the store`
              : b.anchor && onChain.anchoredAtBlock !== b.anchor.blockNumber
                ? `anchored in block ${onChain.anchoredAtBlock} on chain, ${b.anchor.blockNumber} in the store`
                : null;
        if (wrong) {
          if (this.storeMismatches.length < 100) this.storeMismatches.push(b.id);
          this.storeMismatchCount++;
          this.logger.error(`batch ${b.id}: the SQL store does not match the chain (${wrong}): the store was edited or the chain replaced; the audit reports the batch as not verified`);
        } else if (b.anchor && (b.anchor.blockHash === null || b.anchor.blockTimestamp === null)) {
          const mined = await this.guard(() => chain.minedAt(b.anchor!.txHash));
          if (mined) await this.repo.setAnchorBlock(b.id, mined.blockHash, mined.blockTimestamp);
        }
        checked++;
        if (checked % 256 === 0) await nextTurn();
      }
      from = page[page.length - 1].id + 1;
    }
    this.startupCheck = { batches: checked, mismatches: this.storeMismatchCount, durationMs: this.wallClock() - t0 };
    if (this.storeMismatchCount) this.logger.error(`start-up check: ${this.storeMismatchCount} of ${checked} anchored batches in the SQL store differ from the chain`);
  }

  /** Connects on first use, checks the chain id, and finds or deploys the contract. */
  private async connect(): Promise<ChainPort> {
    try {
      this.chain ??= await this.openChain();
      const chain = this.chain;
      this.chainId = await chain.chainId();
      const key = `${chain.kind}:${this.chainId}`;
      const known = await this.repo.contract(key);
      if (known && chain.contractAddress === known.address) return chain;
      if (known && (await chain.hasCode(known.address))) {
        chain.use(known.address);
        this.deployedBlock = known.deployedBlock;
        return chain;
      }
      const deployed = await chain.deploy();
      this.deployedBlock = deployed.blockNumber;
      await this.repo.saveContract({ chainKey: key, chainId: this.chainId, address: deployed.address, deployedBlock: deployed.blockNumber });
      this.logger.log(`deployed the anchoring contract at ${deployed.address} on chain ${this.chainId}`);
      if (known) {
        await this.reanchor('contract_missing', 0, `no anchoring contract at ${known.address} on chain ${this.chainId} (the chain was reset or lost its state); deployed ${deployed.address}`, known.address, deployed.address);
      } else if (await this.repo.lastAnchored()) {
        const was = await this.repo.lastAnchored();
        await this.reanchor('new_chain', 0, `the store's batches were anchored on chain ${was?.anchor?.chainId} (contract ${was?.anchor?.contract}), not on this chain (${key}); deployed ${deployed.address}`, was?.anchor?.contract ?? null, deployed.address);
      }
      return chain;
    } catch (err) {
      if (err instanceof AnchorRejectedError) throw err;
      throw new ChainUnavailable(err);
    }
  }

  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof AnchorRejectedError) throw err;
      throw new ChainUnavailable(err);
    }
  }
}

/** A chain call failed for a reason other than the contract's verdict (network, node down). */
export class ChainUnavailable extends Error {
  constructor(override readonly cause: unknown) {
    super(`chain unavailable: ${(cause as Error)?.message ?? String(cause)}`);
  }
}

