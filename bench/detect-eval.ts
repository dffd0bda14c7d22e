/**
 * Detection quality on a firmware-sim fleet: the alarm layer is calibrated on the export of
 * one seed and judged on the export of another (never seen by training or calibration).
 *
 *   node dist/bench/detect-eval.js --train DIR1 --eval DIR2 [--models DIR] [--rules-out FILE] [--strict]
 *
 * DIR1/DIR2: `detect-export` outputs (bench/detect-eval.fleet.yaml) with two seeds; --models:
 * the versions `gridproof train --csv DIR1` wrote (trained on DIR1 only); --rules-out: where to
 * write the calibrated rules (put it in the models directory as alarm-rules.json for the
 * service); --strict: alarms on a device after its labelled failure count as false alarms.
 * See docs/detection.md.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { numericMetrics } from '@gridproof/telemetry';
import {
  AlarmFusion,
  AlarmRule,
  applyRule,
  applyStreamRule,
  calibrate,
  describeStreamRule,
  evaluate,
  EvaluationReport,
  exportTypes,
  FaultLabel,
  loadTf,
  modelSeries,
  ModelStore,
  readLabels,
  readTypeSeries,
  FleetDeviceScores,
  scoreFleet,
  StreamRule,
  TypeAlarmRules,
  TypeModel,
} from '@gridproof/detect';

const GENERIC_WARMUP_MS = 7 * 86_400_000;
const DEFAULT_GENERIC: AlarmRule = { threshold: 0.9, k: 1, n: 1 };
const DEFAULT_MODEL: AlarmRule = { threshold: 0.7, k: 1, n: 1 };

const fmtRule = (r: AlarmRule | StreamRule | null) => (r ? ('kinds' in r ? describeStreamRule(r) : `score ≥ ${r.threshold}, ${r.k} of ${r.n}`) : 'off');
const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const lead = (e: EvaluationReport) => (e.medianLeadTimeH === null ? '–' : `${e.medianLeadTimeH.toFixed(1)} h`);

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { train: { type: 'string' }, eval: { type: 'string' }, models: { type: 'string' }, types: { type: 'string' }, 'rules-out': { type: 'string' }, strict: { type: 'boolean', default: false } } });
  if (!values.train || !values.eval) throw new Error('usage: detect-eval --train DIR1 --eval DIR2 [--models DIR] [--types a,b] [--rules-out FILE] [--strict]');
  const strict = values.strict === true;
  const rt = values.models ? await loadTf((m) => process.stderr.write(`${m}\n`)) : null;
  const store = values.models ? new ModelStore(values.models) : null;
  const trainLabels = await readLabels(values.train);
  const evalLabels = await readLabels(values.eval);
  let types = exportTypes(values.eval);
  if (values.types) types = types.filter((t) => values.types!.split(',').includes(t));
  const score = (l: FaultLabel[], alarms: Array<{ device: string; alarms: number[]; end: number }>) => evaluate(alarms, l, 3_600_000, !strict);
  const lines = ['| type | detector (alarm rule) | precision (true/all episodes) | recall (faults) | F1 | false episodes per device-day | median lead before failure |', '|---|---|---|---|---|---|---|'];
  const chosen: string[] = [];
  const kinds: string[] = [];
  const rulesOut: Record<string, TypeAlarmRules> = {};
  for (const type of types) {
    const newest = store ? await store.newest(type) : null;
    const load = async () => (newest && rt ? TypeModel.load(rt.tf, newest.dir, newest.meta) : null);
    const t0 = performance.now();
    const modelA = await load();
    const train = scoreFleet(type, await readTypeSeries(values.train, type), modelA, GENERIC_WARMUP_MS);
    modelA?.dispose();
    const modelB = await load();
    const test = scoreFleet(type, await readTypeSeries(values.eval, type), modelB, GENERIC_WARMUP_MS);
    modelB?.dispose();
    process.stderr.write(`${type}: scored both fleets in ${((performance.now() - t0) / 1000).toFixed(1)} s${newest ? ` (model ${newest.meta.version})` : ' (no model)'}\n`);
    const trainL = trainLabels.filter((l) => l.type === type);
    const evalL = evalLabels.filter((l) => l.type === type);
    const deviceDays = test.reduce((a, d) => a + (d.end - d.ts[0]) / 86_400_000, 0);
    const row = (name: string, alarms: Array<{ device: string; alarms: number[]; end: number }>) => {
      const e = score(evalL, alarms);
      lines.push(`| ${type} | ${name} | ${pct(e.precision)} (${e.truePositiveEpisodes}/${e.episodes}) | ${pct(e.recall)} (${e.detected}/${e.faults}) | ${e.f1.toFixed(3)} | ${((e.episodes - e.truePositiveEpisodes) / deviceDays).toFixed(3)} | ${lead(e)} |`);
      return e;
    };

    const cal = calibrate(train, trainL, numericMetrics(type), newest !== null);
    rulesOut[type] = { generic: cal.generic, model: cal.model };
    const base = (d: FleetDeviceScores) => ({ device: d.device, end: d.end });
    row('maintenance', test.map((d) => ({ ...base(d), alarms: d.maintenanceAlarms })));
    row(`generic (all metrics combined, ${fmtRule(DEFAULT_GENERIC)})`, test.map((d) => ({ ...base(d), alarms: applyRule({ device: d.device, ts: d.ts, scores: d.combined, end: d.end }, DEFAULT_GENERIC) })));
    if (cal.generic) row(`generic (${fmtRule(cal.generic)})`, test.map((d) => ({ ...base(d), alarms: applyStreamRule(d.streams, cal.generic!) })));
    if (newest) {
      row(`autoencoder (${fmtRule(DEFAULT_MODEL)})`, test.map((d) => ({ ...base(d), alarms: applyRule(modelSeries(d), DEFAULT_MODEL) })));
      if (cal.model) row(`autoencoder (${fmtRule(cal.model)})`, test.map((d) => ({ ...base(d), alarms: applyRule(modelSeries(d), cal.model!) })));
    }
    const final = row('**fused**', new AlarmFusion(test).alarms(cal));
    chosen.push(`- ${type}: maintenance + generic (${fmtRule(cal.generic)}) + autoencoder (${fmtRule(cal.model)}); on the training fleet: precision ${pct(cal.report.precision)}, recall ${pct(cal.report.recall)}, weakest fault ${cal.margin} alarm readings, healthy peak ${cal.nearMiss().toFixed(2)} of an alarm`);
    const maint = score(evalL, test.map((d) => ({ ...base(d), alarms: d.maintenanceAlarms })));
    const leadByKind = new Map<string, number[]>();
    for (const l of evalL) {
      const d = test.find((x) => x.device === l.device);
      const first = d?.maintenanceAlarms.find((t) => t >= l.start && t <= (l.failure ?? d.end));
      if (l.failure !== null && first !== undefined) leadByKind.set(l.kind, [...(leadByKind.get(l.kind) ?? []), (l.failure - first) / 3_600_000]);
    }
    kinds.push(
      `- ${type}: fused ${Object.entries(final.byKind).map(([k, v]) => `${k} ${v.detected}/${v.faults}`).join(', ')}; maintenance lead times (h) ${[...leadByKind].map(([k, hs]) => `${k}: ${hs.map((h) => h.toFixed(1)).join(', ')}`).join('; ') || '–'} (maintenance detected ${maint.detected}/${maint.faults})`,
    );
  }
  if (values['rules-out']) await writeFile(values['rules-out'], JSON.stringify(rulesOut, null, 2) + '\n');
  process.stdout.write(`${lines.join('\n')}\n\nAlarm rules chosen on ${values.train}:\n${chosen.join('\n')}\n\nBy fault kind on ${values.eval}:\n${kinds.join('\n')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
