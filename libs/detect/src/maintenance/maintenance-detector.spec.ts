import { createSimulation, parseFleet } from '@gridproof/firmware-sim';
import { MaintenanceDetector, MaintenanceKind } from './maintenance-detector';

/**
 * Each degradation fault on one device, a healthy twin of the same type next to it. The faults
 * start after the models' baselines (3 days of data plus a day of bins) and ramp faster than
 * in the field so that a short, seeded simulation reaches the failure.
 */
const FLEET = `
name: maintenance-spec
start: '2025-05-01T00:00:00Z'
defaults: { intervalS: 300 }
sites: [{ id: s1, lat: 47.99, lon: 7.84 }]
devices:
  - { id: inv-fan, type: pv-inverter, site: s1 }
  - { id: inv-ok, type: pv-inverter, site: s1 }
  - { id: evc-wear, type: ev-charger, site: s1, params: { sessionsPerDay: 12 } }
  - { id: evc-ok, type: ev-charger, site: s1, params: { sessionsPerDay: 12 } }
  - { id: bat-imb, type: battery, site: s1 }
  - { id: bat-fade, type: battery, site: s1 }
  - { id: bat-ok, type: battery, site: s1 }
faults:
  - { kind: fan-failure, device: inv-fan, start: 6d, ramp: 4d }
  - { kind: connector-wear, device: evc-wear, start: 6d, ramp: 4d }
  - { kind: cell-imbalance, device: bat-imb, start: 6d, ramp: 5d }
  - { kind: capacity-fade, device: bat-fade, start: 6d, ratePctPerDay: 5 }
`;

interface Outcome {
  firstRisk: Partial<Record<MaintenanceKind, { ts: number; ttfMs: number }>>;
}

function run(days: number): { outcomes: Map<string, Outcome>; failures: Map<string, { start: number; failure: number | null }> } {
  const sim = createSimulation(parseFleet(FLEET), { seed: 7 });
  const det = new MaintenanceDetector();
  const outcomes = new Map<string, Outcome>();
  for (const s of sim.until(sim.startMs + days * 86_400_000)) {
    const o = outcomes.get(s.device) ?? { firstRisk: {} };
    outcomes.set(s.device, o);
    for (const p of det.update(s.device, s.type, s.ts, s.readings)) {
      if (p.state.atRisk && !o.firstRisk[p.kind]) o.firstRisk[p.kind] = { ts: s.ts, ttfMs: p.state.timeToFailureMs! };
    }
  }
  return { outcomes, failures: new Map(sim.labels().map((l) => [l.device, { start: l.start, failure: l.failure }])) };
}

describe(MaintenanceDetector.name, () => {
  const { outcomes, failures } = run(13);

  it.each([
    ['inv-fan', 'inverter_fan'],
    ['evc-wear', 'connector_wear'],
    ['bat-imb', 'battery_imbalance'],
    ['bat-fade', 'battery_fade'],
  ] as const)('raises a failure risk on %s (%s) after the fault starts and before the labelled failure', (device, kind) => {
    const label = failures.get(device)!;
    expect(label.failure).not.toBeNull();
    const first = outcomes.get(device)!.firstRisk[kind];
    expect(first).toBeDefined();
    expect(first!.ts).toBeGreaterThan(label.start);
    expect(first!.ts).toBeLessThan(label.failure!);
    // The remaining-useful-life estimate is positive when the risk is first raised, and within the horizon.
    expect(first!.ttfMs).toBeGreaterThan(0);
    expect(first!.ttfMs).toBeLessThanOrEqual(7 * 86_400_000);
  });

  it.each(['inv-ok', 'evc-ok', 'bat-ok'])('stays quiet on the healthy device %s', (device) => {
    expect(outcomes.get(device)!.firstRisk).toEqual({});
  });

  it('does not name a battery fault on the other battery kind', () => {
    expect(outcomes.get('bat-imb')!.firstRisk.battery_fade).toBeUndefined();
    expect(outcomes.get('bat-fade')!.firstRisk.battery_imbalance).toBeUndefined();
  });
});
