import { applyRule, applyStreamRule, EVIDENCE_CODES, PersistenceGate, StreamScores } from './alarm-rules';
import { evaluate } from './evaluation';

const ts = Array.from({ length: 40 }, (_, i) => i * 300_000);

function streams(spec: Record<string, Array<[number, keyof typeof EVIDENCE_CODES]>>): StreamScores {
  return {
    device: 'd',
    ts,
    end: ts[ts.length - 1],
    metrics: Object.entries(spec).map(([name, hits]) => {
      const scores = new Float32Array(ts.length).fill(0.1);
      const kinds = new Uint8Array(ts.length);
      for (const [i, kind] of hits) {
        scores[i] = 1;
        kinds[i] = EVIDENCE_CODES[kind];
      }
      // No peers in these tests: nothing is shared.
      return { name, scores, kinds, peer: new Float32Array(ts.length).fill(Infinity) };
    }),
  };
}

describe('alarm rules', () => {
  it('needs k of the last n readings above the threshold before it alarms', () => {
    const scores = ts.map((_, i) => ([3, 10, 12, 13].includes(i) ? 0.95 : 0.2));
    expect(applyRule({ device: 'd', ts, scores, end: 0 }, { threshold: 0.9, k: 1, n: 1 })).toEqual([3, 10, 12, 13].map((i) => ts[i]));
    expect(applyRule({ device: 'd', ts, scores, end: 0 }, { threshold: 0.9, k: 3, n: 4 })).toEqual([ts[13]]);
  });

  it('does not add up one-off flags of different metrics', () => {
    const s = streams({ a: [[5, 'point']], b: [[6, 'point']], c: [[7, 'point']] });
    expect(applyStreamRule(s, { kinds: 1, threshold: 0.9, k: 2, n: 6 })).toEqual([]);
    const repeated = streams({ a: [[5, 'point'], [7, 'point']] });
    expect(applyStreamRule(repeated, { kinds: 1, threshold: 0.9, k: 2, n: 6 })).toEqual([ts[7]]);
  });

  it('counts only the evidence kinds and the metric the rule names', () => {
    const s = streams({ a: [[5, 'drift'], [6, 'drift']], b: [[5, 'stuck'], [6, 'stuck']] });
    expect(applyStreamRule(s, { kinds: 1 << EVIDENCE_CODES.stuck, threshold: 0.9, k: 2, n: 3 })).toEqual([ts[6]]);
    expect(applyStreamRule(s, { kinds: 1 << EVIDENCE_CODES.stuck, threshold: 0.9, k: 2, n: 3, metric: 'a' })).toEqual([]);
  });
});

describe(evaluate.name, () => {
  const labels = [{ device: 'd', type: 'battery', kind: 'cell-imbalance', start: 1000, onset: 1100, failure: 5000 }];

  it('needs an alarm before the failure to count a degradation as detected', () => {
    const late = evaluate([{ device: 'd', alarms: [6000], end: 9000 }], labels);
    expect(late.detected).toBe(0);
    const early = evaluate([{ device: 'd', alarms: [2000], end: 9000 }], labels);
    expect(early.detected).toBe(1);
    expect(early.leadTimesH[0]).toBeCloseTo(3000 / 3_600_000);
  });

  it('does not count an alarm on a device that failed and is still down as a false alarm', () => {
    const r = evaluate([{ device: 'd', alarms: [2000, 2000 + 7_200_000], end: 9_000_000 }], labels);
    expect(r.episodes).toBe(2);
    expect(r.truePositiveEpisodes).toBe(2);
    expect(evaluate([{ device: 'd', alarms: [2000, 2000 + 7_200_000], end: 9_000_000 }], labels, 3_600_000, false).truePositiveEpisodes).toBe(1);
  });

  it('counts alarm episodes before a fault starts as false alarms', () => {
    const r = evaluate([{ device: 'd', alarms: [100, 2000], end: 9000 }], labels, 500);
    expect(r.episodes).toBe(2);
    expect(r.precision).toBe(0.5);
  });
});

describe(PersistenceGate.name, () => {
  it('alarms exactly where the batch rule does', () => {
    const scores = ts.map((_, i) => ([2, 3, 9, 10, 11, 20, 30, 31].includes(i) ? 0.95 : 0.1));
    const rule = { threshold: 0.9, k: 2, n: 3 };
    const gate = new PersistenceGate();
    const streamed = ts.filter((_, i) => gate.step('d', scores[i] >= rule.threshold, rule));
    expect(streamed).toEqual(applyRule({ device: 'd', ts, scores, end: 0 }, rule));
    expect(streamed.length).toBeGreaterThan(0);
  });
});

describe('lead time', () => {
  it('reports the median of an even number of lead times as the mean of the middle two', () => {
    const labels = [1, 2, 3, 4].map((i) => ({ device: `d${i}`, type: 'pv-inverter', kind: 'fan-failure', start: 0, onset: null, failure: 10 * 3_600_000 }));
    const alarms = [1, 2, 3, 4].map((i) => ({ device: `d${i}`, alarms: [i * 3_600_000], end: 20 * 3_600_000 }));
    expect(evaluate(alarms, labels).medianLeadTimeH).toBe(7.5);
  });
});
