import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import type { GridProofConfig } from '@gridproof/config';
import { GP_CONFIG } from '@gridproof/core';
import { AcceptedReading, AnomalyEvent, PipelineEvents } from '@gridproof/events';
import { METRIC, Registry } from '@gridproof/metrics';
import { SqlStore } from '@gridproof/store';
import { DeviceType } from '@gridproof/telemetry';
import { FleetGenericScorer } from '../fleet/fleet-generic-scorer';
import { MaintenanceDetector, MaintenancePrediction } from '../maintenance/maintenance-detector';
import { PersistenceGate } from '../train/alarm-rules';
import { AlarmRulesFile, readAlarmRules } from '../train/alarm-rules-file';
import { scoreFromP } from '../generic/stream-detector';
import { ModelStore } from '../models/model-store';
import { loadTf } from '../models/tf-runtime';
import { TypeModel } from '../models/type-model';
import { AnomalyRepository } from './anomaly.repository';
import { AnomalyPoint, AnomalyWriter } from './anomaly-writer';
import { DETECT_MIGRATIONS } from './detect.migrations';
import { GenericTally } from './generic-tally';

export interface DetectionThresholds {
  /** Generic detector score at or above which a reading is an anomaly (default 0.9). */
  generic: number;
  /** Autoencoder score threshold (0.7 = the model's own error threshold). */
  model: number;
  /** Minimum device time between two anomaly events of one device and detector. */
  cooldownMs: number;
  /** Minimum device time between two maintenance events of one device and fault kind (a prediction changes slowly). */
  maintenanceCooldownMs: number;
}

export const DEFAULT_THRESHOLDS: DetectionThresholds = { generic: 0.9, model: 0.7, cooldownMs: 10 * 60_000, maintenanceCooldownMs: 6 * 3_600_000 };
const MAINTENANCE_VERSION = 'maintenance-1';
const MAX_QUEUE = 200_000;
const SLICE = 5_000;

/**
 * Scores accepted readings off the ingest path: the 'accepted' listener only appends to a
 * bounded queue (dropping the oldest *scoring* work when full, counted; ingest itself is never
 * touched) and a setImmediate loop drains it in micro-batches: the generic detector per metric,
 * the newest per-type model per window, the maintenance models per device (hourly bins).
 * Scores go to InfluxDB, anomalies to the SQL store and
 * the bus ('anomaly') for alerts.
 */
@Injectable()
export class DetectionService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(DetectionService.name);
  /** Peer streams only where a rule asks for them (each costs a second generic stream and a median). */
  private readonly generic: FleetGenericScorer;
  private warnedEvictions = 0;
  private lastEvictionWarning = 0;
  private readonly models = new Map<DeviceType, TypeModel>();
  private readonly maintenance = new MaintenanceDetector();
  /** Calibrated alarm layer per type (alarm-rules.json); types without one use the plain thresholds. */
  private alarmRules: AlarmRulesFile = {};
  private readonly gate = new PersistenceGate();
  /** One reading's generic evidence, folded without an object per metric. */
  private readonly tally = new GenericTally(this.gate);
  private queue: AcceptedReading[] = [];
  private draining = false;
  private unsubscribe: (() => void) | null = null;
  private readonly writer: AnomalyWriter | null;
  private readonly repo: AnomalyRepository;
  private readonly lastEmit = new Map<string, number>();
  private pendingWrites = new Set<Promise<void>>();
  private thresholds: DetectionThresholds = { ...DEFAULT_THRESHOLDS };
  private readonly scored: Counter<'detector'>;
  private readonly dropped: Counter;
  private readonly anomalies: Counter<'detector'>;
  private readonly errors: Counter<'what'>;
  backend = 'none';

  constructor(
    @Inject(GP_CONFIG) private readonly config: GridProofConfig,
    private readonly events: PipelineEvents,
    store: SqlStore,
    registry: Registry,
  ) {
    this.repo = new AnomalyRepository(store);
    this.store = store;
    this.generic = new FleetGenericScorer(
      (type, metric) => {
        const g = this.alarmRules[type]?.generic;
        return g?.peer === true && (g.metric === undefined || g.metric === metric);
      },
      {},
      config.detect.maxStreams,
    );
    const generic = this.generic;
    const url = config.influx.url;
    this.writer = url ? new AnomalyWriter({ url, database: config.influx.database, username: config.influx.username, password: config.influx.password }) : null;
    const reg = (r: Registry) => [r];
    this.scored = new Counter({ name: METRIC.detectScored, help: 'Readings scored, by detector', labelNames: ['detector'], registers: reg(registry) });
    this.dropped = new Counter({ name: METRIC.detectDropped, help: 'Readings not scored because the scoring queue was full (ingest unaffected)', registers: reg(registry) });
    this.anomalies = new Counter({ name: METRIC.detectAnomalies, help: 'Anomaly events emitted, by detector', labelNames: ['detector'], registers: reg(registry) });
    this.errors = new Counter({ name: METRIC.detectErrors, help: 'Detection errors, by what failed', labelNames: ['what'], registers: reg(registry) });
    new Gauge({
      name: METRIC.detectStreams,
      help: 'Generic-detector streams in memory (device x metric, peer streams too; bound GP_DETECT_MAX_STREAMS)',
      registers: reg(registry),
      collect() {
        this.set(generic.streamCount);
      },
    });
    new Counter({
      name: METRIC.detectStreamsEvicted,
      help: 'Generic-detector streams forgotten at GP_DETECT_MAX_STREAMS; each starts over (warm-up) on its next reading',
      registers: reg(registry),
      collect() {
        this.reset();
        this.inc(generic.evictions);
      },
    });
    const queue = () => this.queue.length;
    new Gauge({
      name: METRIC.detectQueue,
      help: 'Readings waiting to be scored',
      registers: reg(registry),
      collect() {
        this.set(queue());
      },
    });
  }

  private readonly store: SqlStore;

  async onModuleInit(): Promise<void> {
    await this.store.migrate(DETECT_MIGRATIONS);
    await this.useModelsDir(this.config.detect.modelsDir);
    this.unsubscribe = this.events.on('accepted', (batch) => this.enqueue(batch));
  }

  async onModuleDestroy(): Promise<void> {
    this.unsubscribe?.();
    await this.idle();
    for (const m of this.models.values()) m.dispose();
    this.models.clear();
  }

  /** Loads the newest model of every type found in dir (replacing the current ones). Returns the versions loaded. */
  async useModelsDir(dir: string): Promise<Record<string, string>> {
    try {
      const rules = await readAlarmRules(dir);
      if (rules) {
        this.setAlarmRules(rules);
        this.logger.log(`alarm rules from ${dir} for ${Object.keys(rules).join(', ') || 'no type'}`);
      }
    } catch (err) {
      // A bad rules file must not stop detection: the plain thresholds stay in force.
      this.errors.inc({ what: 'rules' });
      this.logger.error(`alarm rules not loaded: ${(err as Error).message}`);
    }
    const store = new ModelStore(dir);
    const loaded: Record<string, string> = {};
    const types = await store.types();
    if (!types.length) {
      this.logger.log(`no trained models in ${dir}: scoring with the generic detector only`);
      return loaded;
    }
    const rt = await loadTf((m) => this.logger.log(m));
    this.backend = rt.backend;
    for (const type of types) {
      const newest = await store.newest(type);
      if (!newest) continue;
      try {
        const model = await TypeModel.load(rt.tf, newest.dir, newest.meta);
        this.models.get(type)?.dispose();
        this.models.set(type, model);
        loaded[type] = newest.meta.version;
        this.logger.log(`${type}: model ${newest.meta.version} loaded (${rt.backend})`);
      } catch (err) {
        this.errors.inc({ what: 'model' });
        this.logger.error(`${type}: model ${newest.meta.version} could not be loaded: ${(err as Error).message}`);
      }
    }
    return loaded;
  }

  setThresholds(t: Partial<DetectionThresholds>): void {
    this.thresholds = { ...this.thresholds, ...t };
  }

  /**
   * Per-type alarm layer (see docs/detection.md): a generic rule (per-metric persistence,
   * evidence kinds, optionally one metric) and an autoencoder rule (k of n windows); null turns
   * that detector's events off for the type. Maintenance events are not affected.
   */
  setAlarmRules(rules: AlarmRulesFile): void {
    this.alarmRules = { ...rules };
  }

  get queueLength(): number {
    return this.queue.length;
  }

  /** Resolves once everything queued so far is scored and written. */
  async idle(): Promise<void> {
    while (this.queue.length || this.draining || this.pendingWrites.size) {
      await new Promise((r) => setImmediate(r));
      if (this.pendingWrites.size) await Promise.allSettled([...this.pendingWrites]);
    }
  }

  private enqueue(batch: AcceptedReading[]): void {
    for (const r of batch) this.queue.push(r);
    if (this.queue.length > MAX_QUEUE) {
      const excess = this.queue.length - MAX_QUEUE;
      this.queue = this.queue.slice(excess);
      this.dropped.inc(excess);
    }
    if (!this.draining) {
      this.draining = true;
      setImmediate(() => this.drain());
    }
  }

  private drain(): void {
    // Usually the whole queue fits in a slice: take the array instead of copying it out.
    let slice: AcceptedReading[];
    if (this.queue.length <= SLICE) {
      slice = this.queue;
      this.queue = [];
    } else slice = this.queue.splice(0, SLICE);
    try {
      this.scoreSlice(slice);
    } catch (err) {
      this.errors.inc({ what: 'model' });
      this.logger.error(`scoring failed: ${(err as Error).stack ?? String(err)}`);
    }
    this.warnIfForgetting();
    if (this.queue.length) setImmediate(() => this.drain());
    else this.draining = false;
  }

  /** A fleet larger than the stream bound loses its detectors' history: say so, at most every 10 min. */
  private warnIfForgetting(): void {
    const evicted = this.generic.evictions;
    if (evicted === this.warnedEvictions || Date.now() - this.lastEvictionWarning < 600_000) return;
    this.logger.warn(
      `the generic detector forgot ${evicted - this.warnedEvictions} streams at its bound of ${this.config.detect.maxStreams} (device x metric): ` +
        'they start over with a warm-up and raise no alarm meanwhile. Raise GP_DETECT_MAX_STREAMS (about 3 KB of memory each).',
    );
    this.warnedEvictions = evicted;
    this.lastEvictionWarning = Date.now();
  }

  private scoreSlice(slice: AcceptedReading[]): void {
    const points: AnomalyPoint[] = [];
    const events: AnomalyEvent[] = [];
    // Only the models look readings up by device again (their windows end later).
    const byDevice = new Map<string, AcceptedReading>();
    const modelsLoaded = this.models.size > 0;
    let genericScored = 0;
    for (const r of slice) {
      const { device, record } = r;
      if (modelsLoaded) byDevice.set(device.id, r);
      const rules = this.alarmRules[device.type];
      const gRule = rules?.generic;
      // Events only from streams past the detector's warm-up; the score covers every metric.
      const tally = this.tally;
      tally.reset(device.id, gRule);
      this.generic.scoreEach(device, record.ts, record.readings, tally);
      if (!tally.scored) continue;
      genericScored++;
      const score = scoreFromP(Math.min(1, tally.pMin * tally.scored));
      const gThreshold = gRule ? gRule.threshold : this.thresholds.generic;
      const isAnomaly = rules ? tally.gated : tally.warm > 0 && scoreFromP(Math.min(1, tally.pWarm * tally.warm)) >= this.thresholds.generic;
      points.push({ device: device.id, site: device.site, type: device.type, family: device.family, detector: 'generic', ts: record.ts, score, threshold: gThreshold, isAnomaly, topMetric: tally.top, modelVersion: 'generic-1' });
      if (isAnomaly && this.shouldEmit(`${device.id}|generic`, record.ts)) {
        events.push({ device, ts: record.ts, score, threshold: gThreshold, detector: 'generic', modelVersion: 'generic-1', metrics: tally.topMetrics() });
      }
      this.models.get(device.type)?.push(device.id, record.ts, record.readings);
      for (const p of this.maintenance.update(device.id, device.type, record.ts, record.readings)) this.onPrediction(r, p, points, events);
    }
    // One increment per slice: a labelled inc() hashes its labels every time.
    if (genericScored) this.scored.inc({ detector: 'generic' }, genericScored);
    for (const model of this.models.values()) {
      if (!model.pendingCount) continue;
      for (const s of model.flush()) {
        const r = byDevice.get(s.device);
        if (!r) continue;
        this.scored.inc({ detector: 'autoencoder' });
        const rules = this.alarmRules[r.device.type];
        const mRule = rules?.model;
        const threshold = mRule ? mRule.threshold : this.thresholds.model;
        const isAnomaly = !rules ? s.score >= threshold : mRule ? this.gate.step(`m\u0000${s.device}`, s.score >= threshold, mRule) : false;
        const top = s.contributions[0]?.name ?? '';
        points.push({ device: s.device, site: r.device.site, type: r.device.type, family: r.device.family, detector: 'autoencoder', ts: s.ts, score: s.score, threshold, isAnomaly, topMetric: top, modelVersion: model.version });
        if (isAnomaly && this.shouldEmit(`${s.device}|autoencoder`, s.ts)) {
          const metrics = s.contributions.slice(0, 3).map((c) => ({ name: c.name, value: r.record.readings[c.name] ?? '', contribution: c.contribution }));
          events.push({ device: r.device, ts: s.ts, score: s.score, threshold, detector: 'autoencoder', modelVersion: model.version, metrics });
        }
      }
    }
    for (const e of events) {
      this.anomalies.inc({ detector: e.detector });
      this.events.emit('anomaly', e);
    }
    this.persist(points, events);
  }

  /** A maintenance prediction was re-evaluated (hourly per device and kind): a score point, and an event while at risk. */
  private onPrediction(r: AcceptedReading, p: MaintenancePrediction, points: AnomalyPoint[], events: AnomalyEvent[]): void {
    const { device, record } = r;
    this.scored.inc({ detector: 'maintenance' });
    const threshold = 0.5;
    points.push({ device: device.id, site: device.site, type: device.type, family: device.family, detector: 'maintenance', ts: record.ts, score: p.risk, threshold, isAnomaly: p.state.atRisk, topMetric: p.metrics[0], modelVersion: MAINTENANCE_VERSION });
    if (!p.state.atRisk || !this.shouldEmit(`${device.id}|maintenance|${p.kind}`, record.ts, this.thresholds.maintenanceCooldownMs)) return;
    const metrics = p.metrics.map((name) => ({ name, value: record.readings[name] ?? '', contribution: 1 / p.metrics.length }));
    events.push({ device, ts: record.ts, score: p.risk, threshold, detector: 'maintenance', modelVersion: MAINTENANCE_VERSION, metrics, kind: p.kind, timeToFailureMs: Math.round(p.state.timeToFailureMs ?? 0) });
  }

  private shouldEmit(key: string, ts: number, cooldownMs = this.thresholds.cooldownMs): boolean {
    const last = this.lastEmit.get(key);
    if (last !== undefined && ts - last < cooldownMs && ts >= last) return false;
    this.lastEmit.set(key, ts);
    return true;
  }

  private persist(points: AnomalyPoint[], events: AnomalyEvent[]): void {
    const track = (p: Promise<void>) => {
      this.pendingWrites.add(p);
      void p.finally(() => this.pendingWrites.delete(p));
    };
    if (this.writer && points.length) {
      track(
        this.writer.write(points).catch((err: unknown) => {
          this.errors.inc({ what: 'influx' });
          this.logger.warn((err as Error).message);
        }),
      );
    }
    if (events.length) {
      track(
        this.repo.insert(events).catch((err: unknown) => {
          this.errors.inc({ what: 'sql' });
          this.logger.error(`storing ${events.length} anomaly events failed: ${(err as Error).message}`);
        }),
      );
    }
  }
}
