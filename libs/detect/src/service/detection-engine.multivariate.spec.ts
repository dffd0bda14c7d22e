import { createSimulation, parseFleet } from '@gridproof/firmware-sim';
import type { AnomalyEvent, DeviceRef } from '@gridproof/events';
import { familyOf } from '@gridproof/telemetry';
import { modelledMetrics } from '../multivariate/device-subspace-scorer';
import type { AlarmRulesFile } from '../train/alarm-rules-file';
import { AnomalyPoint } from './anomaly-writer';
import { DetectionEngine } from './detection-engine';

const DAY = 86_400_000;

/**
 * Two chargers at 5-minute readings for 14 days; one wears its connector from day 8 (its
 * contact heats up for the current it carries: a relation between metrics, no metric out of
 * its own range at first).
 */
const FLEET = `
name: mv-test
start: '2025-05-01T00:00:00Z'
seed: 7
defaults: { intervalS: 300, bufferSize: 5000 }
sites: [{ id: depot, lat: 48.0, lon: 7.8 }]
devices:
  - { id: evc-healthy, type: ev-charger, site: depot, params: { sessionsPerDay: 12 } }
  - { id: evc-worn, type: ev-charger, site: depot, params: { sessionsPerDay: 12 } }
faults:
  - { device: evc-worn, kind: connector-wear, start: 8d, ramp: 4d }
`;

function run(rules?: AlarmRulesFile) {
  const sim = createSimulation(parseFleet(FLEET, 'mv-test'));
  const engine = new DetectionEngine(10_000);
  if (rules) engine.setAlarmRules(rules);
  const refs = new Map<string, DeviceRef>();
  const events: AnomalyEvent[] = [];
  const points: AnomalyPoint[] = [];
  for (const s of sim.until(sim.startMs + 14 * DAY)) {
    if (s.lost) continue;
    let device = refs.get(s.device);
    if (!device) refs.set(s.device, (device = { id: s.device, type: s.type, family: familyOf(s.type), site: s.site }));
    const out = engine.scoreSlice([{ device, record: { ts: s.ts, readings: s.readings } }]);
    events.push(...out.events);
    points.push(...out.points.filter((p) => p.detector === 'multivariate'));
  }
  return { sim, events: events.filter((e) => e.detector === 'multivariate'), points, engine };
}

describe('DetectionEngine: the multivariate detector', () => {
  const { sim, events, points, engine } = run();
  const onset = sim.labels().find((l) => l.device === 'evc-worn')!.onset!;

  it('models the non-cumulative numeric metrics of a type', () => {
    expect(modelledMetrics('ev-charger')).toEqual(['power_w', 'current_a', 'voltage_v', 'session_energy_kwh', 'connector_temp_c', 'ambient_temp_c']);
    expect(modelledMetrics('battery')).not.toContain('cycle_count');
  });

  it('raises a correlation event on the worn connector after its onset, and none on the healthy charger after warm-up', () => {
    const worn = events.filter((e) => e.device.id === 'evc-worn' && e.ts >= onset);
    expect(worn.length).toBeGreaterThan(0);
    expect(worn[0].metrics.length).toBeGreaterThan(0);
    expect(['correlation', 'subspace']).toContain(worn[0].kind);
    const healthyLate = events.filter((e) => e.device.id === 'evc-healthy' && e.ts >= sim.startMs + 7 * DAY);
    expect(healthyLate).toHaveLength(0);
  });

  it('raises no event in the first day of a device (its model has not seen a daily cycle), though it scores', () => {
    expect(events.filter((e) => e.ts < sim.startMs + DAY)).toHaveLength(0);
    expect(points.filter((p) => p.ts < sim.startMs + DAY).length).toBeGreaterThan(100);
  });

  it('writes a score point per reading once warm, for both devices, and counts them', () => {
    expect(new Set(points.map((p) => p.device))).toEqual(new Set(['evc-healthy', 'evc-worn']));
    expect(points.every((p) => p.score >= 0 && p.score <= 1 && p.modelVersion === 'multivariate-1')).toBe(true);
    expect(engine.multivariate.deviceCount).toBe(2);
  });

  it('raises no event for a type whose alarm rules turn it off, and still writes the scores', () => {
    const off = run({ 'ev-charger': { generic: null, model: null, multivariate: null } });
    expect(off.events).toHaveLength(0);
    expect(off.points.length).toBe(points.length);
  });
});
