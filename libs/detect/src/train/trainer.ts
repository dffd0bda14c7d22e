import { DeviceType, numericMetrics } from '@gridproof/telemetry';
import { GenericDetector } from '../generic/generic-detector';
import { scoreFromP } from '../generic/stream-detector';
import { mulberry32 } from '../generic/synthetic';
import { cumulativeFlags, FeatureExtractor, fitNormalisation, normalise } from '../models/features';
import { ModelMeta, ModelStore, newVersion } from '../models/model-store';
import { TfRuntime } from '../models/tf-runtime';
import { TypeModel } from '../models/type-model';
import { WindowAutoencoder } from '../models/window-autoencoder';
import { DeviceAlarms, evaluate, EvaluationReport } from './evaluation';
import type { DeviceSeries, FaultLabel } from './sim-export';

/**
 * Trains one type's window autoencoder on the fleet's normal data and evaluates it on devices it
 * did not train on. Devices are split by a seeded shuffle (60 % train, 40 % held out); training
 * uses only readings before a device's first labelled fault.
 */
export interface TrainOptions {
  seed: number;
  epochs: number;
  window: number;
  maxWindows: number;
  genericThreshold: number;
  /** Generic-detector alarms in a device's first days are not counted: it is still learning its seasons. */
  genericWarmupMs: number;
  source: string;
  /** Evaluate on these (e.g. a fleet simulated with another seed) instead of held-out devices. */
  evaluateOn?: { series: DeviceSeries[]; labels: FaultLabel[] };
  onProgress?: (p: { type: DeviceType; phase: 'train' | 'evaluate'; done: number; total: number; loss?: number }) => void;
}

export interface TypeTrainResult {
  type: DeviceType;
  version: string;
  dir: string;
  trainDevices: number;
  heldOutDevices: number;
  windows: number;
  evaluation: { model: EvaluationReport; generic: EvaluationReport; combined: EvaluationReport } | null;
  throughputWindowsPerS: number;
}

export function shuffled<T>(items: T[], seed: number): T[] {
  const r = mulberry32(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

export async function trainType(rt: TfRuntime, store: ModelStore, type: DeviceType, series: DeviceSeries[], labels: FaultLabel[], o: TrainOptions): Promise<TypeTrainResult> {
  const metrics = numericMetrics(type);
  const cumulative = cumulativeFlags(type);
  const devices = shuffled(series, o.seed);
  const nTrain = o.evaluateOn || devices.length < 2 ? devices.length : Math.max(1, Math.round(devices.length * 0.6));
  const train = devices.slice(0, nTrain);
  const heldOut = o.evaluateOn ? o.evaluateOn.series : devices.slice(nTrain);
  const firstFault = new Map<string, number>();
  for (const l of labels) firstFault.set(l.device, Math.min(firstFault.get(l.device) ?? Infinity, l.start));

  // Normal feature rows per training device.
  const perDevice: number[][][] = train.map((d) => {
    const fx = new FeatureExtractor(metrics, cumulative);
    const rows: number[][] = [];
    const cut = firstFault.get(d.device) ?? Infinity;
    for (let i = 0; i < d.ts.length && d.ts[i] < cut; i++) {
      const f = fx.next(d.readings[i]);
      if (f) rows.push(f);
    }
    return rows;
  });
  const allRows = perDevice.flat();
  if (allRows.length < o.window * 10) throw new Error(`${type}: only ${allRows.length} normal readings to train on`);
  const norm = fitNormalisation(metrics, cumulative, allRows);
  const w = o.window;
  const m = metrics.length;
  const possible = perDevice.reduce((a, rows) => a + Math.max(0, rows.length - w + 1), 0);
  const stride = Math.max(1, Math.ceil(possible / o.maxWindows));
  const windows: Float32Array[] = [];
  const scratch = new Float32Array(m);
  for (const rows of perDevice) {
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
  const data = new Float32Array(windows.length * w * m);
  windows.forEach((win, i) => data.set(win, i * w * m));
  const shape = { window: w, metrics: m, hidden: 64, latent: 8 };
  const ae = WindowAutoencoder.create(rt.tf, shape, o.seed);
  const rand = mulberry32(o.seed + 1);
  const order = (n: number) => Uint32Array.from(shuffled(Array.from({ length: n }, (_, i) => i), Math.floor(rand() * 2 ** 31)));
  await ae.train(data, windows.length, { epochs: o.epochs, order, onEpoch: (p) => o.onProgress?.({ type, phase: 'train', done: p.epoch, total: p.epochs, loss: p.loss }) });

  const t0 = performance.now();
  const { errors } = ae.score(data, windows.length);
  const throughput = windows.length / ((performance.now() - t0) / 1000);
  const sorted = Array.from(errors).sort((a, b) => a - b);
  // Training windows are normal by construction: alarm only well beyond their tail.
  const threshold = 2 * sorted[Math.min(sorted.length - 1, Math.floor(0.999 * sorted.length))];

  let tsFrom = Infinity;
  let tsTo = -Infinity;
  for (const d of train) for (const t of d.ts) {
    if (t < tsFrom) tsFrom = t;
    if (t > tsTo) tsTo = t;
  }
  const meta: ModelMeta = {
    type,
    version: newVersion(),
    createdAt: new Date().toISOString(),
    backend: rt.backend,
    seed: o.seed,
    shape,
    normalisation: norm,
    threshold,
    dataRange: { from: new Date(tsFrom).toISOString(), to: new Date(tsTo).toISOString(), source: o.source, windows: windows.length, devices: train.length },
  };

  let evaluation: TypeTrainResult['evaluation'] = null;
  if (heldOut.length) {
    const model = new TypeModel(meta, ae);
    const generic = new GenericDetector();
    const modelAlarms: DeviceAlarms[] = [];
    const genericAlarms: DeviceAlarms[] = [];
    const combined: DeviceAlarms[] = [];
    heldOut.forEach((d, k) => {
      const g: number[] = [];
      for (let i = 0; i < d.ts.length; i++) {
        let pMin = 1;
        let n = 0;
        for (const name of metrics) {
          const v = d.readings[i][name];
          if (typeof v !== 'number') continue;
          const s = generic.update(`${d.device}\u0000${name}`, d.ts[i], v);
          n++;
          if (s.p < pMin) pMin = s.p;
        }
        if (n && d.ts[i] - d.ts[0] >= o.genericWarmupMs && scoreFromP(Math.min(1, pMin * n)) >= o.genericThreshold) g.push(d.ts[i]);
        model.push(d.device, d.ts[i], d.readings[i]);
      }
      const mAl = model.flush().filter((s) => s.score >= 0.7).map((s) => s.ts);
      const end = d.ts[d.ts.length - 1];
      modelAlarms.push({ device: d.device, alarms: mAl, end });
      genericAlarms.push({ device: d.device, alarms: g, end });
      combined.push({ device: d.device, alarms: [...new Set([...mAl, ...g])].sort((a, b) => a - b), end });
      o.onProgress?.({ type, phase: 'evaluate', done: k + 1, total: heldOut.length });
    });
    const typeLabels = (o.evaluateOn ? o.evaluateOn.labels : labels).filter((l) => l.type === type);
    evaluation = { model: evaluate(modelAlarms, typeLabels), generic: evaluate(genericAlarms, typeLabels), combined: evaluate(combined, typeLabels) };
    meta.evaluation = { heldOutDevices: heldOut.length, ...evaluation, throughputWindowsPerS: throughput };
  }
  const dir = await store.publish(meta, (d) => ae.save(d));
  ae.dispose();
  return { type, version: meta.version, dir, trainDevices: train.length, heldOutDevices: heldOut.length, windows: windows.length, evaluation, throughputWindowsPerS: throughput };
}
