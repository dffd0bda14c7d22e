import { CATALOGUE, isDeviceType, numericMetrics } from '@gridproof/telemetry';
import type { Readable } from 'node:stream';
import type { TableOptions } from '../csv/csv-table';
import { cumulativeFlags } from '../models/features';
import { ModelMeta, ModelStore, newVersion } from '../models/model-store';
import type { TfRuntime } from '../models/tf-runtime';
import { readCsvTraining, TrainSpan } from './csv-source';
import { checkProfileName, writeProfileFile } from './profile-file';
import { fitWindowModel, WindowFitOptions } from './window-fit';

/**
 * `gridproof train --input FILE`: a window autoencoder for an analyst's CSV, stored like the
 * firmware-sim models (<modelsDir>/<name>/<version>/) plus profile.json. For a built-in device
 * type (`--type`) the metrics are the type's (or a subset) and the service loads the model for
 * that type's devices; a custom profile (`--profile`) has the file's own columns and is applied
 * with `gridproof detect --model`.
 */
export interface CsvTrainOptions extends WindowFitOptions, TrainSpan {
  /** A built-in device type or a custom profile name: exactly one. */
  type?: string;
  profile?: string;
  table: TableOptions;
  source: string;
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

export async function trainOnCsv(rt: TfRuntime, store: ModelStore, input: Readable, o: CsvTrainOptions): Promise<CsvTrainResult> {
  if ((o.type === undefined) === (o.profile === undefined)) throw new Error('give --type TYPE (a built-in device type) or --profile NAME (your own), one of them');
  let name: string;
  let table = o.table;
  if (o.type !== undefined) {
    if (!isDeviceType(o.type)) throw new Error(`--type '${o.type}' is not a built-in device type (${Object.keys(CATALOGUE).join(', ')}); use --profile for your own`);
    name = o.type;
    const own = numericMetrics(o.type);
    const outside = (table.columns ?? []).filter((c) => !own.includes(c));
    if (outside.length) throw new Error(`${o.type} has no metric ${outside.join(', ')} (its numeric metrics: ${own.join(', ')}); a model for other columns needs --profile`);
    // The service feeds the model a device's readings by metric name: the file's columns must be the type's.
    if (!table.columns?.length) table = { ...table, columns: own.filter((m) => !table.exclude?.includes(m)) };
  } else {
    checkProfileName(o.profile!);
    name = o.profile!;
  }
  const data = await readCsvTraining(input, table, o);
  const columns = data.layout.metrics.map((m) => m.name);
  const builtIn = o.type !== undefined;
  // A built-in type's counters are learned on their increases, as the service sees them.
  const cumulative = columns.map((c) => (isDeviceType(name) ? cumulativeFlags(name)[numericMetrics(name).indexOf(c)] : false));
  if (!data.entities.length) throw new Error(`no rows in the training span (${data.rows} rows read${o.trainUntil ? `, none before ${o.trainUntil}` : ''})`);
  const fit = await fitWindowModel(rt, name, columns, cumulative, data.entities.map((e) => e.readings), o);
  let from = Infinity;
  let to = -Infinity;
  for (const e of data.entities) {
    from = Math.min(from, e.ts[0]);
    to = Math.max(to, e.ts[e.ts.length - 1]);
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
    dataRange: { from: new Date(from).toISOString(), to: new Date(to).toISOString(), source: o.source, windows: fit.windows, devices: data.entities.length },
  };
  const { layout } = data;
  const dir = await store.publish(meta, async (d) => {
    await fit.ae.save(d);
    await writeProfileFile(d, {
      format: 'gridproof-profile/1',
      name,
      builtIn,
      columns,
      timestampColumn: layout.header[layout.tsIndex],
      entityColumn: layout.entityIndex >= 0 ? layout.header[layout.entityIndex] : null,
      training: { source: o.source, rows: data.trainRows, entities: data.entities.length, trainRows: o.trainRows ?? null, trainUntil: o.trainUntil ?? null },
    });
  });
  fit.ae.dispose();
  return { name, version: meta.version, dir, columns, entities: data.entities.length, rows: data.rows, trainRows: data.trainRows, windows: fit.windows, threshold: fit.threshold, from: meta.dataRange.from, to: meta.dataRange.to };
}
