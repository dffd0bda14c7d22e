/**
 * Small robust estimators for the maintenance models: medians, Theil–Sen trends and a
 * Huber-weighted least-squares fit. Degradation indicators are noisy and the occasional bad
 * reading (a sensor spike, a transient) must not move a remaining-useful-life estimate.
 */

export function median(values: readonly number[]): number {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** σ estimated from the median absolute deviation (1.4826 × MAD is σ for Gaussian data). */
export function madSigma(values: readonly number[], center = median(values)): number {
  return 1.4826 * median(values.map((v) => Math.abs(v - center)));
}

export function weightedMedian(values: readonly number[], weights: readonly number[]): number {
  const idx = values.map((_, i) => i).sort((a, b) => values[a] - values[b]);
  const total = weights.reduce((a, w) => a + w, 0);
  let acc = 0;
  for (const i of idx) {
    acc += weights[i];
    if (acc >= total / 2) return values[i];
  }
  return values[idx[idx.length - 1]] ?? NaN;
}

export interface Trend {
  /** Change per ms. */
  slope: number;
  /** Level at time `at`. */
  level: number;
  at: number;
  /** Share of point pairs whose slope has the sign of `slope` (1 = monotone). */
  agreement: number;
}

/**
 * Theil–Sen estimator (Sen 1968): slope = median of pairwise slopes, level = median of the
 * points moved to `at` along it. Breakdown point ≈ 29 %: a few bad bins cannot tilt the trend.
 */
export function theilSen(ts: readonly number[], vs: readonly number[], at: number): Trend | null {
  const n = ts.length;
  if (n < 2) return null;
  const slopes: number[] = [];
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (ts[j] !== ts[i]) slopes.push((vs[j] - vs[i]) / (ts[j] - ts[i]));
  if (!slopes.length) return null;
  const slope = median(slopes);
  const level = median(vs.map((v, i) => v + slope * (at - ts[i])));
  const same = slopes.filter((s) => Math.sign(s) === Math.sign(slope) && s !== 0).length;
  return { slope, level, at, agreement: same / slopes.length };
}

/** Solves A x = b (A small, symmetric positive definite in practice) by Gaussian elimination with pivoting. */
function solve(a: number[][], b: number[]): number[] | null {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    if (Math.abs(m[p][c]) < 1e-12) return null;
    [m[c], m[p]] = [m[p], m[c]];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r][c] / m[c][c];
      for (let k = c; k <= n; k++) m[r][k] -= f * m[c][k];
    }
  }
  return m.map((row, i) => row[n] / row[i]);
}

export interface LinearFit {
  coef: number[];
  /** Robust σ of the residuals. */
  sigma: number;
}

/**
 * Linear regression y ≈ X·coef with Huber weights by iteratively reweighted least squares
 * (Huber 1964, k = 1.345 σ: 95 % efficiency on Gaussian noise). A small ridge keeps a
 * driver that never moved (no sun yet, no session yet) from making the system singular.
 */
export function huberFit(x: readonly number[][], y: readonly number[], iterations = 8): LinearFit | null {
  const n = y.length;
  if (!n) return null;
  const p = x[0].length;
  let w = new Array<number>(n).fill(1);
  let coef: number[] | null = null;
  let sigma = 0;
  for (let it = 0; it < iterations; it++) {
    const a = Array.from({ length: p }, () => new Array<number>(p).fill(0));
    const b = new Array<number>(p).fill(0);
    for (let i = 0; i < n; i++) {
      const xi = x[i];
      for (let r = 0; r < p; r++) {
        b[r] += w[i] * xi[r] * y[i];
        for (let c = 0; c < p; c++) a[r][c] += w[i] * xi[r] * xi[c];
      }
    }
    for (let r = 0; r < p; r++) a[r][r] += 1e-6 * n;
    coef = solve(a, b);
    if (!coef) return null;
    const res = y.map((yi, i) => yi - dot(coef!, x[i]));
    sigma = madSigma(res, 0) || 1e-9;
    const k = 1.345 * sigma;
    w = res.map((r) => (Math.abs(r) <= k ? 1 : k / Math.abs(r)));
  }
  return coef ? { coef, sigma } : null;
}

export function dot(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
