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
 * (commit 46657fd). A deliberate change to the detector's maths changes them: recompute them
 * then (`digestOf` below) and say so in the commit.
 */
const KINDS = { point: 0, shift: 1, drift: 2, stuck: 3 } as const;
const SEASONS = { none: 0, day: 1, week: 2 } as const;

class Digest {
  private readonly hash = createHash('sha256');
  private readonly buf = new Float64Array(8);
  count = 0;

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

/** Synthetic streams covering every evidence kind, both seasonal channels, quantised values and irregular time. */
function streams(): Array<{ ts: number[]; values: number[] }> {
  const base = (seed: number) => cleanSeries({ seed, length: 5_000 });
  const quantised = base(5);
  return [
    base(1),
    withSpikes(base(2), [4_200, 4_201, 4_500], 25),
    withLevelShift(base(3), 4_300, 15),
    withDrift(base(4), 4_000, 0.02),
    withStuck(base(6), 4_100, 200),
    { ts: quantised.ts, values: quantised.values.map((v) => Math.round(v)) },
    { ts: irregular(base(7).ts, 7), values: base(7).values },
    { ts: irregular(base(8).ts, 8).map((t, i) => t + (i % 3) * 1_000), values: withSpikes(base(8), [3_000], 40).values },
  ];
}

export function genericDigest(maxStreams: number, order: 'round-robin' | 'random'): string {
  const det = new GenericDetector(maxStreams);
  const series = streams();
  const digest = new Digest();
  const pick = mulberry32(99);
  const next = new Array<number>(series.length).fill(0);
  for (let step = 0; step < series.length * 5_000; step++) {
    let s = step % series.length;
    if (order === 'random') {
      s = Math.floor(pick() * series.length);
      if (next[s] >= 5_000) continue;
    }
    const i = next[s]++;
    digest.score(det.update(`stream-${s}`, series[s].ts[i], series[s].values[i]), s);
  }
  return digest.value();
}

const FLEET = `
name: scores-unchanged
start: '2025-05-01T00:00:00Z'
defaults: { intervalS: 300 }
sites: [{ id: s1, lat: 47.99, lon: 7.84 }, { id: s2, lat: 48.1, lon: 7.9 }]
groups:
  - { type: pv-inverter, count: 5, idPrefix: inv-a-, sites: [s1] }
  - { type: pv-inverter, count: 2, idPrefix: inv-b-, sites: [s2] }
  - { type: battery, count: 5, idPrefix: bat-, sites: [s1] }
  - { type: ev-charger, count: 4, idPrefix: evc-, sites: [s2] }
`;

let simulated: SimSample[] | null = null;
/** Three days of the fleet above, simulated once for all tests. */
function fleetSamples(): SimSample[] {
  if (!simulated) {
    const sim = createSimulation(parseFleet(FLEET), { seed: 3 });
    simulated = [...sim.until(sim.startMs + 3 * 86_400_000)];
  }
  return simulated;
}

export function fleetDigest(maxStreams: number, peers: boolean): string {
  const scorer = new FleetGenericScorer((type, metric) => peers && metric !== 'ac_voltage_v', { minPeers: 2 }, maxStreams);
  const noise = gaussian(mulberry32(5));
  const digest = new Digest();
  let n = 0;
  for (const s of fleetSamples()) {
    const readings: Record<string, unknown> = { ...s.readings };
    n++;
    // Perturbations the fleet does not make by itself: spikes, a stuck sensor, a counter reset,
    // missing and non-finite values, a string where a number is expected.
    if (n % 997 === 0) for (const k of Object.keys(readings)) if (typeof readings[k] === 'number') readings[k] = (readings[k] as number) * (1 + 0.5 * noise());
    if (s.device === 'bat-0002' && n > 9_000 && n < 10_000) readings.temp_c = 31.5;
    if (s.device === 'evc-0001' && n > 11_000 && n < 11_200) readings.energy_total_kwh = 1;
    if (n % 101 === 0) delete readings[Object.keys(readings)[n % Object.keys(readings).length]];
    if (n % 503 === 0) readings.soc_pct = Number.NaN;
    if (n % 809 === 0) readings.power_w = 'n/a';
    for (const ev of scorer.score({ id: s.device, site: s.site, type: s.type }, s.ts, readings)) {
      digest.score(ev.raw, ev.value + (ev.warm ? 0.5 : 0));
      if (ev.peer === null) digest.score(ev.raw, -1);
      else if (ev.peer) digest.score(ev.peer.score, ev.peer.warm ? 1 : 2);
    }
  }
  return digest.value();
}

describe(GenericDetector.name, () => {
  it('scores fixed synthetic streams exactly as before the allocation-free rewrite', () => {
    expect(genericDigest(200_000, 'round-robin')).toBe('b5c10239469d1205d3546e4493488100');
  });

  it('drops the least recently used streams exactly as before when over maxStreams', () => {
    expect(genericDigest(6, 'random')).toBe('46080e567b6e3d8154027cba6ef3de23');
  });
});

describe(FleetGenericScorer.name, () => {
  it('scores a simulated fleet (own and peer streams, counters) exactly as before the allocation-free rewrite', () => {
    expect(fleetDigest(200_000, true)).toBe('063571ba2be464f5b21e09003eafb8ba');
  });

  it('scores a simulated fleet without peer streams exactly as before', () => {
    expect(fleetDigest(200_000, false)).toBe('2b8bb8f3cafb003ec3fb35f7f87be3d6');
  });

  it('drops the least recently used streams and counters exactly as before when over maxStreams', () => {
    expect(fleetDigest(40, true)).toBe('30c69c632c7be330935d15d65a0e90b6');
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
