import { MEASUREMENTS, pointLine } from '@gridproof/influx';
import { METRIC, Registry } from '@gridproof/metrics';
import { REJECTION_REASONS, RejectionReason } from '@gridproof/telemetry';
import type { IngestStatsSnapshot } from './ingest-stats';
import type { IngestLogger } from './ingest-logger';

/**
 * Writes the pipeline's own figures to InfluxDB every interval (schema.ts: gp_ingest and
 * gp_rejections) so Grafana can chart readings/s and rejections next to the telemetry.
 * Best effort: while InfluxDB is down the figures are skipped, not spooled (they are
 * observations of this process, not accepted data).
 */
export class StatsWriter {
  private timer: NodeJS.Timeout | null = null;
  private previous: { accepted: number; rejected: number; byReason: Record<RejectionReason, number>; at: number } | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly options: {
      intervalMs: number;
      snapshot: () => IngestStatsSnapshot;
      write: (body: string) => Promise<void>;
      metrics: Registry;
      logger: IngestLogger;
      now?: () => number;
    },
  ) {}

  start(): void {
    if (this.timer || this.options.intervalMs <= 0) return;
    this.previous = this.take();
    this.timer = setInterval(() => {
      this.running ??= this.writeOnce().finally(() => {
        this.running = null;
      });
    }, this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** Writes one interval's figures now (also used by tests). */
  async writeOnce(): Promise<void> {
    const current = this.take();
    const previous = this.previous ?? { ...current, accepted: 0, rejected: 0, byReason: zeroReasons() };
    this.previous = current;
    const seconds = Math.max(0.001, (current.at - previous.at) / 1000);
    const snap = current.snapshot;
    const [devicesOnline, connections] = await Promise.all([this.gaugeValue(METRIC.devicesOnline), this.gaugeValue(METRIC.mqttConnections)]);
    const accepted = current.accepted - previous.accepted;
    const lines = [
      pointLine(
        MEASUREMENTS.ingest,
        {},
        {
          accepted: { int: accepted },
          rejected: { int: current.rejected - previous.rejected },
          readings_per_s: accepted / seconds,
          devices_online: { int: devicesOnline },
          connections: { int: connections },
          spool_bytes: { int: snap.spool.bytes },
          spool_records: { int: snap.spool.records },
        },
        current.at,
      ),
      ...REJECTION_REASONS.map((reason) =>
        pointLine(MEASUREMENTS.rejections, { reason }, { count: { int: current.byReason[reason] - previous.byReason[reason] } }, current.at),
      ),
    ];
    try {
      await this.options.write(lines.join('\n'));
    } catch (err) {
      this.options.logger.debug?.(`pipeline figures not written to InfluxDB: ${(err as Error).message}`);
    }
  }

  private take() {
    const snapshot = this.options.snapshot();
    return { snapshot, accepted: snapshot.accepted, rejected: snapshot.rejected, byReason: { ...snapshot.rejectedByReason }, at: (this.options.now ?? Date.now)() };
  }

  private async gaugeValue(name: string): Promise<number> {
    const metric = this.options.metrics.getSingleMetric(name);
    if (!metric) return 0;
    const data = await metric.get();
    return data.values.reduce((sum, v) => sum + v.value, 0);
  }
}

function zeroReasons(): Record<RejectionReason, number> {
  return Object.fromEntries(REJECTION_REASONS.map((r) => [r, 0])) as Record<RejectionReason, number>;
}
