import { once } from 'node:events';
import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import { scoreFromP } from '../generic/stream-detector';
import type { ModelScore } from '../models/type-model';
import { DEFAULT_ALARM_SCORE } from '../multivariate/entity-scorer';
import { FusedRowScorer } from '../multivariate/fused-row-scorer';
import { readTable, TableOptions, TableRow } from './csv-table';
import { AlarmDetail, EPISODE_HEADER, episodeRow, EpisodeTracker } from './episodes';
import type { ModelRows } from './model-scores';
import type { Progress } from './progress';
import type { RowScorer, ScoredRow } from './row-scorer';

/**
 * `gridproof detect`: backtests detection on a CSV file, streaming. Each row is read once, in
 * order, scored with what the rows of its entity before it taught the detectors (no look-ahead),
 * and written out with added columns: exactly one output row per input row.
 *
 * Added columns: anomaly_score ([0, 1], the service's scale), anomaly_neg_log10_p (the same
 * evidence unclipped, for ranking), anomaly_alarm (1 when the row alarms: score ≥ threshold and
 * the entity past its warm-up rows); with a model, anomaly_model_score; with explain, the
 * evidence kind and top metric of the row and every metric's own −log10 p.
 */
export const SCORE_COLUMN = 'anomaly_score';
export const FIGURE_COLUMN = 'anomaly_neg_log10_p';
export const ALARM_COLUMN = 'anomaly_alarm';
export const MODEL_COLUMN = 'anomaly_model_score';
export const EVIDENCE_COLUMN = 'anomaly_evidence';
export const TOP_METRIC_COLUMN = 'anomaly_top_metric';
export const T2_COLUMN = 'anomaly_t2_neg_log10_p';
export const SPE_COLUMN = 'anomaly_spe_neg_log10_p';
export const metricFigureColumn = (metric: string) => `${metric}_neg_log10_p`;
export { KEY_COLUMNS } from './csv-table';

/** The engine's default alarm (score 0.7 ⇔ p = 10^−4.2 ≈ 6e-5). */
export const DEFAULT_DETECT_THRESHOLD = DEFAULT_ALARM_SCORE;
export const DEFAULT_EPISODE_GAP_ROWS = 10;

export interface CsvDetectStats {
  rows: number;
  /** Rows with at least one metric value. */
  scored: number;
  alarms: number;
  episodes: number;
  entities: number;
  /** Rows passed through unscored with skipBadRows; the first few reasons. */
  badRows: number;
  firstBad: string[];
  metrics: string[];
  /** The input's delimiter, which the output keeps. */
  delimiter: string;
}

export interface CsvDetectOptions extends TableOptions {
  /** Score at or above which a row alarms (default 0.7, p ≈ 6e-5). */
  threshold?: number;
  /** The first rows of each entity are scored and learned from, never alarmed. */
  warmupRows?: number;
  explain?: boolean;
  /** Where to write one row per alarm episode (CSV). */
  episodes?: Writable | null;
  /** Quiet rows of an entity that end an episode (default 10). */
  episodeGapRows?: number;
  /** A trained window model (`--model`), scored beside the engine. */
  model?: ((metrics: readonly string[]) => ModelRows) | null;
  /** The detection engine behind the RowScorer seam (default: the generic detector). */
  engine?: (metrics: readonly string[]) => RowScorer;
  progress?: Progress | null;
}

interface Pending {
  row: TableRow;
  score: ScoredRow | null;
  /** A copy of the per-metric figures and kinds (the scorer reuses its own). */
  figures: Float64Array | null;
  kinds: string[] | null;
}

const BATCH = 512;

/** Counts the bytes that pass, for progress. */
function counted(input: Readable): { stream: Readable; bytes: () => number } {
  let n = 0;
  const pass = new PassThrough();
  input.on('data', (c: Buffer | string) => {
    n += typeof c === 'string' ? Buffer.byteLength(c) : c.length;
  });
  input.on('error', (e) => pass.destroy(e));
  input.pipe(pass);
  return { stream: pass, bytes: () => n };
}

export async function detectCsv(input: Readable, output: Writable, o: CsvDetectOptions = {}): Promise<CsvDetectStats> {
  const threshold = o.threshold ?? DEFAULT_DETECT_THRESHOLD;
  const warmup = o.warmupRows ?? 0;
  const { stream, bytes } = counted(input);
  const table = await readTable(stream, o);
  const { header, metrics: tableMetrics } = table.layout;
  const names = tableMetrics.map((m) => m.name);
  const engine = (o.engine ?? ((m) => new FusedRowScorer(m)))(names);
  const model = o.model ? o.model(names) : null;
  const stats: CsvDetectStats = { rows: 0, scored: 0, alarms: 0, episodes: 0, entities: 0, badRows: 0, firstBad: [], metrics: names, delimiter: table.layout.delimiter };
  const episodes = new EpisodeTracker(o.episodeGapRows ?? DEFAULT_EPISODE_GAP_ROWS);
  const seen = new Map<string, number>();

  // Written as it was read: same delimiter, and decimal commas when the file has them.
  const out = stringify({ delimiter: table.layout.delimiter });
  const fixed = (x: number, digits: number) => (o.decimalComma ? x.toFixed(digits).replace('.', ',') : x.toFixed(digits));
  const written = pipeline(out, output);
  const write = async (cells: string[]) => {
    if (!out.write(cells)) await once(out, 'drain');
  };
  const added = [SCORE_COLUMN, FIGURE_COLUMN, ALARM_COLUMN, ...(model ? [MODEL_COLUMN] : []), ...(o.explain ? [EVIDENCE_COLUMN, TOP_METRIC_COLUMN, ...(engine.multivariate ? [T2_COLUMN, SPE_COLUMN] : []), ...names.map(metricFigureColumn)] : [])];
  await write([...header, ...added]);

  const finish = async (batch: Pending[]) => {
    const modelScores = model ? model.flush() : null;
    for (let i = 0; i < batch.length; i++) {
      const cells = finishRow(batch[i], modelScores?.get(i) ?? null);
      await write(cells);
    }
    o.progress?.tick(stats.rows, bytes(), `${stats.alarms} alarm rows`);
  };

  const finishRow = (p: Pending, m: ModelScore | null): string[] => {
    const { row, score: s } = p;
    const pad = () => [...row.cells, ...added.map(() => '')];
    if (row.error) {
      stats.badRows++;
      if (stats.firstBad.length < 3) stats.firstBad.push(row.error.message);
      return pad();
    }
    const n = (seen.get(row.entity) ?? 0) + 1;
    seen.set(row.entity, n);
    if (!s || !s.scored) {
      episodes.row(row.entity, row.ts, null);
      return [...row.cells, fixed(0, 4), fixed(0, 3), '0', ...(model ? [''] : []), ...(o.explain ? added.slice(added.indexOf(EVIDENCE_COLUMN)).map(() => '') : [])];
    }
    stats.scored++;
    const modelScore = m ? m.score : NaN;
    const warm = n > warmup;
    const genericAlarm = warm && s.score >= threshold;
    const modelAlarm = warm && m !== null && m.score >= threshold;
    const alarm = genericAlarm || modelAlarm;
    const score = Math.max(s.score, Number.isNaN(modelScore) ? 0 : modelScore);
    const byModel = m !== null && m.score > s.score;
    const kinds = alarm ? [...(genericAlarm ? [s.kind] : []), ...(modelAlarm ? ['autoencoder'] : [])] : [byModel ? 'autoencoder' : s.kind];
    const top = byModel ? (m.contributions[0]?.name ?? '') : s.top;
    if (alarm) {
      stats.alarms++;
      episodes.row(row.entity, row.ts, alarmDetail(p, s, m, genericAlarm, modelAlarm, threshold, names));
    } else episodes.row(row.entity, row.ts, null);
    const cells = [...row.cells, fixed(score, 4), fixed(s.figure, 3), alarm ? '1' : '0'];
    if (model) cells.push(m ? fixed(m.score, 4) : '');
    if (o.explain) {
      cells.push(kinds.join(';'), top);
      if (engine.multivariate) cells.push(s.multivariate ? fixed(s.multivariate.t2, 3) : '', s.multivariate ? fixed(s.multivariate.spe, 3) : '');
      for (let j = 0; j < names.length; j++) cells.push(Number.isNaN(p.figures![j]) ? '' : fixed(p.figures![j], 3));
    }
    return cells;
  };

  try {
    await scoreRows();
  } catch (err) {
    // Stop the writer too, so nothing is written after the error, then report the error.
    out.destroy(err as Error);
    await written.catch(() => undefined);
    throw err;
  }
  out.end();
  await written;
  stats.entities = seen.size;
  const all = episodes.finish();
  stats.episodes = all.length;
  if (o.episodes) {
    const ep = stringify();
    const done = pipeline(ep, o.episodes);
    ep.write(EPISODE_HEADER);
    for (const e of all) ep.write(episodeRow(e));
    ep.end();
    await done;
  }
  o.progress?.done(stats.rows, bytes(), `${stats.alarms} alarm rows`);
  return stats;

  async function scoreRows(): Promise<void> {
    let batch: Pending[] = [];
    for await (const row of table.rows) {
      stats.rows++;
      let score: ScoredRow | null = null;
      let figures: Float64Array | null = null;
      let kinds: string[] | null = null;
      if (!row.error) {
        score = engine.score(row.entity, row.ts, row.values);
        figures = Float64Array.from(score.metrics, (e) => e.figure);
        kinds = score.metrics.map((e) => e.kind);
        score = { ...score, metrics: [] };
        model?.push(batch.length, row.entity, row.ts, row.values);
      }
      batch.push({ row, score, figures, kinds });
      if (batch.length >= BATCH) {
        await finish(batch);
        batch = [];
      }
    }
    await finish(batch);
  }
}

/**
 * Which metrics and evidence an alarm row involves: each metric that alone would have raised the
 * alarm (its own p-value, corrected for the metrics scored with it, reaches the threshold), and
 * for a model alarm the metrics that make up half of its reconstruction error.
 */
function alarmDetail(p: Pending, s: ScoredRow, m: ModelScore | null, genericAlarm: boolean, modelAlarm: boolean, threshold: number, names: string[]): AlarmDetail {
  const involved: Array<[string, number]> = [];
  const kinds: string[] = [];
  const figures = p.figures!;
  if (genericAlarm) {
    const set = new Set<string>();
    for (let j = 0; j < names.length; j++) {
      const f = figures[j];
      if (Number.isNaN(f)) continue;
      if (scoreFromP(Math.min(1, 10 ** -f * s.terms)) >= threshold) {
        involved.push([names[j], f]);
        set.add(p.kinds![j]);
      }
    }
    // The evidence that drives the row fired, whatever it is: a metric's kind or a multivariate statistic.
    set.add(s.kind);
    if (s.top && !involved.some(([n]) => n === s.top)) involved.push([s.top, figures[names.indexOf(s.top)] || 0]);
    kinds.push(...set);
  }
  if (modelAlarm && m) {
    kinds.push('autoencoder');
    let sum = 0;
    for (const c of m.contributions) {
      if (sum >= 0.5) break;
      sum += c.contribution;
      if (!involved.some(([n]) => n === c.name)) involved.push([c.name, figures[names.indexOf(c.name)] || 0]);
    }
  }
  return { score: Math.max(s.score, m?.score ?? 0), figure: s.figure, kinds, metrics: involved };
}
