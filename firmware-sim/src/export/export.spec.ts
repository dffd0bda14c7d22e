import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CATALOGUE } from '@gridproof/telemetry';
import { exportCsv, loadFleet } from '..';

const DEMO = join(__dirname, '../../fleets/demo.yaml');
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'gp-sim-export-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const FILES = ['smart-meter.csv', 'pv-inverter.csv', 'battery.csv', 'ev-charger.csv', 'air-quality.csv', 'weather.csv', 'labels.csv', 'fleet.json'];

describe('exportCsv', () => {
  const window = { from: '2025-06-02T04:00:00Z', to: '2025-06-02T10:00:00Z' };

  it('gives byte-identical output for identical seeds, and different output for another seed', async () => {
    const fleet = loadFleet(DEMO);
    const [a, b, c] = [tmp(), tmp(), tmp()];
    await exportCsv({ fleet, ...window, seed: 9, outDir: a });
    await exportCsv({ fleet, ...window, seed: 9, outDir: b });
    await exportCsv({ fleet, ...window, seed: 10, outDir: c });
    for (const f of FILES) expect(readFileSync(join(b, f)).equals(readFileSync(join(a, f)))).toBe(true);
    expect(readFileSync(join(c, 'battery.csv')).equals(readFileSync(join(a, 'battery.csv')))).toBe(false);
  });

  it('writes one file per type with the catalogue header, labels and the resolved fleet', async () => {
    const out = tmp();
    const result = await exportCsv({ fleet: loadFleet(DEMO), ...window, seed: 1, outDir: out });
    const battery = readFileSync(join(out, 'battery.csv'), 'utf8').trim().split('\n');
    expect(battery[0]).toBe(['timestamp', 'device', 'site', ...Object.keys(CATALOGUE.battery.metrics)].join(','));
    expect(battery[1]).toMatch(/^2025-06-02T04:00:\d\d\.\d{3}Z,bat-/);
    expect(battery.length - 1).toBe(result.rows.battery);
    const labels = readFileSync(join(out, 'labels.csv'), 'utf8').trim().split('\n');
    expect(labels[0]).toBe('device,type,kind,start,onset,failure');
    expect(labels).toContain('aq-altstadt-01,air-quality,spikes,2025-06-02T05:02:00.000Z,' + new Date(result.labels.find((l) => l.kind === 'spikes')!.onset!).toISOString() + ',');
    const fleet = JSON.parse(readFileSync(join(out, 'fleet.json'), 'utf8'));
    expect(fleet.devices).toHaveLength(12);
    expect(fleet.seed).toBe(1);
    expect(fleet.start).toBe('2025-06-02T04:00:00.000Z');
  });

  it('leaves the cells of dropped-out readings empty', async () => {
    const fleet = loadFleet(DEMO);
    fleet.faults = [{ device: 'wx-messe-01', kind: 'dropouts', start: '0s', probability: 1, metrics: ['rain_mm_h'] }];
    const out = tmp();
    await exportCsv({ fleet, ...window, seed: 1, outDir: out });
    const rows = readFileSync(join(out, 'weather.csv'), 'utf8').trim().split('\n').slice(1);
    expect(rows.length).toBeGreaterThan(100);
    expect(rows.every((r) => r.endsWith(','))).toBe(true);
  });
});
