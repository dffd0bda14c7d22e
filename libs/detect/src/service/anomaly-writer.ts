import { escapeTag, MEASUREMENTS, quoteString, type LineSink } from '@gridproof/influx';

/**
 * Anomaly scores as InfluxDB points (measurement `anomaly`, layout in libs/influx schema.ts).
 * Scores are derived data: a failed write is counted and logged, never retried forever and
 * never allowed to slow ingest.
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

export function anomalyLine(p: AnomalyPoint): string {
  return (
    `${MEASUREMENTS.anomaly},detector=${escapeTag(p.detector)},device=${escapeTag(p.device)},family=${escapeTag(p.family)},site=${escapeTag(p.site || '-')},type=${escapeTag(p.type)} ` +
    `score=${p.score},threshold=${p.threshold},is_anomaly=${p.isAnomaly ? 1 : 0},top_metric=${quoteString(p.topMetric)},model_version=${quoteString(p.modelVersion)} ${Math.trunc(p.ts)}`
  );
}

/**
 * anomalyLine() with the escaped tags of each device and detector, and the quoted strings, kept,
 * so they are not escaped again for every point (one per device and minute by default, one per
 * reading with GP_DETECT_SCORE_INTERVAL_MS=0). Same bytes as anomalyLine (anomaly-writer.spec.ts).
 */
export class AnomalyLineCache {
  private readonly devices = new Map<string, { site: string; type: string; family: string; prefixes: Map<string, string> }>();
  private readonly quoted = new Map<string, string>();

  constructor(private readonly maxEntries = 200_000) {}

  line(p: AnomalyPoint): string {
    return `${this.prefix(p)}score=${p.score},threshold=${p.threshold},is_anomaly=${p.isAnomaly ? 1 : 0},top_metric=${this.quote(p.topMetric)},model_version=${this.quote(p.modelVersion)} ${Math.trunc(p.ts)}`;
  }

  private prefix(p: AnomalyPoint): string {
    let d = this.devices.get(p.device);
    if (!d || d.site !== p.site || d.type !== p.type || d.family !== p.family) {
      if (!d && this.devices.size >= this.maxEntries) this.devices.clear();
      d = { site: p.site, type: p.type, family: p.family, prefixes: new Map() };
      this.devices.set(p.device, d);
    }
    let prefix = d.prefixes.get(p.detector);
    if (prefix === undefined) {
      prefix = `${MEASUREMENTS.anomaly},detector=${escapeTag(p.detector)},device=${escapeTag(p.device)},family=${escapeTag(p.family)},site=${escapeTag(p.site || '-')},type=${escapeTag(p.type)} `;
      d.prefixes.set(p.detector, prefix);
    }
    return prefix;
  }

  private quote(s: string): string {
    let q = this.quoted.get(s);
    if (q === undefined) {
      if (this.quoted.size >= 10_000) this.quoted.clear();
      q = quoteString(s);
      this.quoted.set(s, q);
    }
    return q;
  }
}

/**
 * Writes anomaly points through a LineSink (libs/influx's adapter, which sends the credentials
 * in the Authorization header; they used to travel as `u`/`p` in the URL).
 */
export class AnomalyWriter {
  private readonly lines = new AnomalyLineCache();

  constructor(private readonly sink: LineSink) {}

  async write(points: readonly AnomalyPoint[]): Promise<void> {
    if (!points.length) return;
    try {
      await this.sink.writeLines(points.map((p) => this.lines.line(p)).join('\n'));
    } catch (err) {
      throw new Error(`InfluxDB write of ${points.length} anomaly points failed: ${(err as Error).message}`);
    }
  }
}
