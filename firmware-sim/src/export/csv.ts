import { CATALOGUE, DeviceType } from '@gridproof/telemetry';
import { once } from 'node:events';
import { createWriteStream, mkdirSync, WriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FaultLabel } from '../faults';
import type { FleetFile, ResolvedFleet } from '../fleet';
import { createSimulation, SimSample } from '../simulation';
import { labelsToCsv } from './labels';

export interface ExportOptions {
  fleet: FleetFile | ResolvedFleet;
  from: Date | number | string;
  to: Date | number | string;
  seed?: number;
  outDir: string;
  /** Called now and then with the simulated time reached (for a progress display). */
  onProgress?: (simMs: number, rows: number) => void;
}

export interface ExportResult {
  outDir: string;
  rows: Partial<Record<DeviceType, number>>;
  labels: FaultLabel[];
  fleet: ResolvedFleet;
}

/** CSV header of a type's file: timestamp,device,site,<metrics in catalogue order>. */
export function csvHeader(type: DeviceType): string {
  return ['timestamp', 'device', 'site', ...Object.keys(CATALOGUE[type].metrics)].join(',');
}

/**
 * One CSV row. Ids are restricted to [A-Za-z0-9_.-] and values are numbers or enum words, so
 * no field ever needs quoting (RFC 4180). A dropped-out metric, or a reading lost to a full
 * device buffer, is an empty cell.
 */
export function csvRow(sample: SimSample, metrics: readonly string[]): string {
  let row = `${new Date(sample.ts).toISOString()},${sample.device},${sample.site}`;
  for (const m of metrics) {
    const v = sample.lost ? undefined : sample.readings[m];
    row += v === undefined ? ',' : `,${v}`;
  }
  return row;
}

const toMs = (v: Date | number | string) => (v instanceof Date ? v.getTime() : typeof v === 'number' ? v : Date.parse(v));

/**
 * Writes the fleet's readings in [from, to) straight to CSV (no MQTT): DIR/<type>.csv per
 * device type, DIR/labels.csv and DIR/fleet.json (the resolved fleet).
 */
export async function exportCsv(opts: ExportOptions): Promise<ExportResult> {
  const fromMs = toMs(opts.from);
  const toMsValue = toMs(opts.to);
  if (!Number.isFinite(fromMs) || !Number.isFinite(toMsValue)) throw new Error('from and to must be ISO 8601 times');
  if (!(toMsValue > fromMs)) throw new Error('to must be after from');
  const sim = createSimulation(opts.fleet, { seed: opts.seed, start: fromMs });
  mkdirSync(opts.outDir, { recursive: true });

  const types = [...new Set(sim.fleet.devices.map((d) => d.type))];
  const outputs = new Map<DeviceType, { stream: WriteStream; buffer: string[]; size: number; metrics: string[] }>();
  const rows: Partial<Record<DeviceType, number>> = {};
  for (const type of types) {
    const stream = createWriteStream(join(opts.outDir, `${type}.csv`));
    stream.write(csvHeader(type) + '\n');
    outputs.set(type, { stream, buffer: [], size: 0, metrics: Object.keys(CATALOGUE[type].metrics) });
    rows[type] = 0;
  }
  const flush = async (out: { stream: WriteStream; buffer: string[]; size: number }) => {
    if (out.buffer.length === 0) return;
    const chunk = out.buffer.join('\n') + '\n';
    out.buffer = [];
    out.size = 0;
    if (!out.stream.write(chunk)) await once(out.stream, 'drain');
  };

  let count = 0;
  for (const sample of sim.until(toMsValue)) {
    const out = outputs.get(sample.type)!;
    const row = csvRow(sample, out.metrics);
    out.buffer.push(row);
    out.size += row.length;
    rows[sample.type]! += 1;
    if (out.size > 256 * 1024) await flush(out);
    if (++count % 100_000 === 0) opts.onProgress?.(sample.t, count);
  }
  for (const out of outputs.values()) {
    await flush(out);
    out.stream.end();
    await once(out.stream, 'finish');
  }
  const labels = sim.labels();
  await writeFile(join(opts.outDir, 'labels.csv'), labelsToCsv(labels));
  await writeFile(join(opts.outDir, 'fleet.json'), JSON.stringify(sim.fleet, null, 2) + '\n');
  return { outDir: opts.outDir, rows, labels, fleet: sim.fleet };
}
