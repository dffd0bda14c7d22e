/**
 * Turns a non-negative anomaly statistic into a tail probability P(S ≥ s), learned online from
 * the statistic's own history. Real streams are rarely Gaussian: a statistic that is often
 * large in one stream (heavy tails, autocorrelation) must not alarm there, while the same value
 * in a quiet stream should.
 *
 * Peaks over threshold (Pickands–Balkema–de Haan; the streaming form is SPOT, Siffer et al.,
 * KDD 2017): a threshold u tracks the (1 − q) quantile of the statistic, the excesses over u are
 * modelled as exponential (generalised Pareto with shape 0) with an online mean excess β, so
 * P(S ≥ s) ≈ rate · exp(−(s − u)/β). It extrapolates beyond anything seen yet, needs no bins, and
 * holds five numbers. While history is short, a parametric prior (what the statistic does under
 * the ideal model) is mixed in with the weight of `priorWeight` readings.
 */
const Q = 0.01;

export interface TailPrior {
  /** Tail probability under the ideal model. */
  p: (s: number) => number;
  /** The ideal model's (1 − Q) quantile and mean excess over it, to start from. */
  u0: number;
  beta0: number;
}

export class TailCalibrator {
  private u: number;
  private beta: number;
  private rate = Q;
  private n = 0;
  private exceedances = 0;
  private readonly alphaRate: number;

  /**
   * @param halfLife readings after which the history weighs half as much (adapts to drift)
   */
  constructor(
    private readonly prior: TailPrior,
    halfLife = 10_000,
    /** Smallest threshold step, in mean excesses: how fast u may follow a slowly growing statistic. */
    private readonly minStep = 0.01,
    private readonly priorWeight = 100,
  ) {
    this.u = prior.u0;
    this.beta = prior.beta0;
    this.alphaRate = 1 - Math.pow(2, -1 / halfLife);
  }

  /** P(S ≥ s) given the history so far (call before observe(s): no look-ahead). */
  tail(s: number): number {
    if (!(s > 0)) return 1;
    const learned = Math.min(1, this.rate * Math.exp(-(s - this.u) / this.beta));
    const w = this.n / (this.n + this.priorWeight);
    const p = w * learned + (1 - w) * this.prior.p(s);
    return Math.min(1, Math.max(p, 1e-300));
  }

  /**
   * Learns from s. As in SPOT, values the model itself finds anomalous (p < 1e-3) do not move
   * the threshold or the mean excess: otherwise a persisting anomaly (a drift) teaches the
   * calibration that it is normal within a few hundred readings. The statistics' own scales
   * still adapt, so a genuinely new regime is absorbed upstream.
   */
  observe(s: number): void {
    if (!(s >= 0)) s = 0;
    if (!Number.isFinite(s)) s = this.u + 50 * this.beta;
    if (this.n > this.priorWeight && this.tail(s) < 1e-3) return;
    this.n++;
    const exceed = s > this.u;
    this.rate += Math.max(this.alphaRate, 1 / (this.n + this.priorWeight)) * ((exceed ? 1 : 0) - this.rate);
    if (exceed) {
      this.exceedances++;
      // One huge outlier must not make every later one look ordinary: cap its excess.
      const excess = Math.min(s - this.u, 20 * this.beta);
      this.beta += Math.max(1 / 200, 1 / (this.exceedances + 10)) * (excess - this.beta);
    }
    // Stochastic-approximation quantile tracking: stationary where P(S > u) = Q.
    // Small steps once settled, so a slowly growing statistic (a drift) cannot drag u along with it.
    const step = this.beta * Math.max(this.minStep, 10 / (this.n + 100));
    this.u = Math.max(0, this.u + step * ((exceed ? 1 : 0) - Q));
  }

  get count(): number {
    return this.n;
  }
}

/** Two-sided Gaussian tail 2·Φ(−z) (Abramowitz–Stegun 7.1.26 erfc, |error| < 1.5e-7). */
export function gaussianTwoSided(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return poly * Math.exp(-x * x);
}

/** |z| of a unit Gaussian: 1 % quantile 2.576, mean excess over it ≈ 0.36. */
export const GAUSSIAN_PRIOR: TailPrior = { p: gaussianTwoSided, u0: 2.576, beta0: 0.36 };

/** Stationary tail of a one-sided CUSUM with reference k = 0.5 on unit-variance input (Siegmund): ≈ e^(−s). */
export const CUSUM_PRIOR: TailPrior = { p: (s) => Math.exp(-s), u0: 4.6, beta0: 1 };
