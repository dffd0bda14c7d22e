import { Channel, ChannelEvidence } from './channel';
import { SeasonalProfile } from './seasonal-profile';
import { StuckTracker } from './stuck-tracker';

/**
 * The generic online detector for one numeric metric stream. Unsupervised and streaming: it
 * scores each reading against what it learned from the readings before (no look-ahead), from the
 * first readings on, and keeps constant memory (a few kB).
 *
 * Evidence: a point residual against robust level forecasts, a CUSUM for level shifts, a slow
 * baseline for drift, and runs of identical values. Each is turned into a tail probability by its
 * own online calibration; the smallest, Bonferroni-corrected over the four, is the reading's
 * p-value and the score is −log10(p)/6 clipped to [0, 1] (1 ⇔ rarer than one in a million).
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
  private readonly deltas: number[] = [];
  intervalMs: number | null = null;
  readings = 0;

  /** ts: Unix ms (any monotone clock in ms works; seasonality needs real time). */
  update(ts: number, value: number): GenericScore {
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
      let day: [Channel, ChannelEvidence] | null = null;
      let week: [Channel, ChannelEvidence] | null = null;
      for (const s of this.seasonal) {
        if (!s.channel && s.profile.ready) s.channel = new Channel();
        if (!s.channel) continue;
        const ev = s.channel.step(value - this.seasonalAt(s, ts), resolution);
        if (s.channel.n > 500 && s.channel.compareScale < 0.8 * this.plain.compareScale) {
          if (s.name === 'day') day = [s.channel, ev];
          else week = [s.channel, ev];
        }
      }
      if (week && (!day || week[0].compareScale < 1.1 * day[0].compareScale)) {
        chosen = week[1];
        chosenName = 'week';
      } else if (day) {
        chosen = day[1];
        chosenName = 'day';
      }
    }
    this.active = chosenName;

    const candidates: Array<[EvidenceKind, number]> = [
      ['point', chosen.pPoint],
      ['shift', chosen.pShift],
      ['drift', chosen.pDrift],
      ['stuck', stuck.p],
    ];
    let kind: EvidenceKind = 'point';
    let pMin = 1;
    for (const [k, p] of candidates) {
      if (p < pMin) {
        pMin = p;
        kind = k;
      }
    }
    const p = Math.min(1, pMin * candidates.length);
    // Anomalies (and drifts) must not be learned as "what this hour looks like".
    if (this.seasonal) for (const s of this.seasonal) s.profile.learn(ts, value - (s.under ? s.under.at(ts) : 0), p < 1e-2 || chosen.z > 6);
    return { score: scoreFromP(p), p, kind, z: chosen.z, season: this.active, readings: this.readings };
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
        if (this.deltas.length === 15) this.deltas.shift();
        this.deltas.push(d);
        if (this.deltas.length >= 5) {
          const sorted = [...this.deltas].sort((a, b) => a - b);
          this.intervalMs = sorted[sorted.length >> 1];
          if (!this.seasonal && this.deltas.length >= 10) this.seasonal = this.makeSeasonal(this.intervalMs);
        }
      }
    }
    this.lastTs = ts;
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
