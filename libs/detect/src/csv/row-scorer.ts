import { GenericDetector } from '../generic/generic-detector';
import { scoreFromP } from '../generic/stream-detector';

/**
 * The seam between the CSV driver (`gridproof detect`, the train report) and a detection engine:
 * one row of one entity in, its scores out. The driver owns files, entities, warm-up, alarms and
 * episodes; the engine owns statistics. An engine keeps independent state per entity and sees
 * each entity's rows in time order, each once (no look-ahead).
 *
 * Figures are `−log10 p`, unclipped, so rows can be ranked however rare they are; `score` is the
 * same evidence on the service's [0, 1] scale (the alarm layer's unit).
 */
export interface RowMetricEvidence {
  /** −log10 of this metric's own p-value; NaN when the row has no value for it. */
  figure: number;
  /** The kind of evidence that drives this metric's p-value (e.g. point, shift, drift, stuck). */
  kind: string;
}

export interface ScoredRow {
  /** The row's fused p-value over all its evidence. */
  p: number;
  /** −log10 p, unclipped. */
  figure: number;
  /** [0, 1], as the service writes it. */
  score: number;
  /** The evidence that drives the fused p-value: a metric's kind, or a multivariate statistic's name. */
  kind: string;
  /** The metric that drives it; '' when no single metric does (a multivariate statistic). */
  top: string;
  /** One per metric, in the scorer's metric order (valid until the next call). */
  metrics: readonly RowMetricEvidence[];
  /** Metrics that carried a value in this row. */
  scored: number;
}

export interface RowScorer {
  /** Names the engine in outputs (e.g. generic-1). */
  readonly name: string;
  readonly metrics: readonly string[];
  /** values: one per metric, NaN = missing. */
  score(entity: string, ts: number, values: Float64Array): ScoredRow;
}

/**
 * Today's engine behind the seam: one generic online detector per entity × metric; the row's
 * p-value is the smallest metric p-value, Bonferroni-corrected over the metrics scored, as the
 * service combines a device's metrics.
 */
export class GenericRowScorer implements RowScorer {
  readonly name = 'generic-1';
  private readonly detector: GenericDetector;
  private readonly evidence: RowMetricEvidence[];
  private readonly keys = new Map<string, string[]>();

  constructor(readonly metrics: readonly string[], maxStreams = 1_000_000) {
    this.detector = new GenericDetector(maxStreams);
    this.evidence = metrics.map(() => ({ figure: NaN, kind: '' }));
  }

  score(entity: string, ts: number, values: Float64Array): ScoredRow {
    let keys = this.keys.get(entity);
    if (!keys) this.keys.set(entity, (keys = this.metrics.map((m) => `${entity}\u0000${m}`)));
    let pMin = 1;
    let top = -1;
    let scored = 0;
    for (let j = 0; j < values.length; j++) {
      const e = this.evidence[j];
      const v = values[j];
      if (Number.isNaN(v)) {
        e.figure = NaN;
        e.kind = '';
        continue;
      }
      const r = this.detector.update(keys[j], ts, v);
      e.figure = -Math.log10(Math.max(r.p, Number.MIN_VALUE));
      e.kind = r.kind;
      scored++;
      if (top < 0 || r.p < pMin) {
        pMin = r.p;
        top = j;
      }
    }
    const p = scored ? Math.min(1, pMin * scored) : 1;
    const figure = -Math.log10(Math.max(p, Number.MIN_VALUE));
    return { p, figure: figure === 0 ? 0 : figure, score: scoreFromP(p), kind: top >= 0 ? this.evidence[top].kind : '', top: top >= 0 ? this.metrics[top] : '', metrics: this.evidence, scored };
  }
}
