import { StreamDetector, WARMUP_READINGS } from './stream-detector';
import { gaussian, mulberry32 } from './synthetic';
import { ACCEPT_AFTER } from './tail-calibrator';

/**
 * NAB-style checks on generated streams (issue #14): clean signals stay quiet, a spike is
 * flagged at once, a level shift is one short episode (the stream accepts its new level within
 * the documented horizon), and p-values are honest on iid noise. Alarm: score ≥ 0.7 (p ≤ 6.3e-5).
 */
const FLAG = 0.7;
const N = 5_000;
const ts = (i: number) => Date.UTC(2025, 0, 6) + i * 60_000;

function alarmsOf(values: number[]): number[] {
  const d = new StreamDetector();
  return values.map((v, i) => (d.update(ts(i), v).score >= FLAG ? i : -1)).filter((i) => i >= 0);
}

function episodes(alarms: number[], gap = 60): number {
  let n = 0;
  let last = -Infinity;
  for (const i of alarms) {
    if (i - last > gap) n++;
    last = i;
  }
  return n;
}

describe('the generic detector on generated streams', () => {
  const g = gaussian(mulberry32(3));
  const sine = (i: number) => Math.sin((2 * Math.PI * i) / 100);
  it.each([
    ['a noiseless sine', (i: number) => sine(i)],
    ['a sine rounded to 0.001', (i: number) => Math.round(1000 * sine(i)) / 1000],
    ['a sine with 1 % noise', (i: number) => sine(i) + 0.01 * g()],
    ['a sine with 5 % noise', (i: number) => sine(i) + 0.05 * g()],
    ['a flat line', () => 5],
    ['a flat line with light noise', () => 5 + 0.01 * g()],
    ['a noiseless square wave', (i: number) => (Math.floor(i / 50) % 2 ? 1 : 0)],
  ])('raises no alarm after warm-up on %s', (_, f) => {
    const alarms = alarmsOf(Array.from({ length: N }, (_, i) => f(i)));
    expect(alarms.filter((i) => i > WARMUP_READINGS)).toEqual([]);
  });

  it('flags a 10 sigma spike at the spiking reading and nowhere else', () => {
    const values = Array.from({ length: N }, (_, i) => 10 + g() + (i === 3_000 ? 10 : 0));
    expect(alarmsOf(values).filter((i) => i > WARMUP_READINGS)).toEqual([3_000]);
  });

  it(`accepts a level shift as the new normal within ${ACCEPT_AFTER} readings: one episode`, () => {
    const values = Array.from({ length: N }, (_, i) => 10 + g() + (i >= 3_000 ? 8 : 0));
    const alarms = alarmsOf(values).filter((i) => i > WARMUP_READINGS);
    expect(alarms[0]).toBe(3_000);
    expect(alarms[alarms.length - 1]).toBeLessThan(3_000 + ACCEPT_AFTER);
    expect(episodes(alarms)).toBe(1);
  });

  it('gives honest p-values on iid noise: p ≤ 1e-3 about once in a thousand readings', () => {
    const d = new StreamDetector();
    const r = gaussian(mulberry32(11));
    let small = 0;
    const n = 50_000;
    for (let i = 0; i < n; i++) if (d.update(ts(i), r()).p <= 1e-3 && i > WARMUP_READINGS) small++;
    // Expected 50; the combination over four kinds of evidence is conservative, never 10× off.
    expect(small).toBeGreaterThan(5);
    expect(small).toBeLessThan(150);
  });
});
