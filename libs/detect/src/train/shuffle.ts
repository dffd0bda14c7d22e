import { mulberry32 } from '../generic/synthetic';

/** A seeded Fisher–Yates shuffle (a copy). */
export function shuffled<T>(items: T[], seed: number): T[] {
  const r = mulberry32(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
