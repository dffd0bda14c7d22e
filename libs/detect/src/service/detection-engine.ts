import type { AnomalyEvent, DeviceRef } from '@gridproof/events';
import type { DeviceType, IngestRecord } from '@gridproof/telemetry';
import { FleetGenericScorer } from '../fleet/fleet-generic-scorer';
import { scoreFromP } from '../generic/stream-detector';
import { MaintenanceDetector, MaintenancePrediction } from '../maintenance/maintenance-detector';
import { DeviceSubspaceScorer } from '../multivariate/device-subspace-scorer';
import { ModelStore } from '../models/model-store';
import { loadTf } from '../models/tf-runtime';
import { TypeModel } from '../models/type-model';
import { PersistenceGate } from '../train/alarm-rules';
import { AlarmRulesFile, readAlarmRules } from '../train/alarm-rules-file';
import type { TypeAlarmRules } from '../train/calibration';
import type { AnomalyPoint } from './anomaly-writer';
import { GenericTally } from './generic-tally';

export interface DetectionThresholds {
  /** Generic detector score at or above which a reading is an anomaly (default 0.9). */
  generic: number;
  /** Multivariate (T² and SPE) score at or above which a reading is an anomaly (default 0.9, as generic). */
  multivariate: number;
  /** Autoencoder score threshold (0.7 = the model's own error threshold). */
  model: number;
  /** Minimum device time between two anomaly events of one device and detector. */
  cooldownMs: number;
  /** Minimum device time between two maintenance events of one device and fault kind (a prediction changes slowly). */
  maintenanceCooldownMs: number;
}

export const DEFAULT_THRESHOLDS: DetectionThresholds = { generic: 0.9, multivariate: 0.9, model: 0.7, cooldownMs: 10 * 60_000, maintenanceCooldownMs: 6 * 3_600_000 };
const MAINTENANCE_VERSION = 'maintenance-1';
const MULTIVARIATE_VERSION = 'multivariate-1';
/**
 * A multivariate event needs the relations broken on 3 of 5 consecutive readings. Devices that
 * switch regimes (a charger starting a session, an inverter at dawn) break a linear model's
 * relations for a reading or two; a fault keeps them broken. On the simulator fleet
 * (bench/detect-multivariate-fleet, docs/detection.md) a single reading gave 0.90 false episodes
 * per healthy charger-day after the first week, 3 of 5 gave 0.01, and still caught 4/4 connector
 * wear faults (the generic detector: 1/4).
 */
const MULTIVARIATE_PERSISTENCE = { k: 3, n: 5 };

/** What detection needs of an accepted reading (AcceptedReading has more). */
export interface ScoringInput {
  device: DeviceRef;
  record: Pick<IngestRecord, 'ts' | 'readings'>;
}

/** One slice's outcome: score points for InfluxDB, events for the bus and SQL, counts for the metrics. */
export interface SliceOutcome {
  points: AnomalyPoint[];
  events: AnomalyEvent[];
  scored: { generic: number; multivariate: number; autoencoder: number; maintenance: number };
}

/** A problem the engine survived (a bad rules file, a model that does not load), for the caller's counter and log. */
export interface EngineProblem {
  what: 'rules' | 'model';
  message: string;
}

/**
 * The scoring core of detection, free of Nest, the bus and the SQL store so that it runs the
 * same on the main thread or in a worker thread (detection-thread.ts): the generic detector per
 * metric, the newest per-type model per window, the maintenance models per device, the
 * calibrated alarm layer and the per-device event cooldowns.
 */
export class DetectionEngine {
  /** Peer streams only where a rule asks for them (each costs a second generic stream and a median). */
  readonly generic: FleetGenericScorer;
  /** Per device, its metrics together (StreamingPca): what no per-metric stream sees. */
  readonly multivariate: DeviceSubspaceScorer;
  private readonly models = new Map<DeviceType, TypeModel>();
  private readonly maintenance = new MaintenanceDetector();
  /** Calibrated alarm layer per type (alarm-rules.json); types without one use the plain thresholds. */
  private alarmRules: AlarmRulesFile = {};
  private readonly gate = new PersistenceGate();
  /** One reading's generic evidence, folded without an object per metric. */
  private readonly tally = new GenericTally(this.gate);
  private readonly lastEmit = new Map<string, number>();
  private thresholds: DetectionThresholds = { ...DEFAULT_THRESHOLDS };
  backend = 'none';

  /** multivariate: false turns the per-device multivariate model off (GP_DETECT_MULTIVARIATE). */
  constructor(maxStreams: number, options: { multivariate?: boolean } = {}) {
    this.generic = new FleetGenericScorer(
      (type, metric) => {
        const g = this.alarmRules[type]?.generic;
        return g?.peer === true && (g.metric === undefined || g.metric === metric);
      },
      {},
      maxStreams,
    );
    // A device model holds several metrics: bounded by devices, at most a tenth of the streams.
    this.multivariate = new DeviceSubspaceScorer(options.multivariate === false ? 0 : Math.max(1, Math.ceil(maxStreams / 10)));
  }

  get streamCount(): number {
    return this.generic.streamCount;
  }

  get evictions(): number {
    return this.generic.evictions;
  }

  /**
   * Loads the alarm rules and the newest model of every type found in dir (replacing the current
   * ones). Returns the versions loaded and the problems met; a problem never stops detection.
   */
  async useModelsDir(dir: string, log: (msg: string) => void): Promise<{ loaded: Record<string, string>; problems: EngineProblem[] }> {
    const problems: EngineProblem[] = [];
    try {
      const rules = await readAlarmRules(dir);
      if (rules) {
        this.setAlarmRules(rules);
        log(`alarm rules from ${dir} for ${Object.keys(rules).join(', ') || 'no type'}`);
      }
    } catch (err) {
      // A bad rules file must not stop detection: the plain thresholds stay in force.
      problems.push({ what: 'rules', message: `alarm rules not loaded: ${(err as Error).message}` });
    }
    const store = new ModelStore(dir);
    const loaded: Record<string, string> = {};
    const types = await store.types();
    if (!types.length) {
      log(`no trained models in ${dir}: scoring with the generic detector only`);
      return { loaded, problems };
    }
    const rt = await loadTf(log);
    this.backend = rt.backend;
    for (const type of types) {
      const newest = await store.newest(type);
      if (!newest) continue;
      try {
        const model = await TypeModel.load(rt.tf, newest.dir, newest.meta);
        this.models.get(type)?.dispose();
        this.models.set(type, model);
        loaded[type] = newest.meta.version;
        log(`${type}: model ${newest.meta.version} loaded (${rt.backend})`);
      } catch (err) {
        problems.push({ what: 'model', message: `${type}: model ${newest.meta.version} could not be loaded: ${(err as Error).message}` });
      }
    }
    return { loaded, problems };
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

  dispose(): void {
    for (const m of this.models.values()) m.dispose();
    this.models.clear();
  }

  scoreSlice(slice: readonly ScoringInput[]): SliceOutcome {
    const out: SliceOutcome = { points: [], events: [], scored: { generic: 0, multivariate: 0, autoencoder: 0, maintenance: 0 } };
    const { points, events } = out;
    // Only the models look readings up by device again (their windows end later).
    const byDevice = new Map<string, ScoringInput>();
    const modelsLoaded = this.models.size > 0;
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
      out.scored.generic++;
      const score = scoreFromP(Math.min(1, tally.pMin * tally.scored));
      const gThreshold = gRule ? gRule.threshold : this.thresholds.generic;
      const isAnomaly = rules ? tally.gated : tally.warm > 0 && scoreFromP(Math.min(1, tally.pWarm * tally.warm)) >= this.thresholds.generic;
      points.push({ device: device.id, site: device.site, type: device.type, family: device.family, detector: 'generic', ts: record.ts, score, threshold: gThreshold, isAnomaly, topMetric: tally.top, modelVersion: 'generic-1' });
      if (isAnomaly && this.shouldEmit(`${device.id}|generic`, record.ts)) {
        events.push({ device, ts: record.ts, score, threshold: gThreshold, detector: 'generic', modelVersion: 'generic-1', metrics: tally.topMetrics() });
      }
      this.scoreMultivariate(r, rules?.multivariate, out);
      this.models.get(device.type)?.push(device.id, record.ts, record.readings);
      for (const p of this.maintenance.update(device.id, device.type, record.ts, record.readings)) this.onPrediction(r, p, out);
    }
    for (const model of this.models.values()) {
      if (!model.pendingCount) continue;
      for (const s of model.flush()) {
        const r = byDevice.get(s.device);
        if (!r) continue;
        out.scored.autoencoder++;
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
    return out;
  }

  /**
   * The device's metrics together: a point per reading (thinned like the generic ones) and an
   * event when the relations between them stay broken (MULTIVARIATE_PERSISTENCE). A type's alarm
   * rules may set its own rule ({threshold, k, n}) or turn the events off (`"multivariate": null`
   * in alarm-rules.json); the score is written either way.
   */
  private scoreMultivariate(r: ScoringInput, rule: TypeAlarmRules['multivariate'], out: SliceOutcome): void {
    const { device, record } = r;
    const s = this.multivariate.score(device, record.ts, record.readings);
    if (!s) return;
    out.scored.multivariate++;
    const applied = rule ?? { ...MULTIVARIATE_PERSISTENCE, threshold: this.thresholds.multivariate };
    const threshold = applied.threshold;
    const isAnomaly = rule !== null && this.gate.step(`v\u0000${device.id}`, s.warm && s.score >= threshold, applied);
    out.points.push({ device: device.id, site: device.site, type: device.type, family: device.family, detector: 'multivariate', ts: record.ts, score: s.score, threshold, isAnomaly, topMetric: s.topMetric, modelVersion: MULTIVARIATE_VERSION });
    if (!isAnomaly || !this.shouldEmit(`${device.id}|multivariate`, record.ts)) return;
    const metrics = s.topMetric ? [{ name: s.topMetric, value: record.readings[s.topMetric] ?? '', contribution: 1 }] : [];
    out.events.push({ device, ts: record.ts, score: s.score, threshold, detector: 'multivariate', modelVersion: MULTIVARIATE_VERSION, metrics, kind: s.evidence });
  }

  /** A maintenance prediction was re-evaluated (hourly per device and kind): a score point, and an event while at risk. */
  private onPrediction(r: ScoringInput, p: MaintenancePrediction, out: SliceOutcome): void {
    const { device, record } = r;
    out.scored.maintenance++;
    const threshold = 0.5;
    out.points.push({ device: device.id, site: device.site, type: device.type, family: device.family, detector: 'maintenance', ts: record.ts, score: p.risk, threshold, isAnomaly: p.state.atRisk, topMetric: p.metrics[0], modelVersion: MAINTENANCE_VERSION });
    if (!p.state.atRisk || !this.shouldEmit(`${device.id}|maintenance|${p.kind}`, record.ts, this.thresholds.maintenanceCooldownMs)) return;
    const metrics = p.metrics.map((name) => ({ name, value: record.readings[name] ?? '', contribution: 1 / p.metrics.length }));
    out.events.push({ device, ts: record.ts, score: p.risk, threshold, detector: 'maintenance', modelVersion: MAINTENANCE_VERSION, metrics, kind: p.kind, timeToFailureMs: Math.round(p.state.timeToFailureMs ?? 0) });
  }

  private shouldEmit(key: string, ts: number, cooldownMs = this.thresholds.cooldownMs): boolean {
    const last = this.lastEmit.get(key);
    if (last !== undefined && ts - last < cooldownMs && ts >= last) return false;
    this.lastEmit.set(key, ts);
    return true;
  }
}
