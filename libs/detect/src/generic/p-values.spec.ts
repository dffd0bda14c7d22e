import { acat, CauchyCombiner, nlpOf } from './p-values';

describe('acat', () => {
  it('is the p-value itself for one p-value', () => {
    for (const p of [0.5, 0.1, 1e-3, 1e-9, 1e-200]) expect(acat([p]) / p).toBeCloseTo(1, 6);
  });

  it('is about the harmonic mean of small p-values: one tiny p carries m of them', () => {
    expect(acat([1e-8, 0.5, 0.5, 0.5]) / 4e-8).toBeCloseTo(1, 2);
    // Several moderately small p-values add up (Bonferroni's min-p would give 4 × 1e-3).
    expect(acat([1e-3, 1e-3, 1e-3, 1e-3])).toBeCloseTo(1e-3, 6);
  });

  it('is not vetoed by p-values of 1', () => {
    expect(acat([1e-6, 1, 1, 1])).toBeLessThan(1e-4);
  });

  it('keeps the smallest p-value and its tag in the streaming form', () => {
    const c = new CauchyCombiner();
    c.add(0.3, 0);
    c.add(1e-5, 1);
    c.add(0.2, 2);
    expect(c.top).toBe(1);
    expect(c.p).toBeCloseTo(acat([0.3, 1e-5, 0.2]), 12);
    expect(nlpOf(c.pMin)).toBeCloseTo(5, 9);
  });
});
