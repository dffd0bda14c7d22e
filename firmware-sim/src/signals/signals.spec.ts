import { CATALOGUE, checkReadings, DEVICE_TYPES, deviceAttributes, parseTelemetry } from '@gridproof/telemetry';
import { createSimulation, FleetFile, parseFleet, registrationMetadata } from '..';

// One device of every type and variant, at a mid-latitude, a southern and an arctic site
// (polar night and midnight sun are where irradiance and temperature models break).
const FLEET = parseFleet(`
name: year-check
sites:
  - { id: mid, lat: 47.99, lon: 7.85 }
  - { id: south, lat: -33.87, lon: 151.21 }
  - { id: arctic, lat: 69.65, lon: 18.96 }
groups:
${['mid', 'south', 'arctic']
  .map(
    (site) => `
  - { type: smart-meter, count: 1, idPrefix: ${site}-res-, sites: [${site}], params: { profile: residential, pvKw: 8 } }
  - { type: smart-meter, count: 1, idPrefix: ${site}-com-, sites: [${site}], params: { profile: commercial } }
  - { type: pv-inverter, count: 1, idPrefix: ${site}-inv-, sites: [${site}], params: { ratedKw: 50 } }
  - { type: battery, count: 1, idPrefix: ${site}-bat-, sites: [${site}] }
  - { type: battery, count: 1, idPrefix: ${site}-arb-, sites: [${site}], params: { schedule: arbitrage, capacityKwh: 500 } }
  - { type: ev-charger, count: 1, idPrefix: ${site}-ac-, sites: [${site}], params: { sessionsPerDay: 12 } }
  - { type: ev-charger, count: 1, idPrefix: ${site}-dc-, sites: [${site}], params: { kind: dc, sessionsPerDay: 30 } }
  - { type: air-quality, count: 1, idPrefix: ${site}-aq-, sites: [${site}] }
  - { type: weather, count: 1, idPrefix: ${site}-wx-, sites: [${site}] }`,
  )
  .join('')}
`);

const DAY = 86_400_000;

describe(registrationMetadata.name, () => {
  it("registers a PV inverter's simulated array power (kWp) as its nameplate, valid for the registry", () => {
    // The array's DC peak power: the AC rating times the DC/AC ratio the model sizes it with.
    const metadata = registrationMetadata({ type: 'pv-inverter', params: { ratedKw: 30, dcRatio: 1.1 }, metadata: { floor: 2 } });
    expect(metadata).toEqual({ rated_power_kwp: 33, floor: 2 });
    expect(deviceAttributes('pv-inverter', metadata)).toEqual({ values: { rated_power_kwp: 33 }, problems: [] });
    // Without parameters the model runs at its defaults (10 kW AC, ratio 1.2), and registers that.
    expect(registrationMetadata({ type: 'pv-inverter', params: {} })).toEqual({ rated_power_kwp: 12 });
    expect(registrationMetadata({ type: 'weather', params: {} })).toBeUndefined();
  });
});

describe('signal models', () => {
  // A simulated year, sampled sparsely: a 1-day window every 14 days, 10-minute readings.
  const windows = Array.from({ length: 27 }, (_, i) => Date.UTC(2025, 0, 1) + i * 14 * DAY);

  it('keeps every metric of every type inside its catalogue schema over a simulated year', () => {
    const seen = new Map<string, Set<string>>();
    const problems: string[] = [];
    let checked = 0;
    for (const start of windows) {
      const fleet: FleetFile = { ...FLEET, defaults: { intervalS: 600, bufferSize: 5000 } };
      const sim = createSimulation(fleet, { seed: 7, start });
      const last = new Map<string, Record<string, number | string>>();
      for (const s of sim.until(start + DAY)) {
        // Every metric of the type is produced, in catalogue order.
        if (Object.keys(s.readings).join() !== Object.keys(CATALOGUE[s.type].metrics).join()) problems.push(`${s.device}: metrics ${Object.keys(s.readings).join()}`);
        checkReadings(s.type, s.readings);
        const payload = JSON.stringify({ v: 1, device: s.device, ts: s.ts, seq: checked, readings: s.readings });
        parseTelemetry(payload, { deviceId: s.device, type: s.type, maxBytes: 4096 });
        const prev = last.get(s.device);
        for (const [name, spec] of Object.entries(CATALOGUE[s.type].metrics)) {
          if (spec.kind === 'number' && spec.cumulative && prev) {
            if ((s.readings[name] as number) < (prev[name] as number)) problems.push(`${s.device}: ${name} went backwards`);
          }
        }
        last.set(s.device, s.readings);
        if (s.type === 'ev-charger') {
          const statuses = seen.get(s.type) ?? new Set<string>();
          statuses.add(s.readings.status as string);
          seen.set(s.type, statuses);
        }
        checked++;
      }
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(27 * 27 * 140);
    // The OCPP walk is exercised, not just Available.
    expect([...seen.get('ev-charger')!]).toEqual(expect.arrayContaining(['Available', 'Preparing', 'Charging', 'SuspendedEV', 'Finishing']));
  });

  it('produces sun-driven PV power by day and standby draw at night', () => {
    const sim = createSimulation({ ...FLEET, defaults: { intervalS: 600, bufferSize: 10 } }, { seed: 3, start: '2025-06-21T00:00:00Z' });
    let noon = 0;
    let midnight = 0;
    for (const s of sim.until(Date.parse('2025-06-22T00:00:00Z'))) {
      if (s.device !== 'mid-inv-0001') continue;
      const hour = new Date(s.t).getUTCHours();
      if (hour === 11) noon = Math.max(noon, s.readings.ac_power_w as number);
      if (hour === 23) midnight = s.readings.ac_power_w as number;
    }
    expect(noon).toBeGreaterThan(15_000);
    expect(midnight).toBeLessThan(0);
  });

  it('correlates the weather of nearby sites more than distant ones', () => {
    const fleet = parseFleet(`
name: corr
defaults: { intervalS: 1800 }
sites:
  - { id: a, lat: 48.00, lon: 7.85 }
  - { id: b, lat: 48.03, lon: 7.88 }
  - { id: far, lat: 38.7, lon: -9.1 }
groups:
  - { type: weather, count: 1, idPrefix: a-, sites: [a] }
  - { type: weather, count: 1, idPrefix: b-, sites: [b] }
  - { type: weather, count: 1, idPrefix: far-, sites: [far] }
`);
    const sim = createSimulation(fleet, { seed: 11, start: '2025-03-01T00:00:00Z' });
    const series: Record<string, number[]> = { 'a-0001': [], 'b-0001': [], 'far-0001': [] };
    for (const s of sim.until(Date.parse('2025-04-15T00:00:00Z'))) series[s.device].push(s.readings.pressure_hpa as number);
    const corr = (x: number[], y: number[]) => {
      const n = Math.min(x.length, y.length);
      const mx = x.slice(0, n).reduce((a, b) => a + b, 0) / n;
      const my = y.slice(0, n).reduce((a, b) => a + b, 0) / n;
      let sxy = 0, sxx = 0, syy = 0;
      for (let i = 0; i < n; i++) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) ** 2;
        syy += (y[i] - my) ** 2;
      }
      return sxy / Math.sqrt(sxx * syy);
    };
    expect(corr(series['a-0001'], series['b-0001'])).toBeGreaterThan(0.9);
    expect(corr(series['a-0001'], series['b-0001'])).toBeGreaterThan(corr(series['a-0001'], series['far-0001']) + 0.3);
  });

  it('covers every device type of the catalogue', () => {
    const types = new Set(createSimulation(FLEET, { seed: 1, start: 0 }).fleet.devices.map((d) => d.type));
    expect([...types].sort()).toEqual([...DEVICE_TYPES].sort());
  });
});
