import { PassThrough, Readable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { cleanSeries, gaussian, mulberry32, withLevelShift, withSpikes } from '../generic/synthetic';
import { CsvDetectOptions, detectCsv } from './csv-detector';
import { Progress } from './progress';

function sink(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

async function run(csv: string, o: CsvDetectOptions = {}) {
  const out = sink();
  const ep = sink();
  const stats = await detectCsv(Readable.from([csv]), out.stream, { ...o, episodes: ep.stream });
  const rows = parse(out.text(), { columns: true, delimiter: stats.delimiter }) as Array<Record<string, string>>;
  const episodes = parse(ep.text(), { columns: true }) as Array<Record<string, string>>;
  return { rows, episodes, stats, text: out.text() };
}

const series = (seed: number, length: number) => cleanSeries({ seed, length, intervalMs: 60_000, daily: 5, weekly: 0 });
const csvOf = (header: string, lines: string[]) => [header, ...lines].join('\n');

describe('detectCsv', () => {
  it('writes exactly one output row per input row, warm-up rows included, with score, figure and alarm', async () => {
    const s = withSpikes(series(3, 1000), [800], 40);
    const { rows, stats } = await run(csvOf('timestamp,value', s.ts.map((t, i) => `${new Date(t).toISOString()},${s.values[i]}`)));
    expect(rows).toHaveLength(1000);
    expect(Object.keys(rows[0])).toEqual(['timestamp', 'value', 'anomaly_score', 'anomaly_neg_log10_p', 'anomaly_alarm']);
    expect(rows[0].value).toBe(String(s.values[0]));
    for (const r of rows) {
      expect(Number(r.anomaly_score)).toBeGreaterThanOrEqual(0);
      expect(Number(r.anomaly_score)).toBeLessThanOrEqual(1);
    }
    expect(Number(rows[800].anomaly_score)).toBeGreaterThanOrEqual(0.7);
    expect(rows[800].anomaly_alarm).toBe('1');
    expect(stats.alarms).toBe(rows.filter((r) => r.anomaly_alarm === '1').length);
  });

  it('keeps ranking rows beyond the clipped score: the unclipped figure orders two spikes of score 1', async () => {
    const s = withSpikes(withSpikes(series(4, 1200), [700], 200), [1000], 5000);
    const { rows } = await run(csvOf('timestamp,value', s.ts.map((t, i) => `${t / 1000},${s.values[i]}`)));
    const small = rows[700];
    const big = rows[1000];
    // Six decades make a score of 1; the figure goes on, so the bigger spike still ranks first.
    expect([small.anomaly_score, big.anomaly_score]).toEqual(['1.0000', '1.0000']);
    expect(Number(small.anomaly_neg_log10_p)).toBeGreaterThan(6);
    expect(Number(big.anomaly_neg_log10_p)).toBeGreaterThan(Number(small.anomaly_neg_log10_p));
  });

  it('scores each entity apart: interleaving two devices changes none of their scores', async () => {
    const a = withSpikes(series(5, 400), [300], 30);
    const b = withLevelShift(series(6, 400), 200, 15);
    const line = (d: string, s: typeof a, i: number) => `${new Date(s.ts[i]).toISOString()},${d},${s.values[i]}`;
    const alone = async (d: string, s: typeof a) => (await run(csvOf('timestamp,device,value', s.ts.map((_, i) => line(d, s, i))))).rows.map((r) => r.anomaly_neg_log10_p);
    const mixed = (await run(csvOf('timestamp,device,value', a.ts.flatMap((_, i) => [line('a', a, i), line('b', b, i)])))).rows;
    expect(mixed.filter((r) => r.device === 'a').map((r) => r.anomaly_neg_log10_p)).toEqual(await alone('a', a));
    expect(mixed.filter((r) => r.device === 'b').map((r) => r.anomaly_neg_log10_p)).toEqual(await alone('b', b));
  });

  it('--warmup-rows scores the first rows of each entity but raises no alarm from them', async () => {
    const s = withSpikes(series(7, 300), [20, 250], 60);
    const csv = csvOf('timestamp,device,value', s.ts.flatMap((t, i) => ['x', 'y'].map((d) => `${new Date(t).toISOString()},${d},${s.values[i]}`)));
    const cold = await run(csv);
    const warm = await run(csv, { warmupRows: 100 });
    const spikeRows = (rows: Array<Record<string, string>>, i: number) => rows.filter((r) => r.timestamp === new Date(s.ts[i]).toISOString());
    expect(spikeRows(cold.rows, 20).map((r) => r.anomaly_alarm)).toEqual(['1', '1']);
    expect(spikeRows(warm.rows, 20).map((r) => r.anomaly_alarm)).toEqual(['0', '0']);
    expect(spikeRows(warm.rows, 20).map((r) => r.anomaly_score)).toEqual(spikeRows(cold.rows, 20).map((r) => r.anomaly_score));
    expect(spikeRows(warm.rows, 250).map((r) => r.anomaly_alarm)).toEqual(['1', '1']);
  });

  it('--explain names the evidence, the top metric and each metric\'s own −log10 p', async () => {
    const s = withSpikes(series(8, 600), [500], 50);
    const q = series(9, 600);
    const { rows } = await run(csvOf('timestamp,power,temp', s.ts.map((t, i) => `${new Date(t).toISOString()},${s.values[i]},${q.values[i]}`)), { explain: true });
    expect(Object.keys(rows[0]).slice(3)).toEqual(['anomaly_score', 'anomaly_neg_log10_p', 'anomaly_alarm', 'anomaly_evidence', 'anomaly_top_metric', 'anomaly_t2_neg_log10_p', 'anomaly_spe_neg_log10_p', 'power_neg_log10_p', 'temp_neg_log10_p']);
    const r = rows[500];
    expect(r.anomaly_top_metric).toBe('power');
    expect(r.anomaly_evidence).toBe('point');
    expect(Number(r.power_neg_log10_p)).toBeGreaterThan(Number(r.temp_neg_log10_p) + 3);
    expect(Number(r.anomaly_neg_log10_p)).toBeGreaterThan(6);
    // The multivariate statistics are written once the model is warm, empty before.
    expect(rows[5].anomaly_t2_neg_log10_p).toBe('');
    expect(Number(r.anomaly_t2_neg_log10_p)).toBeGreaterThan(0);
  });

  it('names a correlation break, which no metric shows on its own, as such', async () => {
    // Load and the temperature it causes, both wandering over their whole range; from row 2100 on
    // the temperature follows the mirror image of the load: each stays in its range.
    const g = gaussian(mulberry32(1));
    const lines: string[] = [];
    for (let i = 0; i < 2600; i++) {
      const load = 50 + 40 * Math.sin((2 * Math.PI * i) / 700) + g();
      const temp = 20 + 0.5 * (i < 2100 ? load : 100 - load) + 0.5 * g();
      lines.push(`${1_736_121_600 + 60 * i},${load.toFixed(3)},${temp.toFixed(3)}`);
    }
    const { rows, episodes } = await run(csvOf('ts,load_w,temp_c', lines), { explain: true, warmupRows: 1400 });
    const after = rows.slice(2100, 2300);
    const alarms = after.filter((r) => r.anomaly_alarm === '1');
    expect(alarms.length).toBeGreaterThan(10);
    expect(alarms.every((r) => r.anomaly_evidence.split(';').includes('correlation'))).toBe(true);
    expect(Math.max(...after.map((r) => Math.max(Number(r.load_w_neg_log10_p), Number(r.temp_c_neg_log10_p))))).toBeLessThan(4.2);
    expect(episodes.some((e) => e.evidence.split(';').includes('correlation'))).toBe(true);
    expect(rows.slice(1400, 2100).filter((r) => r.anomaly_alarm === '1')).toHaveLength(0);
  });

  it('--episodes writes one row per alarm episode with its span, peak, metrics and evidence', async () => {
    const s = withSpikes(series(10, 800), [400, 403, 700], 60);
    const q = series(11, 800);
    const { episodes, stats } = await run(csvOf('timestamp,host,cpu,mem', s.ts.map((t, i) => `${new Date(t).toISOString()},h1,${s.values[i]},${q.values[i]}`)), { entityColumn: 'host', warmupRows: 200 });
    expect(stats.episodes).toBe(episodes.length);
    const first = episodes.find((e) => e.start === new Date(s.ts[400]).toISOString());
    expect(first).toMatchObject({ entity: 'h1', end: new Date(s.ts[403]).toISOString(), alarm_rows: '2', metrics: 'cpu', evidence: 'point' });
    expect(Number(first!.peak_neg_log10_p)).toBeGreaterThan(4);
    expect(episodes.some((e) => e.start === new Date(s.ts[700]).toISOString())).toBe(true);
    // Two spikes three rows apart are one episode; --episode-gap 1 splits them.
    const split = await run(csvOf('timestamp,host,cpu,mem', s.ts.map((t, i) => `${new Date(t).toISOString()},h1,${s.values[i]},${q.values[i]}`)), { entityColumn: 'host', warmupRows: 200, episodeGapRows: 1 });
    expect(split.episodes.length).toBe(episodes.length + 1);
  });

  it('stops at the first bad row with its line and column; --skip-bad-rows passes it through unscored', async () => {
    const csv = 'timestamp,device,site,power_w,status\n2025-01-01T00:00:00Z,d1,s1,10,Charging\nnot-a-time,d1,s1,11,Charging\n2025-01-01T00:02:00Z,d2,s1,,Faulted\n';
    await expect(run(csv)).rejects.toThrow("line 3, column 'timestamp': 'not-a-time' is not a timestamp");
    const { rows, stats } = await run(csv, { skipBadRows: true });
    expect(rows).toHaveLength(3);
    expect(rows[1]).toMatchObject({ timestamp: 'not-a-time', device: 'd1', status: 'Charging', anomaly_score: '' });
    expect(rows[2]).toMatchObject({ status: 'Faulted', anomaly_score: '0.0000', anomaly_alarm: '0' });
    expect(stats.badRows).toBe(1);
    expect(stats.firstBad[0]).toMatch(/^line 3/);
  });

  it('reports progress on a forced sink, one line per report when it is not a terminal', async () => {
    const s = series(12, 3000);
    const lines: string[] = [];
    const progress = new Progress('detect', { write: (t) => lines.push(t), isTTY: false }, null, 0);
    await run(csvOf('timestamp,value', s.ts.map((t, i) => `${t},${s.values[i]}`)), { progress });
    expect(lines.length).toBeGreaterThanOrEqual(5);
    expect(lines[lines.length - 1]).toMatch(/^detect: 3,000 rows, [\d,]+ rows\/s, \d+ alarm rows\n$/);
  });
});

describe('detectCsv output format', () => {
  it('writes with the delimiter and decimal mark it read', async () => {
    const out = sink();
    await detectCsv(Readable.from(['time;power\n2025-01-01T00:00:00Z;1,5\n2025-01-01T00:01:00Z;1,6\n']), out.stream, { decimalComma: true });
    expect(out.text().split('\n')[0]).toBe('time;power;anomaly_score;anomaly_neg_log10_p;anomaly_alarm');
    expect(out.text().split('\n')[1]).toMatch(/^2025-01-01T00:00:00Z;1,5;\d,\d{4};\d+,\d{3};0$/);
  });
});
