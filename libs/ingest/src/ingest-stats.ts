import { REJECTION_REASONS, RejectionReason } from '@gridproof/telemetry';

export interface IngestStatsSnapshot {
  /** Messages accepted and durable since start. */
  accepted: number;
  /** Messages refused. Duplicates (harmless QoS 1 redeliveries, acknowledged, stored once) are not among them. */
  rejected: number;
  /** Per reason, `duplicate` included. */
  rejectedByReason: Record<RejectionReason, number>;
  duplicates: number;
  /** Accepted messages per second over the last `windowSeconds`. */
  readingsPerSecond: number;
  windowSeconds: number;
  devicesTracked: number;
  pendingWrites: number;
  influxUp: boolean;
  writeMode: 'direct' | 'spooling';
  spool: { bytes: number; records: number; full: boolean; maxBytes: number };
}

/** Running totals and a sliding per-second rate (ring of one-second buckets). */
export class IngestCounters {
  accepted = 0;
  rejected = 0;
  duplicates = 0;
  readonly byReason = Object.fromEntries(REJECTION_REASONS.map((r) => [r, 0])) as Record<RejectionReason, number>;
  private readonly buckets: Float64Array;
  private bucketSecond = 0;

  constructor(
    readonly windowSeconds = 10,
    private readonly now: () => number = Date.now,
  ) {
    this.buckets = new Float64Array(windowSeconds);
  }

  addAccepted(n: number): void {
    this.accepted += n;
    this.advance();
    this.buckets[this.bucketSecond % this.windowSeconds] += n;
  }

  addRejected(reason: RejectionReason): void {
    this.byReason[reason]++;
    // A redelivery of an accepted message is no error: operators see it apart.
    if (reason === 'duplicate') this.duplicates++;
    else this.rejected++;
  }

  /** Complete seconds only, so the figure does not dip at the start of each second. */
  readingsPerSecond(): number {
    this.advance();
    let sum = 0;
    for (let i = 1; i <= this.windowSeconds - 1; i++) sum += this.buckets[(this.bucketSecond - i + this.windowSeconds * 2) % this.windowSeconds];
    return sum / (this.windowSeconds - 1);
  }

  private advance(): void {
    const second = Math.floor(this.now() / 1000);
    if (this.bucketSecond === 0) this.bucketSecond = second;
    const steps = Math.min(this.windowSeconds, second - this.bucketSecond);
    for (let i = 1; i <= steps; i++) this.buckets[(this.bucketSecond + i) % this.windowSeconds] = 0;
    if (second > this.bucketSecond) this.bucketSecond = second;
  }
}
