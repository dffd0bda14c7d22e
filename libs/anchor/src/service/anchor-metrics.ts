import { Counter, Gauge, Registry } from 'prom-client';
import { METRIC } from '@gridproof/metrics';
import type { AnchorStatus } from './anchor-status';

/** The anchoring service's Prometheus metrics (on /api/metrics); gauges read the live status. */
export class AnchorMetrics {
  readonly transactions: Counter<'kind'>;
  readonly lateRecords: Counter;
  readonly errors: Counter<'what'>;

  constructor(registry: Registry, status: () => AnchorStatus) {
    new Gauge({
      name: METRIC.anchorLastBatch,
      help: 'Id of the newest batch anchored on chain (-1: none yet)',
      registers: [registry],
      collect() {
        this.set(status().lastAnchored?.id ?? -1);
      },
    });
    new Gauge({
      name: METRIC.anchorLag,
      help: 'Seconds between now and the end of the newest anchored batch window',
      registers: [registry],
      collect() {
        this.set(status().lagMs / 1000);
      },
    });
    new Gauge({
      name: METRIC.anchorBacklog,
      help: 'Sealed batches waiting to be anchored',
      registers: [registry],
      collect() {
        this.set(status().backlog);
      },
    });
    new Gauge({
      name: METRIC.anchorChainUp,
      help: '1 when the last call to the chain succeeded',
      registers: [registry],
      collect() {
        this.set(status().chain.reachable ? 1 : 0);
      },
    });
    new Gauge({
      name: METRIC.anchorReanchored,
      help: 'Batch anchorings the chain lost and that were anchored again, over all time (anchor_reanchor_events)',
      registers: [registry],
      collect() {
        this.set(status().history.reanchoredBatches);
      },
    });
    new Gauge({
      name: METRIC.anchorStoreMismatches,
      help: 'Anchored batches whose record in the SQL store differs from the chain (start-up check)',
      registers: [registry],
      collect() {
        this.set(status().history.storeMismatches.count);
      },
    });
    this.transactions = new Counter({ name: METRIC.anchorTransactions, help: 'Anchor transactions sent', labelNames: ['kind'], registers: [registry] });
    this.lateRecords = new Counter({ name: METRIC.anchorLateRecords, help: 'Accepted records whose rx fell in an already sealed window', registers: [registry] });
    this.errors = new Counter({ name: METRIC.anchorErrors, help: 'Anchoring errors', labelNames: ['what'], registers: [registry] });
  }
}
