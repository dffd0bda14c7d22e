import { escapeTag, MEASUREMENTS, quoteString } from '@gridproof/influx';

/**
 * Writes anomaly scores to InfluxDB (measurement `anomaly`, layout in libs/influx schema.ts) as
 * line protocol over the 1.x HTTP API. Scores are derived data: a failed write is counted and
 * logged, never retried forever and never allowed to slow ingest.
 */
export interface AnomalyPoint {
  device: string;
  site: string;
  type: string;
  family: string;
  detector: string;
  ts: number;
  score: number;
  threshold: number;
  isAnomaly: boolean;
  topMetric: string;
  modelVersion: string;
}

export interface InfluxTarget {
  url: string;
  database: string;
  username?: string;
  password?: string;
}

export function anomalyLine(p: AnomalyPoint): string {
  return (
    `${MEASUREMENTS.anomaly},detector=${escapeTag(p.detector)},device=${escapeTag(p.device)},family=${escapeTag(p.family)},site=${escapeTag(p.site || '-')},type=${escapeTag(p.type)} ` +
    `score=${p.score},threshold=${p.threshold},is_anomaly=${p.isAnomaly ? 1 : 0},top_metric=${quoteString(p.topMetric)},model_version=${quoteString(p.modelVersion)} ${Math.trunc(p.ts)}`
  );
}

export class AnomalyWriter {
  constructor(private readonly target: InfluxTarget) {}

  async write(points: readonly AnomalyPoint[]): Promise<void> {
    if (!points.length) return;
    const q = new URLSearchParams({ db: this.target.database, precision: 'ms' });
    if (this.target.username) q.set('u', this.target.username);
    if (this.target.password) q.set('p', this.target.password);
    const res = await fetch(`${this.target.url.replace(/\/$/, '')}/write?${q.toString()}`, { method: 'POST', body: points.map(anomalyLine).join('\n') });
    if (res.status !== 204) throw new Error(`InfluxDB write of ${points.length} anomaly points failed: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
  }
}
