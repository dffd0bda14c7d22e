import { CATALOGUE, DeviceType, isDeviceType, numericMetrics } from '@gridproof/telemetry';
import type { Readable } from 'node:stream';
import type { TableOptions } from '../csv/csv-table';
import { cumulativeFlags } from '../models/features';
import { ModelMeta, ModelStore, newVersion } from '../models/model-store';
import type { TfRuntime } from '../models/tf-runtime';
import { EntitySeries, readCsvTraining, TrainSpan } from './csv-source';
import { readInfluxSeries } from './influx-source';
import { checkProfileName, writeProfileFile } from './profile-file';
import { fitWindowModel, WindowFitOptions } from './window-fit';

/**
 * `gridproof train --input FILE` (any CSV) and `gridproof train --influx-from … --type TYPE`
 * with chosen columns: a window autoencoder stored like the firmware-sim models
 * (<modelsDir>/<name>/<version>/) plus profile.json. For a built-in device type (`--type`) the
 * metrics are the type's (or a subset) and the service loads the model for that type's devices;
 * a custom profile (`--profile`) has the file's own columns and is applied with
 * `gridproof detect --model`.
 */
export interface ProfileTrainOptions extends WindowFitOptions, TrainSpan {
  /** A built-in device type or a custom profile name: exactly one. */
  type?: string;
  profile?: string;
  columns?: string[];
  exclude?: string[];
  source: string;
}

export interface CsvTrainOptions extends ProfileTrainOptions {
  table: TableOptions;
}

export interface CsvTrainResult {
  name: string;
  version: string;
  dir: string;
  columns: string[];
  entities: number;
  rows: number;
  trainRows: number;
  windows: number;
  threshold: number;
  from: string;
  to: string;
}

interface Target {
  name: string;
  builtIn: boolean;
  /** The columns to read: given, or a built-in type's metrics less the excluded. */
  columns: string[] | undefined;
}

function target(o: ProfileTrainOptions): Target {
  if ((o.type === undefined) === (o.profile === undefined)) throw new Error('give --type TYPE (a built-in device type) or --profile NAME (your own), one of them');
  if (o.profile !== undefined) {
    checkProfileName(o.profile);
    return { name: o.profile, builtIn: false, columns: o.columns };
  }
  if (!isDeviceType(o.type!)) throw new Error(`--type '${o.type}' is not a built-in device type (${Object.keys(CATALOGUE).join(', ')}); use --profile for your own`);
  const own = numericMetrics(o.type);
  const outside = [...(o.columns ?? []), ...(o.exclude ?? [])].filter((c) => !own.includes(c));
  if (outside.length) throw new Error(`${o.type} has no metric ${outside.join(', ')} (its numeric metrics: ${own.join(', ')}); a model for other columns needs --profile`);
  // The service feeds the model a device's readings by metric name: the columns must be the type's.
  return { name: o.type, builtIn: true, columns: o.columns?.length ? o.columns : own.filter((m) => !o.exclude?.includes(m)) };
}

export async function trainOnCsv(rt: TfRuntime, store: ModelStore, input: Readable, o: CsvTrainOptions): Promise<CsvTrainResult> {
  const t = target(o);
  const data = await readCsvTraining(input, { ...o.table, columns: t.columns, exclude: o.exclude }, o);
  const { layout } = data;
  if (!data.entities.length) throw new Error(`no rows in the training span (${data.rows} rows read${o.trainUntil ? `, none before ${o.trainUntil}` : ''})`);
  return trainEntities(rt, store, t, layout.metrics.map((m) => m.name), data.entities, data.rows, {
    ...o,
    timestampColumn: layout.header[layout.tsIndex],
    entityColumn: layout.entityIndex >= 0 ? layout.header[layout.entityIndex] : null,
  });
}

/** A built-in type's readings in [from, to) from InfluxDB, one entity per device. */
export async function trainOnInflux(rt: TfRuntime, store: ModelStore, influx: Parameters<typeof readInfluxSeries>[0], from: Date, to: Date, o: ProfileTrainOptions): Promise<CsvTrainResult> {
  if (o.profile !== undefined) throw new Error('an InfluxDB range holds built-in device types: give --type, not --profile');
  const t = target(o);
  const type = t.name as DeviceType;
  const devices = await readInfluxSeries(influx, type, from, to);
  const maxRows = o.trainRows ?? Infinity;
  const entities: EntitySeries[] = devices.map((d) => ({
    entity: d.device,
    ts: d.ts.slice(0, maxRows),
    readings: d.readings.slice(0, maxRows).map((r) => Object.fromEntries(t.columns!.filter((c) => typeof r[c] === 'number').map((c) => [c, r[c] as number]))),
  }));
  const rows = devices.reduce((a, d) => a + d.ts.length, 0);
  if (!rows) throw new Error(`no ${type} readings in InfluxDB between ${from.toISOString()} and ${to.toISOString()}`);
  return trainEntities(rt, store, t, t.columns!, entities.filter((e) => e.ts.length), rows, { ...o, timestampColumn: 'time', entityColumn: 'device' });
}

async function trainEntities(rt: TfRuntime, store: ModelStore, t: Target, columns: string[], entities: EntitySeries[], rows: number, o: ProfileTrainOptions & { timestampColumn: string; entityColumn: string | null }): Promise<CsvTrainResult> {
  const { name, builtIn } = t;
  // A built-in type's counters are learned on their increases, as the service sees them.
  const cumulative = columns.map((c) => (isDeviceType(name) ? cumulativeFlags(name)[numericMetrics(name).indexOf(c)] : false));
  const fit = await fitWindowModel(rt, name, columns, cumulative, entities.map((e) => e.readings), o);
  let from = Infinity;
  let to = -Infinity;
  let trainRows = 0;
  for (const e of entities) {
    from = Math.min(from, e.ts[0]);
    to = Math.max(to, e.ts[e.ts.length - 1]);
    trainRows += e.ts.length;
  }
  const meta: ModelMeta = {
    type: name,
    version: newVersion(),
    createdAt: new Date().toISOString(),
    backend: rt.backend,
    seed: o.seed,
    shape: fit.shape,
    normalisation: fit.normalisation,
    threshold: fit.threshold,
    dataRange: { from: new Date(from).toISOString(), to: new Date(to).toISOString(), source: o.source, windows: fit.windows, devices: entities.length },
  };
  const dir = await store.publish(meta, async (d) => {
    await fit.ae.save(d);
    await writeProfileFile(d, {
      format: 'gridproof-profile/1',
      name,
      builtIn,
      columns,
      timestampColumn: o.timestampColumn,
      entityColumn: o.entityColumn,
      training: { source: o.source, rows: trainRows, entities: entities.length, trainRows: o.trainRows ?? null, trainUntil: o.trainUntil ?? null },
    });
  });
  fit.ae.dispose();
  return { name, version: meta.version, dir, columns, entities: entities.length, rows, trainRows, windows: fit.windows, threshold: fit.threshold, from: meta.dataRange.from, to: meta.dataRange.to };
}
