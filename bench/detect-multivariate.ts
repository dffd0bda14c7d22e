/**
 * Per-row cost of the multivariate model (StreamingPca: 7-day window, refit per 1 % of it) and
 * of a whole EntityScorer row (per-metric detectors + PCA + fusion), for a device of d metrics
 * at one row per minute. Prints measured figures; no assertion.
 *
 *   npm run build && node dist/bench/detect-multivariate.js
 */
import { EntityScorer, StreamingPca } from '@gridproof/detect';

const ROWS = 30_000;
const MINUTE = 60_000;

function rows(d: number): Float64Array[] {
  const out: Float64Array[] = [];
  let seed = 1;
  const rnd = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648) - 0.5;
  for (let i = 0; i < ROWS; i++) {
    const base = Math.sin((2 * Math.PI * i) / 1_440);
    out.push(Float64Array.from({ length: d }, (_, j) => (j + 1) * base + rnd()));
  }
  return out;
}

function timePerRow(step: (i: number) => void): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < ROWS; i++) step(i);
  return Number(process.hrtime.bigint() - t0) / 1_000 / ROWS;
}

process.stdout.write(`| metrics | StreamingPca µs/row | EntityScorer µs/row |\n|---|---|---|\n`);
for (const d of [2, 5, 10, 38]) {
  const data = rows(d);
  const pca = new StreamingPca(d);
  const pcaUs = timePerRow((i) => pca.step(i * MINUTE, data[i]));
  const scorer = new EntityScorer(Array.from({ length: d }, (_, j) => `m${j}`));
  const rowUs = timePerRow((i) => scorer.score(i * MINUTE, data[i]));
  process.stdout.write(`| ${d} | ${pcaUs.toFixed(2)} | ${rowUs.toFixed(2)} |\n`);
}
