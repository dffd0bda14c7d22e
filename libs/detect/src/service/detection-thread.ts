import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { AlarmRulesFile } from '../train/alarm-rules-file';
import type { DetectionThresholds, ScoringInput } from './detection-engine';
import type { DetectionRunner, ModelsLoaded, RunnerHooks, RunnerOptions, ScoredSlice } from './detection-runner';
import { PackedSlice, SlicePacker } from './slice-packing';

/** Main thread → worker. */
export type ToWorker =
  | ({ op: 'score'; id: number; replay: boolean } & PackedSlice)
  | { op: 'models'; id: number; dir: string }
  | { op: 'idle'; id: number }
  | { op: 'thresholds'; t: Partial<DetectionThresholds> }
  | { op: 'rules'; rules: AlarmRulesFile };

/** Worker → main thread. */
export type FromWorker =
  | { op: 'reply'; id: number; result?: unknown; error?: string }
  | { op: 'log'; message: string }
  | { op: 'problem'; what: 'influx' | 'model' | 'rules'; message: string };

/** What the worker is started with (workerData). */
export type WorkerInit = RunnerOptions;

/** The thread died while it held this request; the slice it was scoring is lost (its detectors too). */
export class DetectionThreadDied extends Error {}

interface Waiting {
  resolve: (value: never) => void;
  reject: (err: Error) => void;
}

/**
 * Detection in a worker thread (the default, GP_DETECT_THREAD): the broker, ingest and
 * PUBACKs keep the main thread, and scoring (≈ 6 µs per 8-metric reading, model inference
 * in batches) runs on another core. The worker keeps all detector state; the main thread keeps
 * the queue, the bus and the SQL store. If the worker dies it is restarted with the same models,
 * rules and thresholds; its detectors start over (warm-up), which is counted and logged.
 */
export class DetectionThread implements DetectionRunner {
  private worker!: Worker;
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();
  private packer: SlicePacker;
  private modelsDir: string | null = null;
  private thresholds: Partial<DetectionThresholds> = {};
  private rules: AlarmRulesFile | null = null;
  private closing = false;

  constructor(private readonly options: RunnerOptions, private readonly hooks: RunnerHooks) {
    this.packer = new SlicePacker(options.maxStreams);
    this.start();
  }

  score(slice: ScoringInput[], replay = false): Promise<ScoredSlice> {
    const packed = this.packer.pack(slice);
    return this.request<ScoredSlice>((id) => ({ op: 'score', id, replay, ...packed }), [packed.device.buffer, packed.keys.buffer, packed.ts.buffer, packed.values.buffer] as ArrayBuffer[]);
  }

  async useModelsDir(dir: string): Promise<ModelsLoaded> {
    this.modelsDir = dir;
    return this.request<ModelsLoaded>((id) => ({ op: 'models', id, dir }));
  }

  setThresholds(t: Partial<DetectionThresholds>): void {
    this.thresholds = { ...this.thresholds, ...t };
    this.post({ op: 'thresholds', t });
  }

  setAlarmRules(rules: AlarmRulesFile): void {
    this.rules = rules;
    this.post({ op: 'rules', rules });
  }

  /** A thread that dies meanwhile has nothing left to write: that resolves too. */
  idle(): Promise<void> {
    return this.request<void>((id) => ({ op: 'idle', id })).catch((err: unknown) => {
      if (!(err instanceof DetectionThreadDied)) throw err;
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.idle();
    await this.worker.terminate();
  }

  private start(): void {
    // From the compiled dist/ the worker is the .js beside this file; from the TypeScript
    // sources (jest) it requires the .ts through swc (scripts/register-ts.js).
    const compiled = __filename.endsWith('.js');
    const entry = join(__dirname, compiled ? 'detection.worker.js' : 'detection.worker.ts');
    const preload = compiled ? '' : `require(${JSON.stringify(join(__dirname, '..', '..', '..', '..', 'scripts', 'register-ts.js'))});`;
    this.worker = new Worker(`${preload}require(${JSON.stringify(entry)});`, { eval: true, workerData: this.options satisfies WorkerInit });
    this.worker.on('message', (msg: FromWorker) => this.onMessage(msg));
    this.worker.on('error', (err) => this.onDeath(`detection thread failed: ${err.stack ?? err.message}`));
    this.worker.on('exit', (code) => {
      if (!this.closing) this.onDeath(`detection thread exited with code ${code}`);
    });
  }

  private onMessage(msg: FromWorker): void {
    if (msg.op === 'log') return this.hooks.log(msg.message);
    if (msg.op === 'problem') return this.hooks.problem(msg.what, msg.message);
    const w = this.waiting.get(msg.id);
    if (!w) return;
    this.waiting.delete(msg.id);
    if (msg.error !== undefined) w.reject(new Error(msg.error));
    else w.resolve(msg.result as never);
  }

  /** The worker is gone: fail what it held, start a new one with the same settings. */
  private onDeath(message: string): void {
    if (this.closing) return;
    this.hooks.problem('thread', `${message}; restarting it (its detectors start over)`);
    for (const w of this.waiting.values()) w.reject(new DetectionThreadDied(message));
    this.waiting.clear();
    this.worker.removeAllListeners();
    void this.worker.terminate();
    this.packer = new SlicePacker(this.options.maxStreams);
    this.start();
    if (this.rules) this.post({ op: 'rules', rules: this.rules });
    if (Object.keys(this.thresholds).length) this.post({ op: 'thresholds', t: this.thresholds });
    if (this.modelsDir) {
      this.useModelsDir(this.modelsDir).then(
        (r) => r.problems.forEach((p) => this.hooks.problem(p.what, p.message)),
        (err: Error) => this.hooks.problem('model', err.message),
      );
    }
  }

  private request<T>(build: (id: number) => ToWorker, transfer: ArrayBuffer[] = []): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (value: never) => void, reject });
      this.post(build(id), transfer);
    });
  }

  private post(msg: ToWorker, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(msg, transfer);
  }
}
