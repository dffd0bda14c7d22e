import type { ModelScore, TypeModel } from '../models/type-model';

/**
 * A trained window model applied to CSV rows: rows are pushed one by one (per entity, in order)
 * and scored in one inference call per batch; each score is handed back to the row whose reading
 * completed the window. Rows before an entity's first full window get none.
 */
export class ModelRows {
  private readonly owners: number[] = [];
  private readonly readings: Record<string, number> = {};
  /** Position of each model metric in the table's metrics (-1: absent, never, checked at start). */
  private readonly at: number[];

  constructor(
    readonly model: TypeModel,
    tableMetrics: readonly string[],
  ) {
    this.at = model.meta.normalisation.metrics.map((m) => tableMetrics.indexOf(m));
    const missing = model.meta.normalisation.metrics.filter((_, i) => this.at[i] < 0);
    if (missing.length) throw new Error(`the model ${model.type}/${model.version} needs column(s) ${missing.join(', ')}, which are not scored here`);
  }

  get metrics(): readonly string[] {
    return this.model.meta.normalisation.metrics;
  }

  push(row: number, entity: string, ts: number, values: Float64Array): void {
    const names = this.model.meta.normalisation.metrics;
    for (let i = 0; i < names.length; i++) {
      const v = values[this.at[i]];
      // A missing value is carried forward by the model's feature extractor.
      if (Number.isNaN(v)) delete this.readings[names[i]];
      else this.readings[names[i]] = v;
    }
    const before = this.model.pendingCount;
    this.model.push(entity, ts, this.readings);
    if (this.model.pendingCount > before) this.owners.push(row);
  }

  /** Scores the pushed windows: row → score. */
  flush(): Map<number, ModelScore> {
    const out = new Map<number, ModelScore>();
    const scores = this.model.flush();
    scores.forEach((s, i) => out.set(this.owners[i], s));
    this.owners.length = 0;
    return out;
  }
}
