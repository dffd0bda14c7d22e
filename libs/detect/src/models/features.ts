import { CATALOGUE, DeviceType, numericMetrics } from '@gridproof/telemetry';

/**
 * Feature vectors for the per-type models: the type's numeric metrics in catalogue order
 * (numericMetrics(type)), cumulative counters as their increase since the previous reading
 * (their absolute value only grows and says nothing about health), normalised with the
 * training data's robust centre and scale and clipped, so one wild value cannot dominate.
 */
export interface Normalisation {
  metrics: string[];
  cumulative: boolean[];
  center: number[];
  scale: number[];
}

const CLIP = 10;

export function cumulativeFlags(type: DeviceType): boolean[] {
  return numericMetrics(type).map((m) => {
    const spec = CATALOGUE[type].metrics[m];
    return spec.kind === 'number' && spec.cumulative === true;
  });
}

/** Turns one device's raw readings into raw features (diffs for counters); keeps the previous reading. */
export class FeatureExtractor {
  private prev: number[] | null = null;

  constructor(private readonly metrics: string[], private readonly cumulative: boolean[]) {}

  /** null when a metric is missing and cannot be carried forward (first reading). */
  next(readings: Record<string, unknown>): number[] | null {
    const raw = this.metrics.map((m, i) => {
      const v = readings[m];
      return typeof v === 'number' && Number.isFinite(v) ? v : (this.prev?.[i] ?? NaN);
    });
    const prev = this.prev;
    this.prev = raw;
    if (raw.some((v) => Number.isNaN(v))) return null;
    if (!prev) return this.cumulative.some(Boolean) ? null : raw;
    return raw.map((v, i) => (this.cumulative[i] ? Math.max(0, v - prev[i]) : v));
  }
}

export function fitNormalisation(metrics: string[], cumulative: boolean[], rows: number[][]): Normalisation {
  const center: number[] = [];
  const scale: number[] = [];
  for (let j = 0; j < metrics.length; j++) {
    const col = rows.map((r) => r[j]).sort((a, b) => a - b);
    const q = (p: number) => col[Math.min(col.length - 1, Math.floor(p * (col.length - 1)))] ?? 0;
    const med = q(0.5);
    // IQR/1.349 is σ for Gaussian data; fall back to the 5–95 % range for mostly-constant metrics.
    let s = (q(0.75) - q(0.25)) / 1.349;
    if (!(s > 1e-9)) s = (q(0.95) - q(0.05)) / 3.29;
    if (!(s > 1e-9)) s = Math.max(1e-3, Math.abs(med) * 0.01);
    center.push(med);
    scale.push(s);
  }
  return { metrics, cumulative, center, scale };
}

export function normalise(n: Normalisation, raw: number[], out: Float32Array, offset: number): void {
  for (let j = 0; j < raw.length; j++) {
    const z = (raw[j] - n.center[j]) / n.scale[j];
    out[offset + j] = z > CLIP ? CLIP : z < -CLIP ? -CLIP : z;
  }
}
