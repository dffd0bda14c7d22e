import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { EXPONENTIAL_PRIOR, gaussianUpperNegLog, TailCalibrator } from '../generic/tail-calibrator';
import { wilsonHilferty } from './chi-square';
import { WindowMoments } from './window-moments';

/**
 * Streaming principal component analysis of one entity's metrics (a device's readings, a CSV
 * row), for what no per-metric detector can see: metrics that stop moving together.
 *
 * - The reference is a trailing window of device time (default 30 days: field devices have
 *   daily and weekly cycles, and a month holds four of the weekly ones; on the development corpus
 *   a month ranked anomalies better than a week, PR AUC 0.474 against 0.371 on SMD, 0.274
 *   against 0.255 on ASD, docs/detection.md). Every row enters it, incidents
 *   included (no gating), so a permanent change becomes the reference after one window: that is
 *   the documented acceptance horizon. The mean and covariance are kept per time block
 *   (WindowMoments: bounded memory at any row rate).
 * - Each time the window moves by one block (1/`blocks` of it, default 1 %), and while the
 *   history is young each time its row count doubles, the model is refitted: columns standardised by the window's mean and standard deviation,
 *   eigen-decomposition of their correlation matrix (ml-matrix), the leading components that
 *   explain `varianceKept` of the variance. Between refits the model is frozen, so the rows it
 *   scores are judged by one model and its calibration stays comparable.
 * - Why not an exponentially weighted covariance (the first version, ≈ 2,000 rows): on SMD it
 *   absorbed long incidents and ranked rows worse than chance (T² ROC AUC 0.344); a 7-day
 *   window ranked them at 0.878 in the lead's offline measurement (docs/detection.md).
 * - Per row (before learning from it: no look-ahead), the two classic statistics of
 *   multivariate statistical process control (Jackson & Mudholkar, Technometrics 1979):
 *   Hotelling's T² (unusual inside the subspace: a combination of normal-looking values that
 *   is far from the usual ones) and the squared prediction error SPE or Q (off the subspace:
 *   the usual relations between the metrics are broken). Each is turned into a normal score
 *   (T² ~ χ²_k; SPE ~ g·χ²_h after Box 1954, g = θ2/θ1, h = θ1²/θ2 from the discarded
 *   eigenvalues, both via Wilson–Hilferty), then to −ln of that parametric p (Exp(1) under the
 *   ideal model), and then into a p-value by its own empirical tail calibration
 *   (TailCalibrator: the parametric model is only a common scale, real data are not Gaussian).
 * A column's deviation is clipped at ±Z_CLIP standard deviations, so one wild or once-constant
 * metric (its own detector's business) cannot take the statistics to infinity.
 */
export interface SubspaceEvidence {
  /** False until the first fit: the p-values are 1 then. */
  ready: boolean;
  pT2: number;
  pSpe: number;
  /** The column with the largest share of the SPE (-1 before the first fit). */
  topColumn: number;
}

export interface StreamingPcaOptions {
  /** The reference: this much device time before the row (ms). */
  windowMs: number;
  /** Time blocks the window is kept in; the model is refitted each time one closes. */
  blocks: number;
  /** Rows before the first fit (at least 4 per column, so the covariance is not degenerate). */
  firstFit: number;
  varianceKept: number;
  /** Half-life, in rows, of the T² and SPE calibrations (TailCalibrator). */
  calibrationHalfLife: number;
}

const Z_CLIP = 8;
/** Eigenvalues of the correlation matrix are floored at 1 % of one column's variance (T² divides by them). */
const EIGEN_FLOOR = 1e-2;
export const PCA_WINDOW_MS = 30 * 86_400_000;
const DEFAULTS: StreamingPcaOptions = { windowMs: PCA_WINDOW_MS, blocks: 100, firstFit: 100, varianceKept: 0.95, calibrationHalfLife: 20_000 };
const CAL_STEP = 0.002;
const RANGE_FLOOR = 1e-2;
/** Rows with a calibrated p below this are not learned by the calibrations. */
const CAL_GATE = 1e-3;
const CAL_EXCESS_WEIGHT = 1 / 2_000;

export class StreamingPca implements SubspaceEvidence {
  ready = false;
  pT2 = 1;
  pSpe = 1;
  topColumn = -1;
  /** The last row's statistics on the −ln p scale of the parametric model (before calibration). */
  t2Stat = 0;
  speStat = 0;
  rows = 0;
  /** Components kept by the last fit. */
  components = 0;
  private readonly o: StreamingPcaOptions;
  private readonly moments: WindowMoments;
  private readonly last: Float64Array;
  /** Rows at which the next refit is due while the history is young (doubles after each). */
  private nextGrowthFit: number;
  /** Smallest change seen per column: its resolution, which floors its standard deviation. */
  private readonly resolution: Float64Array;
  /** Smallest and largest value seen per column, ever: 1 % of that range floors its standard deviation. */
  private readonly lo: Float64Array;
  private readonly hi: Float64Array;
  // The frozen model.
  private readonly mu: Float64Array;
  private readonly sd: Float64Array;
  private basis = new Float64Array(0);
  private lambda = new Float64Array(0);
  private speScale = 1;
  private speDof = 1;
  private readonly z: Float64Array;
  /** The row's coordinates in the subspace. */
  private readonly t: Float64Array;
  // The calibration says how far this entity's rows usually stray from the parametric model
  // (heavy tails, autocorrelation): a property of the entity, learned over many windows. It
  // must not absorb an incident before the window does (a permanent change is accepted by the
  // reference after one window): its quantile moves by at most 0.2 % of a mean excess per row,
  // and one excess weighs 1/2,000 in the mean excess.
  private readonly t2Cal: TailCalibrator;
  private readonly speCal: TailCalibrator;

  constructor(
    readonly columns: number,
    options: Partial<StreamingPcaOptions> = {},
  ) {
    this.o = { ...DEFAULTS, ...options };
    this.o.firstFit = Math.max(this.o.firstFit, 4 * columns);
    this.moments = new WindowMoments(columns, this.o.windowMs, this.o.blocks);
    this.nextGrowthFit = this.o.firstFit;
    this.last = new Float64Array(columns).fill(NaN);
    this.resolution = new Float64Array(columns).fill(Infinity);
    this.lo = new Float64Array(columns).fill(Infinity);
    this.hi = new Float64Array(columns).fill(-Infinity);
    this.mu = new Float64Array(columns);
    this.sd = new Float64Array(columns);
    this.z = new Float64Array(columns);
    this.t = new Float64Array(columns);
    this.t2Cal = new TailCalibrator(EXPONENTIAL_PRIOR, this.o.calibrationHalfLife, CAL_STEP, undefined, 0, CAL_EXCESS_WEIGHT);
    this.speCal = new TailCalibrator(EXPONENTIAL_PRIOR, this.o.calibrationHalfLife, CAL_STEP, undefined, 0, CAL_EXCESS_WEIGHT);
  }

  /**
   * Scores one row (all columns finite) at device time ts (ms), then learns from it. Returns
   * this object's own evidence fields, valid until the next step.
   */
  step(ts: number, x: ArrayLike<number>): SubspaceEvidence {
    const d = this.columns;
    if (this.ready) this.score(x);
    this.rows++;
    for (let i = 0; i < d; i++) {
      const step = Math.abs(x[i] - this.last[i]);
      if (step > 0 && step < this.resolution[i]) this.resolution[i] = step;
      this.last[i] = x[i];
      if (x[i] < this.lo[i]) this.lo[i] = x[i];
      if (x[i] > this.hi[i]) this.hi[i] = x[i];
    }
    const moved = this.moments.add(ts, x);
    // While the history is young the model is refitted each time it doubles, as well as when a
    // block closes: a block is 1 % of a month (7 h at any rate), and a first model from 100 rows
    // must not judge the next 7 h of a stream whose cycles it has not seen yet.
    if (this.rows >= this.nextGrowthFit || (moved && this.ready)) {
      this.refit();
      while (this.nextGrowthFit <= this.rows) this.nextGrowthFit *= 2;
    }
    return this;
  }

  private score(x: ArrayLike<number>): void {
    const d = this.columns;
    const z = this.z;
    let sumsq = 0;
    for (let i = 0; i < d; i++) {
      let v = (x[i] - this.mu[i]) / this.sd[i];
      if (v > Z_CLIP) v = Z_CLIP;
      else if (v < -Z_CLIP) v = -Z_CLIP;
      else if (!(v === v)) v = 0;
      z[i] = v;
      sumsq += v * v;
    }
    const k = this.components;
    let t2 = 0;
    let explained = 0;
    const b = this.basis;
    for (let j = 0; j < k; j++) {
      let t = 0;
      const row = j * d;
      for (let i = 0; i < d; i++) t += b[row + i] * z[i];
      this.t[j] = t;
      t2 += (t * t) / this.lambda[j];
      explained += t * t;
    }
    const spe = Math.max(0, sumsq - explained);
    // On the −ln p scale of the parametric model, where a χ² tail is close to exponential (a
    // normal score would compress it by a cube root and make the tail fit far too heavy).
    const sT2 = gaussianUpperNegLog(wilsonHilferty(t2, k));
    const sSpe = gaussianUpperNegLog(wilsonHilferty(spe / this.speScale, this.speDof));
    this.t2Stat = sT2;
    this.speStat = sSpe;
    this.pT2 = this.t2Cal.tail(sT2);
    this.pSpe = this.speCal.tail(sSpe);
    // The calibrations learn only what they do not flag: the reference window learns every row
    // (so a permanent change is accepted after one window), and a calibration that learned an
    // incident too would accept it within a few hundred rows, long before the window does.
    if (this.pT2 >= CAL_GATE) this.t2Cal.observe(sT2);
    if (this.pSpe >= CAL_GATE) this.speCal.observe(sSpe);
    // Which column the relations broke on: the largest residual off the subspace.
    let top = -1;
    let worst = -1;
    for (let i = 0; i < d && spe > 1e-12; i++) {
      let r = z[i];
      for (let j = 0; j < k; j++) r -= this.t[j] * b[j * d + i];
      if (Math.abs(r) > worst) {
        worst = Math.abs(r);
        top = i;
      }
    }
    this.topColumn = top;
  }

  private refit(): void {
    const d = this.columns;
    const w = this.moments;
    w.merge();
    const n = Math.max(w.n, 1);
    for (let i = 0; i < d; i++) {
      this.mu[i] = w.mean[i];
      // A column rounded to q has at least q/√12 of noise. A column that was flat all window
      // (common: a queue length, an error counter) is floored at 1 % of the range it has ever
      // taken, so its first small move is a few standard deviations, not thousands that would
      // swamp every other column's evidence; a constant one gets a tiny floor (any move is news).
      const res = Number.isFinite(this.resolution[i]) ? this.resolution[i] : 0;
      const floor = Math.max(res / Math.sqrt(12), RANGE_FLOOR * (this.hi[i] - this.lo[i]), 1e-9 * (1 + Math.abs(w.mean[i])));
      this.sd[i] = Math.max(Math.sqrt(Math.max(0, w.m2[w.index(i, i)] / n)), floor);
    }
    const corr = new Matrix(d, d);
    for (let i = 0; i < d; i++) {
      for (let j = i; j < d; j++) {
        const r = w.m2[w.index(i, j)] / n / (this.sd[i] * this.sd[j]);
        corr.set(i, j, r);
        corr.set(j, i, r);
      }
    }
    const eig = new EigenvalueDecomposition(corr, { assumeSymmetric: true });
    const values = eig.realEigenvalues;
    const vectors = eig.eigenvectorMatrix;
    const order = values.map((_, i) => i).sort((p, q) => values[q] - values[p]);
    const total = values.reduce((s, v) => s + Math.max(0, v), 0);
    let k = 0;
    let kept = 0;
    while (k < d - 1 && kept < this.o.varianceKept * total) kept += Math.max(0, values[order[k++]]);
    k = Math.max(1, Math.min(k, d - 1));
    this.components = k;
    this.basis = new Float64Array(k * d);
    this.lambda = new Float64Array(k);
    for (let j = 0; j < k; j++) {
      this.lambda[j] = Math.max(values[order[j]], EIGEN_FLOOR);
      for (let i = 0; i < d; i++) this.basis[j * d + i] = vectors.get(i, order[j]);
    }
    let th1 = 0;
    let th2 = 0;
    for (let j = k; j < d; j++) {
      const l = Math.max(values[order[j]], EIGEN_FLOOR);
      th1 += l;
      th2 += l * l;
    }
    this.speScale = th2 / th1;
    this.speDof = (th1 * th1) / th2;
    this.ready = true;
  }
}
