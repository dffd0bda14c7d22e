import { TailCalibrator, TailPrior } from './tail-calibrator';

/**
 * Stuck values: a sensor repeating exactly the same value for longer than this stream usually
 * does. The statistic is the length of the current run of identical values, and its p-value is
 * how often this stream's own readings sat in a run at least that long (TailCalibrator: peaks
 * over threshold, so a run longer than any seen is extrapolated, not called impossible). A
 * metric idling at 0 for hours every night learns that; a stream that rarely repeats finds a
 * run of a few identical readings rare. The prior, mixed in while the history is short, is the
 * stream's own repeat rate q (each reading equal to the previous one with probability q, as if
 * independent): a run of r has p = q^(r−1).
 */
export class StuckTracker {
  private prev = NaN;
  /** Length of the current run of identical values. */
  run = 0;
  /** The last step's tail probability. */
  p = 1;
  private repeatRate = 0.1;
  /** Geometric run lengths: an exponential tail (maxShape 0). */
  private readonly calibration: TailCalibrator;
  private readings = 0;
  private changes = 0;

  constructor() {
    const prior: TailPrior = { p: (r) => Math.pow(this.repeatRate, r - 1), u0: 0, beta0: 1 / Math.LN2 };
    this.calibration = new TailCalibrator(prior, 10_000, 0.01, 100, 0);
  }

  /**
   * Tail probability that a run of identical values gets as long as the current one. Returns
   * the tracker itself (p and run), valid until its next step: nothing is allocated per reading.
   */
  step(x: number): { readonly p: number; readonly run: number } {
    this.readings++;
    const repeated = x === this.prev;
    if (repeated) this.run++;
    else {
      if (this.readings > 1) this.changes++;
      this.run = 1;
      this.prev = x;
    }
    // Runs of 1 and 2 say nothing; a stream that has (almost) never changed is constant by nature, not stuck.
    const s = this.run >= 3 ? this.run : 0;
    this.p = this.changes >= 20 ? this.calibration.tail(s) : 1;
    this.calibration.observe(s);
    this.repeatRate += Math.max(1 / 4096, 1 / (this.readings + 20)) * ((repeated ? 1 : 0) - this.repeatRate);
    return this;
  }
}
