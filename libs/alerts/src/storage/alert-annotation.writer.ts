import { MEASUREMENTS, pointLine, type LineSink } from '@gridproof/influx';
import type { Alert, AlertEventType } from '../model/alert';

/** Annotation texts are shown on one line in Grafana; a newline would also end the point. */
const oneLine = (v: string) => v.replace(/\n/g, ' ');

/** One alert state change as an alert_events point (escaping: libs/influx line-protocol.ts). */
export function annotationLine(alert: Alert, type: AlertEventType, at: number): string {
  const tags: Record<string, string> = {};
  for (const [key, value] of [
    ['device', alert.labels.device],
    ['kind', alert.labels.kind],
    ['severity', alert.severity],
    ['site', alert.labels.site],
    ['state', type === 'updated' ? alert.state : type],
  ] as Array<[string, string | undefined]>) {
    if (value) tags[key] = value;
  }
  const who = type === 'acknowledged' ? ` (by ${alert.acknowledgedBy})` : type === 'resolved' && alert.resolvedBy ? ` (by ${alert.resolvedBy})` : '';
  const text = `${type}${who}: ${alert.description}${type === 'firing' ? ` Action: ${alert.recommendedAction}` : ''}`;
  return pointLine(MEASUREMENTS.alertEvents, tags, { fingerprint: oneLine(alert.fingerprint), title: oneLine(alert.summary), text: oneLine(text) }, Math.round(at));
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
    /** libs/influx's adapter (connection and credentials stay there). */
    private readonly sink: LineSink,
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
    try {
      await this.sink.writeLines(lines.join('\n'));
    } catch (err) {
      this.failures++;
      this.onError(err);
    }
  }
}
