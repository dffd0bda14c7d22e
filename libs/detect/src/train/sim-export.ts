import { createReadStream, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import { DEVICE_TYPES, DeviceType, isDeviceType } from '@gridproof/telemetry';

/**
 * Reads a firmware-sim CSV export: DIR/<type>.csv (`timestamp,device,site,<metrics in catalogue
 * order>`, ISO timestamps, empty cell = missing) and DIR/labels.csv
 * (`device,type,kind,start,onset,failure`, ISO, empty = not reached / not a degradation).
 */
export interface DeviceSeries {
  device: string;
  site: string;
  type: DeviceType;
  ts: number[];
  readings: Array<Record<string, number | string>>;
}

export interface FaultLabel {
  device: string;
  type: string;
  kind: string;
  start: number;
  onset: number | null;
  failure: number | null;
}

const isoOrNull = (s: string | undefined) => (s && s.trim() ? Date.parse(s) : null);

export async function readLabels(dir: string): Promise<FaultLabel[]> {
  const file = join(dir, 'labels.csv');
  if (!existsSync(file)) return [];
  const rows = parseSync(await readFile(file, 'utf8'), { columns: true, skip_empty_lines: true }) as Array<Record<string, string>>;
  return rows.map((r) => ({ device: r.device, type: r.type, kind: r.kind, start: Date.parse(r.start), onset: isoOrNull(r.onset), failure: isoOrNull(r.failure) }));
}

export function exportTypes(dir: string): DeviceType[] {
  return DEVICE_TYPES.filter((t) => existsSync(join(dir, `${t}.csv`)));
}

/** Streams one type's file into per-device series (rows of a device stay in file order). */
export async function readTypeSeries(dir: string, type: DeviceType): Promise<DeviceSeries[]> {
  if (!isDeviceType(type)) throw new Error(`unknown device type ${String(type)}`);
  const devices = new Map<string, DeviceSeries>();
  let header: string[] | null = null;
  const parser = createReadStream(join(dir, `${type}.csv`)).pipe(parse({ relax_column_count: true, skip_empty_lines: true }));
  for await (const row of parser as AsyncIterable<string[]>) {
    if (!header) {
      header = row;
      continue;
    }
    const ts = Date.parse(row[0]);
    if (!Number.isFinite(ts)) continue;
    let d = devices.get(row[1]);
    if (!d) {
      d = { device: row[1], site: row[2], type, ts: [], readings: [] };
      devices.set(row[1], d);
    }
    const readings: Record<string, number | string> = {};
    for (let i = 3; i < row.length && i < header.length; i++) {
      const cell = row[i];
      if (cell === '') continue;
      const v = Number(cell);
      readings[header[i]] = Number.isFinite(v) ? v : cell;
    }
    d.ts.push(ts);
    d.readings.push(readings);
  }
  return [...devices.values()];
}
