import type { AcceptedReading, DeadLetteredReading, PipelineEvents } from '@gridproof/events';
import type { LineSink, RecordSource } from '@gridproof/influx';
import type { KeyEventLog } from '@gridproof/registry';
import type { KeyEventRecord } from '@gridproof/telemetry';
import { ReceiveClock } from '../batch/receive-clock';
import { ChainPort } from '../chain/chain.port';
import type { ChainKindName } from '../chain/kinds';
import { LeafJournal } from '../log/leaf-journal';
import { AnchorRepository } from '../store/anchor.repository';
import { AnchorMetrics } from './anchor-metrics';
import { AnchorLogger, AnchorServiceOptions, silentAnchorLogger } from './anchor-options';
import { AnchorStatus } from './anchor-status';
import { BatchSealer } from './batch-sealer';
import { ChainAnchorer } from './chain-anchorer';

export { ZERO_ROOT } from './batch-sealer';
export { ChainUnavailable } from './chain-anchorer';
export type { AnchorLogger, AnchorServiceOptions } from './anchor-options';

/** What the anchoring service is built from; the optional parts default to none (tests). */
export interface AnchorServiceDeps {
  repo: AnchorRepository;
  /** Asked only whether dead-lettered readings reached InfluxDB after all (partial refusals). */
  reader: RecordSource | null;
  openChain: () => Promise<ChainPort>;
  clock: ReceiveClock;
  options: AnchorServiceOptions;
  logger?: AnchorLogger;
  metrics?: AnchorMetrics | null;
  /** Where the anchor_batches points for Grafana go; none in tests that do not look. */
  influxWriter?: LineSink | null;
  wallClock?: () => number;
  /** The configured chain kind (chain/kinds), shown in the status before the chain is connected. */
  chainKind?: ChainKindName;
  /** Where the ingest commits records before PUBACK; null: records come through onAccepted. */
  journal?: LeafJournal | null;
}

/**
 * Anchoring, the two halves in order: the BatchSealer seals receive-time windows into batches
 * of one append-only RFC 6962 log; the ChainAnchorer anchors each batch's tree head on chain.
 * This class starts and stops both and answers for them (status, health, the key-event log).
 */
export class AnchorService {
  readonly clock: ReceiveClock;
  private readonly sealer: BatchSealer;
  private readonly anchorer: ChainAnchorer;
  private readonly repo: AnchorRepository;
  private readonly wallClock: () => number;
  private running = false;

  constructor(deps: AnchorServiceDeps) {
    const logger = deps.logger ?? silentAnchorLogger;
    const metrics = deps.metrics ?? null;
    this.clock = deps.clock;
    this.repo = deps.repo;
    this.wallClock = deps.wallClock ?? Date.now;
    this.anchorer = new ChainAnchorer({
      repo: deps.repo,
      openChain: deps.openChain,
      options: deps.options,
      logger,
      metrics,
      influxWriter: deps.influxWriter ?? null,
      wallClock: this.wallClock,
      chainKind: deps.chainKind ?? 'embedded',
    });
    this.sealer = new BatchSealer({
      repo: deps.repo,
      reader: deps.reader,
      clock: deps.clock,
      options: deps.options,
      logger,
      metrics,
      wallClock: this.wallClock,
      journal: deps.journal ?? null,
      onSealed: () => this.anchorer.batchSealed(),
      wake: () => this.anchorer.wake(),
    });
  }

  /** Restores the windows from the SQL store, subscribes to accepted readings and starts both loops. */
  async start(events?: PipelineEvents): Promise<void> {
    if (this.running) return;
    await this.repo.migrate();
    await this.anchorer.load();
    await this.sealer.start(events);
    this.running = true;
    this.anchorer.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    // The anchorer stops taking batches at once; sealing in progress finishes first.
    const anchoring = this.anchorer.stop();
    await this.sealer.stop();
    await anchoring;
  }

  /** Adds committed readings' leaves to their windows (cheap: the ingest path calls it). */
  onAccepted(readings: readonly Pick<AcceptedReading, 'record' | 'leaf'>[]): void {
    this.sealer.onAccepted(readings);
  }

  /** Adds committed key events' leaves to their windows (by their rx, like readings). */
  onKeyEvents(records: readonly KeyEventRecord[]): void {
    this.sealer.onKeyEvents(records);
  }

  /** The registry's KeyEventLog (docs/anchoring.md §1), committed through the leaf journal. */
  keyEventLog(): KeyEventLog {
    return this.sealer.keyEventLog();
  }

  /** Once per store: commits the key events recorded before key events were logged. */
  importKeyHistory(registry: { importUnloggedKeyEvents(): Promise<Array<{ rx: number | null }>> }): Promise<number> {
    return this.sealer.importKeyHistory(registry);
  }

  /** Accepted readings that InfluxDB refused for good (see BatchSealer.onDeadLettered). */
  onDeadLettered(readings: readonly DeadLetteredReading[]): void {
    this.sealer.onDeadLettered(readings);
  }

  /** Seals every window that is due; returns how many were sealed. */
  sealDue(): Promise<number> {
    return this.sealer.sealDue();
  }

  /** One pass: connects, reconciles with the contract, and anchors every queued batch in order. */
  anchorPending(): Promise<number> {
    return this.anchorer.anchorPending();
  }

  /** The chain, once connected (the audit and proofs read roots through it). */
  currentChain(): ChainPort | null {
    return this.anchorer.currentChain();
  }

  status(): AnchorStatus {
    const now = this.wallClock();
    const { lastSealed } = this.sealer;
    const { lastAnchored } = this.anchorer;
    return {
      running: this.running,
      sealedUpTo: this.sealer.sealedUpTo ?? 0,
      lastSealed: lastSealed ? { id: lastSealed.id, start: lastSealed.start, end: lastSealed.end, count: lastSealed.count } : null,
      lastAnchored: lastAnchored?.anchor ? { id: lastAnchored.id, end: lastAnchored.end, txHash: lastAnchored.anchor.txHash, blockNumber: lastAnchored.anchor.blockNumber } : null,
      backlog: this.anchorer.backlog,
      lagMs: Math.max(0, now - (lastAnchored?.end ?? this.sealer.sealedUpTo ?? now)),
      openWindows: this.sealer.openWindows,
      lateRecords: this.sealer.lateRecords,
      deadLettered: this.sealer.deadLettered,
      history: this.anchorer.history(),
      chain: this.anchorer.chainStatus(),
    };
  }

  readonly healthName = 'anchor';

  /**
   * /api/health: degraded while the chain has lost history this process re-anchored, or the
   * store differs from the chain; the detail says which. (The HealthContributor shape of
   * apps/gridproof; this lib does not import the app.)
   */
  health(): { status: 'up' | 'degraded'; detail?: string; reanchoredBatches: number; storeMismatches: number } {
    return this.anchorer.health();
  }
}
