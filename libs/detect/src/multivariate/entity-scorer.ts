import { cauchyP, cauchyTerm, nlpOf } from '../generic/p-values';
import { EvidenceKind, scoreFromP, StreamDetector } from '../generic/stream-detector';
import { StreamingPca, StreamingPcaOptions } from './streaming-pca';

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
 * How the per-metric family and the multivariate family (T², SPE) are fused into a row's p:
 * - 'families': ACAT within each family, then ACAT of the two family p-values with weight ½
 *   each. The multivariate evidence keeps half the weight however many metrics there are, so a
 *   broken relation is not diluted by 38 quiet metrics.
 * - 'bonferroni': min-p of the two family p-values, times 2 (Bonferroni over the two families).
 * - 'flat': ACAT with equal weights over the m metric p-values, T² and SPE (the first version:
 *   with many metrics the multivariate evidence weighs 2/(m + 2)).
 * ACAT stays valid under the dependence between the p-values (Liu & Xie, JASA 2020), and so does
 * Bonferroni; for small p ACAT is close to the weighted harmonic mean of the p-values.
 */
export type Fusion = 'families' | 'bonferroni' | 'flat' | 'relations';

/**
 * Fuses one row's evidence. `metricTerms` is the sum of the m metric p-values' Cauchy terms
 * (pMetrics = cauchyP(metricTerms/m)); pT2/pSpe are the multivariate ones.
 */
export function fuseRow(fusion: Fusion, pMetrics: number, metricTerms: number, m: number, pT2: number, pSpe: number): number {
  if (fusion === 'flat') return cauchyP((metricTerms + cauchyTerm(pT2) + cauchyTerm(pSpe)) / (m + 2));
  if (fusion === 'relations') {
    // Values (each metric, and T²: how far the row is inside the usual relations) against the
    // relations themselves (SPE), weight ½ each.
    const pValues = cauchyP((metricTerms + cauchyTerm(pT2)) / (m + 1));
    return cauchyP((cauchyTerm(pValues) + cauchyTerm(pSpe)) / 2);
  }
  const pMv = cauchyP((cauchyTerm(pT2) + cauchyTerm(pSpe)) / 2);
  if (m === 0) return pMv;
  if (fusion === 'bonferroni') return Math.min(1, 2 * Math.min(pMetrics, pMv));
  return cauchyP((cauchyTerm(pMetrics) + cauchyTerm(pMv)) / 2);
}

/** The default fusion (measured against the others with `npm run bench:detect-real`, docs/detection.md). */
export const DEFAULT_FUSION: Fusion = 'families';

/**
 * Scores the rows of one entity: a StreamDetector per metric and, for two metrics or more, a
 * StreamingPca over all of them (a 30-day trailing reference), fused per `Fusion`.
 */
export class EntityScorer {
  private readonly detectors: StreamDetector[];
  /** The multivariate model (null for one metric); its raw statistics are read by the benchmarks. */
  readonly pca: StreamingPca | null;
  private readonly row: Float64Array;
  private readonly seen: Uint8Array;
  private seenCount = 0;
  rows = 0;

  constructor(
    readonly names: readonly string[],
    readonly fusion: Fusion = DEFAULT_FUSION,
    pcaOptions: Partial<StreamingPcaOptions> = {},
  ) {
    this.detectors = names.map(() => new StreamDetector());
    this.pca = names.length >= 2 ? new StreamingPca(names.length, pcaOptions) : null;
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
      const ev = this.pca.step(ts, this.row);
      if (ev.ready) {
        t2Nlp = nlpOf(ev.pT2);
        speNlp = nlpOf(ev.pSpe);
        p = fuseRow(this.fusion, pMetrics, sum, metrics.length, ev.pT2, ev.pSpe);
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
