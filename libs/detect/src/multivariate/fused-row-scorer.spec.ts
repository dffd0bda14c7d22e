import { FusedRowScorer } from './fused-row-scorer';

const T0 = Date.UTC(2025, 0, 6);

describe(FusedRowScorer.name, () => {
  it('keeps entities apart and reports each metric in column order, NaN for an empty cell', () => {
    const scorer = new FusedRowScorer(['a', 'b', 'c']);
    for (let i = 0; i < 300; i++) {
      scorer.score('m1', T0 + i * 60_000, Float64Array.of(Math.sin(i / 10), 5 + Math.cos(i / 10), i % 7));
      scorer.score('m2', T0 + i * 60_000, Float64Array.of(100 + Math.sin(i / 10), 5, 1));
    }
    // m1's level of `a` is m2's spike: only m2 sees one.
    const m1 = scorer.score('m1', T0 + 300 * 60_000, Float64Array.of(100, NaN, 300 % 7));
    expect(m1.metrics[1].figure).toBeNaN();
    expect(m1.scored).toBe(2);
    expect(m1.top).toBe('a');
    const m2 = scorer.score('m2', T0 + 300 * 60_000, Float64Array.of(100 + Math.sin(30), 5, 1));
    expect(m2.figure).toBeLessThan(3);
    expect(m1.figure).toBeGreaterThan(6);
    expect(m1.kind).toBe('point');
    // Warm multivariate model: T² and SPE are reported and fused with the three metrics.
    expect(m2.multivariate).not.toBeNull();
    expect(m2.terms).toBe(5);
  });
});
