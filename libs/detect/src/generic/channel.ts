import { ACCEPT_AFTER, CUSUM_PRIOR, GAUSSIAN_PRIOR, TailCalibrator } from './tail-calibrator';

/**
 * One robust forecasting channel over a (possibly deseasonalised) value stream. It keeps a fast
 * and a slow exponentially weighted level (Huber-clipped updates, so outliers do not drag them),
 * robust scales (EW mean absolute residual), a two-sided CUSUM for level shifts and a slow
 * baseline for drift, and calibrates each of the three statistics against its own history.
 * All state is a handful of numbers plus three fixed-size histograms.
 */
export interface ChannelEvidence {
  /** Robust |z| of the reading against both level forecasts (the smaller). */
  z: number;
  pPoint: number;
  pShift: number;
  pDrift: number;
  /** Signed residual against the slow level (for explanations). */
  residual: number;
}

const FAST = 0.3;
const SLOW = 0.02;
const BASE = 1 / 4096;
const SCALE = 0.02;
const LONG_SCALE = 1 / 2048;
const CLIP = 4; // Huber clip, in scales
const CUSUM_K = 0.5;
const CUSUM_RELEVEL = 12;
const LAG_RHO = 1 / 1024; // an established shift: adopt the new level
const MAD_TO_SIGMA = 1.2533; // E|X| = σ·√(2/π) for Gaussian X

const ew = (n: number, alpha: number) => Math.max(alpha, 1 / n);

export class Channel implements ChannelEvidence {
  n = 0;
  // The evidence of the last step (step() returns the channel itself: nothing is allocated per reading).
  z = 0;
  pPoint = 1;
  pShift = 1;
  pDrift = 1;
  residual = 0;
  private fast = 0;
  private slow = 0;
  private base = 0;
  private sFast = 0;
  private sSlow = 0;
  private sLong = 0;
  private dVar = 0;
  private cusPos = 0;
  private cusNeg = 0;
  /** Lag-1 autocorrelation of the standardised residuals (EW), and the last one. */
  private rho = 0;
  private lastU = 0;
  /** Consecutive readings with drift evidence in its extreme tail. */
  private drifting = 0;
  /** Slowly averaged |residual| used to compare channels with each other. */
  compareScale = 0;
  relevels = 0;
  private readonly point = new TailCalibrator(GAUSSIAN_PRIOR);
  private readonly shift = new TailCalibrator(CUSUM_PRIOR, 10_000, 0.01, 100, 0);
  // Drift is slow by nature: its calibration must be slower still, or it learns the drift
  // while it happens. It learns from every value (holding flagged values out, as SPOT does,
  // alarmed in 19 episodes on 50,000 readings of iid Gaussian noise), and a drift flagged for
  // ACCEPT_AFTER readings becomes the baseline (step()).
  private readonly drift = new TailCalibrator(GAUSSIAN_PRIOR, 50_000, 0.001);

  /**
   * Scores y against the state before it (no look-ahead), then learns from it. `resolution`:
   * the stream's smallest step (a reading rounded to 0.01 cannot tell changes below it).
   * Returns the evidence, which is this channel's own fields: valid until its next step.
   */
  step(y: number, resolution = 0): ChannelEvidence {
    const n = ++this.n;
    if (n === 1) {
      this.fast = this.slow = this.base = y;
      return this.evidence(0, 1, 1, 1, 0);
    }
    // A quantised stream that rarely moves (a state of health reported to 0.01) has a scale near
    // 0: one step of its resolution must not be a one-in-a-million event. Rounding to a step q
    // adds noise of σ = q/√12 at least.
    const floor = Math.max(1e-9 * (1 + Math.abs(this.slow)), 0.05 * this.sLong * MAD_TO_SIGMA, resolution / Math.sqrt(12));
    const sigF = Math.max(this.sFast * MAD_TO_SIGMA, floor);
    const sigS = Math.max(this.sSlow * MAD_TO_SIGMA, floor);
    const rF = y - this.fast;
    const rS = y - this.slow;

    // Point evidence: surprising under both forecasts. Shrunk while the scale rests on few residuals.
    let z = n <= 3 ? 0 : Math.min(Math.abs(rF) / sigF, Math.abs(rS) / sigS) * (n / (n + 10));
    if (!Number.isFinite(z)) z = 1e6;
    const pPoint = n > 3 ? this.point.tail(z) : 1;
    this.point.observe(z);

    // Level shift: CUSUM of standardised slow residuals. Residuals of a tracking forecast are
    // autocorrelated (a seasonal profile learned online keeps its error for a whole period), and
    // a CUSUM of autocorrelated input wanders like a random walk: it is standardised by the
    // long-run scale of the residuals instead, σ·√((1 + ρ)/(1 − ρ)) for lag-1 autocorrelation ρ.
    const raw = Math.max(-6, Math.min(6, rS / sigS));
    if (n > 2) this.rho += LAG_RHO * (raw * this.lastU - this.rho);
    this.lastU = raw;
    const r = Math.max(0, Math.min(0.9, this.rho));
    const u = raw / Math.sqrt((1 + r) / (1 - r));
    this.cusPos = Math.max(0, this.cusPos + u - CUSUM_K);
    this.cusNeg = Math.max(0, this.cusNeg - u - CUSUM_K);
    const cus = Math.max(this.cusPos, this.cusNeg);
    // Each statistic's calibration learns for a while before its p-values count (the first
    // CUSUM values of a seasonal stream, judged by the prior alone, looked like shifts).
    const pShift = n > 100 ? this.shift.tail(cus) : 1;
    if (n > 20) this.shift.observe(cus);

    // Drift: the slow level wandering away from the long baseline, in units of how far it usually wanders.
    const d = this.slow - this.base;
    const dFloor = sigS * sigS * (SLOW / (2 - SLOW));
    const zD = Math.abs(d) / Math.sqrt(Math.max(this.dVar, dFloor, 1e-300));
    const pDrift = n > 500 ? this.drift.tail(zD) : 1;
    if (n > 100) this.drift.observe(zD);

    // Learn.
    const clipF = n > 3 ? Math.max(-CLIP * sigF, Math.min(CLIP * sigF, rF)) : rF;
    const clipS = n > 3 ? Math.max(-CLIP * sigS, Math.min(CLIP * sigS, rS)) : rS;
    this.fast += ew(n, FAST) * clipF;
    this.slow += ew(n, SLOW) * clipS;
    this.base += ew(n, BASE) * (this.slow - this.base);
    this.sFast += ew(n - 1, SCALE) * (Math.abs(clipF) - this.sFast);
    this.sSlow += ew(n - 1, SCALE) * (Math.abs(clipS) - this.sSlow);
    this.sLong += ew(n - 1, LONG_SCALE) * (Math.abs(clipS) - this.sLong);
    this.compareScale += ew(n - 1, 1 / 2048) * (Math.abs(clipS) - this.compareScale);
    const d2 = d * d;
    if (pDrift > 1e-3) {
      this.drifting = 0;
      this.dVar += ew(n - 1, BASE) * ((this.dVar > 0 && n > 50 ? Math.min(d2, 4 * this.dVar) : d2) - this.dVar);
    } else if (++this.drifting > ACCEPT_AFTER) {
      // Regime acceptance: a drift that has been evident for ACCEPT_AFTER readings is where the
      // stream now is. The baseline moves to it, so one drift is one episode, not an alarm that
      // lasts until the end of the stream.
      this.base = this.slow;
      this.drifting = 0;
    }

    if (cus > CUSUM_RELEVEL && pShift < 1e-6) {
      // A new regime: forecast from it instead of flagging every reading after the shift.
      this.fast = this.slow = this.base = y;
      this.cusPos = this.cusNeg = 0;
      this.drifting = 0;
      this.relevels++;
    }
    return this.evidence(z, pPoint, pShift, pDrift, rS);
  }

  private evidence(z: number, pPoint: number, pShift: number, pDrift: number, residual: number): ChannelEvidence {
    this.z = z;
    this.pPoint = pPoint;
    this.pShift = pShift;
    this.pDrift = pDrift;
    this.residual = residual;
    return this;
  }
}
