/**
 * Synthetic metric streams with known anomalies, for the generic detector's tests and bench.
 * Deterministic from a seed (mulberry32), so a failing test can be replayed.
 */
export interface SyntheticSeries {
  ts: number[];
  values: number[];
  /** Index ranges [from, to) that are anomalous by construction. */
  anomalies: Array<[number, number]>;
}

export interface SeriesOptions {
  seed?: number;
  length?: number;
  intervalMs?: number;
  start?: number;
  level?: number;
  noise?: number;
  /** Amplitude of the daily cycle (0 for none) and of the weekend dip. */
  daily?: number;
  weekly?: number;
}

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function gaussian(rand: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/** A clean series: level + daily cycle + weekday/weekend effect + Gaussian noise. */
export function cleanSeries(o: SeriesOptions = {}): SyntheticSeries {
  const { seed = 1, length = 4032, intervalMs = 300_000, start = Date.UTC(2025, 0, 6), level = 100, noise = 2, daily = 20, weekly = 10 } = o;
  const g = gaussian(mulberry32(seed));
  const ts: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < length; i++) {
    const t = start + i * intervalMs;
    const hour = (t % 86_400_000) / 3_600_000;
    const dow = new Date(t).getUTCDay();
    const weekend = dow === 0 || dow === 6 ? -weekly : 0;
    ts.push(t);
    values.push(level + daily * Math.sin(((hour - 6) / 24) * 2 * Math.PI) + weekend + noise * g());
  }
  return { ts, values, anomalies: [] };
}

export function withSpikes(s: SyntheticSeries, at: number[], size: number): SyntheticSeries {
  const values = [...s.values];
  for (const i of at) values[i] += size;
  return { ...s, values, anomalies: [...s.anomalies, ...at.map((i): [number, number] => [i, i + 1])] };
}

export function withLevelShift(s: SyntheticSeries, at: number, size: number): SyntheticSeries {
  const values = s.values.map((v, i) => (i >= at ? v + size : v));
  return { ...s, values, anomalies: [...s.anomalies, [at, s.values.length]] };
}

export function withDrift(s: SyntheticSeries, at: number, slopePerReading: number): SyntheticSeries {
  const values = s.values.map((v, i) => (i >= at ? v + slopePerReading * (i - at) : v));
  return { ...s, values, anomalies: [...s.anomalies, [at, s.values.length]] };
}

export function withStuck(s: SyntheticSeries, at: number, length: number): SyntheticSeries {
  const values = s.values.map((v, i) => (i >= at && i < at + length ? s.values[at] : v));
  return { ...s, values, anomalies: [...s.anomalies, [at, at + length]] };
}
