import type { AnomalyEvent } from '@gridproof/events';
import type { AlarmRulesFile } from '../train/alarm-rules-file';
import { InfluxTelemetryStore, type InfluxConnection, type LineSink } from '@gridproof/influx';
import { AnomalyWriter } from './anomaly-writer';
import { DetectionEngine, DetectionThresholds, EngineProblem, ScoringInput, SliceOutcome } from './detection-engine';
import { ScoreThinning } from './score-thinning';

/** A slice scored: what the main thread needs of it (the score points are written where they were computed). */
export interface ScoredSlice {
  events: AnomalyEvent[];
  scored: SliceOutcome['scored'];
  streamCount: number;
  evictions: number;
}

export interface ModelsLoaded {
  loaded: Record<string, string>;
  problems: EngineProblem[];
  backend: string;
}

/** Where detection runs: inline on the main thread, or in a worker thread (DetectionThread). */
export interface DetectionRunner {
  /**
   * Scores a slice. `replay`: readings seen before a restart (warm start), which only teach the
   * detectors: no score points are written and no events come back.
   */
  score(slice: ScoringInput[], replay?: boolean): Promise<ScoredSlice>;
  useModelsDir(dir: string): Promise<ModelsLoaded>;
  setThresholds(t: Partial<DetectionThresholds>): void;
  setAlarmRules(rules: AlarmRulesFile): void;
  /** Resolves once every score point handed out so far is written (or its write failed). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export interface RunnerHooks {
  log(message: string): void;
  /** A failure detection survived: counted by `what`, logged. */
  problem(what: 'influx' | 'model' | 'rules' | 'thread', message: string): void;
}

export interface RunnerOptions {
  maxStreams: number;
  /** Run the multivariate detector (GP_DETECT_MULTIVARIATE). */
  multivariate: boolean;
  /**
   * The InfluxDB score points go to; none without one. Plain data, as it crosses into the
   * detection thread, which builds its own adapter from it (InfluxTelemetryStore).
   */
  influx: InfluxConnection | null;
  /** One generic score point per device and this much device time (0: every reading); see ScoreThinning. */
  scoreIntervalMs: number;
}

/**
 * Writes the score points of each slice to InfluxDB, thinned (ScoreThinning), without holding
 * scoring up; both runners use it (the threaded one inside its worker).
 */
export class PointSink {
  private readonly writer: AnomalyWriter | null;
  private readonly thinning: ScoreThinning;
  private readonly pending = new Set<Promise<void>>();
  private readonly sweeper: NodeJS.Timeout | null = null;

  constructor(options: RunnerOptions, lines: LineSink | null, private readonly onError: (message: string) => void) {
    this.writer = lines ? new AnomalyWriter(lines) : null;
    this.thinning = new ScoreThinning(options.scoreIntervalMs, options.maxStreams);
    if (this.writer && options.scoreIntervalMs > 0) {
      this.sweeper = setInterval(() => this.send(this.thinning.takeStale()), options.scoreIntervalMs);
      this.sweeper.unref();
    }
  }

  write(points: SliceOutcome['points']): void {
    if (this.writer) this.send(this.thinning.take(points));
  }

  /** Writes the held points too, and resolves once every write has finished. */
  async idle(): Promise<void> {
    if (this.writer) this.send(this.thinning.flush());
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  async close(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    await this.idle();
  }

  private send(points: SliceOutcome['points']): void {
    if (!this.writer || !points.length) return;
    const p = this.writer.write(points).catch((err: unknown) => this.onError((err as Error).message));
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }
}

/** The detection thread's own adapter, built from the same connection settings as the main thread's. */
export function lineSinkOf(options: RunnerOptions): LineSink | null {
  return options.influx ? new InfluxTelemetryStore(options.influx) : null;
}

/** One slice through the engine, its score points to the sink: the same inline and in the thread. */
export function scoreWith(engine: DetectionEngine, sink: PointSink, slice: ScoringInput[], replay = false): ScoredSlice {
  const out = engine.scoreSlice(slice);
  if (replay) return { events: [], scored: out.scored, streamCount: engine.streamCount, evictions: engine.evictions };
  sink.write(out.points);
  return { events: out.events, scored: out.scored, streamCount: engine.streamCount, evictions: engine.evictions };
}

export async function loadModelsWith(engine: DetectionEngine, dir: string, log: (message: string) => void): Promise<ModelsLoaded> {
  const { loaded, problems } = await engine.useModelsDir(dir, log);
  return { loaded, problems, backend: engine.backend };
}

/** Detection on the calling thread: fine for tests and small fleets (GP_DETECT_THREAD=false). */
export class InlineRunner implements DetectionRunner {
  private readonly engine: DetectionEngine;
  private readonly sink: PointSink;

  /** `lines`: the process's InfluxDB adapter (CoreModule's); one is built from options.influx otherwise. */
  constructor(options: RunnerOptions, private readonly hooks: RunnerHooks, lines?: LineSink | null) {
    this.engine = new DetectionEngine(options.maxStreams, { multivariate: options.multivariate });
    this.sink = new PointSink(options, lines ?? lineSinkOf(options), (m) => hooks.problem('influx', m));
  }

  async score(slice: ScoringInput[], replay = false): Promise<ScoredSlice> {
    return scoreWith(this.engine, this.sink, slice, replay);
  }

  useModelsDir(dir: string): Promise<ModelsLoaded> {
    return loadModelsWith(this.engine, dir, (m) => this.hooks.log(m));
  }

  setThresholds(t: Partial<DetectionThresholds>): void {
    this.engine.setThresholds(t);
  }

  setAlarmRules(rules: AlarmRulesFile): void {
    this.engine.setAlarmRules(rules);
  }

  idle(): Promise<void> {
    return this.sink.idle();
  }

  async close(): Promise<void> {
    await this.sink.close();
    this.engine.dispose();
  }
}
