import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Command } from 'commander';
import { streamIo } from '@gridproof/api-client';
import { gaussian, mulberry32 } from '@gridproof/detect';
import { sharedInfluxUrl, uniqueName } from '@gridproof/testing';
import { registerDetectCommands } from './detect.commands';

/** `gridproof train --influx-from … --influx-to … --type TYPE` with chosen columns and span, against a real InfluxDB. */
describe('gridproof train from an InfluxDB range with --type and --columns', () => {
  it('trains on the chosen metrics of the devices in the range, each device its own entity', async () => {
    const url = sharedInfluxUrl();
    const database = uniqueName('train_influx');
    await fetch(`${url}/query?q=${encodeURIComponent(`CREATE DATABASE ${database}`)}`, { method: 'POST' });
    const g = gaussian(mulberry32(5));
    const t0 = Date.UTC(2025, 4, 1);
    const lines: string[] = [];
    for (let i = 0; i < 300; i++) {
      for (const device of ['m1', 'm2']) {
        const p = 1500 + 400 * Math.sin(i / 20) + 10 * g();
        lines.push(`energy,device=${device},site=s1,type=smart-meter power_w=${p.toFixed(1)},voltage_v=${(230 + g()).toFixed(2)},current_a=${(p / 230).toFixed(3)},energy_import_kwh=${(i * 0.025).toFixed(3)} ${t0 + i * 60_000}`);
      }
    }
    const res = await fetch(`${url}/write?db=${database}&precision=ms`, { method: 'POST', body: lines.join('\n') });
    expect(res.status).toBe(204);

    const dir = mkdtempSync(join(tmpdir(), 'gp-train-influx-'));
    const out: string[] = [];
    const sink = (into: string[]) => new Writable({ write: (c: Buffer, _e, done) => (into.push(c.toString()), done()) });
    try {
      const program = new Command().exitOverride();
      registerDetectCommands(program, streamIo(sink(out), sink([]), { INFLUX_URL: url, INFLUX_DATABASE: database }));
      await program.parseAsync(['node', 'gridproof', 'train', '--influx-from', '2025-05-01T00:00:00Z', '--influx-to', '2025-05-02T00:00:00Z', '--type', 'smart-meter', '--columns', 'power_w,current_a,energy_import_kwh', '--train-rows', '200', '--epochs', '2', '--models-dir', dir]);
      expect(out.join('')).toMatch(/trained on 400 of 600 rows \(2 entities, 2025-05-01T00:00:00.000Z to 2025-05-01T03:19:00.000Z\)/);
      const [version] = readdirSync(join(dir, 'smart-meter'));
      const meta = JSON.parse(readFileSync(join(dir, 'smart-meter', version, 'meta.json'), 'utf8')) as { normalisation: { metrics: string[]; cumulative: boolean[] } };
      // The counter is learned on its increases, as the service scores it.
      expect(meta.normalisation).toMatchObject({ metrics: ['power_w', 'current_a', 'energy_import_kwh'], cumulative: [false, false, true] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await fetch(`${url}/query?q=${encodeURIComponent(`DROP DATABASE ${database}`)}`, { method: 'POST' });
    }
  }, 60_000);
});
