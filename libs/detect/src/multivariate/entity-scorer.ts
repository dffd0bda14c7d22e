import { cauchyP, cauchyTerm, nlpOf } from '../generic/p-values';
import { EvidenceKind, scoreFromP, StreamDetector } from '../generic/stream-detector';
import { StreamingPca } from './streaming-pca';

/**
 * What fired on a row: a per-metric evidence kind of its top metric, or one of the
 * multivariate statistics: 'subspace' (Hotelling T²: an unusual combination inside the usual
 * relations) or 'correlation' (SPE: the usual relations between the metrics broken).
 */
export type RowEvidence = EvidenceKind | 'subspace' | 'correlation';

/** One metric's own evidence on a row. */
export interface MetricScore {
  name: string;
  p: number;
  /** −log10 p, unclipped. */
  nlp: number;
  kind: EvidenceKind;
  /** Robust |z| of the reading against its forecast. */
  z: number;
}

/**
 * One scored row of an entity (a device, a machine, a CSV row): the documented output of the
 * detection engine for the CLI and the benchmarks.
 */
export interface EntityRowScore {
  /** The fused p-value: per-metric and multivariate evidence combined (ACAT). */
  p: number;
  /** −log10 p, unclipped: ranks rows; 6 ⇔ one in a million. */
  nlp: number;
  /** nlp/6 clipped to [0, 1], for the alarm layer (DEFAULT_ALARM_SCORE). */
  score: number;
  /** What drove the fused p (the evidence with the smallest p-value). */
  evidence: RowEvidence;
  /** The metric the evidence points at: the top metric, or the column that breaks the relations most. */
  topMetric: string;
  /** Each scored metric's own evidence, in column order. */
  metrics: MetricScore[];
  /** −log10 of the per-metric evidence combined over the metrics. */
  metricsNlp: number;
  /** −log10 p of Hotelling's T² and of the SPE; null while the multivariate model warms up or for a single metric. */
  t2Nlp: number | null;
  speNlp: number | null;
  /** Rows this entity has seen, this one included. */
  rows: number;
}

/**
 * The default alarm: a row whose fused p-value is below 10^−4.2 (score ≥ 0.7). On a normal,
 * well-calibrated stream that is about one row in 16,000; persistence and episode merging are
 * the alarm layer's (an episode is a run of alarm rows with gaps shorter than its merge gap).
 */
export const DEFAULT_ALARM_SCORE = 0.7;

/**
 * Scores the rows of one entity: a StreamDetector per metric and, for two metrics or more, a
 * StreamingPca over all of them, fused by the Cauchy combination test with equal weights over
 * the m metric p-values and the two multivariate ones (T², SPE). ACAT stays valid under the
 * dependence between them (Liu & Xie, JASA 2020); for small p it is close to the harmonic mean
 * of the p-values, so one very small p (a correlation break) still carries the row. Equal
 * weights per family (½ for the metrics, ½ for T² and SPE) were measured too and ranked rows
 * worse on ASD (PR AUC 0.252 against 0.281; docs/detection.md).
 */
export class EntityScorer {
  private readonly detectors: StreamDetector[];
  private readonly pca: StreamingPca | null;
  private readonly row: Float64Array;
  private readonly seen: Uint8Array;
  private seenCount = 0;
  rows = 0;

  constructor(readonly names: readonly string[]) {
    this.detectors = names.map(() => new StreamDetector());
    this.pca = names.length >= 2 ? new StreamingPca(names.length) : null;
    this.row = new Float64Array(names.length);
    this.seen = new Uint8Array(names.length);
  }

  /**
   * Scores one row. values[i] is the value of names[i]; NaN (an empty cell) is skipped by that
   * metric's detector and takes its previous value in the multivariate model.
   */
  score(ts: number, values: ArrayLike<number>): EntityRowScore {
    this.rows++;
    const metrics: MetricScore[] = [];
    let sum = 0;
    let topP = 1;
    let top = -1;
    let topKind: EvidenceKind = 'point';
    for (let i = 0; i < this.names.length; i++) {
      const v = values[i];
      if (!Number.isFinite(v)) continue;
      if (!this.seen[i]) {
        this.seen[i] = 1;
        this.seenCount++;
      }
      this.row[i] = v;
      const s = this.detectors[i].step(ts, v);
      metrics.push({ name: this.names[i], p: s.p, nlp: s.nlp, kind: s.kind, z: s.z });
      sum += cauchyTerm(s.p);
      if (top < 0 || s.p < topP) {
        topP = s.p;
        top = i;
        topKind = s.kind;
      }
    }
    const pMetrics = metrics.length ? cauchyP(sum / metrics.length) : 1;
    let p = pMetrics;
    let evidence: RowEvidence = topKind;
    let topMetric = top >= 0 ? this.names[top] : '';
    let t2Nlp: number | null = null;
    let speNlp: number | null = null;
    if (this.pca && this.seenCount === this.names.length) {
      const ev = this.pca.step(this.row);
      if (ev.ready) {
        t2Nlp = nlpOf(ev.pT2);
        speNlp = nlpOf(ev.pSpe);
        p = cauchyP((sum + cauchyTerm(ev.pT2) + cauchyTerm(ev.pSpe)) / (metrics.length + 2));
        const mvMin = Math.min(ev.pT2, ev.pSpe);
        if (mvMin < topP) {
          evidence = ev.pSpe <= ev.pT2 ? 'correlation' : 'subspace';
          if (ev.pSpe <= ev.pT2 && ev.topColumn >= 0) topMetric = this.names[ev.topColumn];
        }
      }
    }
    const nlp = nlpOf(p);
    return { p, nlp, score: scoreFromP(p), evidence, topMetric, metrics, metricsNlp: nlpOf(pMetrics), t2Nlp, speNlp, rows: this.rows };
  }
}
