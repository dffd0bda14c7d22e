import { AnomalyLineCache, anomalyLine, AnomalyPoint } from './anomaly-writer';

describe(AnomalyLineCache.name, () => {
  it('writes the same line as anomalyLine, also after a device moves site or changes type and for tags that need escaping', () => {
    const cache = new AnomalyLineCache(3);
    const base: AnomalyPoint = { device: 'inv-1', site: 's1', type: 'pv-inverter', family: 'energy', detector: 'generic', ts: 1_700_000_000_123.7, score: 0.25, threshold: 0.9, isAnomaly: false, topMetric: 'ac_power_w', modelVersion: 'generic-1' };
    const points: AnomalyPoint[] = [
      base,
      { ...base, ts: base.ts + 1, score: 0.97, isAnomaly: true, topMetric: 'heatsink_temp_c' },
      { ...base, detector: 'autoencoder', modelVersion: 'pv-inverter-2025-05-01' },
      { ...base, site: 's2' },
      { ...base, site: '' },
      { ...base, type: 'battery' },
      { ...base, device: 'odd,dev=ice 1', site: 'a site', topMetric: 'say "hi" \\ there' },
      { ...base, device: 'inv-2' },
      { ...base, device: 'inv-3' },
      { ...base, device: 'inv-4' },
      base,
    ];
    for (const p of [...points, ...points]) expect(cache.line(p)).toBe(anomalyLine(p));
  });
});
