import { Channel, ChannelEvidence } from './channel';
import { cauchyP, cauchyTerm, nlpOf } from './p-values';
import { SeasonalProfile } from './seasonal-profile';
import { StuckTracker } from './stuck-tracker';

/**
 * The generic online detector for one numeric metric stream. Unsupervised and streaming: it
 * scores each reading against what it learned from the readings before (no look-ahead), from the
 * first readings on, and keeps constant memory (a few kB).
 *
 * Evidence: a point residual against robust level forecasts, a CUSUM for level shifts, a slow
 * baseline for drift, and runs of identical values. Each is turned into a tail probability by its
 * own online calibration; the four are combined by the Cauchy combination test (p-values.ts),
 * valid under their dependence, into the reading's p-value. The unclipped figure is
 * nlp = −log10 p; the score is nlp/6 clipped to [0, 1] (1 ⇔ rarer than one in a million).
 *
 * Seasonality: once the sampling interval is known (from timestamps, never assumed), daily and
 * weekly profiles are learned; a deseasonalised channel replaces the plain one only once it has
 * seen two periods and forecasts clearly better.
 */
export type EvidenceKind = 'point' | 'shift' | 'drift' | 'stuck';

export interface GenericScore {
  score: number;
  /** The reading's p-value after combining the evidence. */
  p: number;
  /** −log10 p, unclipped: ranks readings beyond the score's ceiling. */
  nlp: number;
  /** Which evidence drives the score. */
  kind: EvidenceKind;
  z: number;
  /** 'none' | 'day' | 'week': the channel in use. */
  season: SeasonName;
  /** Readings this stream has seen, this one included. */
  readings: number;
}

export type SeasonName = 'none' | 'day' | 'week';

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
const SCORE_DECADES = 6;
/** Intervals between readings the sampling interval is the median of. */
const INTERVALS = 15;

/**
 * The detector's own warm-up, in readings: level-shift evidence starts after 100 readings
 * (Channel; its first scores carry the CUSUM built up before, e.g. from the jump to a device's
 * working level) and its tail calibration weighs what it learned equally with its prior 100
 * readings later (TailCalibrator's priorWeight); the point evidence's calibration reaches that
 * at 100. Scores are emitted from the first reading; an alarm layer should raise no events from
 * a stream before this.
 */
export const WARMUP_READINGS = 200;

export function scoreFromP(p: number): number {
  return Math.max(0, Math.min(1, -Math.log10(Math.max(p, 1e-300)) / SCORE_DECADES));
}

interface Seasonal {
  name: SeasonName;
  profile: SeasonalProfile;
  /** The weekly profile learns what the daily one leaves over (weekday vs weekend). */
  under: SeasonalProfile | null;
  channel: Channel | null;
}

export class StreamDetector {
  private readonly plain = new Channel();
  private readonly stuck = new StuckTracker();
  private seasonal: Seasonal[] | null = null;
  private active: SeasonName = 'none';
  private lastTs: number | null = null;
  private lastValue: number | null = null;
  /** Smallest change between consecutive readings seen: the stream's resolution. */
  private resolution = Infinity;
  /**
   * The last INTERVALS positive intervals between readings: [0, INTERVALS) a ring in arrival
   * order, [INTERVALS, 2·INTERVALS) the same values kept sorted, so the median is read, not
   * sorted for, at every reading.
   */
  private readonly deltas = new Float64Array(2 * INTERVALS);
  private deltaCount = 0;
  private deltaNext = 0;
  /** The median of those intervals once there are 5: the stream's sampling interval. */
  intervalMs: number | null = null;
  readings = 0;

  /** The last step's score, overwritten by the next (step() hands it out without a copy). */
  private readonly current: GenericScore = { score: 0, p: 1, nlp: 0, kind: 'point', z: 0, season: 'none', readings: 0 };

  /** ts: Unix ms (any monotone clock in ms works; seasonality needs real time). */
  update(ts: number, value: number): GenericScore {
    const s = this.step(ts, value);
    return { score: s.score, p: s.p, nlp: s.nlp, kind: s.kind, z: s.z, season: s.season, readings: s.readings };
  }

  /**
   * update() without the copy: returns this detector's own score object, valid until its next
   * step. For callers that read it at once and keep nothing (the service scores every metric of
   * every reading).
   */
  step(ts: number, value: number): GenericScore {
    this.readings++;
    this.learnInterval(ts);
    const stuck = this.stuck.step(value);
    if (this.lastValue !== null) {
      const step = Math.abs(value - this.lastValue);
      if (step > 1e-9 * (1 + Math.abs(value)) && step < this.resolution) this.resolution = step;
    }
    this.lastValue = value;
    const resolution = Number.isFinite(this.resolution) ? this.resolution : 0;

    const plainEv = this.plain.step(value, resolution);
    let chosen: ChannelEvidence = plainEv;
    let chosenName: SeasonName = 'none';
    if (this.seasonal) {
      // A seasonal channel must have settled and forecast clearly better than the plain one. The
      // weekly one (daily profile + day-of-week correction) is a superset of the daily one: it is
      // preferred unless clearly worse, since it only pays off on the few days that differ.
      // A channel's step returns the channel itself (its evidence fields).
      let day: Channel | null = null;
      let week: Channel | null = null;
      for (let i = 0; i < this.seasonal.length; i++) {
        const s = this.seasonal[i];
        if (!s.channel && s.profile.ready) s.channel = new Channel();
        if (!s.channel) continue;
        s.channel.step(value - this.seasonalAt(s, ts), resolution);
        if (s.channel.n > 500 && s.channel.compareScale < 0.8 * this.plain.compareScale) {
          if (s.name === 'day') day = s.channel;
          else week = s.channel;
        }
      }
      if (week && (!day || week.compareScale < 1.1 * day.compareScale)) {
        chosen = week;
        chosenName = 'week';
      } else if (day) {
        chosen = day;
        chosenName = 'day';
      }
    }
    this.active = chosenName;

    // The four p-values combined (ACAT); the kind is the one with the smallest (the first on ties).
    let kind: EvidenceKind = 'point';
    let pMin = 1;
    if (chosen.pPoint < pMin) pMin = chosen.pPoint;
    if (chosen.pShift < pMin) {
      pMin = chosen.pShift;
      kind = 'shift';
    }
    if (chosen.pDrift < pMin) {
      pMin = chosen.pDrift;
      kind = 'drift';
    }
    if (stuck.p < pMin) {
      pMin = stuck.p;
      kind = 'stuck';
    }
    // (Nothing below ½, ACAT's cap: nothing to combine, and a quiet stream keeps its p.)
    const p = pMin >= 0.5 ? pMin : cauchyP(0.25 * (cauchyTerm(chosen.pPoint) + cauchyTerm(chosen.pShift) + cauchyTerm(chosen.pDrift) + cauchyTerm(stuck.p)));
    // Anomalies (and drifts) must not be learned as "what this hour looks like".
    if (this.seasonal) {
      const outlier = p < 1e-2 || chosen.z > 6;
      for (let i = 0; i < this.seasonal.length; i++) {
        const s = this.seasonal[i];
        s.profile.learn(ts, value - (s.under ? s.under.at(ts) : 0), outlier);
      }
    }
    const out = this.current;
    out.score = scoreFromP(p);
    out.p = p;
    out.nlp = nlpOf(p);
    out.kind = kind;
    out.z = chosen.z;
    out.season = this.active;
    out.readings = this.readings;
    return out;
  }

  get season(): SeasonName {
    return this.active;
  }

  private seasonalAt(s: Seasonal, ts: number): number {
    return s.profile.at(ts) + (s.under ? s.under.at(ts) : 0);
  }

  private learnInterval(ts: number): void {
    if (this.lastTs !== null) {
      const d = ts - this.lastTs;
      if (d > 0) {
        this.addInterval(d);
        if (this.deltaCount >= 5) {
          this.intervalMs = this.deltas[INTERVALS + (this.deltaCount >> 1)];
          if (!this.seasonal && this.deltaCount >= 10) this.seasonal = this.makeSeasonal(this.intervalMs);
        }
      }
    }
    this.lastTs = ts;
  }

  /** Adds an interval to the ring (dropping the oldest once full) and to its sorted copy. */
  private addInterval(d: number): void {
    const a = this.deltas;
    const n = this.deltaCount;
    if (n < INTERVALS) {
      a[n] = d;
      this.deltaNext = (n + 1) % INTERVALS;
      this.deltaCount = n + 1;
      // Insertion into the sorted part.
      let j = INTERVALS + n;
      while (j > INTERVALS && a[j - 1] > d) {
        a[j] = a[j - 1];
        j--;
      }
      a[j] = d;
      return;
    }
    const oldest = a[this.deltaNext];
    a[this.deltaNext] = d;
    this.deltaNext = (this.deltaNext + 1) % INTERVALS;
    // A steady stream replaces an interval by an equal one: the sorted part stays as it is.
    if (d === oldest) return;
    // Otherwise one copy of the oldest value (equal copies are interchangeable) makes way,
    // moving only the values between it and the new one's place.
    let i = INTERVALS;
    while (a[i] !== oldest) i++;
    if (d > oldest) {
      while (i + 1 < 2 * INTERVALS && a[i + 1] < d) {
        a[i] = a[i + 1];
        i++;
      }
    } else {
      while (i > INTERVALS && a[i - 1] > d) {
        a[i] = a[i - 1];
        i--;
      }
    }
    a[i] = d;
  }

  private makeSeasonal(intervalMs: number): Seasonal[] {
    const out: Seasonal[] = [];
    const perDay = DAY_MS / intervalMs;
    // Seasonality needs several readings per period to be seen at all.
    if (perDay < 8) return out;
    const day = new SeasonalProfile(DAY_MS, Math.min(96, Math.round(perDay)), perDay);
    out.push({ name: 'day', profile: day, under: null, channel: null });
    out.push({ name: 'week', profile: new SeasonalProfile(WEEK_MS, Math.min(168, Math.round(perDay * 7)), perDay), under: day, channel: null });
    return out;
  }
}
