import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { numericMetrics } from '@gridproof/telemetry';
import { gaussian, mulberry32 } from '../generic/synthetic';
import { ModelStore, newVersion } from './model-store';
import { loadTf, TfRuntime } from './tf-runtime';
import { TypeModel } from './type-model';
import { publishUntrainedWeatherModel } from './testing/untrained-model';
import { WindowAutoencoder } from './window-autoencoder';

const SHAPE = { window: 4, metrics: 6, hidden: 16, latent: 3 };

/** Windows of 6 correlated metrics driven by 2 latent factors, normalised already. */
function windows(count: number, seed: number): Float32Array {
  const g = gaussian(mulberry32(seed));
  const width = SHAPE.window * SHAPE.metrics;
  const out = new Float32Array(count * width);
  for (let i = 0; i < count; i++) {
    const a = g();
    const b = g();
    for (let t = 0; t < SHAPE.window; t++) {
      const f = [a, b, a + b, a - b, 0.5 * a, -b];
      for (let j = 0; j < SHAPE.metrics; j++) out[i * width + t * SHAPE.metrics + j] = f[j] + 0.05 * g();
    }
  }
  return out;
}

function seededOrder(seed: number) {
  const r = mulberry32(seed);
  return (n: number) => {
    const o = new Uint32Array(n).map((_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [o[i], o[j]] = [o[j], o[i]];
    }
    return o;
  };
}

describe(WindowAutoencoder.name, () => {
  let rt: TfRuntime;
  let dir: string;
  beforeAll(async () => {
    rt = await loadTf();
    dir = await mkdtemp(join(tmpdir(), 'gp-models-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs on the wasm backend (setBackend returned true)', () => {
    expect(rt.backend).toBe('wasm');
    expect(rt.tf.getBackend()).toBe('wasm');
  });

  it('reconstructs normal windows better than a window with a broken metric, and names that metric', async () => {
    const ae = WindowAutoencoder.create(rt.tf, SHAPE, 1);
    await ae.train(windows(2000, 1), 2000, { epochs: 15, batchSize: 32, order: seededOrder(1) });
    const test = windows(50, 2);
    // Break metric 2 (should be a + b) in the last window.
    const width = SHAPE.window * SHAPE.metrics;
    for (let t = 0; t < SHAPE.window; t++) test[49 * width + t * SHAPE.metrics + 2] += 3;
    const { errors, perMetric } = ae.score(test, 50);
    const normal = Array.from(errors.subarray(0, 49)).sort((a, b) => a - b);
    expect(errors[49]).toBeGreaterThan(3 * normal[46]); // 95th percentile of normal windows
    const per = Array.from(perMetric.subarray(49 * SHAPE.metrics, 50 * SHAPE.metrics));
    expect(per.indexOf(Math.max(...per))).toBe(2);
    ae.dispose();
  });

  it('gives identical scores after saving and loading a model', async () => {
    const ae = WindowAutoencoder.create(rt.tf, SHAPE, 3);
    await ae.train(windows(500, 3), 500, { epochs: 3, order: seededOrder(3) });
    const test = windows(100, 4);
    const before = ae.score(test, 100);
    await ae.save(join(dir, 'roundtrip'));
    const loaded = await WindowAutoencoder.load(rt.tf, join(dir, 'roundtrip'), SHAPE);
    const after = loaded.score(test, 100);
    expect(Array.from(after.errors)).toEqual(Array.from(before.errors));
    expect(Array.from(after.perMetric)).toEqual(Array.from(before.perMetric));
    ae.dispose();
    loaded.dispose();
  });

  it('publishes versions to the model store and loads the newest as a TypeModel', async () => {
    const store = new ModelStore(join(dir, 'store'));
    const metrics = numericMetrics('weather');
    for (const v of [newVersion(new Date('2025-01-01')), newVersion(new Date('2025-02-01'))]) await publishUntrainedWeatherModel(rt, store, v);
    const newest = await store.newest('weather');
    expect(newest?.meta.version).toBe('20250201T000000Z');
    const model = await TypeModel.load(rt.tf, newest!.dir, newest!.meta);
    const readings = Object.fromEntries(metrics.map((m, j) => [m, j]));
    model.push('w1', 1, readings);
    expect(model.flush()).toHaveLength(0); // window not full yet
    model.push('w1', 2, readings);
    const scores = model.flush();
    expect(scores).toHaveLength(1);
    expect(scores[0].score).toBeGreaterThanOrEqual(0);
    expect(scores[0].contributions).toHaveLength(metrics.length);
    model.dispose();
  });
});
