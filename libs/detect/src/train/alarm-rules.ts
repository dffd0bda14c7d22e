/**
 * The alarm layer between detector scores and what a crew sees. A detector's per-reading
 * scores become alarms only when they persist: at least `k` of the device's last `n` readings
 * score at or above `threshold`. One wild reading (k = 1) is not worth a truck roll; a spike
 * that repeats, a stuck sensor or a real trend keeps scoring and passes. Rules are chosen per
 * device type on a training fleet only (calibrateRule), never on the fleet they are judged on.
 */
export interface AlarmRule {
  threshold: number;
  k: number;
  n: number;
}

export interface ScoredSeries {
  device: string;
  ts: number[];
  /** One score per reading; NaN = not scored (warm-up, no window yet). */
  scores: number[];
  end: number;
}

/** Alarm times of one device under a rule (streaming: each alarm depends only on the past). */
export function applyRule(s: ScoredSeries, rule: AlarmRule): number[] {
  const out: number[] = [];
  const ring = new Uint8Array(rule.n);
  let hits = 0;
  for (let i = 0; i < s.ts.length; i++) {
    const hit = s.scores[i] >= rule.threshold ? 1 : 0;
    hits += hit - ring[i % rule.n];
    ring[i % rule.n] = hit;
    if (hit && hits >= rule.k) out.push(s.ts[i]);
  }
  return out;
}

export const RULE_GRID: AlarmRule[] = [0.7, 0.8, 0.9, 0.95, 0.99].flatMap((threshold) =>
  [
    [1, 1],
    [2, 12],
    [3, 12],
    [3, 36],
    [6, 36],
    [12, 72],
  ].map(([k, n]) => ({ threshold, k, n })),
);

/**
 * Per-metric persistence for the generic detector: an alarm needs one metric stream to score
 * at or above `threshold` with one of the evidence `kinds` in `k` of its last `n` readings.
 * Evidence from different metrics does not add up, so unrelated one-off flags across a
 * device's ten metrics do not make an alarm; a stuck sensor or a repeating spike does.
 */
export type EvidenceCode = 0 | 1 | 2 | 3;
export const EVIDENCE_CODES = { point: 0, shift: 1, drift: 2, stuck: 3 } as const;

export interface StreamRule extends AlarmRule {
  /** Bit mask over EVIDENCE_CODES. */
  kinds: number;
  /** Only this metric's stream (a fault that shows in one sensor); absent = any metric. */
  metric?: string;
  /**
   * Also judge the metric against its peers (FleetGenericScorer): a reading counts only when
   * the value minus the consensus of its type on its site (or fleet) scores at or above the
   * threshold too, so an excursion the peers share (the weather) does not count. A device with
   * no peers is judged on its own stream alone.
   */
  peer?: boolean;
}

export interface StreamScores {
  device: string;
  ts: number[];
  /**
   * Per metric, one entry per reading: the own stream's scores (NaN = warm-up, no value) and
   * evidence codes, and the peers' confirmation (peerConfirmation: +Infinity = no peers).
   */
  metrics: Array<{ name: string; scores: Float32Array; kinds: Uint8Array; peer: Float32Array }>;
  end: number;
}

export function applyStreamRule(s: StreamScores, rule: StreamRule): number[] {
  const out: number[] = [];
  const metrics = rule.metric === undefined ? s.metrics : s.metrics.filter((m) => m.name === rule.metric);
  const rings = metrics.map(() => new Uint8Array(rule.n));
  const hits = new Int32Array(metrics.length);
  for (let i = 0; i < s.ts.length; i++) {
    let alarm = false;
    const slot = i % rule.n;
    for (let j = 0; j < metrics.length; j++) {
      const m = metrics[j];
      const hit = streamHit(m.scores[i], m.kinds[i], m.peer[i], rule) ? 1 : 0;
      hits[j] += hit - rings[j][slot];
      rings[j][slot] = hit;
      if (hit && hits[j] >= rule.k) alarm = true;
    }
    if (alarm) out.push(s.ts[i]);
  }
  return out;
}

/** One reading of one metric stream counts towards a stream rule (the service and the backtests both use this). */
export function streamHit(score: number, kind: number, peer: number, rule: StreamRule): boolean {
  return score >= rule.threshold && ((rule.kinds >> kind) & 1) === 1 && (!rule.peer || peer >= rule.threshold);
}

/**
 * The most readings that counted towards the rule within any n consecutive readings before
 * `until` (a device's first fault), over k: how close healthy operation came to an alarm.
 * 1 or more is a false alarm; 0 means the rule never saw a healthy reading it would count.
 */
export function healthyPeak(s: StreamScores, rule: StreamRule, until: number): number {
  const metrics = rule.metric === undefined ? s.metrics : s.metrics.filter((m) => m.name === rule.metric);
  let peak = 0;
  for (const m of metrics) {
    const ring = new Uint8Array(rule.n);
    let hits = 0;
    for (let i = 0; i < s.ts.length && s.ts[i] < until; i++) {
      const hit = streamHit(m.scores[i], m.kinds[i], m.peer[i], rule) ? 1 : 0;
      hits += hit - ring[i % rule.n];
      ring[i % rule.n] = hit;
      if (hits > peak) peak = hits;
    }
  }
  return peak / rule.k;
}

export function describeKinds(mask: number): string {
  return Object.entries(EVIDENCE_CODES)
    .filter(([, c]) => (mask >> c) & 1)
    .map(([k]) => k)
    .join('+');
}

/** "point on temp_c not shared by peers, score ≥ 0.9, 3 of 36". */
export function describeStreamRule(r: StreamRule): string {
  return `${describeKinds(r.kinds)} on ${r.metric ?? 'any metric'}${r.peer ? ' not shared by peers' : ''}, score ≥ ${r.threshold}, ${r.k} of ${r.n}`;
}

export const STREAM_RULE_GRID: StreamRule[] = [1, 2, 3, 5, 8, 9, 10, 11, 15].flatMap((kinds) =>
  [0.9, 0.99, 1].flatMap((threshold) =>
    [
      [1, 1],
      [3, 12],
      [3, 36],
      [6, 36],
      [12, 12],
      [24, 24],
    ].map(([k, n]) => ({ kinds, threshold, k, n })),
  ),
);

/**
 * The streaming form of the rules, for the service: per key (a device's metric stream, or a
 * device for the model), whether `k` of the last `n` hits are set. Bounded: the least recently
 * seen keys are dropped beyond maxKeys.
 */
export class PersistenceGate {
  private readonly keys = new Map<string, { ring: Uint8Array; i: number; hits: number }>();

  constructor(private readonly maxKeys = 200_000) {}

  step(key: string, hit: boolean, rule: AlarmRule): boolean {
    let st = this.keys.get(key);
    if (st) this.keys.delete(key);
    else {
      if (this.keys.size >= this.maxKeys) {
        const oldest = this.keys.keys().next().value;
        if (oldest !== undefined) this.keys.delete(oldest);
      }
      st = { ring: new Uint8Array(rule.n), i: 0, hits: 0 };
    }
    if (st.ring.length !== rule.n) st = { ring: new Uint8Array(rule.n), i: 0, hits: 0 };
    this.keys.set(key, st);
    const h = hit ? 1 : 0;
    st.hits += h - st.ring[st.i];
    st.ring[st.i] = h;
    st.i = (st.i + 1) % rule.n;
    return hit && st.hits >= rule.k;
  }
}
