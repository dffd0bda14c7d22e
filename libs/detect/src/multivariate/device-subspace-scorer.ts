import { CATALOGUE, DeviceType, numericMetricNames } from '@gridproof/telemetry';
import type { DeviceRef } from '@gridproof/events';
import { cauchyP, cauchyTerm } from '../generic/p-values';
import { scoreFromP } from '../generic/stream-detector';
import { StreamingPca, StreamingPcaOptions } from './streaming-pca';

/** One device reading judged by its device's multivariate model. */
export interface DeviceSubspaceScore {
  /** ACAT of the T² and SPE p-values (the multivariate family of EntityScorer). */
  p: number;
  /** −log10 p mapped to [0, 1] as every GridProof score (0.7 ⇔ p ≈ 6.3e-5). */
  score: number;
  /** 'correlation' (SPE: the usual relations broken) or 'subspace' (T²: an unusual combination). */
  evidence: 'correlation' | 'subspace';
  /** The metric with the largest share of the SPE, or '' when T² fired. */
  topMetric: string;
  /**
   * The model has seen a day of this device (WARM_SPAN_MS): before that, it has not seen the
   * device's daily cycle (its first morning breaks every relation learned at night), so its
   * scores are written but raise no event.
   */
  warm: boolean;
}

/** Device time a model must span before its scores may raise events: one daily cycle. */
export const WARM_SPAN_MS = 86_400_000;

/**
 * Service memory per device matters (a fleet has many): a block is 1/24 of the 30-day window
 * (1¼ days; the model is refitted when one closes, and more often while the history is young),
 * so a device with d numeric metrics holds 25·d(d + 3)/2 numbers in its window: 8.8 kB at 8.
 */
export const SERVICE_PCA: Partial<StreamingPcaOptions> = { blocks: 24 };

const MODELLED = new Map<DeviceType, readonly string[]>();

/**
 * The numeric metrics a type's model holds: not the cumulative ones (an energy total only
 * grows, so against a month of its own history it is always out of range; its rate is the
 * power metric the model already has).
 */
export function modelledMetrics(type: DeviceType): readonly string[] {
  let names = MODELLED.get(type);
  if (!names) {
    const metrics = CATALOGUE[type].metrics;
    names = Object.freeze(numericMetricNames(type).filter((n) => !(metrics[n] as { cumulative?: boolean }).cumulative));
    MODELLED.set(type, names);
  }
  return names;
}

interface DeviceModel {
  type: string;
  pca: StreamingPca;
  names: readonly string[];
  /** The last value of each metric (a reading may leave some out); NaN until first seen. */
  row: Float64Array;
  missing: number;
  /** Device time of the first complete row. */
  firstTs: number;
}

/**
 * The multivariate model of the service: per device, a StreamingPca over its type's numeric
 * metrics (none with maxDevices 0: switched off), so a device whose metrics stop moving together is flagged even when each metric on
 * its own looks normal (docs/detection.md). The per-metric evidence stays the generic
 * detector's; this is the cross-metric view next to it. Bounded: beyond `maxDevices` the least
 * recently seen device's model is dropped (it starts over, warm-up included).
 */
export class DeviceSubspaceScorer {
  private readonly models = new Map<string, DeviceModel>();
  evictions = 0;

  constructor(
    private readonly maxDevices: number,
    private readonly options: Partial<StreamingPcaOptions> = SERVICE_PCA,
  ) {}

  get deviceCount(): number {
    return this.models.size;
  }

  /**
   * Scores one reading, then learns from it. Null for a type with fewer than two numeric
   * metrics, while some metric was never reported, and while the model warms up.
   */
  score(device: DeviceRef, ts: number, readings: Readonly<Record<string, unknown>>): DeviceSubspaceScore | null {
    if (this.maxDevices === 0) return null;
    const m = this.model(device);
    if (!m) return null;
    for (let i = 0; i < m.names.length; i++) {
      const v = readings[m.names[i]];
      if (typeof v !== 'number' || !Number.isFinite(v)) continue;
      if (m.row[i] !== m.row[i]) m.missing--;
      m.row[i] = v;
    }
    if (m.missing > 0) return null;
    if (m.firstTs !== m.firstTs) m.firstTs = ts;
    const ev = m.pca.step(ts, m.row);
    if (!ev.ready) return null;
    const p = cauchyP((cauchyTerm(ev.pT2) + cauchyTerm(ev.pSpe)) / 2);
    const correlation = ev.pSpe <= ev.pT2;
    return { p, score: scoreFromP(p), evidence: correlation ? 'correlation' : 'subspace', topMetric: correlation && ev.topColumn >= 0 ? m.names[ev.topColumn] : '', warm: ts - m.firstTs >= WARM_SPAN_MS };
  }

  private model(device: DeviceRef): DeviceModel | null {
    const known = this.models.get(device.id);
    // A device re-registered as another type has other metrics: it starts over.
    if (known && known.type === device.type) {
      // Map order is the recency order: move the device to the end.
      this.models.delete(device.id);
      this.models.set(device.id, known);
      return known;
    }
    const names = modelledMetrics(device.type);
    if (names.length < 2) return null;
    this.models.delete(device.id);
    if (this.models.size >= this.maxDevices) {
      const oldest = this.models.keys().next();
      if (!oldest.done) {
        this.models.delete(oldest.value);
        this.evictions++;
      }
    }
    const model: DeviceModel = { type: device.type, pca: new StreamingPca(names.length, this.options), names, row: new Float64Array(names.length).fill(NaN), missing: names.length, firstTs: NaN };
    this.models.set(device.id, model);
    return model;
  }
}
