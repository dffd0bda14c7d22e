import { gaussian, mulberry32 } from '../generic/synthetic';
import { DEFAULT_ALARM_SCORE, EntityScorer } from './entity-scorer';
import { PCA_WINDOW_MS } from './streaming-pca';

const MINUTE = 60_000;
const T0 = Date.UTC(2025, 0, 6);

/**
 * Two metrics that move together (a load and the temperature it causes, both wandering slowly
 * over their whole range); from row `breakAt` on the second one follows the mirror image of the
 * first instead. Each stays inside its usual range and moves as smoothly as before, so only
 * their relation says something is wrong.
 */
function coupled(rows: number, breakAt: number, seed = 1, breakEnd = Infinity): number[][] {
  const g = gaussian(mulberry32(seed));
  const out: number[][] = [];
  for (let i = 0; i < rows; i++) {
    const load = 50 + 40 * Math.sin((2 * Math.PI * i) / 700) + g();
    const broken = i >= breakAt && i < breakEnd;
    const temp = !broken ? 20 + 0.5 * load + 0.5 * g() : 20 + 0.5 * (100 - load) + 0.5 * g();
    out.push([load, temp]);
  }
  return out;
}

function scoreAll(rows: number[][]) {
  const scorer = new EntityScorer(['load_w', 'temp_c']);
  return rows.map((r, i) => scorer.score(T0 + i * MINUTE, r));
}

describe(EntityScorer.name, () => {
  it('catches a correlation break that each metric on its own misses', () => {
    // The mirror image crosses the old relation at load = 50: start the break there.
    const breakAt = 3 * 700;
    const scores = scoreAll(coupled(3_000, breakAt));
    const window = scores.slice(breakAt, breakAt + 200);
    // Per metric: nothing unusual (no reading anywhere near the alarm level).
    const perMetricMax = Math.max(...window.map((s) => s.metricsNlp));
    expect(perMetricMax).toBeLessThan(DEFAULT_ALARM_SCORE * 6);
    // The multivariate model: the broken relation, named as such, and the row alarms.
    const alarms = window.filter((s) => s.score >= DEFAULT_ALARM_SCORE);
    expect(alarms.length).toBeGreaterThan(10);
    expect(alarms.every((s) => s.evidence === 'correlation')).toBe(true);
  });

  // The multivariate model's reference window (PCA_WINDOW_MS, 30 days) in one-minute rows.
  const WINDOW = PCA_WINDOW_MS / MINUTE;
  const runs = (alarmRows: number[], gap: number) => alarmRows.filter((r, k) => k === 0 || r - alarmRows[k - 1] > gap).length;

  it('keeps flagging a long correlation break (500 rows) through most of it, and not after', () => {
    const breakAt = 12 * 700; // nearly six days of history, at a crossing of the two relations
    const scores = scoreAll(coupled(breakAt + 1_500, breakAt, 1, breakAt + 500));
    const during = scores.slice(breakAt, breakAt + 500).filter((s) => s.score >= DEFAULT_ALARM_SCORE);
    // The mirror image crosses the old relation twice per 700-row period, where no model can see it.
    expect(during.length).toBeGreaterThan(0.6 * 500);
    expect(during.filter((s) => s.evidence === 'correlation').length).toBeGreaterThan(0.9 * during.length);
    expect(scores.slice(200, breakAt).filter((s) => s.score >= DEFAULT_ALARM_SCORE)).toHaveLength(0);
    expect(scores.slice(breakAt + 520).filter((s) => s.score >= DEFAULT_ALARM_SCORE)).toHaveLength(0);
  });

  it('accepts a permanent change of the relation within one window (30 days), as one alarm episode', () => {
    const breakAt = 12 * 700;
    const scores = scoreAll(coupled(breakAt + WINDOW + 2_000, breakAt));
    const alarmRows = scores.map((s, i) => (i >= 200 && s.score >= DEFAULT_ALARM_SCORE ? i - breakAt : NaN)).filter((i) => i === i);
    expect(alarmRows.length).toBeGreaterThan(300);
    expect(alarmRows[0]).toBeGreaterThanOrEqual(0);
    // Accepted: no alarm once the window holds the new relation only, nor long before that.
    expect(alarmRows[alarmRows.length - 1]).toBeLessThan(WINDOW);
    // One episode: its pauses are the crossings of the two relations, which grow as the model
    // takes the new relation in (< 6 h at one-minute rows; measured 4.9 h at most).
    expect(runs(alarmRows, 360)).toBe(1);
  });

  it('stays quiet while the relation holds', () => {
    const scores = scoreAll(coupled(3_000, Infinity));
    expect(scores.slice(200).filter((s) => s.score >= DEFAULT_ALARM_SCORE)).toHaveLength(0);
  });

  it('gives every row its fused figure unclipped, per-metric evidence and the kind that fired', () => {
    const rows = coupled(600, Infinity);
    rows[500][0] += 400; // a spike on the load
    const scores = scoreAll(rows);
    const spike = scores[500];
    expect(spike.nlp).toBeGreaterThan(6);
    expect(spike.score).toBe(1);
    expect(spike.metrics.map((m) => m.name)).toEqual(['load_w', 'temp_c']);
    expect(spike.metrics[0].kind).toBe('point');
    expect(spike.metrics[0].nlp).toBeGreaterThan(spike.metrics[1].nlp);
    expect(spike.t2Nlp).not.toBeNull();
    expect(scores[10].t2Nlp).toBeNull(); // the multivariate model is still learning
  });

  it('skips empty cells (NaN) for a metric and keeps scoring the others', () => {
    const scorer = new EntityScorer(['a', 'b']);
    const r = scorer.score(T0, [1, NaN]);
    expect(r.metrics.map((m) => m.name)).toEqual(['a']);
  });
});
