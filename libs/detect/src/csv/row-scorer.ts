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
  /**
   * p-values fused into p (metrics, plus multivariate statistics): a metric alone takes the row
   * to about its own p × terms (Bonferroni; ACAT behaves so for small p).
   */
  terms: number;
  /** −log10 p of Hotelling's T² and of the SPE, when the engine has a multivariate model and it is warm. */
  multivariate?: { t2: number; spe: number } | null;
}

export interface RowScorer {
  /** Names the engine in outputs (e.g. generic-1). */
  readonly name: string;
  readonly metrics: readonly string[];
  /** The engine has multivariate statistics (T², SPE) for --explain. */
  readonly multivariate?: boolean;
  /** values: one per metric, NaN = missing. */
  score(entity: string, ts: number, values: Float64Array): ScoredRow;
}
