import type { Readable } from 'node:stream';
import { readTable, TableLayout, TableOptions } from '../csv/csv-table';
import { parseTimestamp } from '../csv/timestamps';

/**
 * The training span of an analyst's CSV, per entity: `gridproof train --input`. Rows are read
 * and checked as `gridproof detect` reads them (csv-table), so a file that trains also scores.
 * The span is each entity's first trainRows rows, or the rows before trainUntil, or every row.
 */
export interface TrainSpan {
  /** Each entity's first N rows. */
  trainRows?: number;
  /** Rows strictly before this time (ISO 8601 or Unix time, as in the file). */
  trainUntil?: string;
}

export interface EntitySeries {
  entity: string;
  ts: number[];
  readings: Array<Record<string, number>>;
}

export interface CsvTrainingData {
  layout: TableLayout;
  entities: EntitySeries[];
  /** Rows read, and rows in the training span. */
  rows: number;
  trainRows: number;
}

export function parseTrainUntil(text: string): number {
  const t = parseTimestamp(text);
  if (t === null) throw new Error(`--train-until '${text}' is not a timestamp (ISO 8601 such as 2025-01-31T00:00:00Z, or Unix seconds or milliseconds)`);
  return t;
}

export async function readCsvTraining(input: Readable, table: TableOptions, span: TrainSpan): Promise<CsvTrainingData> {
  if (span.trainRows !== undefined && span.trainUntil !== undefined) throw new Error('give --train-rows or --train-until, not both');
  const until = span.trainUntil !== undefined ? parseTrainUntil(span.trainUntil) : Infinity;
  const maxRows = span.trainRows ?? Infinity;
  const { layout, rows } = await readTable(input, { ...table, skipBadRows: false });
  const names = layout.metrics.map((m) => m.name);
  const byEntity = new Map<string, EntitySeries>();
  let total = 0;
  let kept = 0;
  for await (const row of rows) {
    total++;
    let e = byEntity.get(row.entity);
    if (!e) byEntity.set(row.entity, (e = { entity: row.entity, ts: [], readings: [] }));
    if (e.ts.length >= maxRows || row.ts >= until) continue;
    const readings: Record<string, number> = {};
    for (let j = 0; j < names.length; j++) if (!Number.isNaN(row.values[j])) readings[names[j]] = row.values[j];
    e.ts.push(row.ts);
    e.readings.push(readings);
    kept++;
  }
  return { layout, entities: [...byEntity.values()].filter((e) => e.ts.length > 0), rows: total, trainRows: kept };
}
