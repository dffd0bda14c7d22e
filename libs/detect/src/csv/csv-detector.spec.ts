import { PassThrough, Readable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { cleanSeries, withSpikes } from '../generic/synthetic';
import { detectCsv, parseTimestamp } from './csv-detector';

async function run(csv: string): Promise<{ rows: string[][]; text: string }> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await detectCsv(Readable.from([csv]), out);
  const text = Buffer.concat(chunks).toString('utf8');
  return { rows: parse(text, { relax_column_count: true }) as string[][], text };
}

describe('detectCsv', () => {
  it('writes exactly one output row per input row, warm-up rows included', async () => {
    const s = withSpikes(cleanSeries({ seed: 3, length: 1000, daily: 5, weekly: 0 }), [800], 40);
    const csv = ['timestamp,value', ...s.ts.map((t, i) => `${new Date(t).toISOString()},${s.values[i]}`)].join('\n');
    const { rows } = await run(csv);
    expect(rows).toHaveLength(1001);
    expect(rows[0]).toEqual(['timestamp', 'value', 'anomaly_score']);
    for (const r of rows.slice(1)) {
      const score = Number(r[2]);
      expect(score).toBeGreaterThanOrEqual(0);
      expect(score).toBeLessThanOrEqual(1);
    }
    expect(rows[1][1]).toBe(String(s.values[0]));
    expect(Number(rows[801][2])).toBeGreaterThanOrEqual(0.7);
  });

  it('keeps rows with bad timestamps and non-numeric columns, passing them through', async () => {
    const csv = 'timestamp,device,site,power_w,status\n2025-01-01T00:00:00Z,d1,s1,10,Charging\nnot-a-time,d1,s1,11,Charging\n2025-01-01T00:02:00Z,d2,s1,,Faulted\n';
    const { rows } = await run(csv);
    expect(rows).toHaveLength(4);
    expect(rows[2].slice(0, 5)).toEqual(['not-a-time', 'd1', 's1', '11', 'Charging']);
    expect(rows[3][5]).toBe('0.0000');
  });

  it('reads Unix seconds, Unix milliseconds and ISO timestamps', () => {
    expect(parseTimestamp('1700000000')).toBe(1_700_000_000_000);
    expect(parseTimestamp('1700000000000')).toBe(1_700_000_000_000);
    expect(parseTimestamp('2023-11-14T22:13:20Z')).toBe(1_700_000_000_000);
    expect(parseTimestamp('yesterday')).toBeNull();
  });
});
