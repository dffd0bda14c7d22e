import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Command } from 'commander';
import { streamIo } from '@gridproof/api-client';
import { DEFAULT_DETECT_THRESHOLD, DEFAULT_EPISODE_GAP_ROWS, DetectionEngine, EPOCH_UNITS, gaussian, mulberry32 } from '@gridproof/detect';
import { parse } from 'csv-parse/sync';
import { HELP_DEFAULTS, registerDetectCommands } from './detect.commands';

/**
 * The analyst's commands end to end on small generated files: train on any CSV, detect with the
 * model, and the errors a wrong input gets.
 */
function cli() {
  const out: string[] = [];
  const err: string[] = [];
  const writer = (into: string[]) => new Writable({ write: (c: Buffer, _e, done) => (into.push(c.toString()), done()) });
  const program = new Command().exitOverride();
  registerDetectCommands(program, streamIo(writer(out), writer(err)));
  return { run: (...args: string[]) => program.parseAsync(['node', 'gridproof', ...args]), out, err };
}

/**
 * Two hosts of a pump station, every minute: flow and pressure move together (pressure ≈ 2 × flow)
 * through a daily cycle; from row `breakAt` on, on host p1, pressure stops following flow.
 */
function pumpCsv(rows: number, breakAt = Infinity, delimiter = ','): string {
  const g = gaussian(mulberry32(7));
  const lines = [['time', 'host', 'flow', 'pressure', 'state'].join(delimiter)];
  const t0 = Date.UTC(2025, 0, 6);
  for (let i = 0; i < rows; i++) {
    for (const host of ['p1', 'p2']) {
      const flow = 50 + 20 * Math.sin((2 * Math.PI * i) / 1440) + g();
      const pressure = host === 'p1' && i >= breakAt ? 100 - 2 * (flow - 50) + g() : 2 * flow + g();
      // Offsets in the file: the reader must honour them (+01:00 here).
      const local = new Date(t0 + i * 60_000 + 3_600_000).toISOString().replace('Z', '+01:00');
      lines.push([local, host, flow.toFixed(3), pressure.toFixed(3), 'run'].join(delimiter));
    }
  }
  return lines.join('\n') + '\n';
}

describe('registerDetectCommands', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gp-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("shows the detection lib's own defaults in --help (written in the CLI so that --help does not load the lib)", () => {
    expect(HELP_DEFAULTS.threshold).toBe(DEFAULT_DETECT_THRESHOLD);
    expect(HELP_DEFAULTS.episodeGapRows).toBe(DEFAULT_EPISODE_GAP_ROWS);
    expect([...HELP_DEFAULTS.epochUnits]).toEqual([...EPOCH_UNITS]);
  });

  it('trains a custom profile on any CSV and detect --model applies it, catching a correlation break', async () => {
    const file = join(dir, 'pumps.csv');
    writeFileSync(file, pumpCsv(3000, 2500, ';'));
    const models = join(dir, 'models');
    const c = cli();
    await c.run('train', '--input', file, '--profile', 'pump-station', '--entity-column', 'host', '--exclude', 'state', '--train-rows', '2000', '--epochs', '8', '--models-dir', models);
    expect(c.out.join('')).toMatch(/^pump-station: version \d{8}T\d{6}Z → /);
    expect(c.out.join('')).toMatch(/trained on 4000 of 6000 rows \(2 entities, 2025-01-06T00:00:00.000Z to /);
    const [version] = readdirSync(join(models, 'pump-station'));
    const profile = JSON.parse(readFileSync(join(models, 'pump-station', version, 'profile.json'), 'utf8')) as Record<string, unknown>;
    expect(profile).toMatchObject({ name: 'pump-station', builtIn: false, columns: ['flow', 'pressure'], entityColumn: 'host', timestampColumn: 'time' });

    const scored = join(dir, 'scored.csv');
    const episodes = join(dir, 'episodes.csv');
    await c.run('detect', '--model', join(models, 'pump-station'), '--input', file, '--output', scored, '--episodes', episodes, '--warmup-rows', '2000');
    const rows = parse(readFileSync(scored), { columns: true, delimiter: ';' }) as Array<Record<string, string>>;
    expect(rows).toHaveLength(6000);
    const model = (host: string, from: number, to: number) => rows.filter((r, k) => r.host === host && k >= 2 * from && k < 2 * to).map((r) => Number(r.anomaly_model_score || 0));
    const max = (a: number[]) => Math.max(...a);
    // The break: each metric stays in its range, only their relation changes.
    expect(max(model('p1', 2600, 3000))).toBeGreaterThanOrEqual(0.7);
    expect(max(model('p2', 2600, 3000))).toBeLessThan(0.7);
    const ep = parse(readFileSync(episodes), { columns: true }) as Array<Record<string, string>>;
    expect(ep.some((e) => e.entity === 'p1' && e.evidence.split(';').includes('autoencoder'))).toBe(true);
    expect(c.err.join('')).toMatch(/detect: 6000 rows of 2 entities, metrics flow, pressure; model pump-station\//);
  }, 60_000);

  it('trains a built-in type from a CSV with --train-until; the service loads that model for the type', async () => {
    const g = gaussian(mulberry32(3));
    const lines = ['ts,device,power_w,voltage_v,current_a'];
    for (let i = 0; i < 600; i++) {
      const p = 2000 + 500 * Math.sin(i / 30) + 20 * g();
      lines.push(`${1_736_121_600 + i * 60},m${i % 3},${p.toFixed(1)},${(230 + g()).toFixed(2)},${(p / 230).toFixed(3)}`);
    }
    const file = join(dir, 'meters.csv');
    writeFileSync(file, lines.join('\n'));
    const models = join(dir, 'models');
    const c = cli();
    await c.run('train', '--input', file, '--type', 'smart-meter', '--columns', 'power_w,voltage_v,current_a', '--train-until', '2025-01-06T05:00:00Z', '--epochs', '2', '--models-dir', models);
    expect(c.out.join('')).toMatch(/trained on 300 of 600 rows \(3 entities/);
    expect(c.out.join('')).toMatch(/the service loads it for smart-meter devices/);
    const engine = new DetectionEngine(1000);
    try {
      const { loaded, problems } = await engine.useModelsDir(models, () => undefined);
      expect(problems).toEqual([]);
      expect(Object.keys(loaded)).toEqual(['smart-meter']);
    } finally {
      engine.dispose();
    }
    await expect(c.run('train', '--input', file, '--type', 'smart-meter', '--columns', 'power_w,temp', '--models-dir', models)).rejects.toThrow(/smart-meter has no metric temp/);
  }, 60_000);

  it('refuses a --csv folder that is not a firmware-sim export, saying what to run instead, and writes nothing', async () => {
    writeFileSync(join(dir, 'other.csv'), pumpCsv(50));
    const models = join(dir, 'models');
    await expect(cli().run('train', '--csv', dir, '--models-dir', models)).rejects.toThrow(`${dir} is not a firmware-sim export`);
    await expect(cli().run('train', '--csv', dir, '--models-dir', models)).rejects.toThrow(`gridproof train --input ${join(dir, 'other.csv')} --profile NAME`);
    await expect(cli().run('train', '--input', join(dir, 'other.csv'), '--models-dir', models)).rejects.toThrow(/give --type TYPE .* or --profile NAME/);
    await expect(cli().run('train', '--input', join(dir, 'other.csv'), '--profile', 'Bad Name', '--models-dir', models)).rejects.toThrow(/--profile 'Bad Name'/);
    expect(existsSync(models)).toBe(false);
  });

  it('stops detect at bad input with the line and column and the data-error exit code', async () => {
    const file = join(dir, 'bad.csv');
    writeFileSync(file, 'timestamp\tvalue\n2025-01-01T00:00:00Z\t1\n2025-01-01T00:01:00Z\t1.2.3\n');
    const error = await cli().run('detect', '--input', file, '--output', join(dir, 'out.csv')).catch((e: unknown) => e as Error & { exitCode?: number });
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe("line 3, column 'value': '1.2.3' is not a number; leave the column out with --exclude value");
    expect((error as { exitCode?: number }).exitCode).toBe(65);
    await expect(cli().run('detect', '--input', join(dir, 'none.csv'))).rejects.toThrow(/no input file/);
    await expect(cli().run('detect', '--input', file, '--threshold', '2')).rejects.toThrow(/--threshold must be a score between 0 and 1/);
  });
});
