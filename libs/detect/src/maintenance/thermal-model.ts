import { DegradationTracker, TrackerOptions } from './degradation-tracker';
import { dot, huberFit, LinearFit } from './robust-stats';

/**
 * Physics-informed residual model of a part that heats with load: temperature ≈ baseline
 * terms (ambient, sun) + load terms (conversion losses for an inverter,
 * contact heating ∝ I² for a connector). A failing fan or a worn contact multiplies the
 * load terms, so the indicator is the thermal *gain*: 1 + residual / predicted load rise
 * (1 = as in the baseline, 2 = twice the heating for the same load). Load drivers must be
 * non-negative and their fitted coefficients positive.
 *
 * Learned online per device from its own first days (Huber regression). The temperature lags
 * the load by the part's thermal time constant, so the drivers are passed through a
 * first-order lag whose time constant is picked from a small grid by the baseline fit.
 * The failure level is the gain at which the worst recent conditions (highest load, hottest
 * ambient of the trend window) would take the part to its trip temperature.
 */
export interface ThermalSpec {
  /** The temperature that trips the device. */
  target: string;
  /** Baseline drivers (not scaled by the degradation); a constant term is always added. */
  base: Array<(r: Record<string, unknown>) => number | null>;
  /** Load drivers (scaled by the degradation). */
  load: Array<(r: Record<string, unknown>) => number | null>;
  tripC: number;
  /** Device time of data used to learn the baseline fit. */
  baselineMs: number;
  /** Readings with load (load drivers not all 0) needed in the baseline. */
  minLoadedReadings: number;
  tracker: TrackerOptions;
}

const TAUS_S = [0, 300, 600, 1200];
/**
 * The baseline buffer is bounded per device: readings closer than this are not kept (a
 * 1-minute stream is learned from every ~5th reading), and beyond BASELINE_CAP rows the oldest
 * go (a device that rarely works keeps a sliding window until it has worked enough).
 * Packed as numbers: ≈50 kB per device while it learns, nothing after.
 */
const BASELINE_SPACING_MS = 270_000;
const BASELINE_CAP = 1000;

interface Row {
  t: number;
  y: number;
  x: number[];
}

/** A ring of rows [t, y, x...] in one Float64Array. */
class RowRing {
  private readonly buf: Float64Array;
  private head = 0;
  size = 0;
  lastT = -Infinity;

  constructor(private readonly width: number) {
    this.buf = new Float64Array(BASELINE_CAP * (width + 2));
  }

  push(t: number, y: number, x: number[]): void {
    const w = this.width + 2;
    const at = ((this.head + this.size) % BASELINE_CAP) * w;
    this.buf[at] = t;
    this.buf[at + 1] = y;
    this.buf.set(x, at + 2);
    if (this.size < BASELINE_CAP) this.size++;
    else this.head = (this.head + 1) % BASELINE_CAP;
    this.lastT = t;
  }

  rows(): Row[] {
    const w = this.width + 2;
    const out: Row[] = [];
    for (let i = 0; i < this.size; i++) {
      const at = ((this.head + i) % BASELINE_CAP) * w;
      out.push({ t: this.buf[at], y: this.buf[at + 1], x: Array.from(this.buf.subarray(at + 2, at + w)) });
    }
    return out;
  }
}

export class ThermalGainModel {
  private ring: RowRing | null;
  private firstTs: number | null = null;
  private nextLearnAt = -Infinity;
  private fit: LinearFit | null = null;
  private tauS = 0;
  private filtered: number[] | null = null;
  private lastT: number | null = null;
  private minLoad = 0;
  readonly tracker: DegradationTracker;

  constructor(private readonly spec: ThermalSpec) {
    this.tracker = new DegradationTracker(spec.tracker, null);
    this.ring = new RowRing(1 + spec.base.length + spec.load.length);
  }

  get ready(): boolean {
    return this.fit !== null;
  }

  /** Returns true when the prediction state was re-evaluated. */
  update(t: number, readings: Record<string, unknown>): boolean {
    const yv = readings[this.spec.target];
    const x = this.drivers(readings);
    if (typeof yv !== 'number' || !Number.isFinite(yv) || !x) return this.tracker.tick(t);
    if (!this.fit) {
      this.firstTs ??= t;
      if (this.ring && t - this.ring.lastT >= BASELINE_SPACING_MS) this.ring.push(t, yv, x);
      // Not enough load yet, or no physical fit: try again an hour later, not on every reading.
      if (t - this.firstTs >= this.spec.baselineMs && t >= this.nextLearnAt) {
        this.nextLearnAt = t + 3_600_000;
        this.learn();
      }
      return false;
    }
    const xf = this.lag(t, x);
    const nb = this.spec.base.length + 1;
    const coef = this.fit.coef;
    const yhat = dot(coef, xf);
    let load = 0;
    for (let k = nb; k < coef.length; k++) load += coef[k] * xf[k];
    if (!(load > this.minLoad)) return this.tracker.tick(t);
    const gain = 1 + (yv - yhat) / load;
    const tripGain = (this.spec.tripC - (yhat - load)) / load;
    return this.tracker.add(t, gain, load * load, tripGain);
  }

  private drivers(r: Record<string, unknown>): number[] | null {
    const out = [1];
    for (const f of [...this.spec.base, ...this.spec.load]) {
      const v = f(r);
      if (v === null || !Number.isFinite(v)) return null;
      out.push(v);
    }
    return out;
  }

  private lag(t: number, x: number[]): number[] {
    if (!this.filtered || this.lastT === null || this.tauS === 0) {
      this.filtered = [...x];
    } else {
      const a = 1 - Math.exp(-Math.max(0, t - this.lastT) / 1000 / this.tauS);
      for (let k = 0; k < x.length; k++) this.filtered[k] += a * (x[k] - this.filtered[k]);
    }
    this.lastT = t;
    return this.filtered;
  }

  private learn(): void {
    const nb = this.spec.base.length + 1;
    const rows = this.ring!.rows();
    const loaded = rows.filter((r) => r.x.slice(nb).some((v) => v !== 0)).length;
    if (loaded < this.spec.minLoadedReadings) return; // keep collecting until the device has worked enough
    let best: { fit: LinearFit; tau: number } | null = null;
    for (const tau of TAUS_S) {
      this.tauS = tau;
      this.filtered = null;
      this.lastT = null;
      const xs = rows.map((r) => [...this.lag(r.t, r.x)]);
      const fit = huberFit(xs, rows.map((r) => r.y));
      if (fit && (!best || fit.sigma < best.fit.sigma)) best = { fit, tau };
    }
    // Heating that falls with load is not physics: the baseline did not see enough load yet.
    if (!best || best.fit.coef.slice(nb).some((c) => !(c > 0))) return;
    this.fit = best.fit;
    this.tauS = best.tau;
    // Replay the baseline through the chosen lag: the filter state and the baseline gains.
    this.filtered = null;
    this.lastT = null;
    const loads: number[] = [];
    const coef = best.fit.coef;
    const xs = rows.map((r) => [...this.lag(r.t, r.x)]);
    for (const xf of xs) {
      let load = 0;
      for (let k = nb; k < coef.length; k++) load += coef[k] * xf[k];
      loads.push(load);
    }
    const sorted = loads.filter((l) => l > 0).sort((a, b) => a - b);
    // Gains are only meaningful where the load heats the part noticeably.
    this.minLoad = Math.max(4 * best.fit.sigma, 0.25 * (sorted[Math.floor(0.95 * (sorted.length - 1))] ?? 0));
    this.ring = null;
  }

  /** For reports: the learned fit. */
  describe(): { tauS: number; coef: number[]; sigma: number; minLoad: number } | null {
    return this.fit ? { tauS: this.tauS, coef: [...this.fit.coef], sigma: this.fit.sigma, minLoad: this.minLoad } : null;
  }
}
