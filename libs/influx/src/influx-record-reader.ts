import { setImmediate as nextTurn } from 'node:timers/promises';
import { FAMILIES, IngestRecord, MESSAGE_VERSION } from '@gridproof/telemetry';
import type { InfluxTelemetryStore } from './influx-telemetry-store';
import { RESERVED_FIELDS } from './schema';

/** A stored ingest record as InfluxDB holds it, with where it was found. */
export interface StoredRecord {
  record: IngestRecord;
  measurement: string;
  site: string;
  type: string;
}

export interface TimeBounds {
  /** Device time (ms), inclusive. */
  fromTs: number;
  /** Device time (ms), inclusive. */
  toTs: number;
}

interface RawSeries {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}
interface RawResult {
  results: Array<{ series?: RawSeries[]; error?: string }>;
}

/**
 * The port anchoring and the audit read stored readings through (the record source); the
 * InfluxRecordReader below is its implementation, tests may hand in another.
 */
export interface RecordSource {
  recordsByRx(start: number, end: number, bounds: TimeBounds): Promise<StoredRecord[]>;
  findRecords(device: string, by: { seq: number } | { ts: number }): Promise<StoredRecord[]>;
}

const RESERVED = new Set<string>(['time', ...RESERVED_FIELDS]);

/**
 * Rebuilds canonical ingest records from the InfluxDB layout (libs/influx/src/schema.ts) alone:
 * tags device/site/type, fields = readings + seq/rx/sig, time = device ts. A row only holds the
 * metrics its message carried; InfluxDB answers null for the other fields of the measurement,
 * so nulls are dropped. `GROUP BY *` puts every tag in the series, so columns are fields only.
 */
export class InfluxRecordReader implements RecordSource {
  /** Reads through the process's one InfluxDB adapter (its connection, auth and timeouts). */
  constructor(private readonly store: InfluxTelemetryStore) {}

  /** Every record whose receive time rx is in [start, end), scanning device time within bounds. */
  async recordsByRx(start: number, end: number, bounds: TimeBounds): Promise<StoredRecord[]> {
    const q =
      `SELECT * FROM ${FAMILIES.map((f) => `"${f}"`).join(',')} ` +
      `WHERE time >= ${Math.floor(bounds.fromTs)}ms AND time <= ${Math.ceil(bounds.toTs)}ms ` +
      `AND "rx" >= ${Math.floor(start)} AND "rx" < ${Math.floor(end)} GROUP BY *`;
    return this.run(q);
  }

  /** One device's records with this sequence number (normally one), or at this device time. */
  async findRecords(device: string, by: { seq: number } | { ts: number }): Promise<StoredRecord[]> {
    const cond = 'seq' in by ? `"seq" = ${Math.floor(by.seq)}` : `time = ${Math.floor(by.ts)}ms`;
    const q = `SELECT * FROM ${FAMILIES.map((f) => `"${f}"`).join(',')} WHERE "device" = '${escapeString(device)}' AND ${cond} GROUP BY *`;
    return this.run(q);
  }

  private async run(q: string): Promise<StoredRecord[]> {
    const raw = (await this.store.queryRaw(q)) as RawResult;
    const out: StoredRecord[] = [];
    let sinceTurn = 0;
    for (const result of raw.results ?? []) {
      if (result.error) throw new Error(`InfluxDB query failed: ${result.error}`);
      for (const series of result.series ?? []) {
        for (const r of recordsOf(series)) out.push(r);
        // A sealing window holds up to 100,000 records: let the broker run between series.
        sinceTurn += series.values.length;
        if (sinceTurn >= 5_000) {
          sinceTurn = 0;
          await nextTurn();
        }
      }
    }
    return out;
  }
}

function recordsOf(series: RawSeries): StoredRecord[] {
  const tags = series.tags ?? {};
  const cols = series.columns;
  const iTime = cols.indexOf('time');
  const iSeq = cols.indexOf('seq');
  const iRx = cols.indexOf('rx');
  const iSig = cols.indexOf('sig');
  const out: StoredRecord[] = [];
  for (const row of series.values) {
    const readings: Record<string, number | string> = {};
    cols.forEach((c, i) => {
      const v = row[i];
      if (RESERVED.has(c) || v === null || v === undefined) return;
      if (typeof v === 'number' || typeof v === 'string') readings[c] = v;
    });
    const sig = iSig >= 0 ? row[iSig] : null;
    out.push({
      measurement: series.name,
      site: tags.site ?? '',
      type: tags.type ?? '',
      record: {
        v: MESSAGE_VERSION,
        device: tags.device ?? '',
        ts: Number(row[iTime]),
        seq: Number(row[iSeq]),
        readings,
        sig: typeof sig === 'string' ? sig : null,
        rx: Number(row[iRx]),
      },
    });
  }
  return out;
}

function escapeString(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
}
