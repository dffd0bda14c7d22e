/**
 * Detection quality on a firmware-sim fleet: alarm rules are calibrated on the export of one
 * seed and judged on the export of another (never seen by training or calibration).
 *
 *   npx ts-node … or: npm run build && node dist/bench/detect-eval.js --train DIR1 --eval DIR2 --models DIR
 *
 * DIR1/DIR2: `exportCsv` outputs of bench/detect-eval.fleet.yaml with two seeds; --models: the
 * versions `gridproof train --csv DIR1` wrote (trained on DIR1 only). See docs/detection.md.
 */
import { parseArgs } from 'node:util';
import { DeviceType, numericMetrics } from '@gridproof/telemetry';
import {
  AlarmRule,
  applyRule,
  applyStreamRule,
  describeKinds,
  EVIDENCE_CODES,
  StreamRule,
  STREAM_RULE_GRID,
  StreamScores,
  DeviceSeries,
  evaluate,
  EvaluationReport,
  exportTypes,
  FaultLabel,
  GenericDetector,
  loadTf,
  MaintenanceDetector,
  ModelStore,
  readLabels,
  readTypeSeries,
  RULE_GRID,
  ScoredSeries,
  scoreFromP,
  TypeModel,
} from '@gridproof/detect';

const GENERIC_WARMUP_MS = 7 * 86_400_000;
const DEFAULT_GENERIC: AlarmRule = { threshold: 0.9, k: 1, n: 1 };
const DEFAULT_MODEL: AlarmRule = { threshold: 0.7, k: 1, n: 1 };

interface DeviceScores {
  device: string;
  ts: number[];
  end: number;
  generic: number[];
  streams: StreamScores;
  model: number[];
  maintenanceAlarms: number[];
}

function scoreDevices(type: DeviceType, series: DeviceSeries[], model: TypeModel | null): DeviceScores[] {
  const metrics = numericMetrics(type);
  return series.map((d) => {
    const generic = new GenericDetector();
    const maintenance = new MaintenanceDetector();
    const g: number[] = [];
    const m: number[] = new Array<number>(d.ts.length).fill(NaN);
    const maint: number[] = [];
    const index = new Map<number, number>();
    const streams: StreamScores = { device: d.device, ts: d.ts, end: d.ts[d.ts.length - 1], metrics: metrics.map((name) => ({ name, scores: new Float32Array(d.ts.length).fill(NaN), kinds: new Uint8Array(d.ts.length) })) };
    const warm = (i: number) => d.ts[i] - d.ts[0] >= GENERIC_WARMUP_MS;
    for (let i = 0; i < d.ts.length; i++) {
      const r = d.readings[i];
      let pMin = 1;
      let n = 0;
      for (let j = 0; j < metrics.length; j++) {
        const name = metrics[j];
        const v = r[name];
        if (typeof v !== 'number') continue;
        const s = generic.update(name, d.ts[i], v);
        if (warm(i)) {
          streams.metrics[j].scores[i] = s.score;
          streams.metrics[j].kinds[i] = EVIDENCE_CODES[s.kind];
        }
        n++;
        if (s.p < pMin) pMin = s.p;
      }
      g.push(n && warm(i) ? scoreFromP(Math.min(1, pMin * n)) : NaN);
      maintenance.update(d.device, type, d.ts[i], r);
      if (maintenance.current(d.device).some((p) => p.state.atRisk)) maint.push(d.ts[i]);
      if (model) {
        index.set(d.ts[i], i);
        model.push(d.device, d.ts[i], r);
      }
    }
    if (model) for (const s of model.flush()) m[index.get(s.ts)!] = s.score;
    return { device: d.device, ts: d.ts, end: d.ts[d.ts.length - 1], generic: g, streams, model: m, maintenanceAlarms: maint };
  });
}

const series = (d: DeviceScores, which: 'generic' | 'model'): ScoredSeries => ({ device: d.device, ts: d.ts, scores: d[which], end: d.end });

function merge(...lists: number[][]): number[] {
  return [...new Set(lists.flat())].sort((a, b) => a - b);
}

function fused(devices: DeviceScores[], g: StreamRule | null, m: AlarmRule | null, cache: Map<string, number[]>) {
  const cached = (key: string, f: () => number[]) => {
    let a = cache.get(key);
    if (!a) cache.set(key, (a = f()));
    return a;
  };
  return devices.map((d) => ({
    device: d.device,
    end: d.end,
    alarms: merge(
      d.maintenanceAlarms,
      g ? cached(`${d.device}|g|${g.kinds}|${g.threshold}|${g.k}|${g.n}`, () => applyStreamRule(d.streams, g)) : [],
      m ? cached(`${d.device}|m|${m.threshold}|${m.k}|${m.n}`, () => applyRule(series(d, 'model'), m)) : [],
    ),
  }));
}

/**
 * How firmly the weakest detected fault is detected: the fewest alarm readings inside a fault.
 * Among rules that tie on the training fleet, the one with the widest margin is the least
 * likely to have caught a fault by luck, so the most likely to carry over to another fleet.
 */
function margin(alarms: Array<{ device: string; alarms: number[]; end: number }>, labels: FaultLabel[]): number {
  let min = Infinity;
  for (const l of labels) {
    const d = alarms.find((a) => a.device === l.device);
    if (!d) continue;
    const end = l.failure ?? d.end;
    const n = d.alarms.filter((t) => t >= l.start && t <= end).length;
    if (n > 0 && n < min) min = n;
  }
  return min;
}

interface Scored {
  report: EvaluationReport;
  margin: number;
}

/** Calibration objective: precision ≥ 0.9 first, then recall, then margin, then precision; else F1. */
function better(a: Scored, b: Scored | null): boolean {
  if (!b) return true;
  const okA = a.report.precision >= 0.9;
  const okB = b.report.precision >= 0.9;
  if (okA !== okB) return okA;
  if (!okA) return a.report.f1 > b.report.f1;
  if (a.report.recall !== b.report.recall) return a.report.recall > b.report.recall;
  if (a.margin !== b.margin) return a.margin > b.margin;
  return a.report.precision > b.report.precision;
}

const fmtRule = (r: AlarmRule | StreamRule | null) => (r ? `${'kinds' in r ? `${describeKinds(r.kinds)} per metric, ` : ''}score ≥ ${r.threshold}, ${r.k} of ${r.n}` : 'off');
const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const lead = (e: EvaluationReport) => (e.medianLeadTimeH === null ? '–' : `${e.medianLeadTimeH.toFixed(1)} h`);
const row = (type: string, name: string, e: EvaluationReport) =>
  `| ${type} | ${name} | ${pct(e.precision)} (${e.truePositiveEpisodes}/${e.episodes}) | ${pct(e.recall)} (${e.detected}/${e.faults}) | ${e.f1.toFixed(3)} | ${lead(e)} |`;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { train: { type: 'string' }, eval: { type: 'string' }, models: { type: 'string' }, types: { type: 'string' } } });
  if (!values.train || !values.eval) throw new Error('usage: detect-eval --train DIR1 --eval DIR2 [--models DIR] [--types a,b]');
  const rt = values.models ? await loadTf((m) => process.stderr.write(`${m}\n`)) : null;
  const store = values.models ? new ModelStore(values.models) : null;
  const trainLabels = await readLabels(values.train);
  const evalLabels = await readLabels(values.eval);
  let types = exportTypes(values.eval);
  if (values.types) types = types.filter((t) => values.types!.split(',').includes(t));
  const lines: string[] = ['| type | detector (alarm rule) | precision (episodes) | recall (faults) | F1 | median lead before failure |', '|---|---|---|---|---|---|'];
  const rules: string[] = [];
  const kinds: string[] = [];
  for (const type of types) {
    const newest = store ? await store.newest(type) : null;
    const load = async () => (newest && rt ? TypeModel.load(rt.tf, newest.dir, newest.meta) : null);
    const t0 = performance.now();
    const modelA = await load();
    const train = scoreDevices(type, await readTypeSeries(values.train, type), modelA);
    modelA?.dispose();
    const modelB = await load();
    const test = scoreDevices(type, await readTypeSeries(values.eval, type), modelB);
    modelB?.dispose();
    process.stderr.write(`${type}: scored both fleets in ${((performance.now() - t0) / 1000).toFixed(1)} s${newest ? ` (model ${newest.meta.version})` : ' (no model)'}\n`);
    const lt = (labels: FaultLabel[]) => labels.filter((l) => l.type === type);

    // Calibrate the alarm layer on the training fleet only.
    const cache = new Map<string, number[]>();
    // Coordinate search: the generic rule with the model off, then the model rule given it, then again.
    const gGrid: Array<StreamRule | null> = [null, ...STREAM_RULE_GRID];
    const mGrid: Array<AlarmRule | null> = newest ? [null, ...RULE_GRID] : [null];
    type Choice = { g: StreamRule | null; m: AlarmRule | null; report: EvaluationReport; margin: number };
    const judge = (g: StreamRule | null, m: AlarmRule | null) => {
      const alarms = fused(train, g, m, cache);
      return { report: evaluate(alarms, lt(trainLabels)), margin: margin(alarms, lt(trainLabels)) };
    };
    let best = null as Choice | null;
    for (let pass = 0; pass < 2; pass++) {
      const m0: AlarmRule | null = best?.m ?? null;
      for (const g of gGrid) {
        const j = judge(g, m0);
        if (better(j, best)) best = { g, m: m0, ...j };
      }
      const g0 = best!.g;
      for (const m of mGrid) {
        const j = judge(g0, m);
        if (better(j, best)) best = { g: g0, m, ...j };
      }
    }
    const testCache = new Map<string, number[]>();
    const only = (which: 'maintenance' | 'generic' | 'streams' | 'model', rule: AlarmRule | StreamRule | null) =>
      evaluate(
        test.map((d) => ({
          device: d.device,
          end: d.end,
          alarms: which === 'maintenance' ? d.maintenanceAlarms : !rule ? [] : which === 'streams' ? applyStreamRule(d.streams, rule as StreamRule) : applyRule(series(d, which), rule),
        })),
        lt(evalLabels),
      );
    lines.push(row(type, 'maintenance', only('maintenance', null)));
    lines.push(row(type, `generic (${fmtRule(DEFAULT_GENERIC)})`, only('generic', DEFAULT_GENERIC)));
    if (best!.g) lines.push(row(type, `generic (${fmtRule(best!.g)})`, only('streams', best!.g)));
    if (newest) {
      lines.push(row(type, `autoencoder (${fmtRule(DEFAULT_MODEL)})`, only('model', DEFAULT_MODEL)));
      if (best!.m) lines.push(row(type, `autoencoder (${fmtRule(best!.m)})`, only('model', best!.m)));
    }
    const final = evaluate(fused(test, best!.g, best!.m, testCache), lt(evalLabels));
    lines.push(row(type, '**fused**', final));
    rules.push(`- ${type}: maintenance + generic (${fmtRule(best!.g)}) + autoencoder (${fmtRule(best!.m)}); on the training fleet: precision ${pct(best!.report.precision)}, recall ${pct(best!.report.recall)}, weakest fault ${best!.margin} alarm readings`);
    kinds.push(`- ${type}: ${Object.entries(final.byKind).map(([k, v]) => `${k} ${v.detected}/${v.faults}`).join(', ')}; lead times (h): ${final.leadTimesH.map((h) => h.toFixed(1)).join(', ') || '–'}`);
  }
  process.stdout.write(`${lines.join('\n')}\n\nAlarm rules chosen on ${values.train}:\n${rules.join('\n')}\n\nFused, by fault kind on ${values.eval}:\n${kinds.join('\n')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
