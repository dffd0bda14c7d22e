import { MEASUREMENTS } from '@gridproof/influx';
import type { Alert, AlertEventType } from '../model/alert';

export interface InfluxTarget {
  url: string;
  database: string;
  username?: string;
  password?: string;
}

// InfluxDB line protocol escaping (1.x docs, "Special characters"): tag keys/values escape
// comma, equals and space; string field values escape double quote and backslash.
const tag = (v: string) => v.replace(/[,= \\]/g, (c) => `\\${c}`).replace(/\n/g, ' ');
const str = (v: string) => `"${v.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, ' ')}"`;

export function annotationLine(alert: Alert, type: AlertEventType, at: number): string {
  const tags: Array<[string, string | undefined]> = [
    ['device', alert.labels.device],
    ['kind', alert.labels.kind],
    ['severity', alert.severity],
    ['site', alert.labels.site],
    ['state', type === 'updated' ? alert.state : type],
  ];
  const tagText = tags
    .filter(([, v]) => v)
    .map(([k, v]) => `${k}=${tag(v!)}`)
    .join(',');
  const who = type === 'acknowledged' ? ` (by ${alert.acknowledgedBy})` : type === 'resolved' && alert.resolvedBy ? ` (by ${alert.resolvedBy})` : '';
  const text = `${type}${who}: ${alert.description}${type === 'firing' ? ` Action: ${alert.recommendedAction}` : ''}`;
  return `${MEASUREMENTS.alertEvents},${tagText} fingerprint=${str(alert.fingerprint)},title=${str(alert.summary)},text=${str(text)} ${Math.round(at)}`;
}

/**
 * Writes alert state changes to InfluxDB's alert_events measurement (layout in
 * libs/influx/src/schema.ts) so Grafana shows them as annotations. Batched and fire-and-forget:
 * InfluxDB being down costs annotations (counted, logged), never alert delivery.
 */
export class AlertAnnotationWriter {
  private lines: string[] = [];
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> = Promise.resolve();
  failures = 0;

  constructor(
    private readonly target: InfluxTarget,
    private readonly onError: (err: unknown) => void,
    private readonly flushMs = 200,
  ) {}

  write(alert: Alert, type: AlertEventType, at: number): void {
    this.lines.push(annotationLine(alert, type, at));
    if (this.lines.length >= 500) this.flushSoon(0);
    else this.flushSoon(this.flushMs);
  }

  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const lines = this.lines;
    this.lines = [];
    if (lines.length) this.inFlight = this.inFlight.then(() => this.post(lines));
    await this.inFlight;
  }

  private flushSoon(delay: number): void {
    if (this.timer && delay > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), delay);
    this.timer.unref();
  }

  private async post(lines: string[]): Promise<void> {
    const url = new URL('/write', this.target.url);
    url.searchParams.set('db', this.target.database);
    url.searchParams.set('precision', 'ms');
    const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8' };
    if (this.target.username) {
      headers.authorization = `Basic ${Buffer.from(`${this.target.username}:${this.target.password ?? ''}`).toString('base64')}`;
    }
    try {
      const res = await fetch(url, { method: 'POST', body: lines.join('\n'), headers, signal: AbortSignal.timeout(10_000) });
      if (!res.ok) throw new Error(`InfluxDB write ${res.status}: ${(await res.text()).slice(0, 200)}`);
    } catch (err) {
      this.failures++;
      this.onError(err);
    }
  }
}
