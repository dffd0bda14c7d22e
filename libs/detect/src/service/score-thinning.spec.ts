import type { AnomalyPoint } from './anomaly-writer';
import { ScoreThinning } from './score-thinning';

const point = (device: string, ts: number, score: number, extra: Partial<AnomalyPoint> = {}): AnomalyPoint => ({
  device,
  site: 's',
  type: 'smart-meter',
  family: 'energy',
  detector: 'generic',
  ts,
  score,
  threshold: 0.9,
  isAnomaly: false,
  topMetric: 'power_w',
  modelVersion: 'generic-1',
  ...extra,
});

describe(ScoreThinning.name, () => {
  it('writes one generic point per device and interval, the highest score, when the next interval begins', () => {
    const t = new ScoreThinning(60_000, 100);
    expect(t.take([point('a', 0, 0.1), point('a', 10_000, 0.5), point('b', 5_000, 0.2), point('a', 59_999, 0.3)])).toEqual([]);
    expect(t.take([point('a', 60_000, 0.2)])).toEqual([point('a', 10_000, 0.5)]);
    expect(t.flush()).toEqual([point('a', 60_000, 0.2), point('b', 5_000, 0.2)]);
    expect(t.flush()).toEqual([]);
  });

  it('thins the multivariate points of a device on their own, next to its generic ones', () => {
    const t = new ScoreThinning(60_000, 100);
    const mv = (ts: number, score: number) => point('a', ts, score, { detector: 'multivariate', modelVersion: 'multivariate-1' });
    expect(t.take([point('a', 0, 0.1), mv(0, 0.3), mv(10_000, 0.6), point('a', 10_000, 0.2)])).toEqual([]);
    expect(t.take([mv(60_000, 0.1)])).toEqual([mv(10_000, 0.6)]);
    expect(t.flush()).toEqual([point('a', 10_000, 0.2), mv(60_000, 0.1)]);
  });

  it('writes alarms, model and maintenance points and late readings at once', () => {
    const t = new ScoreThinning(60_000, 100);
    const alarm = point('a', 1_000, 0.95, { isAnomaly: true });
    const model = point('a', 2_000, 0.4, { detector: 'autoencoder' });
    expect(t.take([point('a', 120_000, 0.1), alarm, model])).toEqual([alarm, model]);
    expect(t.take([point('a', 30_000, 0.2)])).toEqual([point('a', 30_000, 0.2)]);
  });

  it('gives up a quiet device\'s point after one interval of wall-clock time, and writes everything with interval 0', () => {
    let now = 0;
    const t = new ScoreThinning(60_000, 100, () => now);
    t.take([point('a', 0, 0.1)]);
    now = 30_000;
    expect(t.takeStale()).toEqual([]);
    now = 60_000;
    expect(t.takeStale()).toEqual([point('a', 0, 0.1)]);
    const all = [point('a', 0, 0.1), point('a', 1, 0.2)];
    expect(new ScoreThinning(0, 100).take(all)).toEqual(all);
  });

  it('holds at most maxHeld devices: at the bound the held points are written', () => {
    const t = new ScoreThinning(60_000, 2);
    t.take([point('a', 0, 0.1), point('b', 0, 0.1)]);
    expect(t.take([point('c', 0, 0.3)])).toEqual([point('a', 0, 0.1), point('b', 0, 0.1)]);
  });
});
