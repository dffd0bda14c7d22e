import { EntityScorer } from './entity-scorer';

/** One metric's evidence on a row, as `gridproof detect` reports it. */
export interface FusedMetricEvidence {
  /** −log10 of this metric's own p-value; NaN when the row has no value for it. */
  figure: number;
  kind: string;
}

/** A row's fused evidence, as `gridproof detect` reports it. */
export interface FusedRowScore {
  p: number;
  /** −log10 p, unclipped. */
  figure: number;
  /** [0, 1], as the service writes it. */
  score: number;
  /** point | shift | drift | stuck | subspace (T²) | correlation (SPE). */
  kind: string;
  top: string;
  /** One per metric, in metric order (valid until the next call). */
  metrics: readonly FusedMetricEvidence[];
  scored: number;
  /** p-values fused into p: the metrics, plus T² and SPE once the multivariate model is warm. */
  terms: number;
  /** −log10 p of Hotelling's T² and of the SPE; null while the multivariate model warms up or for one metric. */
  multivariate: { t2: number; spe: number } | null;
}

/**
 * The default engine for CSV backtests: one EntityScorer (a StreamDetector per metric and the
 * StreamingPca over all of them, fused by ACAT) per entity. Shaped like the CLI's `RowScorer`
 * seam (libs/detect/src/csv/row-scorer.ts), which `gridproof detect` uses by default.
 */
export class FusedRowScorer {
  readonly name = 'fused-1';
  /** Two metrics or more: T² and SPE figures for `detect --explain`. */
  readonly multivariate: boolean;
  private readonly entities = new Map<string, EntityScorer>();
  private readonly evidence: FusedMetricEvidence[];

  constructor(readonly metrics: readonly string[]) {
    this.evidence = metrics.map(() => ({ figure: NaN, kind: '' }));
    this.multivariate = metrics.length >= 2;
  }

  score(entity: string, ts: number, values: Float64Array): FusedRowScore {
    let scorer = this.entities.get(entity);
    if (!scorer) this.entities.set(entity, (scorer = new EntityScorer(this.metrics)));
    const r = scorer.score(ts, values);
    for (const e of this.evidence) {
      e.figure = NaN;
      e.kind = '';
    }
    let k = 0;
    for (let j = 0; j < this.metrics.length && k < r.metrics.length; j++) {
      const m = r.metrics[k];
      if (m.name !== this.metrics[j]) continue;
      this.evidence[j].figure = m.nlp;
      this.evidence[j].kind = m.kind;
      k++;
    }
    const mv = r.t2Nlp !== null && r.speNlp !== null ? { t2: r.t2Nlp, spe: r.speNlp } : null;
    return { p: r.p, figure: r.nlp, score: r.score, kind: r.evidence, top: r.topMetric, metrics: this.evidence, scored: r.metrics.length, terms: r.metrics.length + (mv ? 2 : 0), multivariate: mv };
  }
}
