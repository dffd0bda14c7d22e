import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit, Optional } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import type { GridProofConfig } from '@gridproof/config';
import { GP_CONFIG } from '@gridproof/core';
import { AcceptedReading, AnomalyEvent, PipelineEvents } from '@gridproof/events';
import { InfluxTelemetryStore } from '@gridproof/influx';
import { METRIC, Registry } from '@gridproof/metrics';
import { SqlStore } from '@gridproof/store';
import type { AlarmRulesFile } from '../train/alarm-rules-file';
import { AnomalyRepository } from './anomaly.repository';
import { DETECT_MIGRATIONS } from './detect.migrations';
import type { DetectionThresholds } from './detection-engine';
import { DetectionRunner, InlineRunner, RunnerHooks, ScoredSlice } from './detection-runner';
import { DetectionThread, DetectionThreadDied } from './detection-thread';
import { DETECT_HISTORY, readingsToReplay, TelemetryHistory } from './warm-start';

export { DEFAULT_THRESHOLDS } from './detection-engine';
export type { DetectionThresholds } from './detection-engine';
const MAX_QUEUE = 200_000;
const SLICE = 5_000;

/**
 * Scores accepted readings off the ingest path: the 'accepted' listener only appends to a
 * bounded queue (dropping the oldest *scoring* work when full, counted; ingest itself is never
 * touched) and a loop hands it to the DetectionEngine in slices, in a worker thread by default
 * (GP_DETECT_THREAD) so that scoring does not share the broker's thread. Scores go to InfluxDB
 * (written where they are computed), anomalies to the SQL store and the bus ('anomaly') for alerts.
 */
@Injectable()
export class DetectionService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(DetectionService.name);
  private readonly runner: DetectionRunner;
  /** Logging and counting of what detection survives, for the runner and for model loading. */
  private readonly hooks: RunnerHooks;
  private warnedEvictions = 0;
  private lastEvictionWarning = 0;
  /** As last reported by the runner (the detectors may live in another thread). */
  private streamCount = 0;
  private evictions = 0;
  private queue: AcceptedReading[] = [];
  private draining: Promise<void> | null = null;
  /** The warm start (replay of stored readings); live readings wait in the queue until it is done. */
  private warming: Promise<void> = Promise.resolve();
  private unsubscribe: (() => void) | null = null;
  private readonly pendingWrites = new Set<Promise<void>>();
  private readonly scored: Counter<'detector'>;
  private readonly dropped: Counter;
  private readonly anomalies: Counter<'detector'>;
  private readonly errors: Counter<'what'>;
  backend = 'none';

  constructor(
    @Inject(GP_CONFIG) private readonly config: GridProofConfig,
    private readonly events: PipelineEvents,
    private readonly store: SqlStore,
    private readonly repo: AnomalyRepository,
    registry: Registry,
    @Optional() @Inject(DETECT_HISTORY) private readonly history?: TelemetryHistory,
    /** CoreModule's InfluxDB adapter; absent without an InfluxDB (score points are not written). */
    @Optional() influxStore?: InfluxTelemetryStore,
  ) {
    const reg = (r: Registry) => [r];
    this.scored = new Counter({ name: METRIC.detectScored, help: 'Readings scored, by detector', labelNames: ['detector'], registers: reg(registry) });
    this.dropped = new Counter({ name: METRIC.detectDropped, help: 'Readings not scored: the scoring queue was full, or the detection thread died while scoring them (ingest unaffected)', registers: reg(registry) });
    this.anomalies = new Counter({ name: METRIC.detectAnomalies, help: 'Anomaly events emitted, by detector', labelNames: ['detector'], registers: reg(registry) });
    this.errors = new Counter({ name: METRIC.detectErrors, help: 'Detection errors, by what failed', labelNames: ['what'], registers: reg(registry) });
    const self = () => this;
    new Gauge({
      name: METRIC.detectStreams,
      help: 'Generic-detector streams in memory (device x metric, peer streams too; bound GP_DETECT_MAX_STREAMS)',
      registers: reg(registry),
      collect() {
        this.set(self().streamCount);
      },
    });
    new Counter({
      name: METRIC.detectStreamsEvicted,
      help: 'Generic-detector streams forgotten at GP_DETECT_MAX_STREAMS; each starts over (warm-up) on its next reading',
      registers: reg(registry),
      collect() {
        this.reset();
        this.inc(self().evictions);
      },
    });
    new Gauge({
      name: METRIC.detectQueue,
      help: 'Readings waiting to be scored',
      registers: reg(registry),
      collect() {
        this.set(self().queue.length);
      },
    });
    const options = {
      maxStreams: config.detect.maxStreams,
      multivariate: config.detect.multivariate,
      scoreIntervalMs: config.detect.scoreIntervalMs,
      // The thread builds its own adapter from the same settings (a client cannot cross threads).
      influx: influxStore ? influxStore.connection : null,
    };
    this.hooks = {
      log: (m) => this.logger.log(m),
      problem: (what, message) => {
        this.errors.inc({ what });
        if (what === 'influx') this.logger.warn(message);
        else this.logger.error(message);
      },
    };
    this.runner = config.detect.thread ? new DetectionThread(options, this.hooks) : new InlineRunner(options, this.hooks, influxStore ?? null);
  }

  async onModuleInit(): Promise<void> {
    await this.store.migrate(DETECT_MIGRATIONS);
    await this.useModelsDir(this.config.detect.modelsDir);
    // Subscribe first: readings accepted while the history is replayed queue up behind it.
    const startedAt = Date.now();
    this.unsubscribe = this.events.on('accepted', (batch) => this.enqueue(batch));
    this.warming = this.warmStart(startedAt);
  }

  /** Resolves once the warm start is over (done, skipped or failed). */
  warmedUp(): Promise<void> {
    return this.warming;
  }

  /**
   * Warm start: the detectors live in memory, and a restart would leave them blind for their
   * warm-up (200 readings: 33 minutes of 10-second readings, 17 hours of 5-minute ones). So at
   * start each device's last readings are read back from the telemetry store and replayed
   * through them, teaching without writing a score or raising an event. Replaying from the
   * store rather than restoring a snapshot also covers a crash, has no file format to keep
   * compatible, and sees the readings accepted while the process was down (from the spool).
   */
  private async warmStart(startedAt: number): Promise<void> {
    const { warmStartHours, warmStartReadings } = this.config.detect;
    if (!this.history || warmStartHours <= 0 || warmStartReadings <= 0) return;
    const t0 = Date.now();
    let inputs;
    try {
      inputs = await readingsToReplay(this.history, startedAt, { lookbackMs: warmStartHours * 3_600_000, perDevice: warmStartReadings });
    } catch (err) {
      this.errors.inc({ what: 'influx' });
      this.logger.warn(`warm start skipped: reading the last ${warmStartHours} h of telemetry failed (${(err as Error).message}); the detectors start cold`);
      return;
    }
    let replayed = 0;
    for (let i = 0; i < inputs.length; i += SLICE) {
      try {
        await this.runner.score(inputs.slice(i, i + SLICE), true);
        replayed += Math.min(SLICE, inputs.length - i);
      } catch (err) {
        this.errors.inc({ what: err instanceof DetectionThreadDied ? 'thread' : 'model' });
        this.logger.warn(`warm start stopped after ${replayed} readings: ${(err as Error).message}`);
        return;
      }
      await new Promise((r) => setImmediate(r));
    }
    const devices = new Set(inputs.map((r) => r.device.id)).size;
    if (replayed) this.logger.log(`warm start: replayed ${replayed} stored readings of ${devices} devices (last ${warmStartHours} h, at most ${warmStartReadings} each) in ${Date.now() - t0} ms`);
  }

  async onModuleDestroy(): Promise<void> {
    this.unsubscribe?.();
    await this.idle();
    await this.runner.close();
  }

  /** Loads the alarm rules and the newest model of every type found in dir (replacing the current ones). Returns the versions loaded. */
  async useModelsDir(dir: string): Promise<Record<string, string>> {
    const { loaded, problems, backend } = await this.runner.useModelsDir(dir);
    this.backend = backend;
    for (const p of problems) this.hooks.problem(p.what, p.message);
    return loaded;
  }

  setThresholds(t: Partial<DetectionThresholds>): void {
    this.runner.setThresholds(t);
  }

  /** See DetectionEngine.setAlarmRules. */
  setAlarmRules(rules: AlarmRulesFile): void {
    this.runner.setAlarmRules(rules);
  }

  get queueLength(): number {
    return this.queue.length;
  }

  /** Resolves once everything queued so far is scored and written. */
  async idle(): Promise<void> {
    while (this.queue.length || this.draining || this.pendingWrites.size) {
      if (this.draining) await this.draining;
      if (this.pendingWrites.size) await Promise.allSettled([...this.pendingWrites]);
      if (!this.draining && this.queue.length) await new Promise((r) => setImmediate(r));
    }
    await this.runner.idle();
  }

  private enqueue(batch: AcceptedReading[]): void {
    for (const r of batch) this.queue.push(r);
    if (this.queue.length > MAX_QUEUE) {
      const excess = this.queue.length - MAX_QUEUE;
      this.queue = this.queue.slice(excess);
      this.dropped.inc(excess);
    }
    this.draining ??= new Promise<void>((r) => setImmediate(r)).then(() => this.drain());
  }

  /** One slice at a time; readings that arrive meanwhile make the next slice (natural batching). */
  private async drain(): Promise<void> {
    await this.warming;
    try {
      while (this.queue.length) {
        // Usually the whole queue fits in a slice: take the array instead of copying it out.
        let slice: AcceptedReading[];
        if (this.queue.length <= SLICE) {
          slice = this.queue;
          this.queue = [];
        } else slice = this.queue.splice(0, SLICE);
        try {
          this.onScored(await this.runner.score(slice));
        } catch (err) {
          if (err instanceof DetectionThreadDied) {
            // Counted and logged as the thread's death; these readings go unscored.
            this.dropped.inc(slice.length);
          } else {
            this.errors.inc({ what: 'model' });
            this.logger.error(`scoring failed: ${(err as Error).stack ?? String(err)}`);
          }
        }
        this.warnIfForgetting();
        // Inline scoring is synchronous: let ingest run between slices.
        await new Promise((r) => setImmediate(r));
      }
    } finally {
      this.draining = null;
    }
  }

  private onScored(out: ScoredSlice): void {
    this.streamCount = out.streamCount;
    this.evictions = out.evictions;
    // One increment per slice and detector: a labelled inc() hashes its labels every time.
    for (const [detector, n] of Object.entries(out.scored)) if (n) this.scored.inc({ detector }, n);
    for (const e of out.events) {
      this.anomalies.inc({ detector: e.detector });
      this.events.emit('anomaly', e);
    }
    if (out.events.length) this.persist(out.events);
  }

  /** A fleet larger than the stream bound loses its detectors' history: say so, at most every 10 min. */
  private warnIfForgetting(): void {
    const evicted = this.evictions;
    if (evicted === this.warnedEvictions || Date.now() - this.lastEvictionWarning < 600_000) return;
    this.logger.warn(
      `the generic detector forgot ${evicted - this.warnedEvictions} streams at its bound of ${this.config.detect.maxStreams} (device x metric): ` +
        'they start over with a warm-up and raise no alarm meanwhile. Raise GP_DETECT_MAX_STREAMS (about 3 KB of memory each).',
    );
    this.warnedEvictions = evicted;
    this.lastEvictionWarning = Date.now();
  }

  private persist(events: AnomalyEvent[]): void {
    const p = this.repo.insert(events).catch((err: unknown) => {
      this.errors.inc({ what: 'sql' });
      this.logger.error(`storing ${events.length} anomaly events failed: ${(err as Error).message}`);
    });
    this.pendingWrites.add(p);
    void p.finally(() => this.pendingWrites.delete(p));
  }
}
