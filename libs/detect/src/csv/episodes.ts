import { formatTimestamp } from './timestamps';

/**
 * Alarm rows → alarm episodes, what a crew would be sent: alarm rows of one entity with at most
 * `gapRows` quiet rows of that entity between them are one episode. Benchmarks count a long run
 * of alarm rows as many false alarms (Kim et al., AAAI 2022; NAB); a crew counts episodes.
 */
export interface AlarmDetail {
  score: number;
  figure: number;
  /** Evidence kinds that fired in the row (e.g. shift, autoencoder). */
  kinds: readonly string[];
  /** Metrics involved in the row, with the figure each reached. */
  metrics: ReadonlyArray<readonly [string, number]>;
}

export interface Episode {
  entity: string;
  start: number;
  end: number;
  alarmRows: number;
  peakTs: number;
  peakScore: number;
  peakFigure: number;
  /** Metric → highest figure it reached in the episode. */
  metrics: Map<string, number>;
  /** Evidence kind → alarm rows it fired in. */
  evidence: Map<string, number>;
}

interface EntityState {
  rows: number;
  lastAlarmRow: number;
  open: Episode | null;
}

export const EPISODE_HEADER = ['entity', 'start', 'end', 'alarm_rows', 'peak_time', 'peak_score', 'peak_neg_log10_p', 'metrics', 'evidence'];

export class EpisodeTracker {
  private readonly entities = new Map<string, EntityState>();
  private readonly closed: Episode[] = [];

  constructor(private readonly gapRows: number) {}

  /** Every scored row of the entity, in order; detail only for alarm rows. */
  row(entity: string, ts: number, detail: AlarmDetail | null): void {
    let st = this.entities.get(entity);
    if (!st) this.entities.set(entity, (st = { rows: 0, lastAlarmRow: -Infinity, open: null }));
    st.rows++;
    if (st.open && st.rows - st.lastAlarmRow > this.gapRows + 1) {
      this.closed.push(st.open);
      st.open = null;
    }
    if (!detail) return;
    st.lastAlarmRow = st.rows;
    const e = (st.open ??= { entity, start: ts, end: ts, alarmRows: 0, peakTs: ts, peakScore: -Infinity, peakFigure: -Infinity, metrics: new Map(), evidence: new Map() });
    e.end = ts;
    e.alarmRows++;
    if (detail.figure > e.peakFigure) {
      e.peakFigure = detail.figure;
      e.peakScore = detail.score;
      e.peakTs = ts;
    }
    for (const k of detail.kinds) e.evidence.set(k, (e.evidence.get(k) ?? 0) + 1);
    for (const [name, figure] of detail.metrics) e.metrics.set(name, Math.max(e.metrics.get(name) ?? -Infinity, figure));
  }

  /** Closes the open episodes; all episodes by start time. */
  finish(): Episode[] {
    for (const st of this.entities.values()) {
      if (st.open) this.closed.push(st.open);
      st.open = null;
    }
    return this.closed.sort((a, b) => a.start - b.start || (a.entity < b.entity ? -1 : a.entity > b.entity ? 1 : 0));
  }

  get count(): number {
    let open = 0;
    for (const st of this.entities.values()) if (st.open) open++;
    return this.closed.length + open;
  }
}

export function episodeRow(e: Episode): string[] {
  const byValue = <K>(m: Map<K, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]).map(([k]) => k);
  return [e.entity, formatTimestamp(e.start), formatTimestamp(e.end), String(e.alarmRows), formatTimestamp(e.peakTs), e.peakScore.toFixed(4), e.peakFigure.toFixed(3), byValue(e.metrics).join(';'), byValue(e.evidence).join(';')];
}
