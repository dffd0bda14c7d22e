import { createReadStream, createWriteStream } from 'node:fs';
import { Command, Option } from 'commander';
import { loadConfig } from '@gridproof/config';
import { DeviceType, isDeviceType } from '@gridproof/telemetry';
import { detectCsv } from '../csv/csv-detector';
import { ModelStore } from '../models/model-store';
import { loadTf } from '../models/tf-runtime';
import { readInfluxSeries } from '../train/influx-source';
import { exportTypes, readLabels, readTypeSeries } from '../train/sim-export';
import { trainType, TypeTrainResult } from '../train/trainer';
import type { EvaluationReport } from '../train/evaluation';
import { describeStreamRule } from '../train/alarm-rules';
import { AlarmRulesFile, writeAlarmRules } from '../train/alarm-rules-file';
import { calibrate } from '../train/calibration';
import { scoreFleet } from '../train/fleet-scores';
import { TypeModel } from '../models/type-model';
import { numericMetrics } from '@gridproof/telemetry';

/** `gridproof detect` (CSV backtest) and `gridproof train` (per-type models). */
export function registerDetectCommands(program: Command): void {
  program
    .command('detect')
    .description('Score a CSV (timestamp,value or timestamp,<metrics...>) with the generic online detector; adds anomaly_score')
    .option('-i, --input <file>', 'input CSV ("-" = stdin)', '-')
    .option('-o, --output <file>', 'output CSV ("-" = stdout)', '-')
    .option('--threshold <score>', 'score counted as flagged in the summary', '0.7')
    .action(async (opts: { input: string; output: string; threshold: string }) => {
      const input = opts.input === '-' ? process.stdin : createReadStream(opts.input);
      const output = opts.output === '-' ? process.stdout : createWriteStream(opts.output);
      const stats = await detectCsv(input, output, { threshold: Number(opts.threshold) });
      process.stderr.write(`detect: ${stats.rows} rows scored, ${stats.flagged} with anomaly_score ≥ ${opts.threshold}${stats.badTimestamps ? `, ${stats.badTimestamps} unreadable timestamps` : ''}\n`);
    });

  program
    .command('train')
    .description('Train per-type autoencoders from a firmware-sim CSV export or an InfluxDB time range, with an evaluation report')
    .addOption(new Option('--csv <dir>', 'firmware-sim CSV export directory').conflicts('influxFrom'))
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
    .action(async (opts: Record<string, string | undefined>) => {
      const config = loadConfig();
      const store = new ModelStore(opts.modelsDir ?? config.detect.modelsDir);
      const rt = await loadTf((m) => process.stderr.write(`${m}\n`));
      let types: DeviceType[];
      let load: (t: DeviceType) => Promise<Awaited<ReturnType<typeof readTypeSeries>>>;
      let labels: Awaited<ReturnType<typeof readLabels>> = [];
      let source: string;
      if (opts.csv) {
        const dir = opts.csv;
        types = exportTypes(dir);
        labels = await readLabels(dir);
        load = (t) => readTypeSeries(dir, t);
        source = `csv:${dir}`;
      } else if (opts.influxFrom && opts.influxTo) {
        const from = new Date(opts.influxFrom);
        const to = new Date(opts.influxTo);
        if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) throw new Error('--influx-from/--influx-to must be ISO 8601 times');
        const url = config.influx.url ?? `http://127.0.0.1:${config.influx.localPort}`;
        const target = { url, database: config.influx.database, username: config.influx.username, password: config.influx.password };
        types = ['smart-meter', 'pv-inverter', 'battery', 'ev-charger', 'air-quality', 'weather'];
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
          process.stderr.write(`${type}: no data, skipped\n`);
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
          onProgress: (p) => progressBar(`${type} ${p.phase}`, p.done, p.total, p.loss !== undefined ? `loss ${p.loss.toFixed(4)}` : ''),
        });
        process.stderr.write('\n');
        results.push(r);
        if (opts.calibrateAlarms) {
          const typeLabels = labels.filter((l) => l.type === type);
          if (!typeLabels.length) throw new Error('--calibrate-alarms needs labelled training data (a firmware-sim export with labels.csv)');
          const newest = await store.newest(type);
          const model = newest ? await TypeModel.load(rt.tf, newest.dir, newest.meta) : null;
          process.stderr.write(`${type}: calibrating the alarm layer on the training export…\n`);
          const scores = scoreFleet(type, series, model, Number(opts.genericWarmupDays) * 86_400_000);
          model?.dispose();
          const c = calibrate(scores, typeLabels, numericMetrics(type), model !== null);
          rules[type] = { generic: c.generic, model: c.model };
          const g = c.generic ? describeStreamRule(c.generic) : 'off';
          const m = c.model ? `score ≥ ${c.model.threshold}, ${c.model.k} of ${c.model.n}` : 'off';
          ruleLines.push(`${type}: alarm rules: generic ${g}; autoencoder ${m} (on the training export: precision ${pct(c.report.precision)}, recall ${pct(c.report.recall)})\n`);
        }
      }
      process.stdout.write(report(results));
      if (opts.calibrateAlarms) {
        const path = await writeAlarmRules(opts.modelsDir ?? config.detect.modelsDir, rules);
        process.stdout.write(`${ruleLines.join('')}alarm rules written to ${path}\n`);
      }
    });
}

function progressBar(label: string, done: number, total: number, extra: string): void {
  if (!process.stderr.isTTY && done !== total) return;
  const width = 30;
  const filled = Math.round((done / Math.max(1, total)) * width);
  process.stderr.write(`\r${label.padEnd(24)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${extra}   `);
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
