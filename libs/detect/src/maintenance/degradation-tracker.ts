import { madSigma, median, theilSen, Trend, weightedMedian } from './robust-stats';

/**
 * Turns a per-reading health indicator (thermal gain, cell spread, state of health) into a
 * failure prediction: indicator values are summarised per bin (weighted median), the first
 * bins after the model is ready form the device's own baseline, and a Theil–Sen trend over a
 * sliding window of recent bins is extrapolated to the failure level. The device is at risk
 * when the indicator has left its baseline significantly, moves towards failure, and the
 * extrapolation crosses the failure level within the horizon.
 *
 * A reading's weight is its precision: proportional to the inverse variance of its indicator
 * value. A thermal gain is a temperature residual divided by the load's heating, so a reading
 * under a light load carries the same residual (a gust of wind, a shower, an ambient sensor
 * sampled every few minutes) as a large swing of the gain: its weight is load². Each bin
 * remembers the mean precision of its readings, and "significant" is judged per bin against
 * that bin's own noise: a bin less precise than the typical baseline bin has the baseline σ
 * widened by the ratio, σ_bin = σ × max(1, noise / typical noise), noise = 1/√(mean weight).
 * It is never narrowed: part of a model's error grows with the load (a loss estimate that is
 * a few % off), so a heavy-load bin is not cleaner than the baseline in gain units. An hour of
 * light-load charging that reads 0.3 above the baseline is within its noise; an hour at the
 * baseline's usual current that does is not. With equal weights (cell spread, state of health)
 * every bin has the plain baseline σ. The noise-aware test only raises a risk: a risk already
 * raised is held while the plain test holds (hysteresis), so light-load hours do not release it.
 */
export interface TrackerOptions {
  /** +1: failure when the indicator rises to the failure level; −1: when it falls to it. */
  direction: 1 | -1;
  binMs: number;
  /** Bins that make up the baseline (the device's normal behaviour). */
  baselineBins: number;
  /** Width of the trend window. */
  trendWindowMs: number;
  /** Fewest bins in the window to estimate a trend. */
  minTrendBins: number;
  /** Departure from the baseline, in baseline σ, needed before any risk is raised. */
  zMin: number;
  /** … and in indicator units, whatever σ says (σ of a very clean indicator can be ~0). */
  minDelta: number;
  /** Fewest readings in a bin for it to count. */
  minBinReadings: number;
  horizonMs: number;
}

export interface DegradationState {
  /** Indicator level now (trend-corrected), or null before enough data. */
  level: number | null;
  baseline: number | null;
  /** σ of the baseline bins (robust, from the MAD), in the indicator's unit. */
  baselineSigma: number | null;
  failLevel: number | null;
  /** Change per day in the indicator's unit (signed). */
  slopePerDay: number | null;
  /** Estimated ms until the failure level is reached; 0 when already past it; null when not degrading. */
  timeToFailureMs: number | null;
  significant: boolean;
  atRisk: boolean;
}

/** Bins whose median is the indicator's current level. */
const RECENT_BINS = 4;

interface Bin {
  start: number;
  values: number[];
  weights: number[];
  weightSum: number;
  /** The failure level implied by this bin's conditions (thermal models), or NaN. */
  failLevel: number;
}

export class DegradationTracker {
  private bin: Bin | null = null;
  private readonly baselineValues: Array<{ v: number; noise: number }> = [];
  private baseline: number | null = null;
  /** σ of the baseline bins' values; a bin noisier than the typical baseline bin widens it. */
  private sigma: number | null = null;
  private typicalNoise = 1;
  /** When the state was last evaluated (to age a held remaining-life estimate). */
  private evaluatedAt = 0;
  private readonly recent: Array<{ t: number; v: number; fail: number; noise: number }> = [];
  state: DegradationState = { level: null, baseline: null, baselineSigma: null, failLevel: null, slopePerDay: null, timeToFailureMs: null, significant: false, atRisk: false };

  constructor(
    private readonly o: TrackerOptions,
    private readonly fixedFailLevel: number | null,
  ) {}

  /** Adds one reading's indicator; returns true when a bin closed (the state was re-evaluated). */
  add(t: number, value: number, weight = 1, failLevel = NaN): boolean {
    let closed = false;
    if (this.bin && t >= this.bin.start + this.o.binMs) {
      this.close(this.bin, t);
      this.bin = null;
      closed = true;
    }
    if (!Number.isFinite(value) || !(weight > 0)) return closed;
    this.bin ??= { start: t - (t % this.o.binMs), values: [], weights: [], weightSum: 0, failLevel: NaN };
    this.bin.values.push(value);
    this.bin.weights.push(weight);
    this.bin.weightSum += weight;
    if (Number.isFinite(failLevel)) this.bin.failLevel = Number.isFinite(this.bin.failLevel) ? (this.o.direction > 0 ? Math.min(this.bin.failLevel, failLevel) : Math.max(this.bin.failLevel, failLevel)) : failLevel;
    return closed;
  }

  /** Re-evaluates with the time moving on (no new indicator value), e.g. on a reading without load. */
  tick(t: number): boolean {
    if (this.bin && t >= this.bin.start + this.o.binMs) {
      this.close(this.bin, t);
      this.bin = null;
      return true;
    }
    return false;
  }

  private close(bin: Bin, now: number): void {
    if (bin.values.length < this.o.minBinReadings) return;
    const v = weightedMedian(bin.values, bin.weights);
    const t = bin.start + this.o.binMs / 2;
    // The bin's relative noise: 1/√(mean precision). Readings of one bin share their weather, so
    // they are counted as one observation, not as n independent ones.
    const noise = 1 / Math.sqrt(bin.weightSum / bin.values.length);
    if (this.baseline === null) {
      this.baselineValues.push({ v, noise });
      if (this.baselineValues.length >= this.o.baselineBins) {
        const base = median(this.baselineValues.map((b) => b.v));
        this.baseline = base;
        this.sigma = madSigma(this.baselineValues.map((b) => b.v), base);
        this.typicalNoise = median(this.baselineValues.map((b) => b.noise));
      }
      return;
    }
    this.recent.push({ t, v, fail: bin.failLevel, noise });
    while (this.recent.length && this.recent[0].t < now - this.o.trendWindowMs) this.recent.shift();
    this.evaluate(now);
  }

  private evaluate(now: number): void {
    const base = this.baseline!;
    const sigma = this.sigma!;
    const d = this.o.direction;
    const fails = this.recent.map((r) => r.fail).filter(Number.isFinite);
    // Thermal models: the worst recent conditions say which gain would trip the device.
    const failLevel = this.fixedFailLevel ?? (fails.length ? (d > 0 ? Math.min(...fails) : Math.max(...fails)) : null);
    const st: DegradationState = { level: null, baseline: base, baselineSigma: sigma, failLevel, slopePerDay: null, timeToFailureMs: null, significant: false, atRisk: false };
    const n = this.recent.length;
    // Significance on the median of the last bins: no extrapolation, robust to one bad bin.
    // Plain test: more than max(zMin σ, floor) from the baseline. Noise-aware test: that, and
    // the median of the bins' departures, each in units of its own threshold max(zMin σ_bin,
    // floor), above 1. With equal weights the two are the same test; the second only ever
    // makes it stricter.
    const last = this.recent.slice(-RECENT_BINS);
    const current = median(last.map((r) => r.v));
    const threshold = (noise: number) => Math.max(this.o.zMin * sigma * Math.max(1, noise / this.typicalNoise), this.o.minDelta);
    const plain = d * (current - base) > threshold(this.typicalNoise);
    if (n >= this.o.minTrendBins) {
      // Raise on the strict test, hold on the plain one. The noise-aware test asks whether
      // light-load bins are evidence of a departure; once a departure has been shown, bins too
      // noisy to show it again (an inverter's evening, a charger's 7 kW car) are no evidence that
      // it is gone. Only the plain test failing, i.e. the indicator back within the baseline's
      // threshold, releases a risk. Otherwise the daily load cycle would drop and re-raise it.
      st.significant = plain && (this.state.atRisk || median(last.map((r) => (d * (r.v - base)) / threshold(r.noise))) > 1);
      // A long window is steady but lags a fresh ramp (Theil–Sen treats the newest bins as
      // outliers until they are a third of the window); a short one follows the ramp. The
      // earlier failure of the two is reported: a crew would rather come a day early.
      const ts = this.recent.map((r) => r.t);
      const vs = this.recent.map((r) => r.v);
      const trends = [theilSen(ts, vs, now), theilSen(ts.slice(-this.o.minTrendBins), vs.slice(-this.o.minTrendBins), now)].filter((t): t is Trend => t !== null);
      let best: { trend: Trend; ttf: number | null } | null = null;
      for (const trend of trends) {
        let ttf: number | null = null;
        if (failLevel !== null) {
          const remaining = d * (failLevel - trend.level);
          if (remaining <= 0 || d * (failLevel - current) <= 0) ttf = 0;
          else if (d * trend.slope > 0) ttf = remaining / (d * trend.slope);
        }
        if (!best || (ttf !== null && (best.ttf === null || ttf < best.ttf))) best = { trend, ttf };
      }
      if (best) {
        st.level = best.trend.level;
        st.slopePerDay = best.trend.slope * 86_400_000;
        st.timeToFailureMs = best.ttf;
      }
      // Hysteresis: wear does not heal. A part that stopped degrading (end of a ramp, a calm
      // week) close to its failure level stays at risk until it is back near its baseline,
      // which the plain test above judges while at risk.
      st.atRisk = st.significant && ((st.timeToFailureMs !== null && st.timeToFailureMs <= this.o.horizonMs) || this.state.atRisk);
    } else if (this.state.atRisk && plain) {
      // Too few bins in the window for a trend (a charger used twice in two days) is no evidence
      // that the part recovered either: a raised risk is held while the bins there still clear
      // the plain test, with the last trend and its remaining life aged by the time since.
      st.level = current;
      st.slopePerDay = this.state.slopePerDay;
      st.timeToFailureMs = this.state.timeToFailureMs === null ? null : Math.max(0, this.state.timeToFailureMs - (now - this.evaluatedAt));
      st.significant = true;
      st.atRisk = true;
    }
    this.evaluatedAt = now;
    this.state = st;
  }

  get ready(): boolean {
    return this.baseline !== null;
  }
}
