import { loadAlertsConfig } from '../config/alerts-config';
import { anomalySignal } from './anomaly.source';

describe('anomalySignal', () => {
  const config = loadAlertsConfig(undefined, {}).anomaly;

  it('names the driving metrics with 4 significant digits in the description, and keeps exact values in the evidence', () => {
    const signal = anomalySignal(
      {
        device: { id: 'inv-1', type: 'pv-inverter', family: 'energy', site: 'north-1' },
        ts: 1_764_780_000_000,
        score: 0.97,
        threshold: 0.9,
        detector: 'generic',
        modelVersion: 'generic-1',
        metrics: [
          { name: 'heatsink_temp_c', value: 89.75688079414428, contribution: 1 },
          { name: 'ac_power_w', value: 4187.844039707214, contribution: 0.06 },
          { name: 'status', value: 'Faulted', contribution: 0.01 },
        ],
      },
      config,
    );
    expect(signal!.description).toContain('driving metrics: heatsink_temp_c=89.76, ac_power_w=4188, status=Faulted.');
    expect(signal!.evidence.metrics![0].value).toBe(89.75688079414428);
  });
});
