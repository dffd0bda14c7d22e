import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { METRIC } from '@gridproof/metrics';
import { REJECTION_REASONS, RejectionReason } from '@gridproof/telemetry';

/**
 * Ingest's Prometheus metrics (get-or-create, like the broker's, so a restart inside one
 * process reuses the series).
 */
export class IngestMetrics {
  readonly accepted: Counter;
  readonly rejected: Counter<'reason'>;
  readonly duplicates: Counter;
  readonly writeLatency: Histogram;
  readonly spoolBytes: Gauge;
  readonly spoolRecords: Gauge;
  readonly spoolFull: Gauge;
  readonly influxUp: Gauge;
  readonly spoolTorn: Counter;
  readonly deadLetter: Counter;

  constructor(private readonly registry: Registry) {
    this.accepted = get(registry, METRIC.ingestAccepted, () => new Counter({ name: METRIC.ingestAccepted, help: 'Telemetry messages accepted and durable', registers: [registry] }));
    this.rejected = get(
      registry,
      METRIC.ingestRejected,
      () => new Counter({ name: METRIC.ingestRejected, help: 'Telemetry messages rejected, by reason', labelNames: ['reason'], registers: [registry] }),
    );
    // Every reason shows from the start (at 0), so dashboards and alerts see the full set.
    for (const reason of REJECTION_REASONS) this.rejected.inc({ reason }, 0);
    this.duplicates = get(
      registry,
      METRIC.ingestDuplicates,
      () => new Counter({ name: METRIC.ingestDuplicates, help: 'Exact redeliveries of accepted messages (QoS 1 resends after a lost PUBACK; reason duplicate); acknowledged, never stored twice', registers: [registry] }),
    );
    this.writeLatency = get(
      registry,
      METRIC.ingestWriteLatency,
      () =>
        new Histogram({
          name: METRIC.ingestWriteLatency,
          help: 'Time from a batch being formed to being durable (InfluxDB or spool), seconds',
          buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
          registers: [registry],
        }),
    );
    this.spoolBytes = gauge(registry, METRIC.spoolBytes, 'Bytes held in the on-disk spool, waiting for InfluxDB', true);
    this.spoolRecords = gauge(registry, METRIC.spoolRecords, 'Readings held in the on-disk spool, waiting for InfluxDB', true);
    this.spoolFull = gauge(registry, METRIC.spoolFull, '1 while the spool is at its bound and publishers are pushed back');
    this.influxUp = gauge(registry, METRIC.influxUp, '1 while InfluxDB accepts writes');
    this.spoolTorn = get(registry, METRIC.spoolTorn, () => new Counter({ name: METRIC.spoolTorn, help: 'Bytes of torn or corrupt spool tails skipped (left by a crash mid-append; never acknowledged)', registers: [registry] }));
    this.deadLetter = get(
      registry,
      METRIC.ingestDeadLetter,
      () => new Counter({ name: METRIC.ingestDeadLetter, help: 'Points InfluxDB refused for good (kept under <spool>/dead-letter)', registers: [registry] }),
    );
    this.spoolFull.set(0);
    this.influxUp.set(1);
  }

  /** Called on every scrape to refresh the spool gauges from the live spool. */
  onCollect(refresh: () => void): void {
    collectHooks.set(this.registry, refresh);
  }

  reject(reason: RejectionReason): void {
    this.rejected.inc({ reason });
  }
}

function get<M>(registry: Registry, name: string, create: () => M): M {
  return (registry.getSingleMetric(name) as M | undefined) ?? create();
}

// Per registry, so a gauge reused after a restart in one process reads the live spool.
const collectHooks = new WeakMap<Registry, () => void>();

function gauge(registry: Registry, name: string, help: string, live = false): Gauge {
  return get(
    registry,
    name,
    () =>
      new Gauge({
        name,
        help,
        registers: [registry],
        ...(live ? { collect: () => collectHooks.get(registry)?.() } : {}),
      }),
  );
}
