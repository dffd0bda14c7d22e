import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Command } from 'commander';
import { streamIo } from '@gridproof/api-client';
import { gaussian, mulberry32 } from '@gridproof/detect';
import { parse } from 'csv-parse/sync';
import { registerDetectCommands } from './detect.commands';

/**
 * Keeps docs/detection.md "Backtesting your own data" honest: its command block is run as
 * written, on the file it describes, and the columns it promises are the ones written.
 */
const DOC = join(__dirname, '../../../../docs/detection.md');

function section(): string {
  const text = readFileSync(DOC, 'utf8');
  const from = text.indexOf('## Backtesting your own data');
  expect(from).toBeGreaterThanOrEqual(0);
  return text.slice(from, text.indexOf('\n## ', from + 1));
}

/** fleet.csv as the section describes it: time,host,cpu,mem,disk,note; two hosts, a row a minute for two days, +01:00 times. */
function fleetCsv(): string {
  const g = gaussian(mulberry32(11));
  const lines = ['time,host,cpu,mem,disk,note'];
  const t0 = Date.UTC(2025, 2, 3);
  for (let i = 0; i < 2880; i++) {
    for (const host of ['web-1', 'web-2']) {
      const day = Math.sin((2 * Math.PI * i) / 1440);
      let cpu = 40 + 15 * day + g();
      const mem = 60 + 0.5 * g();
      const disk = 0.3 * cpu + 2 + 0.3 * g();
      // Day two, on web-1: the CPU jumps for five minutes (its disk does not follow).
      if (host === 'web-1' && i >= 2000 && i < 2005) cpu += 40;
      const time = new Date(t0 + i * 60_000 + 3_600_000).toISOString().replace('.000Z', '+01:00');
      lines.push([time, host, cpu.toFixed(2), mem.toFixed(2), disk.toFixed(2), i === 2000 && host === 'web-1' ? 'deploy' : ''].join(','));
    }
  }
  return lines.join('\n') + '\n';
}

describe('docs: Backtesting your own data', () => {
  it('runs the documented commands on the documented file, and writes the documented columns', async () => {
    const doc = section();
    const block = /```sh\n([\s\S]*?)```/.exec(doc);
    expect(block).not.toBeNull();
    const commands = block![1].split('\n').filter((l) => l.startsWith('gridproof '));
    expect(commands.length).toBeGreaterThanOrEqual(4);
    expect(doc).toContain('the header `time,host,cpu,mem,disk,note`');

    const dir = mkdtempSync(join(tmpdir(), 'gp-docs-'));
    const cwd = process.cwd();
    try {
      process.chdir(dir);
      writeFileSync('fleet.csv', fleetCsv());
      for (const command of commands) {
        const err: string[] = [];
        const program = new Command().exitOverride();
        const sink = (into: string[]) => new Writable({ write: (c: Buffer, _e, done) => (into.push(c.toString()), done()) });
        registerDetectCommands(program, streamIo(sink([]), sink(err)));
        await program.parseAsync(['node', ...command.split(/\s+/)]);
        if (command.includes('detect')) expect(err.join('')).toMatch(/^detect: 5760 rows of (1 entity|2 entities)/m);
        const scored = parse(readFileSync('scored.csv'), { columns: true }) as Array<Record<string, string>>;
        expect(scored).toHaveLength(5760);
      }
      // The last command: the model's entity column is used, and the episodes file has the documented columns.
      const columns = /Its columns: `([^`]+)`/.exec(doc)![1];
      const episodes = readFileSync('episodes.csv', 'utf8').split('\n');
      expect(episodes[0]).toBe(columns);
      const rows = parse(episodes.join('\n'), { columns: true }) as Array<Record<string, string>>;
      // The CPU jump (row 2000 of web-1, 2025-03-04T09:20Z) is an episode of web-1 involving cpu.
      const jump = rows.find((e) => e.entity === 'web-1' && e.start <= '2025-03-04T09:24:00.000Z' && e.end >= '2025-03-04T09:20:00.000Z');
      expect(jump?.metrics.split(';')).toContain('cpu');
      const scored = parse(readFileSync('scored.csv'), { columns: true }) as Array<Record<string, string>>;
      expect(Object.keys(scored[0])).toEqual(['time', 'host', 'cpu', 'mem', 'disk', 'note', 'anomaly_score', 'anomaly_neg_log10_p', 'anomaly_alarm', 'anomaly_model_score']);
      expect(scored.filter((r) => r.anomaly_alarm === '1').every((r) => r.time >= '2025-03-04T01:00:00+01:00')).toBe(true);
    } finally {
      process.chdir(cwd);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
