import { createHash } from 'node:crypto';
import { createSimulation, parseFleet, SimSample } from '@gridproof/firmware-sim';
import { GenericDetector } from '../generic/generic-detector';
import { GenericScore, StreamDetector } from '../generic/stream-detector';
import { cleanSeries, gaussian, mulberry32, withDrift, withLevelShift, withSpikes, withStuck } from '../generic/synthetic';
import { FleetGenericScorer } from './fleet-generic-scorer';

/**
 * The generic detector's per-reading work was made allocation-free (ring buffer for the
 * interval median, intrusive LRU lists instead of Map delete + set, per-device stream slots
 * instead of key strings). None of that may change a score. These tests pin the scores of
 * fixed series bit for bit: the digests below were computed with the code before that change
 * (commit 46657fd), and recomputed after each deliberate change of the maths (last: the CUSUM on
 * the long-run scale, #14). A deliberate change to the detector's maths changes them: recompute them
 * then (`digestOf` below) and say so in the commit.
 */
const KINDS = { point: 0, shift: 1, drift: 2, stuck: 3 } as const;
const SEASONS = { none: 0, day: 1, week: 2 } as const;

class Digest {
  private readonly hash = createHash('sha256');
  private readonly buf = new Float64Array(8);
  count = 0;
  /** Seasonal channels in use, and evidence kinds that drove a reading's p (below 0.5): what the digest covers. */
  readonly seasons = new Set<string>();
  readonly kinds = new Set<string>();

  score(s: GenericScore, extra = 0): void {
    const b = this.buf;
    b[0] = s.score;
    b[1] = s.p;
    b[2] = KINDS[s.kind];
    b[3] = s.z;
    b[4] = SEASONS[s.season];
    b[5] = s.readings;
    b[6] = extra;
    b[7] = this.count++;
    this.hash.update(new Uint8Array(b.buffer));
    this.seasons.add(s.season);
    if (s.p < 0.5) this.kinds.add(s.kind);
  }

  value(): string {
    return this.hash.digest('hex').slice(0, 32);
  }
}

/** Irregular timestamps: jitter, gaps, repeated and backwards ts (the interval must be learned, not assumed). */
function irregular(ts: number[], seed: number): number[] {
  const r = mulberry32(seed);
  let shift = 0;
  return ts.map((t, i) => {
    const u = r();
    if (u < 0.01) shift += 3_600_000; // a gap
    if (u > 0.995 && i > 0) return ts[i - 1] + shift; // the previous ts again
    if (u > 0.99 && i > 0) return ts[i - 1] + shift - 60_000; // backwards
    return t + shift + Math.round((r() - 0.5) * 20_000);
  });
}

const LENGTH = 1_500;

/** Synthetic streams covering every evidence kind, both seasonal channels, quantised values and irregular time. */
function streams(): Array<{ ts: number[]; values: number[] }> {
  // Hourly readings reach the weekly channel within LENGTH (two weeks of profile, then 500
  // readings of its own), 5-minute ones the daily channel.
  const hourly = (seed: number) => cleanSeries({ seed, length: LENGTH, intervalMs: 3_600_000 });
  const fiveMin = (seed: number) => cleanSeries({ seed, length: LENGTH });
  const quantised = fiveMin(5);
  return [
    hourly(1),
    withSpikes(hourly(2), [1_200, 1_201, 1_350], 25),
    withLevelShift(fiveMin(3), 1_250, 15),
    withDrift(hourly(4), 1_100, 0.05),
    withStuck(fiveMin(6), 1_100, 150),
    { ts: quantised.ts, values: quantised.values.map((v) => Math.round(v)) },
    { ts: irregular(hourly(7).ts, 7), values: hourly(7).values },
    { ts: irregular(fiveMin(8).ts, 8).map((t, i) => t + (i % 3) * 1_000), values: withSpikes(fiveMin(8), [1_000], 40).values },
  ];
}

export function genericDigest(maxStreams: number, order: 'round-robin' | 'random'): { digest: string; seasons: Set<string>; kinds: Set<string> } {
  const det = new GenericDetector(maxStreams);
  const series = streams();
  const digest = new Digest();
  const pick = mulberry32(99);
  const next = new Array<number>(series.length).fill(0);
  for (let step = 0; step < series.length * LENGTH; step++) {
    let s = step % series.length;
    if (order === 'random') {
      s = Math.floor(pick() * series.length);
      if (next[s] >= LENGTH) continue;
    }
    const i = next[s]++;
    digest.score(det.update(`stream-${s}`, series[s].ts[i], series[s].values[i]), s);
  }
  return { digest: digest.value(), seasons: digest.seasons, kinds: digest.kinds };
}

const FLEET = `
name: scores-unchanged
start: '2025-05-01T00:00:00Z'
defaults: { intervalS: 300 }
sites: [{ id: s1, lat: 47.99, lon: 7.84 }, { id: s2, lat: 48.1, lon: 7.9 }]
groups:
  - { type: pv-inverter, count: 3, idPrefix: inv-a-, sites: [s1] }
  - { type: pv-inverter, count: 2, idPrefix: inv-b-, sites: [s2] }
  - { type: battery, count: 3, idPrefix: bat-, sites: [s1] }
  - { type: ev-charger, count: 2, idPrefix: evc-, sites: [s2] }
`;

let simulated: SimSample[] | null = null;
/** Two days of the fleet above, simulated once for all tests. */
function fleetSamples(): SimSample[] {
  if (!simulated) {
    const sim = createSimulation(parseFleet(FLEET), { seed: 3 });
    simulated = [...sim.until(sim.startMs + 2 * 86_400_000)];
  }
  return simulated;
}

export function fleetDigest(maxStreams: number, peers: boolean): { digest: string; peerScored: number } {
  const scorer = new FleetGenericScorer((type, metric) => peers && metric !== 'ac_voltage_v', { minPeers: 2 }, maxStreams);
  const noise = gaussian(mulberry32(5));
  const digest = new Digest();
  let n = 0;
  let peerScored = 0;
  for (const s of fleetSamples()) {
    const readings: Record<string, unknown> = { ...s.readings };
    n++;
    // Perturbations the fleet does not make by itself: spikes, a stuck sensor, a counter reset,
    // missing and non-finite values, a string where a number is expected.
    if (n % 997 === 0) for (const k of Object.keys(readings)) if (typeof readings[k] === 'number') readings[k] = (readings[k] as number) * (1 + 0.5 * noise());
    if (s.device === 'bat-0002' && n > 3_000 && n < 3_500) readings.temp_c = 31.5;
    if (s.device === 'evc-0001' && n > 4_000 && n < 4_100) readings.energy_total_kwh = 1;
    if (n % 101 === 0) delete readings[Object.keys(readings)[n % Object.keys(readings).length]];
    if (n % 503 === 0) readings.soc_pct = Number.NaN;
    if (n % 809 === 0) readings.power_w = 'n/a';
    for (const ev of scorer.score({ id: s.device, site: s.site, type: s.type }, s.ts, readings)) {
      digest.score(ev.raw, ev.value + (ev.warm ? 0.5 : 0));
      if (ev.peer === null) digest.score(ev.raw, -1);
      else if (ev.peer) {
        digest.score(ev.peer.score, ev.peer.warm ? 1 : 2);
        peerScored++;
      }
    }
  }
  return { digest: digest.value(), peerScored };
}

describe(GenericDetector.name, () => {
  it('scores fixed synthetic streams exactly as before the allocation-free rewrite', () => {
    const { digest, seasons, kinds } = genericDigest(200_000, 'round-robin');
    expect(digest).toBe('f1e885d43fc185db987beee81c321906');
    // The series reach what the digest is meant to cover.
    expect([...seasons].sort()).toEqual(['day', 'none', 'week']);
    expect([...kinds].sort()).toEqual(['drift', 'point', 'shift', 'stuck']);
  });

  it('drops the least recently used streams exactly as before when over maxStreams', () => {
    expect(genericDigest(6, 'random').digest).toBe('2b0ed1e93737959168f21ba723170615');
  });
});

describe(FleetGenericScorer.name, () => {
  it('scores a simulated fleet (own and peer streams, counters) exactly as before the allocation-free rewrite', () => {
    const { digest, peerScored } = fleetDigest(200_000, true);
    expect(digest).toBe('e2a95eaa1c60565fada3dbb432c22ed8');
    expect(peerScored).toBeGreaterThan(1_000);
  });

  it('scores a simulated fleet without peer streams exactly as before', () => {
    expect(fleetDigest(200_000, false).digest).toBe('5f018ed80d57e3ec1743b5209bc30978');
  });

  it('drops the least recently used streams and counters exactly as before when over maxStreams', () => {
    expect(fleetDigest(40, true).digest).toBe('c050dc45cee9ab06691bea38a22c0aff');
  });
});

describe(StreamDetector.name, () => {
  it('learns the same sampling interval as the median of its last 15 intervals, sorted', () => {
    const r = mulberry32(11);
    const d = new StreamDetector();
    const deltas: number[] = [];
    let ts = 0;
    let last: number | null = null;
    for (let i = 0; i < 3_000; i++) {
      // Mostly 60 s with jitter, some repeats (0), some steps back, some long gaps.
      const u = r();
      ts += u < 0.05 ? 0 : u < 0.08 ? -5_000 : u < 0.1 ? 3_600_000 : 60_000 + Math.round((r() - 0.5) * 4_000);
      d.update(ts, r());
      if (last !== null && ts - last > 0) {
        deltas.push(ts - last);
        if (deltas.length > 15) deltas.shift();
      }
      last = ts;
      const expected = deltas.length >= 5 ? [...deltas].sort((a, b) => a - b)[deltas.length >> 1] : null;
      expect(d.intervalMs).toBe(expected);
    }
  });
});
