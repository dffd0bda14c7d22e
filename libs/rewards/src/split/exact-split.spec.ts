import { splitExactly } from './exact-split';

describe(splitExactly.name, () => {
  const sum = (m: Map<string, bigint>) => [...m.values()].reduce((a, b) => a + b, 0n);

  it('gives out every base unit of the pool, the remainder to the largest fractions', () => {
    // 10 units by 1:1:1: 3 each, one left; the fractions tie, so the lowest key gets it.
    const { shares, unallocated } = splitExactly(10n, [
      { key: 'b', weight: 1n },
      { key: 'a', weight: 1n },
      { key: 'c', weight: 1n },
    ]);
    expect(Object.fromEntries(shares)).toEqual({ a: 4n, b: 3n, c: 3n });
    expect(unallocated).toBe(0n);
  });

  it('gives the remainder by fractional part before key order', () => {
    // 100 by 1:2:4 (W = 7): exact 14.29, 28.57, 57.14 → floors 14 + 28 + 57 = 99; b's .57 is largest.
    const { shares } = splitExactly(100n, [
      { key: 'a', weight: 1n },
      { key: 'b', weight: 2n },
      { key: 'c', weight: 4n },
    ]);
    expect(Object.fromEntries(shares)).toEqual({ a: 14n, b: 29n, c: 57n });
  });

  it('splits a pool of 18-decimal tokens among many weights with no dust', () => {
    const pool = 1_000n * 10n ** 18n + 7n;
    const entries = Array.from({ length: 997 }, (_, i) => ({ key: `d${i}`, weight: BigInt((i * 7919) % 1009) * 10n ** 9n + 1n }));
    const { shares } = splitExactly(pool, entries);
    expect(sum(shares)).toBe(pool);
  });

  it('leaves a pool with no positive weight unallocated', () => {
    expect(splitExactly(5n, [{ key: 'a', weight: 0n }])).toEqual({ shares: new Map(), unallocated: 5n });
  });
});
