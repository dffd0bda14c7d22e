/**
 * Detection on real, labelled telemetry: the development corpus (SMD, ASD; README in
 * ../shared/datasets/devcorpus) run with its protocol. Per entity the whole file is streamed
 * in order (train part first, no look-ahead); figures are taken on the test rows, pooled per
 * dataset, for the default detector (fused), each of its models alone, and a trivial baseline
 * in the same run (per metric a causal z-score over the previous 7 days, row score = max |z|).
 *
 *   npm run bench:detect-real [-- --data DIR] [-- --datasets SMD,ASD] [-- --dump DIR]
 *
 * Thresholds without test labels, per entity, from its own train part: its maximum after the
 * warm-up (the first WARMUP_SHARE of the train rows, where every detector is still learning),
 * and its 99.9 % quantile; for GridProof also the default alarm rule (score ≥ 0.7, p ≤ 6.3e-5).
 * Best F1 is the labelled oracle. Event level: a segment is detected by an alarm inside it;
 * delay from its start; alarm rows less than an hour apart form one episode, false when it
 * touches no labelled row.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cauchyTerm, DEFAULT_ALARM_SCORE, DEFAULT_FUSION, EntityScorer, Fusion, fuseRow, nlpOf } from '@gridproof/detect';
import { atFlags, events, EventFigures, rocAuc, sweep } from './lib/detection-metrics';
import { median } from './lib/report';

const WARMUP_SHARE = 0.2;
/** The fusions measured next to the default one, from the same rows' p-values. */
const OTHER_FUSIONS = (['families', 'bonferroni', 'flat', 'relations'] as Fusion[]).filter((f) => f !== DEFAULT_FUSION);
const BASELINE_DAYS = 7;
const DEFAULT_NLP = DEFAULT_ALARM_SCORE * 6;

interface Entity {
  name: string;
  nTrain: number;
  intervalS: number;
}

interface Method {
  name: string;
  /** Per entity: scores of every row. */
  scores: Float64Array[];
  defaultRule: boolean;
}

function readEntities(dir: string): Entity[] {
  const lines = readFileSync(join(dir, 'entities.csv'), 'utf8').trim().split('\n').slice(1);
  return lines.map((l) => {
    const c = l.split(',');
    return { name: c[0], nTrain: Number(c[2]), intervalS: Number(c[4]) };
  });
}

function readLabels(dir: string): Map<string, Array<[number, number]>> {
  const out = new Map<string, Array<[number, number]>>();
  for (const l of readFileSync(join(dir, 'labels.csv'), 'utf8').trim().split('\n').slice(1)) {
    const [e, s, t] = l.split(',');
    if (!out.has(e)) out.set(e, []);
    out.get(e)!.push([Number(s), Number(t)]);
  }
  return out;
}

function readRows(file: string): { names: string[]; ts: Float64Array; values: Float64Array[] } {
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  const names = lines[0].split(',').slice(1);
  const ts = new Float64Array(lines.length - 1);
  const values: Float64Array[] = [];
  for (let i = 1; i < lines.length; i++) {
    const c = lines[i].split(',');
    ts[i - 1] = Number(c[0]) * 1000;
    const v = new Float64Array(names.length);
    for (let j = 0; j < names.length; j++) v[j] = c[j + 1] === '' || c[j + 1] === undefined ? NaN : Number(c[j + 1]);
    values.push(v);
  }
  return { names, ts, values };
}

/** Per metric a causal z-score over the previous `window` rows; row score = max |z|. */
function baseline(values: Float64Array[], window: number): Float64Array {
  const d = values[0].length;
  const sum = new Float64Array(d);
  const sq = new Float64Array(d);
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const n = Math.min(i, window);
    let m = 0;
    for (let j = 0; j < d; j++) {
      const x = values[i][j];
      if (n >= 2) {
        const mean = sum[j] / n;
        const sd = Math.sqrt(Math.max(0, sq[j] / n - mean * mean));
        const z = Math.abs(x - mean) / Math.max(sd, 1e-6);
        if (z > m) m = z;
      }
      sum[j] += x;
      sq[j] += x * x;
      if (i >= window) {
        const old = values[i - window][j];
        sum[j] -= old;
        sq[j] -= old * old;
      }
    }
    out[i] = m;
  }
  return out;
}

function quantile(xs: ArrayLike<number>, q: number): number {
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '–');

function runDataset(dir: string, ds: string, dumpDir?: string): void {
  const entities = readEntities(dir);
  const labels = readLabels(dir);
  const methods: Method[] = [
    { name: `GridProof fused (default: ${DEFAULT_FUSION})`, scores: [], defaultRule: true },
    ...OTHER_FUSIONS.map((f) => ({ name: `fused: ${f}`, scores: [] as Float64Array[], defaultRule: true })),
    { name: 'per-metric detectors', scores: [], defaultRule: true },
    { name: 'PCA T²', scores: [], defaultRule: true },
    { name: 'PCA SPE', scores: [], defaultRule: true },
    { name: 'PCA T² uncalibrated', scores: [], defaultRule: false },
    { name: 'PCA SPE uncalibrated', scores: [], defaultRule: false },
    { name: `${BASELINE_DAYS}-day z-score (baseline)`, scores: [], defaultRule: false },
  ];
  const truth: Uint8Array[] = [];
  const t0 = performance.now();
  let rowsScored = 0;
  for (const e of entities) {
    const { names, ts, values } = readRows(join(dir, `${e.name}.csv`));
    const scorer = new EntityScorer(names);
    const fused = new Float64Array(ts.length);
    const metrics = new Float64Array(ts.length);
    const t2 = new Float64Array(ts.length);
    const spe = new Float64Array(ts.length);
    const t2Raw = new Float64Array(ts.length);
    const speRaw = new Float64Array(ts.length);
    const others = OTHER_FUSIONS.map(() => new Float64Array(ts.length));
    for (let i = 0; i < ts.length; i++) {
      const r = scorer.score(ts[i], values[i]);
      fused[i] = r.nlp;
      metrics[i] = r.metricsNlp;
      t2[i] = r.t2Nlp ?? 0;
      spe[i] = r.speNlp ?? 0;
      t2Raw[i] = r.t2Nlp === null ? 0 : scorer.pca!.t2Stat;
      speRaw[i] = r.speNlp === null ? 0 : scorer.pca!.speStat;
      for (let f = 0; f < OTHER_FUSIONS.length; f++) {
        if (r.t2Nlp === null || r.speNlp === null) {
          others[f][i] = r.nlp;
          continue;
        }
        let terms = 0;
        for (const m of r.metrics) terms += cauchyTerm(m.p);
        others[f][i] = nlpOf(fuseRow(OTHER_FUSIONS[f], 10 ** -r.metricsNlp, terms, r.metrics.length, 10 ** -r.t2Nlp, 10 ** -r.speNlp));
      }
    }
    rowsScored += ts.length;
    methods[0].scores.push(fused);
    others.forEach((o, f) => methods[1 + f].scores.push(o));
    const k0 = 1 + OTHER_FUSIONS.length;
    methods[k0].scores.push(metrics);
    methods[k0 + 1].scores.push(t2);
    methods[k0 + 2].scores.push(spe);
    methods[k0 + 3].scores.push(t2Raw);
    methods[k0 + 4].scores.push(speRaw);
    methods[k0 + 5].scores.push(baseline(values, Math.round((BASELINE_DAYS * 86_400) / e.intervalS)));
    const lab = new Uint8Array(ts.length - e.nTrain);
    for (const [s, t] of labels.get(e.name) ?? []) for (let i = 0; i < lab.length; i++) if (ts[e.nTrain + i] >= s * 1000 && ts[e.nTrain + i] <= t * 1000) lab[i] = 1;
    truth.push(lab);
    if (dumpDir) dumpEntity(join(dumpDir, ds, `${e.name}.csv`), e.nTrain, lab, { fused, metrics, t2, spe, t2Raw, speRaw, baseline: methods[k0 + 5].scores.at(-1)! });
  }
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(`\n## ${ds}: ${entities.length} entities, ${rowsScored.toLocaleString('en-US')} rows streamed in ${seconds.toFixed(1)} s (GridProof and baseline; ${(rowsScored / seconds / 1000).toFixed(1)} k rows/s)\n\n`);
  const days = entities.reduce((a, e, k) => a + (truth[k].length * e.intervalS) / 86_400, 0);
  const rowTable = ['| method | ROC AUC | PR AUC | best F1 (oracle) | F1 (P / R) at train max | F1 (P / R) at train q99.9 | F1 (P / R) at default rule (score ≥ 0.7) |', '|---|---|---|---|---|---|---|'];
  const eventTable = ['| method | threshold | segments detected | median delay (rows) | false episodes per entity-day | episodes |', '|---|---|---|---|---|---|'];
  for (const m of methods) {
    const test: number[] = [];
    const lab: number[] = [];
    const flagsBy: Record<string, number[]> = { max: [], q999: [], rule: [] };
    const ev: Record<string, EventFigures[]> = { max: [], q999: [], rule: [] };
    entities.forEach((e, k) => {
      const s = m.scores[k];
      const train = s.subarray(Math.floor(WARMUP_SHARE * e.nTrain), e.nTrain);
      const testPart = s.subarray(e.nTrain);
      const thresholds: Record<string, number> = { max: quantile(train, 1), q999: quantile(train, 0.999), rule: m.defaultRule ? DEFAULT_NLP : Infinity };
      const gap = Math.ceil(3_600 / e.intervalS);
      for (const key of Object.keys(thresholds)) {
        // Alarm strictly above the train maximum; at or above a quantile or the rule.
        const flags = Array.from(testPart, (x) => (key === 'max' ? x > thresholds[key] : x >= thresholds[key]) ? 1 : 0);
        flagsBy[key].push(...flags);
        ev[key].push(events(flags, truth[k], gap));
      }
      for (let i = 0; i < testPart.length; i++) {
        test.push(testPart[i]);
        lab.push(truth[k][i]);
      }
    });
    const sw = sweep(test, lab);
    const at = (key: string) => {
      const f = atFlags(flagsBy[key], lab);
      return `${f3(f.f1)} (${f3(f.precision)} / ${f3(f.recall)})`;
    };
    rowTable.push(`| ${m.name} | ${f3(rocAuc(test, lab))} | ${f3(sw.averagePrecision)} | ${f3(sw.bestF1)} | ${at('max')} | ${at('q999')} | ${m.defaultRule ? at('rule') : '–'} |`);
    for (const key of m.defaultRule ? ['max', 'q999', 'rule'] : ['max', 'q999']) {
      const list = ev[key];
      const segs = list.reduce((a, x) => a + x.segments, 0);
      const det = list.reduce((a, x) => a + x.detected, 0);
      const delays = list.flatMap((x) => x.delays);
      const falseEp = list.reduce((a, x) => a + x.falseEpisodes, 0);
      const eps = list.reduce((a, x) => a + x.episodes, 0);
      eventTable.push(`| ${m.name} | ${{ max: 'train max', q999: 'train q99.9', rule: 'score ≥ 0.7' }[key]} | ${det}/${segs} | ${delays.length ? median(delays).toFixed(0) : '–'} | ${(falseEp / days).toFixed(2)} | ${eps} |`);
    }
  }
  process.stdout.write(`${rowTable.join('\n')}\n\nEvent level (test part, ${days.toFixed(1)} entity-days):\n\n${eventTable.join('\n')}\n`);
}

/**
 * `--dump DIR`: every row's scores and label as CSV (DIR/<dataset>/<entity>.csv), so an analyst
 * can try a fusion or a threshold rule offline without streaming the corpus again.
 */
function dumpEntity(file: string, nTrain: number, testLabels: Uint8Array, columns: Record<string, Float64Array>): void {
  mkdirSync(join(file, '..'), { recursive: true });
  const names = Object.keys(columns);
  const n = columns[names[0]].length;
  const lines = [`row,train,label,${names.join(',')}`];
  for (let i = 0; i < n; i++) {
    const label = i < nTrain ? '' : String(testLabels[i - nTrain]);
    lines.push(`${i},${i < nTrain ? 1 : 0},${label},${names.map((c) => columns[c][i].toPrecision(6)).join(',')}`);
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}

function main(): void {
  const { values } = parseArgs({ options: { data: { type: 'string', default: join(__dirname, '../../../shared/datasets/devcorpus') }, datasets: { type: 'string', default: 'SMD,ASD' }, dump: { type: 'string' } } });
  process.stdout.write(`# detect-real: the development corpus (${values.data})\n\nThresholds from each entity's train part (after its first ${WARMUP_SHARE * 100} %); figures on the test rows, pooled per dataset.\n`);
  for (const ds of values.datasets!.split(',')) runDataset(join(values.data!, ds), ds, values.dump);
}

main();
