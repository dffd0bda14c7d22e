import { mulberry32 } from '../generic/synthetic';
import { FeatureExtractor, fitNormalisation, Normalisation, normalise } from '../models/features';
import { TfRuntime } from '../models/tf-runtime';
import { AutoencoderShape, WindowAutoencoder } from '../models/window-autoencoder';
import { shuffled } from './shuffle';

/**
 * Fits a window autoencoder on normal readings, whatever they came from (a firmware-sim export,
 * InfluxDB, an analyst's CSV): features per entity, the training data's robust normalisation,
 * windows of `window` readings (thinned by a stride to at most maxWindows), and the alarm
 * threshold from the training windows' own reconstruction errors.
 */
export interface WindowFitOptions {
  seed: number;
  epochs: number;
  window: number;
  maxWindows: number;
  onEpoch?: (p: { epoch: number; epochs: number; loss: number }) => void;
}

export interface WindowFit {
  ae: WindowAutoencoder;
  shape: AutoencoderShape;
  normalisation: Normalisation;
  threshold: number;
  windows: number;
  /** Readings that gave a feature row. */
  readings: number;
  throughputWindowsPerS: number;
}

/** readings: per entity, its normal readings in time order (metric name → value). */
export async function fitWindowModel(rt: TfRuntime, name: string, metrics: string[], cumulative: boolean[], readings: Array<ReadonlyArray<Record<string, unknown>>>, o: WindowFitOptions): Promise<WindowFit> {
  const perEntity: number[][][] = readings.map((rs) => {
    const fx = new FeatureExtractor(metrics, cumulative);
    const rows: number[][] = [];
    for (const r of rs) {
      const f = fx.next(r);
      if (f) rows.push(f);
    }
    return rows;
  });
  const allRows = perEntity.flat();
  if (allRows.length < o.window * 10) throw new Error(`${name}: only ${allRows.length} normal readings with every metric to train on (at least ${o.window * 10} needed)`);
  const norm = fitNormalisation(metrics, cumulative, allRows);
  const w = o.window;
  const m = metrics.length;
  const possible = perEntity.reduce((a, rows) => a + Math.max(0, rows.length - w + 1), 0);
  const stride = Math.max(1, Math.ceil(possible / o.maxWindows));
  const windows: Float32Array[] = [];
  const scratch = new Float32Array(m);
  for (const rows of perEntity) {
    const normed = rows.map((r) => {
      normalise(norm, r, scratch, 0);
      return Float32Array.from(scratch);
    });
    for (let i = 0; i + w <= normed.length; i += stride) {
      const win = new Float32Array(w * m);
      for (let t = 0; t < w; t++) win.set(normed[i + t], t * m);
      windows.push(win);
    }
  }
  if (!windows.length) throw new Error(`${name}: no entity has ${w} consecutive readings to make a window of`);
  const data = new Float32Array(windows.length * w * m);
  windows.forEach((win, i) => data.set(win, i * w * m));
  const shape = { window: w, metrics: m, hidden: 64, latent: 8 };
  const ae = WindowAutoencoder.create(rt.tf, shape, o.seed);
  const rand = mulberry32(o.seed + 1);
  const order = (n: number) => Uint32Array.from(shuffled(Array.from({ length: n }, (_, i) => i), Math.floor(rand() * 2 ** 31)));
  await ae.train(data, windows.length, { epochs: o.epochs, order, onEpoch: o.onEpoch });

  const t0 = performance.now();
  const { errors } = ae.score(data, windows.length);
  const throughput = windows.length / ((performance.now() - t0) / 1000);
  const sorted = Array.from(errors).sort((a, b) => a - b);
  // Training windows are normal by construction: alarm only well beyond their tail.
  const threshold = 2 * sorted[Math.min(sorted.length - 1, Math.floor(0.999 * sorted.length))];
  return { ae, shape, normalisation: norm, threshold, windows: windows.length, readings: allRows.length, throughputWindowsPerS: throughput };
}
