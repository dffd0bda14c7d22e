import { createReadStream, createWriteStream, existsSync, openSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { Command, Option } from 'commander';
import { CliIo, processIo } from '@gridproof/api-client';
import type { AlarmRulesFile, CsvTrainResult, EpochUnit, EvaluationReport, ModelOnDisk, ProfileTrainOptions, TableOptions, TypeModel, DeviceSeries, TypeTrainResult, FaultLabel } from '@gridproof/detect';
import { DEVICE_TYPES, DeviceType, isDeviceType, numericMetrics } from '@gridproof/telemetry';

/**
 * The defaults `--help` shows, written here so that `gridproof --help` does not load the
 * detection lib (TensorFlow.js, Nest, InfluxDB client): each action imports it when it runs.
 * detect.commands.spec.ts checks they equal the lib's own (DEFAULT_DETECT_THRESHOLD,
 * DEFAULT_EPISODE_GAP_ROWS, EPOCH_UNITS).
 */
export const HELP_DEFAULTS = { threshold: 0.7, episodeGapRows: 10, epochUnits: ['auto', 's', 'ms', 'us', 'ns'] as const };

/** The detection lib, loaded by the actions that need it. */
const detectLib = () => import('@gridproof/detect');

const list = (text: string | undefined) => (text === undefined ? undefined : text.split(',').map((s) => s.trim()).filter(Boolean));

function count(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number ≥ 0, got '${text}'`);
  return n;
}

function scoreOption(name: string, text: string): number {
  const n = Number(text);
  if (!(n >= 0 && n <= 1)) throw new Error(`${name} must be a score between 0 and 1, got '${text}'`);
  return n;
}

interface TableFlags {
  columns?: string;
  exclude?: string;
  timestampColumn?: string;
  entityColumn?: string;
  delimiter?: string;
  decimalComma?: boolean;
  timeUnit?: string;
}

/** The options both commands read a CSV with, so a file that trains also scores. */
function addTableOptions(c: Command): Command {
  return c
    .option('--columns <list>', 'comma-separated metric columns to score (default: every numeric column)')
    .option('--exclude <list>', 'comma-separated columns not to score')
    .option('--timestamp-column <name>', 'the time column (default: timestamp/time/ts/date/datetime, else the first)')
    .option('--entity-column <name>', 'rows of each entity (device, host, ...) are scored apart (default: device, when present)')
    .option('--delimiter <d>', 'comma, semicolon or tab (default: sniffed from the header)')
    .option('--decimal-comma', 'numbers are written 1,5 (with a semicolon or tab delimiter)')
    .addOption(new Option('--time-unit <unit>', 'unit of numeric timestamps').choices([...HELP_DEFAULTS.epochUnits]).default('auto'));
}

function tableOptions(f: TableFlags, parseDelimiterOption: (text: string) => TableOptions['delimiter']): TableOptions {
  return {
    columns: list(f.columns),
    exclude: list(f.exclude),
    timestampColumn: f.timestampColumn,
    entityColumn: f.entityColumn,
    delimiter: f.delimiter !== undefined ? parseDelimiterOption(f.delimiter) : undefined,
    decimalComma: f.decimalComma === true,
    timeUnit: (f.timeUnit ?? 'auto') as EpochUnit,
  };
}

function openInput(path: string): { input: Readable; bytes: number | null } {
  if (path === '-') return { input: process.stdin, bytes: null };
  if (!existsSync(path)) throw new Error(`no input file ${path}`);
  const st = statSync(path);
  if (st.isDirectory()) throw new Error(`${path} is a folder: give a CSV file`);
  // Opened now, not on the first read: an error or a missing file shows here, not later on its own.
  return { input: createReadStream(path, { fd: openSync(path, 'r') }), bytes: st.size };
}

interface DetectFlags extends TableFlags {
  input: string;
  output: string;
  threshold: string;
  warmupRows: string;
  explain?: boolean;
  episodes?: string;
  episodeGap: string;
  model?: string;
  skipBadRows?: boolean;
  progress?: boolean;
}

/** `gridproof detect` (CSV backtest) and `gridproof train` (per-type and custom-profile models). */
export function registerDetectCommands(program: Command, io: CliIo = processIo): void {
  const detect = program
    .command('detect')
    .description('Backtest detection on a CSV: adds anomaly_score, anomaly_neg_log10_p and anomaly_alarm to every row (see docs/detection.md)')
    .option('-i, --input <file>', 'input CSV ("-" = stdin)', '-')
    .option('-o, --output <file>', 'output CSV ("-" = stdout)', '-');
  addTableOptions(detect)
    .option('--threshold <score>', 'score at or above which a row alarms', String(HELP_DEFAULTS.threshold))
    .option('--warmup-rows <n>', 'the first n rows of each entity are scored and learned from, never alarmed', '0')
    .option('--explain', 'add the evidence kind, the top metric and each metric\'s own −log10 p')
    .option('--episodes <file>', 'write one row per alarm episode (entity, start, end, peak, metrics, evidence)')
    .option('--episode-gap <rows>', 'quiet rows of an entity that end an episode', String(HELP_DEFAULTS.episodeGapRows))
    .option('--model <path>', 'also score a model from gridproof train (a version folder, or a type or profile folder: its newest version)')
    .option('--skip-bad-rows', 'pass bad rows through unscored and count them, instead of stopping at the first')
    .option('--progress', 'report progress on stderr even when it is not a terminal')
    .action(async (f: DetectFlags) => {
      const { detectCsv, findModel, loadTf, ModelRows, parseDelimiterOption, Progress, TypeModel } = await detectLib();
      const threshold = scoreOption('--threshold', f.threshold);
      const table = tableOptions(f, parseDelimiterOption);
      let model: ModelOnDisk | null = null;
      let typeModel: TypeModel | null = null;
      if (f.model) {
        model = await findModel(f.model);
        // The model's columns and entity column, unless the command names its own.
        table.columns ??= model.meta.normalisation.metrics;
        if (table.entityColumn === undefined && model.profile?.entityColumn) table.entityColumn = model.profile.entityColumn;
        if (table.timestampColumn === undefined && model.profile?.timestampColumn) table.timestampColumn = model.profile.timestampColumn;
        const rt = await loadTf();
        typeModel = await TypeModel.load(rt.tf, model.dir, model.meta);
      }
      const { input, bytes } = openInput(f.input);
      const output = f.output === '-' ? io.stdout : createWriteStream(f.output);
      const episodes = f.episodes ? createWriteStream(f.episodes) : null;
      const showProgress = f.progress === true || io.stderr.isTTY === true;
      try {
        const stats = await detectCsv(input, output, {
          ...table,
          threshold,
          warmupRows: count('--warmup-rows', f.warmupRows),
          explain: f.explain === true,
          episodes,
          episodeGapRows: count('--episode-gap', f.episodeGap),
          skipBadRows: f.skipBadRows === true,
          model: typeModel ? (names) => new ModelRows(typeModel!, names) : null,
          progress: showProgress ? new Progress('detect', io.stderr, bytes) : null,
        });
        const m = model ? `; model ${model.meta.type}/${model.meta.version}` : '';
        const bad = stats.badRows ? `; ${stats.badRows} bad rows passed through unscored (first: ${stats.firstBad[0]})` : '';
        const ep = f.episodes ? ` in ${stats.episodes} episodes (${f.episodes})` : '';
        io.stderr.write(`detect: ${stats.rows} rows of ${stats.entities} entit${stats.entities === 1 ? 'y' : 'ies'}, metrics ${stats.metrics.join(', ')}${m}; ${stats.alarms} alarm rows (score ≥ ${threshold})${ep}${bad}\n`);
      } finally {
        // After an error the rest of the file is not read, nor the outputs finished: close them.
        for (const s of [input, output, episodes]) if (s && s !== process.stdin && s !== io.stdout && !s.destroyed) s.destroy();
        typeModel?.dispose();
      }
    });

  const train = program
    .command('train')
    .description('Train window autoencoders: from a firmware-sim export or an InfluxDB range (per built-in type), or from any CSV (a built-in type or your own profile)')
    .addOption(new Option('--csv <dir>', 'firmware-sim CSV export directory').conflicts(['influxFrom', 'input']))
    .option('--input <file>', 'any CSV: train a model for --type or --profile on its columns');
  addTableOptions(train)
    .option('--type <type>', 'with --input or an InfluxDB range: the built-in device type the model is for (the service loads it)')
    .option('--profile <name>', 'with --input: your own profile name (apply it with gridproof detect --model)')
    .option('--train-rows <n>', 'with --input or --type from InfluxDB: train on the first n rows of each entity')
    .option('--train-until <time>', 'with --input: train on the rows before this time (ISO 8601 or Unix time)')
    .option('--eval-csv <dir>', 'evaluate on this export (e.g. simulated with another seed) instead of held-out devices')
    .option('--influx-from <iso>', 'start of the InfluxDB time range')
    .option('--influx-to <iso>', 'end of the InfluxDB time range')
    .option('--types <list>', 'comma-separated device types (default: all present)')
    .option('--seed <n>', 'seed for the device split, initialisation and shuffling', '1')
    .option('--epochs <n>', 'training epochs', '20')
    .option('--window <n>', 'readings per window', '8')
    .option('--max-windows <n>', 'cap on training windows per type', '20000')
    .option('--generic-threshold <score>', 'generic detector alarm threshold used in the evaluation', '0.9')
    .option('--generic-warmup-days <days>', 'generic alarms in the first days of each device are not counted', '7')
    .option('--models-dir <dir>', 'where versions are written (default: GP_MODELS_DIR or .data/models)')
    .option('--calibrate-alarms', 'also choose the alarm layer on the training export (needs labels) and write alarm-rules.json to the models directory')
    .option('--progress', 'report progress on stderr even when it is not a terminal')
    .action(async (opts: Record<string, string | undefined> & TableFlags) => {
      const { calibrate, describeStreamRule, exportTypes, loadTf, ModelStore, parseDelimiterOption, readInfluxSeries, readLabels, readTypeSeries, scoreFleet, trainOnCsv, trainOnInflux, trainType, TypeModel, writeAlarmRules } =
        await detectLib();
      const { loadConfig } = await import('@gridproof/config');
      const { InfluxTelemetryStore } = await import('@gridproof/influx');
      const config = loadConfig(io.env);
      const store = new ModelStore(opts.modelsDir ?? config.detect.modelsDir);
      const showProgress = opts.progress !== undefined || io.stderr.isTTY === true;
      const bar = (label: string, done: number, total: number, extra: string) => showProgress && progressBar(io.stderr, label, done, total, extra);
      // `--csv FILE`: a file is any CSV, as with --input.
      const input = opts.input ?? (opts.csv && existsSync(opts.csv) && statSync(opts.csv).isFile() ? opts.csv : undefined);
      const profileOptions = (source: string): ProfileTrainOptions => ({
        type: opts.type,
        profile: opts.profile,
        columns: list(opts.columns),
        exclude: list(opts.exclude),
        trainRows: count('--train-rows', opts.trainRows),
        trainUntil: opts.trainUntil,
        source,
        seed: Number(opts.seed),
        epochs: count('--epochs', opts.epochs)!,
        window: count('--window', opts.window)!,
        maxWindows: count('--max-windows', opts.maxWindows)!,
        onEpoch: (p) => bar(`${opts.type ?? opts.profile} train`, p.epoch, p.epochs, `loss ${p.loss.toFixed(4)}`),
      });
      const trained = (r: CsvTrainResult) => {
        if (showProgress) io.stderr.write('\n');
        const use = isDeviceType(r.name) ? `the service loads it for ${r.name} devices; ` : '';
        io.stdout.write(
          `${r.name}: version ${r.version} → ${r.dir}\n` +
            `  trained on ${r.trainRows} of ${r.rows} rows (${r.entities} entit${r.entities === 1 ? 'y' : 'ies'}, ${r.from} to ${r.to}), ${r.windows} windows of ${opts.window} rows\n` +
            `  columns: ${r.columns.join(', ')}\n` +
            `  ${use}score a file with: gridproof detect --model ${r.dir} --input FILE\n`,
        );
      };
      if (input) {
        const rt = await loadTf((m) => io.stderr.write(`${m}\n`));
        const { input: stream } = openInput(input);
        // An error before the end (a bad option, a bad row) leaves the file open: close it.
        const r = await trainOnCsv(rt, store, stream, { ...profileOptions(`csv:${input}`), table: tableOptions(opts, parseDelimiterOption) }).finally(() => stream.destroy());
        trained(r);
        return;
      }
      const influxRange = () => {
        const from = new Date(opts.influxFrom ?? '');
        const to = new Date(opts.influxTo ?? '');
        if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) throw new Error('--influx-from/--influx-to must be ISO 8601 times');
        const url = config.influx.url ?? `http://127.0.0.1:${config.influx.localPort}`;
        return { from, to, target: new InfluxTelemetryStore({ ...config.influx, url }) };
      };
      if (opts.influxFrom && opts.influxTo && opts.type !== undefined) {
        // One built-in type from InfluxDB with chosen columns and span: the --input path's trainer.
        for (const flag of ['entityColumn', 'timestampColumn', 'delimiter', 'trainUntil'] as const) if (opts[flag] !== undefined) throw new Error(`${optionName(flag)} applies to --input FILE; InfluxDB has its device tag and time (end the span with --influx-to)`);
        const { from, to, target } = influxRange();
        const rt = await loadTf((m) => io.stderr.write(`${m}\n`));
        trained(await trainOnInflux(rt, store, target, from, to, profileOptions(`influx:${opts.influxFrom}..${opts.influxTo}`)));
        return;
      }
      for (const flag of ['type', 'profile', 'trainRows', 'trainUntil', 'columns', 'exclude', 'entityColumn', 'timestampColumn', 'delimiter'] as const) {
        if (opts[flag] !== undefined) throw new Error(`${optionName(flag)} applies to --input FILE (any CSV) or to one --type from InfluxDB; a firmware-sim export has the catalogue's columns`);
      }
      const rt = await loadTf((m) => io.stderr.write(`${m}\n`));
      let types: DeviceType[];
      let load: (t: DeviceType) => Promise<DeviceSeries[]>;
      let labels: FaultLabel[] = [];
      let source: string;
      if (opts.csv) {
        const dir = opts.csv;
        types = exportTypes(dir);
        if (!types.length) throw new Error(notAnExport(dir));
        labels = await readLabels(dir);
        load = (t) => readTypeSeries(dir, t);
        source = `csv:${dir}`;
      } else if (opts.influxFrom && opts.influxTo) {
        const { from, to, target } = influxRange();
        types = [...DEVICE_TYPES]; // from the catalogue: a new type is trained too
        load = (t) => readInfluxSeries(target, t, from, to);
        source = `influx:${opts.influxFrom}..${opts.influxTo}`;
      } else {
        throw new Error('give --csv DIR or both --influx-from and --influx-to');
      }
      if (opts.types) {
        const wanted = opts.types.split(',').map((s) => s.trim());
        const bad = wanted.filter((t) => !isDeviceType(t));
        if (bad.length) throw new Error(`unknown device type(s): ${bad.join(', ')}`);
        types = types.filter((t) => wanted.includes(t));
      }
      const evalDir = opts.evalCsv;
      const evalLabels = evalDir ? await readLabels(evalDir) : [];
      const results: TypeTrainResult[] = [];
      const rules: AlarmRulesFile = {};
      const ruleLines: string[] = [];
      for (const type of types) {
        const series = await load(type);
        if (!series.length) {
          io.stderr.write(`${type}: no data, skipped\n`);
          continue;
        }
        const r = await trainType(rt, store, type, series, labels.filter((l) => l.type === type), {
          seed: Number(opts.seed),
          epochs: Number(opts.epochs),
          window: Number(opts.window),
          maxWindows: Number(opts.maxWindows),
          genericThreshold: Number(opts.genericThreshold),
          genericWarmupMs: Number(opts.genericWarmupDays) * 86_400_000,
          source,
          evaluateOn: evalDir ? { series: exportTypes(evalDir).includes(type) ? await readTypeSeries(evalDir, type) : [], labels: evalLabels } : undefined,
          onProgress: (p) => bar(`${type} ${p.phase}`, p.done, p.total, p.loss !== undefined ? `loss ${p.loss.toFixed(4)}` : ''),
        });
        if (showProgress) io.stderr.write('\n');
        results.push(r);
        if (opts.calibrateAlarms) {
          const typeLabels = labels.filter((l) => l.type === type);
          if (!typeLabels.length) throw new Error('--calibrate-alarms needs labelled training data (a firmware-sim export with labels.csv)');
          const newest = await store.newest(type);
          const model = newest ? await TypeModel.load(rt.tf, newest.dir, newest.meta) : null;
          io.stderr.write(`${type}: calibrating the alarm layer on the training export…\n`);
          const scores = scoreFleet(type, series, model, Number(opts.genericWarmupDays) * 86_400_000);
          model?.dispose();
          const c = calibrate(scores, typeLabels, numericMetrics(type), model !== null);
          rules[type] = { generic: c.generic, model: c.model };
          const g = c.generic ? describeStreamRule(c.generic) : 'off';
          const m = c.model ? `score ≥ ${c.model.threshold}, ${c.model.k} of ${c.model.n}` : 'off';
          ruleLines.push(`${type}: alarm rules: generic ${g}; autoencoder ${m} (on the training export: precision ${pct(c.report.precision)}, recall ${pct(c.report.recall)})\n`);
        }
      }
      io.stdout.write(report(results));
      if (opts.calibrateAlarms) {
        const path = await writeAlarmRules(opts.modelsDir ?? config.detect.modelsDir, rules);
        io.stdout.write(`${ruleLines.join('')}alarm rules written to ${path}\n`);
      }
    });
}

const optionName = (flag: string) => `--${flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** A note on what to do instead, for a --csv folder that is not a firmware-sim export. */
function notAnExport(dir: string): string {
  if (!existsSync(dir)) return `no folder ${dir}`;
  const csvs = statSync(dir).isDirectory() ? readdirSync(dir).filter((f) => /\.(csv|tsv|txt)$/i.test(f)) : [];
  const expected = `a firmware-sim export has <type>.csv files (${DEVICE_TYPES.map((t) => `${t}.csv`).join(', ')})`;
  if (!csvs.length) return `${dir} holds no CSV file: ${expected}`;
  const example = join(dir, csvs[0]);
  return `${dir} is not a firmware-sim export (${expected}); it has ${csvs.join(', ')}. To train on any CSV: gridproof train --input ${example} --profile NAME (or --type TYPE), with --columns, --entity-column, --train-rows as needed`;
}

function progressBar(err: Writable & { isTTY?: boolean }, label: string, done: number, total: number, extra: string): void {
  const width = 30;
  const filled = Math.round((done / Math.max(1, total)) * width);
  const text = `${label.padEnd(24)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${extra}`;
  err.write(err.isTTY ? `\r${text}   ` : `${text}\n`);
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

function line(name: string, e: EvaluationReport): string {
  return `  ${name.padEnd(12)} precision ${pct(e.precision).padStart(7)}  recall ${pct(e.recall).padStart(7)} (${e.detected}/${e.faults})  F1 ${e.f1.toFixed(3)}  median lead ${e.medianLeadTimeH === null ? '-' : `${e.medianLeadTimeH.toFixed(1)} h`}\n`;
}

export function report(results: TypeTrainResult[]): string {
  let out = '';
  for (const r of results) {
    out += `${r.type}: version ${r.version} (${r.windows} windows from ${r.trainDevices} devices; ${Math.round(r.throughputWindowsPerS)} windows/s) → ${r.dir}\n`;
    if (!r.evaluation) {
      out += '  no held-out devices: not evaluated\n';
      continue;
    }
    out += line('autoencoder', r.evaluation.model) + line('generic', r.evaluation.generic) + line('combined', r.evaluation.combined);
    const kinds = Object.entries(r.evaluation.combined.byKind).map(([k, v]) => `${k} ${v.detected}/${v.faults}`);
    if (kinds.length) out += `  faults by kind (combined): ${kinds.join(', ')}\n`;
  }
  return out;
}
