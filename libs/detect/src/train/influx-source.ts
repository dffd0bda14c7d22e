import { CATALOGUE, DeviceType } from '@gridproof/telemetry';
import { telemetryMeasurement } from '@gridproof/influx';
import type { DeviceSeries } from './sim-export';

/** Reads one type's telemetry for [from, to) from InfluxDB (1.x /query, epoch ms), grouped per device. */
export async function readInfluxSeries(opts: { url: string; database: string; username?: string; password?: string }, type: DeviceType, from: Date, to: Date): Promise<DeviceSeries[]> {
  const metrics = Object.keys(CATALOGUE[type].metrics).map((m) => `"${m}"`).join(',');
  const q = `SELECT ${metrics} FROM "${telemetryMeasurement(type)}" WHERE "type"='${type}' AND time >= ${from.getTime()}ms AND time < ${to.getTime()}ms GROUP BY "device","site"`;
  const params = new URLSearchParams({ db: opts.database, epoch: 'ms', q });
  if (opts.username) params.set('u', opts.username);
  if (opts.password) params.set('p', opts.password);
  const res = await fetch(`${opts.url.replace(/\/$/, '')}/query?${params.toString()}`);
  if (!res.ok) throw new Error(`InfluxDB query failed: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
  const body = (await res.json()) as { results: Array<{ error?: string; series?: Array<{ tags: { device: string; site: string }; columns: string[]; values: Array<Array<number | string | null>> }> }> };
  const r = body.results[0];
  if (r?.error) throw new Error(`InfluxDB query failed: ${r.error}`);
  return (r?.series ?? []).map((s) => ({
    device: s.tags.device,
    site: s.tags.site,
    type,
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
