import { gaussian, mulberry32 } from '../generic/synthetic';
import { DegradationTracker, TrackerOptions } from './degradation-tracker';

const HOUR = 3_600_000;
const OPTIONS: TrackerOptions = { direction: 1, binMs: HOUR, baselineBins: 24, trendWindowMs: 48 * HOUR, minTrendBins: 8, zMin: 6, minDelta: 0.15, minBinReadings: 3, horizonMs: 7 * 24 * HOUR };
const FAIL_LEVEL = 3;

/**
 * Feeds hourly bins of 12 readings. `bin(h)` gives the bin's value and the readings' weight (a
 * thermal gain's weight is load²). The baseline: 24 bins around 1 with σ ≈ 0.03 at weight 25
 * (16 A on a connector heating 5.6 K: the plain threshold is max(6σ, 0.15)). Returns the
 * hours at which the tracker was at risk.
 */
function run(bin: (h: number) => { value: number; weight: number }, hours = 24 + 30): { atRisk: number[]; tracker: DegradationTracker } {
  const tracker = new DegradationTracker(OPTIONS, FAIL_LEVEL);
  const noise = gaussian(mulberry32(11));
  const atRisk: number[] = [];
  for (let h = 0; h < hours; h++) {
    const b = h < 24 ? { value: 1 + 0.03 * noise(), weight: 25 } : bin(h - 24);
    for (let i = 0; i < 12; i++) tracker.add(h * HOUR + i * 300_000, b.value + 0.002 * noise(), b.weight);
    tracker.tick((h + 1) * HOUR);
    if (tracker.state.atRisk) atRisk.push(h - 24);
  }
  return { atRisk, tracker };
}

/** A rise that starts at hour `from` after the baseline and climbs `perHour`, on bins of `weight`. */
const ramp = (from: number, perHour: number, weight: number) => (h: number) => ({ value: 1 + (h < from ? 0 : perHour * (h - from + 1)), weight: h < from ? 25 : weight });

describe(DegradationTracker.name, () => {
  it('learns the baseline σ from the baseline bins and reports it in the state', () => {
    const { tracker } = run(() => ({ value: 1, weight: 25 }));
    expect(tracker.state.baseline).toBeCloseTo(1, 1);
    expect(tracker.state.baselineSigma).toBeGreaterThan(0.015);
    expect(tracker.state.baselineSigma).toBeLessThan(0.05);
    expect(tracker.state.atRisk).toBe(false);
  });

  it('raises a risk when bins at the baseline load climb well past the threshold towards failure', () => {
    const { atRisk, tracker } = run(ramp(10, 0.06, 25));
    expect(atRisk.length).toBeGreaterThan(0);
    expect(atRisk[0]).toBeGreaterThanOrEqual(10);
    expect(tracker.state.timeToFailureMs).toBeGreaterThan(0);
  });

  it('raises no risk when the same climb is on light-load bins whose own noise covers it', () => {
    // Weight 25 → 25/16: the load is a quarter (10.6 A instead of 16 A heats ~2.5 K, not 5.6 K),
    // so a bin's gain is four times as noisy; a climb to +0.4 within 6 hours is within 6σ of such bins.
    const light = (h: number) => ({ value: 1 + Math.min(0.4, 0.08 * (h + 1)), weight: 25 / 16 });
    expect(run(light).atRisk).toEqual([]);
    // Control: the identical values at the baseline's load are a risk.
    expect(run((h) => ({ ...light(h), weight: 25 })).atRisk.length).toBeGreaterThan(0);
  });

  it('still raises a risk on light-load bins once the rise leaves their noise', () => {
    const { atRisk } = run(ramp(0, 0.12, 25 / 16));
    expect(atRisk.length).toBeGreaterThan(0);
  });

  it('does not narrow the threshold for bins under a heavier load than the baseline', () => {
    // Just under the plain threshold max(6σ, 0.15) on bins with 16× the baseline's precision.
    const { tracker } = run(() => ({ value: 1, weight: 25 }), 24);
    const threshold = Math.max(6 * tracker.state.baselineSigma!, 0.15);
    const near = (h: number) => ({ value: 1 + Math.min(0.9 * threshold, 0.05 * (h + 1)), weight: 400 });
    expect(run(near).atRisk).toEqual([]);
  });

  describe('hysteresis: the noise-aware test raises a risk, the plain test holds it', () => {
    // A rise of 0.03 per hour at the baseline's load raises a risk within hours; from hour 18 the
    // indicator holds at 1.54 for `light` hours on bins at a quarter of the load (weight 25/16,
    // 4× the noise: an inverter's evening), then either goes on climbing at full load or is back at 1.
    const LIGHT_FROM = 18;
    const PEAK = 1 + 0.03 * LIGHT_FROM;
    const cycle = (light: number, after: (h: number) => number, afterWeight = 25) => (h: number) =>
      h < LIGHT_FROM ? { value: 1 + 0.03 * (h + 1), weight: 25 } : h < LIGHT_FROM + light ? { value: PEAK, weight: 25 / 16 } : { value: after(h - LIGHT_FROM - light), weight: afterWeight };
    const hours = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

    it('keeps a raised risk through light-load bins that the plain test still calls significant', () => {
      const { atRisk, tracker } = run(cycle(8, (h) => PEAK + 0.03 * (h + 1)), 24 + 36);
      // The evening bins' departure clears the plain threshold but not their own, widened one.
      const sigma = tracker.state.baselineSigma!;
      expect(PEAK - 1).toBeGreaterThan(Math.max(6 * sigma, 0.15));
      expect(PEAK - 1).toBeLessThan(Math.max(6 * sigma * 4, 0.15));
      expect(atRisk[0]).toBeLessThan(LIGHT_FROM);
      // At risk without a gap from the first raise to the end: the evening does not release it.
      expect(atRisk).toEqual(hours(atRisk[0], 36));
    });

    it('does not raise a risk on the same light-load bins when none was raised before', () => {
      // The same 8 evening bins after a baseline-load stretch that stayed at 1.
      const { atRisk } = run((h) => (h < LIGHT_FROM ? { value: 1, weight: 25 } : h < LIGHT_FROM + 8 ? { value: PEAK, weight: 25 / 16 } : { value: 1, weight: 25 }), 24 + 36);
      expect(atRisk).toEqual([]);
    });

    it.each([
      ['the baseline load', 25],
      ['a light load', 25 / 16],
    ])('clears a raised risk once the indicator is back at its baseline, under %s', (_, weight) => {
      const { atRisk } = run(cycle(2, () => 1, weight), 24 + 36);
      expect(atRisk[0]).toBeLessThan(LIGHT_FROM);
      // Released within the 4 bins whose median is the current level, and not raised again.
      const last = atRisk[atRisk.length - 1];
      expect(last).toBeLessThan(LIGHT_FROM + 2 + 4);
      expect(atRisk).toEqual(hours(atRisk[0], last + 1));
    });

    it.each([
      ['holds', PEAK, true],
      ['releases', 1, false],
    ])('%s a raised risk through days with too few loaded bins for a trend, when they read %s', (_, value, held) => {
      // After the rise, the part is used one hour in eight (a quiet charger): fewer than the 8
      // bins a trend needs in 48 h once the rise's bins have left the window; the others are idle.
      const sparse = (h: number) => (h < LIGHT_FROM ? { value: 1 + 0.03 * (h + 1), weight: 25 } : (h - LIGHT_FROM) % 8 === 7 ? { value, weight: 25 } : { value: NaN, weight: 25 });
      const { atRisk, tracker } = run(sparse, 24 + 96);
      expect(atRisk[0]).toBeLessThan(LIGHT_FROM);
      if (held) {
        expect(atRisk).toEqual(hours(atRisk[0], 96));
        expect(tracker.state.timeToFailureMs).not.toBeNull();
      } else expect(atRisk[atRisk.length - 1]).toBeLessThan(LIGHT_FROM + 8 * 4);
    });

    it('needs the noise-aware test again to re-raise a risk it has cleared', () => {
      // Raised, back at the baseline for 8 hours (cleared), then light-load bins at the old peak.
      const { atRisk } = run(cycle(0, (h) => (h < 8 ? 1 : PEAK), 25), 24 + 36);
      const again = run(cycle(0, (h) => (h < 8 ? 1 : PEAK), 25 / 16), 24 + 36).atRisk;
      expect(atRisk.some((h) => h >= LIGHT_FROM + 8 + 4)).toBe(true);
      expect(again.length).toBeGreaterThan(0);
      expect(again.every((h) => h < LIGHT_FROM + 8)).toBe(true);
    });
  });

  it('with equal weights judges the median of the last bins against max(6σ, floor), as a plain baseline test', () => {
    const equal = (bins: number) => {
      const t = new DegradationTracker({ ...OPTIONS, baselineBins: 4 }, FAIL_LEVEL);
      const base = [1, 1.02, 0.98, 1];
      const values = [...base, ...new Array<number>(8 - bins).fill(1), ...Array.from({ length: bins }, (_, i) => 1.1 + 0.1 * i)];
      values.forEach((v, h) => {
        for (let i = 0; i < 3; i++) t.add(h * HOUR + i, v);
        t.tick((h + 1) * HOUR);
      });
      return t.state;
    };
    // σ of the baseline [1, 1.02, 0.98, 1] is 1.4826 × 0.01, so the floor 0.15 rules. The last
    // 4 bins 1, 1, 1.1, 1.2 (median 1.05) are not significant; 1.1 … 1.4 (median 1.25) are.
    expect(equal(2).significant).toBe(false);
    expect(equal(4).significant).toBe(true);
  });
});
