import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { Delimiter, DELIMITERS, peekFirstLine, sniffDelimiter } from './delimiter';
import { EpochUnit, formatTimestamp, parseTimestamp } from './timestamps';

/**
 * Reads an analyst's CSV as rows of (entity, time, metric values), for `gridproof detect` and
 * `gridproof train --input`. Works out once, from the header and the first rows, which column is
 * the time, which one the entity and which ones are metrics; then checks every row against that
 * and reports the first bad one by its line and column (CsvInputError), or, with skipBadRows,
 * marks it and goes on.
 */
export const KEY_COLUMNS = ['device', 'site', 'type'] as const;
const TIME_COLUMN = /^(timestamp|time|ts|date|datetime|_time)$/i;
/** Cells that mean "no reading" rather than a bad one. */
const MISSING = new Set(['', 'nan', 'na', 'n/a', 'null', 'none', '-']);
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
/** Columns a previous `gridproof detect` added: rescoring a scored file must not score them. */
const OUTPUT_COLUMN = /^anomaly_|_neg_log10_p$/;

/** A problem with the input; `exitCode` 65 is EX_DATAERR of sysexits(3). */
export class CsvInputError extends Error {
  readonly exitCode = 65;

  constructor(
    readonly line: number | null,
    readonly column: string | null,
    readonly problem: string,
  ) {
    super(`${line !== null ? `line ${line}` : 'input'}${column !== null ? `, column '${column}'` : ''}: ${problem}`);
  }
}

export interface TableOptions {
  /** Sniffed from the header when not given. */
  delimiter?: Delimiter;
  /** Values written with a decimal comma (`1,5`): only with a semicolon or tab delimiter. */
  decimalComma?: boolean;
  /** Default: the first column named timestamp/time/ts/date/datetime/_time, else the first column. */
  timestampColumn?: string;
  /** Rows of each entity are scored apart. Default: `device` when there is such a column. */
  entityColumn?: string;
  /** The metrics to read, exactly; default every column mostly numeric in the first rows. */
  columns?: string[];
  exclude?: string[];
  timeUnit?: EpochUnit;
  /** Rows looked at to tell the numeric columns (default 1,000). */
  sampleRows?: number;
  /** Pass bad rows on marked (TableRow.error) instead of stopping at the first. */
  skipBadRows?: boolean;
}

export interface TableLayout {
  header: string[];
  delimiter: Delimiter;
  tsIndex: number;
  entityIndex: number;
  metrics: Array<{ name: string; index: number }>;
}

export interface TableRow {
  /** The line of the file the row ends on (1 = the header). */
  line: number;
  cells: string[];
  entity: string;
  ts: number;
  /** One per layout metric, NaN where the cell is empty or a missing-value word. */
  values: Float64Array;
  /** Set instead of throwing when skipBadRows: what is wrong, with line and column. */
  error?: CsvInputError;
}

export interface Table {
  layout: TableLayout;
  rows: AsyncIterable<TableRow>;
}

interface Record_ {
  record: string[];
  info: { lines: number };
}

function columnIndex(header: string[], name: string, what: string): number {
  const i = header.indexOf(name);
  if (i < 0) throw new CsvInputError(1, null, `no ${what} column '${name}'; the header has: ${header.join(', ')}`);
  return i;
}

/** Numeric value of a cell: a number, NaN for a missing one, or null for text. */
export function cellNumber(cell: string | undefined, decimalComma = false): number | null {
  const t = (cell ?? '').trim();
  if (MISSING.has(t.toLowerCase())) return NaN;
  const s = decimalComma ? t.replace(',', '.') : t;
  if (!DECIMAL.test(s)) return null;
  const v = Number(s);
  return Number.isFinite(v) ? v : null;
}

export async function readTable(input: Readable, o: TableOptions = {}): Promise<Table> {
  const { line: first, stream } = await peekFirstLine(input);
  let delimiter: Delimiter;
  try {
    delimiter = o.delimiter ?? sniffDelimiter(first);
  } catch (err) {
    throw new CsvInputError(1, null, (err as Error).message);
  }
  if (o.decimalComma && delimiter === ',') throw new CsvInputError(null, null, 'a decimal comma needs a semicolon or tab delimiter');
  const parser = stream.pipe(parse({ delimiter, relax_column_count: true, skip_empty_lines: true, bom: true, info: true }));
  const it = parser[Symbol.asyncIterator]() as AsyncIterator<Record_>;
  const next = async (): Promise<Record_ | null> => {
    try {
      const r = await it.next();
      return r.done ? null : r.value;
    } catch (err) {
      const e = err as Error & { lines?: number };
      throw new CsvInputError(e.lines ?? null, null, `not readable as CSV (${DELIMITERS[delimiter]}-separated): ${e.message}`);
    }
  };
  const head = await next();
  if (!head) throw new CsvInputError(null, null, 'the input is empty: a header row is needed');
  const header = head.record.map((h) => h.trim());
  const sample: Record_[] = [];
  const sampleRows = o.sampleRows ?? 1000;
  while (sample.length < sampleRows) {
    const r = await next();
    if (!r) break;
    sample.push(r);
  }
  const layout = resolveLayout(header, delimiter, sample, o);
  return { layout, rows: rowsOf(layout, sample, next, o) };
}

function resolveLayout(header: string[], delimiter: Delimiter, sample: Record_[], o: TableOptions): TableLayout {
  const tsIndex = o.timestampColumn ? columnIndex(header, o.timestampColumn, 'timestamp') : Math.max(0, header.findIndex((h) => TIME_COLUMN.test(h)));
  const entityIndex = o.entityColumn ? columnIndex(header, o.entityColumn, 'entity') : header.indexOf('device');
  if (entityIndex === tsIndex) throw new CsvInputError(1, header[tsIndex], 'the entity column cannot be the timestamp column');
  for (const name of o.exclude ?? []) columnIndex(header, name, '--exclude');
  let metrics: TableLayout['metrics'];
  if (o.columns?.length) {
    metrics = o.columns.map((name) => ({ name, index: columnIndex(header, name, '--columns') }));
    const clash = metrics.find((m) => m.index === tsIndex || m.index === entityIndex);
    if (clash) throw new CsvInputError(1, clash.name, 'is the timestamp or entity column, not a metric');
  } else {
    const skip = new Set<number>([tsIndex, entityIndex]);
    header.forEach((h, i) => {
      if ((KEY_COLUMNS as readonly string[]).includes(h) || OUTPUT_COLUMN.test(h) || o.exclude?.includes(h)) skip.add(i);
    });
    // A metric: at least half of its filled cells in the first rows are numbers. Its other cells are then
    // bad values, reported by line, rather than a reason to drop the column without a word.
    metrics = header
      .map((name, index) => ({ name, index }))
      .filter(({ index }) => {
        if (skip.has(index)) return false;
        let numbers = 0;
        let text = 0;
        for (const r of sample) {
          const v = cellNumber(r.record[index], o.decimalComma);
          if (v === null) text++;
          else if (!Number.isNaN(v)) numbers++;
        }
        return numbers > 0 && numbers >= text;
      });
  }
  if (!metrics.length) {
    throw new CsvInputError(null, null, `no numeric column to score among: ${header.join(', ')} (read as ${DELIMITERS[delimiter]}-separated${sample.length ? '' : ', no data rows'}); name them with --columns`);
  }
  return { header, delimiter, tsIndex, entityIndex, metrics };
}

async function* rowsOf(layout: TableLayout, sample: Record_[], next: () => Promise<Record_ | null>, o: TableOptions): AsyncGenerator<TableRow> {
  const last = new Map<string, { ts: number; line: number }>();
  const { header, tsIndex, entityIndex, metrics } = layout;
  const toRow = (r: Record_): TableRow => {
    const cells = r.record;
    const line = r.info.lines;
    const entity = entityIndex >= 0 ? (cells[entityIndex] ?? '').trim() : '';
    const row: TableRow = { line, cells, entity, ts: NaN, values: new Float64Array(metrics.length) };
    try {
      const text = cells[tsIndex] ?? '';
      const ts = parseTimestamp(text, o.timeUnit);
      if (ts === null) throw new CsvInputError(line, header[tsIndex], `'${text}' is not a timestamp (ISO 8601 such as 2025-01-31T12:00:00+01:00, or Unix seconds or milliseconds)`);
      const prev = last.get(entity);
      if (prev && ts < prev.ts) {
        const who = entityIndex >= 0 ? ` of ${header[entityIndex]} '${entity}'` : '';
        throw new CsvInputError(line, header[tsIndex], `${formatTimestamp(ts)} is earlier than the previous row${who} (${formatTimestamp(prev.ts)}, line ${prev.line}); sort the file by time${entityIndex >= 0 ? ' within each entity' : ''}`);
      }
      row.ts = ts;
      metrics.forEach((m, j) => {
        const v = cellNumber(cells[m.index], o.decimalComma);
        if (v === null) {
          const hint = o.columns?.length ? '' : `; leave the column out with --exclude ${m.name}`;
          const comma = /^[+-]?\d+,\d+$/.test((cells[m.index] ?? '').trim()) && !o.decimalComma ? '; a decimal comma? give --decimal-comma' : '';
          throw new CsvInputError(line, m.name, `'${cells[m.index]}' is not a number${comma}${hint}`);
        }
        row.values[j] = v;
      });
      last.set(entity, { ts, line });
    } catch (err) {
      if (!(err instanceof CsvInputError) || !o.skipBadRows) throw err;
      row.error = err;
    }
    return row;
  };
  for (const r of sample) yield toRow(r);
  for (let r = await next(); r; r = await next()) yield toRow(r);
}
