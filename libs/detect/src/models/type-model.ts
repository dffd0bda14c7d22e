import type { DeviceType } from '@gridproof/telemetry';
import { FeatureExtractor, normalise } from './features';
import type { ModelMeta } from './model-store';
import { TfModule } from './tf-runtime';
import { errorToScore, WindowAutoencoder } from './window-autoencoder';

/**
 * A trained per-type model in service: keeps, per device, the last `window` feature vectors and
 * scores the window ending at each new reading (batched: callers push many readings, then score
 * them in one inference call).
 */
export interface ModelScore {
  device: string;
  ts: number;
  score: number;
  error: number;
  /** Metrics by contribution to the error, largest first (fractions summing to 1). */
  contributions: Array<{ name: string; contribution: number }>;
}

interface DeviceState {
  extractor: FeatureExtractor;
  ring: Float32Array;
  filled: number;
  head: number;
}

export class TypeModel {
  private readonly devices = new Map<string, DeviceState>();
  private pending: Array<{ device: string; ts: number; window: Float32Array }> = [];

  constructor(
    readonly meta: ModelMeta,
    readonly autoencoder: WindowAutoencoder,
    private readonly maxDevices = 100_000,
  ) {}

  static async load(tf: TfModule, dir: string, meta: ModelMeta): Promise<TypeModel> {
    return new TypeModel(meta, await WindowAutoencoder.load(tf, dir, meta.shape));
  }

  get type(): DeviceType {
    return this.meta.type as DeviceType;
  }

  get version(): string {
    return this.meta.version;
  }

  /** Adds a reading; queues a window for scoring once the device has `window` readings. */
  push(device: string, ts: number, readings: Record<string, unknown>): void {
    const { window: w, metrics: m } = this.meta.shape;
    let st = this.devices.get(device);
    if (!st) {
      if (this.devices.size >= this.maxDevices) {
        const oldest = this.devices.keys().next().value;
        if (oldest !== undefined) this.devices.delete(oldest);
      }
      st = { extractor: new FeatureExtractor(this.meta.normalisation.metrics, this.meta.normalisation.cumulative), ring: new Float32Array(w * m), filled: 0, head: 0 };
      this.devices.set(device, st);
    }
    const raw = st.extractor.next(readings);
    if (!raw) return;
    normalise(this.meta.normalisation, raw, st.ring, st.head * m);
    st.head = (st.head + 1) % w;
    st.filled = Math.min(w, st.filled + 1);
    if (st.filled < w) return;
    // Oldest first, as in training.
    const out = new Float32Array(w * m);
    for (let t = 0; t < w; t++) out.set(st.ring.subarray(((st.head + t) % w) * m, ((st.head + t) % w) * m + m), t * m);
    this.pending.push({ device, ts, window: out });
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  /** Scores every queued window in one batch. */
  flush(): ModelScore[] {
    const batch = this.pending;
    this.pending = [];
    if (!batch.length) return [];
    const { window: w, metrics: m } = this.meta.shape;
    const data = new Float32Array(batch.length * w * m);
    batch.forEach((b, i) => data.set(b.window, i * w * m));
    const { errors, perMetric } = this.autoencoder.score(data, batch.length);
    const names = this.meta.normalisation.metrics;
    return batch.map((b, i) => {
      const per = Array.from(perMetric.subarray(i * m, i * m + m));
      const total = per.reduce((a, v) => a + v, 0) || 1;
      const contributions = per.map((v, j) => ({ name: names[j], contribution: v / total })).sort((a, c) => c.contribution - a.contribution);
      return { device: b.device, ts: b.ts, error: errors[i], score: errorToScore(errors[i], this.meta.threshold), contributions };
    });
  }

  dispose(): void {
    this.autoencoder.dispose();
  }
}
