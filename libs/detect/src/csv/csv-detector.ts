import { Transform, TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Readable, Writable } from 'node:stream';
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify';
import { GenericDetector } from '../generic/generic-detector';
import { scoreFromP } from '../generic/stream-detector';

/**
 * `gridproof detect`: backtests the generic detector on a CSV file, streaming. Each row is read
 * once, in order, scored with what the rows before it taught the detector (no look-ahead), and
 * written out with an anomaly_score column: exactly one output row per input row.
 *
 * Input: a header, then `timestamp,value` or `timestamp,<metric columns...>`. Columns whose
 * value is a finite number are scored (one stream per device × column); other columns (device,
 * site, status...) pass through. A `device` column keeps devices apart. A row's score combines
 * its columns' p-values (Bonferroni over the columns scored), so one wild metric flags the row.
 */
export const KEY_COLUMNS = ['device', 'site', 'type'] as const;
export const SCORE_COLUMN = 'anomaly_score';

export interface CsvDetectStats {
  rows: number;
  flagged: number;
  badTimestamps: number;
}

export interface CsvDetectOptions {
  /** Score at or above which a row counts as flagged in the stats. */
  threshold?: number;
}

export function parseTimestamp(text: string): number | null {
  const t = text.trim();
  if (t === '') return null;
  if (/^-?\d+(\.\d+)?$/.test(t)) {
    const n = Number(t);
    // Unix seconds or milliseconds: ms timestamps have more than 11 digits since 1973.
    return Math.abs(n) < 1e11 ? n * 1000 : n;
  }
  const ms = Date.parse(t);
  return Number.isFinite(ms) ? ms : null;
}

export class CsvScorer extends Transform {
  private header: string[] | null = null;
  private tsIndex = 0;
  private deviceIndex = -1;
  private skip = new Set<number>();
  private readonly detector = new GenericDetector();
  private lastTs = 0;
  readonly stats: CsvDetectStats = { rows: 0, flagged: 0, badTimestamps: 0 };

  constructor(private readonly threshold = 0.7) {
    super({ objectMode: true });
  }

  override _transform(row: string[], _enc: BufferEncoding, done: TransformCallback): void {
    if (!this.header) {
      this.header = row.map((h) => h.trim());
      const ts = this.header.findIndex((h) => /^(timestamp|time|ts|date|datetime)$/i.test(h));
      this.tsIndex = ts < 0 ? 0 : ts;
      this.deviceIndex = this.header.indexOf('device');
      this.skip = new Set([this.tsIndex, ...this.header.map((h, i) => ((KEY_COLUMNS as readonly string[]).includes(h) || h === SCORE_COLUMN ? i : -1)).filter((i) => i >= 0)]);
      done(null, [...this.header, SCORE_COLUMN]);
      return;
    }
    this.stats.rows++;
    let ts = parseTimestamp(row[this.tsIndex] ?? '');
    if (ts === null) {
      // Keep the row (one output row per input row) and keep time moving for the detector.
      this.stats.badTimestamps++;
      ts = this.lastTs + 1;
    }
    this.lastTs = ts;
    const device = this.deviceIndex >= 0 ? row[this.deviceIndex] : '';
    let pMin = 1;
    let scored = 0;
    for (let i = 0; i < row.length; i++) {
      if (this.skip.has(i)) continue;
      const cell = row[i];
      if (cell === undefined || cell.trim() === '') continue;
      const v = Number(cell);
      if (!Number.isFinite(v)) continue;
      const r = this.detector.update(`${device}\u0000${this.header[i] ?? i}`, ts, v);
      scored++;
      if (r.p < pMin) pMin = r.p;
    }
    const score = scored ? scoreFromP(Math.min(1, pMin * scored)) : 0;
    if (score >= this.threshold) this.stats.flagged++;
    done(null, [...row, score.toFixed(4)]);
  }
}

export async function detectCsv(input: Readable, output: Writable, options: CsvDetectOptions = {}): Promise<CsvDetectStats> {
  const scorer = new CsvScorer(options.threshold);
  await pipeline(
    input,
    parse({ relax_column_count: true, skip_empty_lines: true, trim: false, bom: true }),
    scorer,
    stringify(),
    output,
  );
  return scorer.stats;
}
