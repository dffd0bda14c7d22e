import { DeviceType, numericMetrics } from '@gridproof/telemetry';
import { GenericDetector } from '../generic/generic-detector';
import { scoreFromP } from '../generic/stream-detector';
import { cumulativeFlags } from '../models/features';
import { ModelMeta, ModelStore, newVersion } from '../models/model-store';
import { TfRuntime } from '../models/tf-runtime';
import { TypeModel } from '../models/type-model';
import { DeviceAlarms, evaluate, EvaluationReport } from './evaluation';
import type { DeviceSeries, FaultLabel } from './sim-export';
import { shuffled } from './shuffle';
import { fitWindowModel } from './window-fit';

export { shuffled } from './shuffle';

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

export async function trainType(rt: TfRuntime, store: ModelStore, type: DeviceType, series: DeviceSeries[], labels: FaultLabel[], o: TrainOptions): Promise<TypeTrainResult> {
  const metrics = numericMetrics(type);
  const cumulative = cumulativeFlags(type);
  const devices = shuffled(series, o.seed);
  const nTrain = o.evaluateOn || devices.length < 2 ? devices.length : Math.max(1, Math.round(devices.length * 0.6));
  const train = devices.slice(0, nTrain);
  const heldOut = o.evaluateOn ? o.evaluateOn.series : devices.slice(nTrain);
  const firstFault = new Map<string, number>();
  for (const l of labels) firstFault.set(l.device, Math.min(firstFault.get(l.device) ?? Infinity, l.start));

  // Normal readings per training device: those before its first labelled fault.
  const normal = train.map((d) => {
    const cut = firstFault.get(d.device) ?? Infinity;
    let n = 0;
    while (n < d.ts.length && d.ts[n] < cut) n++;
    return d.readings.slice(0, n);
  });
  const fit = await fitWindowModel(rt, type, metrics, cumulative, normal, {
    seed: o.seed,
    epochs: o.epochs,
    window: o.window,
    maxWindows: o.maxWindows,
    onEpoch: (p) => o.onProgress?.({ type, phase: 'train', done: p.epoch, total: p.epochs, loss: p.loss }),
  });
  const { ae, shape, normalisation: norm, threshold } = fit;
  const throughput = fit.throughputWindowsPerS;

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
    dataRange: { from: new Date(tsFrom).toISOString(), to: new Date(tsTo).toISOString(), source: o.source, windows: fit.windows, devices: train.length },
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
  return { type, version: meta.version, dir, trainDevices: train.length, heldOutDevices: heldOut.length, windows: fit.windows, evaluation, throughputWindowsPerS: throughput };
}
