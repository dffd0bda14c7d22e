import { CATALOGUE, DeviceType } from '@gridproof/telemetry';
import type { InfluxTelemetryStore } from './influx-telemetry-store';
import { escape } from 'influx';
import { telemetryMeasurement } from './schema';

/** One device's readings of one type, oldest first (training input). */
export interface TypeSeries {
  device: string;
  site: string;
  ts: number[];
  readings: Array<Record<string, number | string>>;
}

interface RawAnswer {
  results?: Array<{ error?: string; series?: Array<{ tags: { device: string; site: string }; columns: string[]; values: Array<Array<number | string | null>> }> }>;
}

/**
 * Reads one device type's metrics for [from, to) from its family's measurement, one series per
 * device (the reader of the telemetry layout that training uses: `detect train --influx-from`).
 */
export async function readTypeSeries(store: InfluxTelemetryStore, type: DeviceType, from: Date, to: Date): Promise<TypeSeries[]> {
  const metrics = Object.keys(CATALOGUE[type].metrics).map((m) => escape.quoted(m)).join(',');
  const q = `SELECT ${metrics} FROM ${escape.quoted(telemetryMeasurement(type))} WHERE "type"=${escape.stringLit(type)} AND time >= ${from.getTime()}ms AND time < ${to.getTime()}ms GROUP BY "device","site"`;
  const body = (await store.queryRaw(q)) as RawAnswer;
  const r = body.results?.[0];
  if (r?.error) throw new Error(`InfluxDB query failed: ${r.error}`);
  return (r?.series ?? []).map((s) => ({
    device: s.tags.device,
    site: s.tags.site,
    ts: s.values.map((v) => Number(v[0])),
    readings: s.values.map((v) => {
      const out: Record<string, number | string> = {};
      s.columns.forEach((c, i) => {
        if (i > 0 && v[i] !== null) out[c] = v[i] as number | string;
      });
      return out;
    }),
  }));
}
