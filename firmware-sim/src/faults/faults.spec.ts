import { createSimulation, FleetFile, parseFleet, SimSample } from '..';

const START = Date.parse('2025-06-02T00:00:00Z');
const DAY = 86_400_000;

/** One device of each kind, no faults: the healthy counterfactual of every faulty run. */
const BASE = parseFleet(`
name: fault-check
defaults: { intervalS: 60, bufferSize: 500 }
sites: [{ id: s1, lat: 47.99, lon: 7.85 }]
devices:
  - { id: inv, type: pv-inverter, site: s1, params: { ratedKw: 20 } }
  - { id: bat, type: battery, site: s1 }
  - { id: evc, type: ev-charger, site: s1, params: { kind: dc, sessionsPerDay: 40 } }
  - { id: aq, type: air-quality, site: s1 }
`);

function run(fleet: FleetFile, device: string, days: number): SimSample[] {
  const sim = createSimulation(fleet, { seed: 5, start: START });
  const out: SimSample[] = [];
  for (const s of sim.until(START + days * DAY)) if (s.device === device) out.push(s);
  return out;
}

/** The faulty and the healthy run of one device, reading by reading, plus the fault's label. */
function pair(fault: Record<string, unknown>, days: number) {
  const faulty: FleetFile = { ...BASE, faults: [fault as FleetFile['faults'][number]] };
  const device = fault.device as string;
  const sim = createSimulation(faulty, { seed: 5, start: START });
  const bad: SimSample[] = [];
  for (const s of sim.until(START + days * DAY)) if (s.device === device) bad.push(s);
  const good = run(BASE, device, days);
  const label = sim.labels()[0];
  return { bad, good, label };
}

const num = (s: SimSample, m: string) => s.readings[m] as number;

describe('fault library', () => {
  it('fan failure: heat-sink excess appears at the labelled onset, then derating, then a trip at the labelled failure', () => {
    const { bad, good, label } = pair({ device: 'inv', kind: 'fan-failure', start: '6h', ramp: '1d', maxFactor: 10, onsetExcessC: 2 }, 3);
    expect(label.start).toBe(START + 6 * 3_600_000);
    expect(label.onset).not.toBeNull();
    expect(label.failure).not.toBeNull();
    expect(label.onset!).toBeGreaterThan(label.start);
    expect(label.failure!).toBeGreaterThan(label.onset!);
    bad.forEach((b, i) => {
      const excess = num(b, 'heatsink_temp_c') - num(good[i], 'heatsink_temp_c');
      if (b.t < label.onset!) expect(excess).toBeLessThan(2.05);
      if (b.t === label.onset) expect(excess).toBeGreaterThanOrEqual(1.95);
    });
    expect(bad.some((b) => b.t > label.onset! && b.t < label.failure! && num(b, 'derating_pct') > 0)).toBe(true);
    const atFailure = bad.find((b) => b.t === label.failure)!;
    expect(num(atFailure, 'derating_pct')).toBe(100);
    expect(num(atFailure, 'ac_power_w')).toBeLessThan(0);
    expect(good.every((g) => num(g, 'derating_pct') < 100)).toBe(true);
  });

  it('connector wear: temperature per A² climbs after the onset and the connector trips to Faulted at the failure', () => {
    const { bad, good, label } = pair({ device: 'evc', kind: 'connector-wear', start: '2h', ramp: '1d', maxFactor: 6 }, 3);
    expect(label.onset).not.toBeNull();
    expect(label.failure).not.toBeNull();
    const perA2 = (s: SimSample) => (num(s, 'connector_temp_c') - num(s, 'ambient_temp_c')) / num(s, 'current_a') ** 2;
    const charging = (xs: SimSample[], from: number, to: number) =>
      xs.filter((s) => s.t >= from && s.t < to && s.readings.status === 'Charging' && num(s, 'current_a') > 50);
    bad.forEach((b, i) => {
      if (b.t < label.onset!) expect(num(b, 'connector_temp_c') - num(good[i], 'connector_temp_c')).toBeLessThan(2.05);
    });
    const late = charging(bad, label.onset!, label.failure!);
    const healthyLate = charging(good, label.onset!, label.failure!);
    expect(late.length).toBeGreaterThan(5);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(late.slice(-5).map(perA2))).toBeGreaterThan(1.5 * mean(healthyLate.map(perA2)));
    const after = bad.filter((b) => b.t >= label.failure!);
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((b) => b.readings.status === 'Faulted' && num(b, 'current_a') === 0)).toBe(true);
    expect(bad.filter((b) => b.t < label.failure!).every((b) => b.readings.status !== 'Faulted')).toBe(true);
  });

  it('cell imbalance: the cell spread widens from the labelled onset and the BMS locks out at the failure', () => {
    const { bad, good, label } = pair({ device: 'bat', kind: 'cell-imbalance', start: '1h', ramp: '2d', maxSpreadV: 0.4, onsetV: 0.015 }, 3);
    const spread = (s: SimSample) => num(s, 'cell_voltage_max_v') - num(s, 'cell_voltage_min_v');
    bad.forEach((b, i) => {
      const extra = spread(b) - spread(good[i]);
      if (b.t < label.onset!) expect(extra).toBeLessThan(0.015);
      else if (b.t < label.failure!) expect(extra).toBeGreaterThanOrEqual(0.0149);
    });
    expect(label.failure).not.toBeNull();
    expect(bad.filter((b) => b.t >= label.failure!).every((b) => num(b, 'power_w') === 0)).toBe(true);
  });

  it('capacity fade: SoH falls below normal ageing from the onset and reaches end of life at the failure', () => {
    const { bad, good, label } = pair({ device: 'bat', kind: 'capacity-fade', start: '1h', ratePctPerDay: 12, eolPct: 70, onsetPct: 0.5 }, 3);
    bad.forEach((b, i) => {
      const loss = num(good[i], 'soh_pct') - num(b, 'soh_pct');
      if (b.t < label.onset!) expect(loss).toBeLessThan(0.52);
      else expect(loss).toBeGreaterThanOrEqual(0.48);
    });
    expect(label.failure).not.toBeNull();
    expect(num(bad.find((b) => b.t === label.failure)!, 'soh_pct')).toBeLessThanOrEqual(70);
  });

  it('contactor failure: the connector goes Faulted with no current at the labelled onset', () => {
    const { bad, label } = pair({ device: 'evc', kind: 'contactor-failure', start: '3h', mode: 'open' }, 2);
    expect(label.onset).not.toBeNull();
    expect(label.failure).toBeNull();
    expect(bad.filter((b) => b.t < label.onset!).some((b) => b.readings.status === 'Faulted')).toBe(false);
    expect(bad.filter((b) => b.t >= label.onset!).every((b) => b.readings.status === 'Faulted' && num(b, 'current_a') === 0)).toBe(true);
  });

  it('sensor drift, stuck-at and spikes alter only the named metric, from the labelled onset', () => {
    const drift = pair({ device: 'aq', kind: 'sensor-drift', start: '1h', metric: 'no2_ppb', ratePerHour: 0.5 }, 1);
    drift.bad.forEach((b, i) => {
      const d = num(b, 'no2_ppb') - num(drift.good[i], 'no2_ppb');
      expect(num(b, 'pm25_ugm3')).toBe(num(drift.good[i], 'pm25_ugm3'));
      if (b.t < drift.label.onset!) expect(Math.abs(d)).toBeLessThan(3.01);
      else expect(d).toBeGreaterThanOrEqual(2.95);
    });

    const stuck = pair({ device: 'aq', kind: 'stuck-at', start: '2h', duration: '3h', metric: 'co2_ppm' }, 1);
    const during = stuck.bad.filter((b) => b.t >= stuck.label.onset! && b.t < stuck.label.start + 3 * 3_600_000);
    expect(during.length).toBeGreaterThan(100);
    expect(new Set(during.map((b) => b.readings.co2_ppm)).size).toBe(1);
    expect(stuck.bad.filter((b) => b.t < stuck.label.start).every((b, i) => b.readings.co2_ppm === stuck.good[i].readings.co2_ppm)).toBe(true);

    const spikes = pair({ device: 'aq', kind: 'spikes', start: '1h', metric: 'pm10_ugm3', ratePerHour: 3 }, 1);
    const diffs = spikes.bad.map((b, i) => ({ t: b.t, d: Math.abs(num(b, 'pm10_ugm3') - num(spikes.good[i], 'pm10_ugm3')) }));
    expect(diffs.filter((x) => x.t < spikes.label.onset!).every((x) => x.d === 0)).toBe(true);
    expect(diffs.find((x) => x.t === spikes.label.onset)!.d).toBeGreaterThan(20);
    expect(diffs.filter((x) => x.d > 0).length).toBeGreaterThan(20);
  });

  it('keeps every device timestamp strictly increasing, even below 1 ms intervals', () => {
    const fast = parseFleet(`
name: sub-ms
defaults: { intervalS: 0.0004 }
sites: [{ id: s1, lat: 47.99, lon: 7.85 }]
devices:
  - { id: wx, type: weather, site: s1 }
`);
    const sim = createSimulation(fast, { seed: 5, start: START });
    const ts: number[] = [];
    for (const s of sim.until(START + 50)) ts.push(s.ts);
    expect(ts.length).toBeGreaterThan(10);
    expect(ts.every((t, i) => i === 0 || t > ts[i - 1])).toBe(true);
  });

  it('dropouts, clock skew and connectivity loss show in the samples from the labelled onset', () => {
    const drop = pair({ device: 'aq', kind: 'dropouts', start: '1h', probability: 0.5 }, 1);
    expect(drop.bad.filter((b) => b.t < drop.label.onset!).every((b) => b.missing.length === 0)).toBe(true);
    expect(drop.bad.find((b) => b.t === drop.label.onset)!.missing.length).toBe(6);

    const skew = pair({ device: 'aq', kind: 'clock-skew', start: '1h', offset: '90s' }, 1);
    expect(skew.bad.filter((b) => b.t < skew.label.start).every((b) => b.ts === b.t)).toBe(true);
    expect(skew.bad.filter((b) => b.t >= skew.label.onset!).every((b) => b.ts === b.t + 90_000)).toBe(true);

    // A clock set back (NTP step, RTC reset) must not repeat or reorder timestamps: GridProof
    // rejects a ts not above the device's last (it would overwrite that reading in InfluxDB), so
    // the firmware holds ts at last + 1 ms until its clock passes the last one sent.
    const back = pair({ device: 'aq', kind: 'clock-skew', start: '1h', offset: '-150s' }, 1);
    expect(back.bad.every((b, i) => i === 0 || b.ts > back.bad[i - 1].ts)).toBe(true);
    const jump = back.bad.findIndex((b) => b.t >= back.label.start);
    expect(back.bad.slice(jump, jump + 3).map((b) => b.ts - back.bad[jump - 1].ts)).toEqual([1, 2, 30_000]);
    expect(back.bad.filter((b) => b.t >= back.label.start + 300_000).every((b) => b.ts === b.t - 150_000)).toBe(true);

    // 10 h offline at one reading a minute = 600 readings; the buffer holds 500: 100 lost.
    const loss = pair({ device: 'aq', kind: 'connectivity-loss', start: '1h', duration: '10h' }, 1);
    const offline = loss.bad.filter((b) => b.offline);
    expect(offline.length).toBe(600);
    expect(offline[0].t).toBe(loss.label.onset);
    expect(offline.filter((b) => b.lost).length).toBe(100);
    expect(offline.slice(0, 100).every((b) => b.lost)).toBe(true);
  });

  it('rejects a fault that does not fit its device', () => {
    expect(() => createSimulation({ ...BASE, faults: [{ device: 'aq', kind: 'fan-failure', start: '0s', ramp: '1d', maxFactor: 8, onsetExcessC: 2 }] }, { seed: 1, start: START })).toThrow(/applies to pv-inverter, not air-quality/);
    expect(() => createSimulation({ ...BASE, faults: [{ device: 'inv', kind: 'spikes', start: '0s', metric: 'energy_total_kwh', ratePerHour: 1 }] }, { seed: 1, start: START })).toThrow(/cumulative/);
  });
});
