/**
 * Turns a non-negative anomaly statistic into a tail probability P(S ≥ s), learned online from
 * the statistic's own history. Real streams are rarely Gaussian: a statistic that is often
 * large in one stream (heavy tails, autocorrelation) must not alarm there, while the same value
 * in a quiet stream should.
 *
 * Peaks over threshold (Pickands–Balkema–de Haan; the streaming form is SPOT, Siffer et al.,
 * KDD 2017): a threshold u tracks the (1 − q) quantile of the statistic and the excesses over u
 * follow a generalised Pareto distribution, so P(S ≥ s) ≈ rate · (1 + ξ(s − u)/σ)^(−1/ξ). Its
 * shape ξ and scale σ come from the method of moments on exponentially weighted first and second
 * moments of the excesses (Hosking & Wallis 1987): ξ = ½(1 − m²/v), σ = m(1 − ξ). ξ is kept in
 * [0, ½]: a heavy tail (ξ > 0) makes small p-values rarer, as they must be for a p of 1e-6 to
 * happen once in a million readings; a light tail is taken as exponential (ξ = 0), never as
 * bounded, so nothing beyond the largest value seen is called impossible. It extrapolates beyond
 * anything seen yet, needs no bins, and holds a few numbers. While history is short, a
 * parametric prior (what the statistic does under the ideal model) is mixed in with the weight
 * of `priorWeight` readings.
 */
const Q = 0.01;
const MAX_SHAPE = 0.5;
const EXCESS_CAP = 5;
/**
 * Readings a value waits before the calibration learns from it. An excursion (a stuck run, a
 * broken relation, an incident) is judged against a history that does not contain it yet for
 * this long; after that it is learned like everything else, which bounds how long one change
 * can keep a stream alarming on this statistic.
 */
export const LEARN_DELAY = 32;
const SHAPE_PRIOR = 50;

/**
 * Regime acceptance, in readings: evidence that stays in its extreme tail (p < 1e-3) this long
 * without a break is taken as the stream's new normal (Channel re-baselines its drift).
 */
export const ACCEPT_AFTER = 120;

export interface TailPrior {
  /** Tail probability under the ideal model. */
  p: (s: number) => number;
  /** The ideal model's (1 − Q) quantile and mean excess over it, to start from. */
  u0: number;
  beta0: number;
}

export class TailCalibrator {
  private u: number;
  /** Mean excess over u (EW), and the mean squared excess. */
  private beta: number;
  private m2: number;
  private shape = 0;
  private sigma: number;
  private rate = Q;
  private n = 0;
  private exceedances = 0;
  private readonly alphaRate: number;
  /** The last LEARN_DELAY values, learned only once they are that old. */
  private readonly pending = new Float32Array(LEARN_DELAY);
  private pendingCount = 0;
  private pendingNext = 0;

  /**
   * @param halfLife readings after which the history weighs half as much (adapts to drift)
   */
  constructor(
    private readonly prior: TailPrior,
    halfLife = 10_000,
    /** Smallest threshold step, in mean excesses: how fast u may follow a slowly growing statistic. */
    private readonly minStep = 0.01,
    private readonly priorWeight = 100,
    /**
     * Largest tail shape ξ the fit may take. Where theory says the tail is exponential (a CUSUM,
     * Siegmund; a run length, geometric) 0 keeps it so: a fitted heavy tail there made a 4σ
     * level shift and a stuck sensor plateau below any alarm level.
     */
    private readonly maxShape = MAX_SHAPE,
    /**
     * Smallest weight of one excess in the mean excess (1/200: a run of a few hundred extreme
     * values is learned). A statistic whose reference already adapts on its own (the
     * multivariate model's trailing window) takes a smaller one, so the calibration does not
     * absorb an incident faster than the reference does.
     */
    private readonly excessWeight = 1 / 200,
  ) {
    this.u = prior.u0;
    this.beta = prior.beta0;
    this.sigma = prior.beta0;
    // An exponential tail has variance = mean²: the prior shape is 0.
    this.m2 = 2 * prior.beta0 * prior.beta0;
    this.alphaRate = 1 - Math.pow(2, -1 / halfLife);
  }

  /** P(S ≥ s) given the history so far (call before observe(s): no look-ahead). */
  tail(s: number): number {
    if (!(s > 0)) return 1;
    const learned = Math.min(1, this.rate * this.gpdTail(s - this.u));
    const w = this.n / (this.n + this.priorWeight);
    const p = w * learned + (1 - w) * this.prior.p(s);
    return Math.min(1, Math.max(p, 1e-300));
  }

  private gpdTail(x: number): number {
    if (x <= 0) return Math.exp(-x / this.beta); // below u: only its order matters (p ≥ rate)
    const xi = this.shape;
    if (xi < 1e-6) return Math.exp(-x / this.sigma);
    return Math.pow(1 + (xi * x) / this.sigma, -1 / xi);
  }

  /**
   * Learns from s (LEARN_DELAY readings later), whatever its p-value. Unlike SPOT, which leaves out what it flags, the
   * calibration learns from its extreme values too: a tail fitted only to what looked normal is
   * too light, and its p-values too small (measured on the development corpus: leaving out
   * p < 1e-3 gave 3.6 false alarm episodes per entity-day at p ≤ 6.3e-5 instead of 0.1, see
   * docs/detection.md). As a conformal p-value, P(S ≥ s) is then how often this stream's own
   * history reached s. An outlier moves the mean excess little (its excess is capped at
   * EXCESS_CAP mean excesses, weight ≤ 1/200), and the threshold moves by small steps: a sustained
   * change is accepted upstream (Channel's re-levelling and drift acceptance), not here.
   */
  observe(s: number): void {
    if (!(s >= 0)) s = 0;
    if (!Number.isFinite(s)) s = this.u + 50 * this.beta;
    const slot = this.pendingNext;
    this.pendingNext = (slot + 1) % LEARN_DELAY;
    if (this.pendingCount < LEARN_DELAY) {
      this.pendingCount++;
      this.pending[slot] = s;
      return;
    }
    const old = this.pending[slot];
    this.pending[slot] = s;
    this.learn(old);
  }

  private learn(s: number): void {
    this.n++;
    const exceed = s > this.u;
    this.rate += Math.max(this.alphaRate, 1 / (this.n + this.priorWeight)) * ((exceed ? 1 : 0) - this.rate);
    if (exceed) {
      this.exceedances++;
      // One huge outlier must not make every later one look ordinary, nor a run of them (an
      // incident, a broken relation) within that run: its excess is capped at EXCESS_CAP mean
      // excesses, so it moves the mean excess by at most 2 % (for an exponential tail the cap
      // leaves out e^−5 = 0.7 % of the excesses: the fit stays nearly unbiased).
      const excess = Math.min(s - this.u, EXCESS_CAP * this.beta);
      // The prior counts as SHAPE_PRIOR excesses: a few large excesses early on must not make
      // the tail heavy at once (the shape is the most fragile of the three estimates).
      const a = Math.max(this.excessWeight, 1 / (this.exceedances + SHAPE_PRIOR));
      this.beta += a * (excess - this.beta);
      this.m2 += a * (excess * excess - this.m2);
      const v = Math.max(this.m2 - this.beta * this.beta, 1e-300);
      this.shape = this.exceedances < SHAPE_PRIOR ? 0 : Math.max(0, Math.min(this.maxShape, 0.5 * (1 - (this.beta * this.beta) / v)));
      this.sigma = this.beta * (1 - this.shape);
    }
    // Stochastic-approximation quantile tracking: stationary where P(S > u) = Q.
    // Small steps once settled, so a slowly growing statistic (a drift) cannot drag u along with it.
    const step = this.beta * Math.max(this.minStep, 10 / (this.n + 100));
    this.u = Math.max(0, this.u + step * ((exceed ? 1 : 0) - Q));
  }

  get count(): number {
    return this.n;
  }

  /** The fitted tail shape ξ (0: exponential). */
  get tailShape(): number {
    return this.shape;
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

/**
 * −ln Φ(−z) for z > 0, without underflow: the one-sided Gaussian tail as an exponential-scale
 * statistic (Exp(1) under the ideal model), from the same erfc approximation.
 */
export function gaussianUpperNegLog(z: number): number {
  if (!(z > 0)) return Math.LN2 - Math.log(2 - Math.min(2, gaussianTwoSided(z)));
  const x = z / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return x * x - Math.log(0.5 * poly);
}

/** A statistic that is Exp(1) under the ideal model (−ln of a parametric p-value): P(S ≥ s) = e^(−s). */
export const EXPONENTIAL_PRIOR: TailPrior = { p: (s) => Math.exp(-s), u0: Math.log(100), beta0: 1 };

/** Stationary tail of a one-sided CUSUM with reference k = 0.5 on unit-variance input (Siegmund): ≈ e^(−s). */
export const CUSUM_PRIOR: TailPrior = { p: (s) => Math.exp(-s), u0: 4.6, beta0: 1 };
