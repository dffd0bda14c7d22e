import { fmix32 } from './rng';
// A module-local Math: under jest's vm sandbox every global lookup is ~100x slower, and the
// models call Math millions of times per simulated year.
const Math = globalThis.Math;

/**
 * Stateless, seeded value noise. Environment fields (clouds, weather episodes, grid frequency)
 * are pure functions of (seed, time, position): every site samples the same field, so sites
 * near each other see correlated weather, and the value never depends on how often a device
 * samples it.
 */
function lattice(seed: number, i: number, j: number, k: number): number {
  let h = fmix32(seed ^ Math.imul(i | 0, 0x27d4eb2d));
  h = fmix32(h ^ Math.imul(j | 0, 0x165667b1));
  h = fmix32(h ^ Math.imul(k | 0, 0x9e3779b1));
  return h / 4294967296;
}

const smooth = (t: number) => t * t * (3 - 2 * t);
const lerp = (a: number, b: number, t: number) => a + (b - a) * t;

/** Value noise in [0, 1) over one dimension (e.g. time in units of the feature period). */
export function noise1(seed: number, x: number): number {
  const i = Math.floor(x);
  const f = smooth(x - i);
  return lerp(lattice(seed, i, 0, 0), lattice(seed, i + 1, 0, 0), f);
}

/** Value noise in [0, 1) over three dimensions (time, x, y in feature units). */
export function noise3(seed: number, x: number, y: number, z: number): number {
  const i = Math.floor(x);
  const j = Math.floor(y);
  const k = Math.floor(z);
  const fx = smooth(x - i);
  const fy = smooth(y - j);
  const fz = smooth(z - k);
  const c000 = lattice(seed, i, j, k);
  const c100 = lattice(seed, i + 1, j, k);
  const c010 = lattice(seed, i, j + 1, k);
  const c110 = lattice(seed, i + 1, j + 1, k);
  const c001 = lattice(seed, i, j, k + 1);
  const c101 = lattice(seed, i + 1, j, k + 1);
  const c011 = lattice(seed, i, j + 1, k + 1);
  const c111 = lattice(seed, i + 1, j + 1, k + 1);
  return lerp(
    lerp(lerp(c000, c100, fx), lerp(c010, c110, fx), fy),
    lerp(lerp(c001, c101, fx), lerp(c011, c111, fx), fy),
    fz,
  );
}

/** Two octaves of 3-D noise, still in [0, 1), smoother-looking than one octave. */
export function fractal3(seed: number, x: number, y: number, z: number): number {
  return (2 * noise3(seed, x, y, z) + noise3(seed ^ 0x5bd1e995, 2 * x, 2 * y, 2 * z)) / 3;
}
