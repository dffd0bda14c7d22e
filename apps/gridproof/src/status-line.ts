import { Registry, METRIC } from '@gridproof/metrics';
import type { RunningGridProof } from './bootstrap';

/**
 * The one-line live status `npm start` prints: devices online, readings/s, rejections,
 * redeliveries (QoS 1 duplicates: acknowledged and stored once, so not counted as rejections), spool.
 * Read from the Prometheus registry, so it shows exactly what /api/metrics shows.
 */
export class StatusLine {
  private timer: NodeJS.Timeout | null = null;
  private lastAccepted = 0;
  private lastAt = Date.now();

  constructor(private readonly running: RunningGridProof) {}

  start(intervalMs = process.stdout.isTTY ? 1_000 : 30_000): void {
    this.timer = setInterval(() => void this.print(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (process.stdout.isTTY) process.stdout.write('\n');
  }

  private async value(registry: { getSingleMetric: Registry['getSingleMetric'] }, name: string): Promise<number> {
    const metric = registry.getSingleMetric(name);
    if (!metric) return 0;
    const data = await metric.get();
    return data.values.reduce((sum, v) => sum + v.value, 0);
  }

  private async print(): Promise<void> {
    const line = await this.line();
    if (process.stdout.isTTY) process.stdout.write(`\r${line.padEnd(100)}`);
    else console.log(line);
  }

  /** The status now; the rate is since the previous call. */
  async line(): Promise<string> {
    const registry = this.running.app.get(Registry);
    const [online, accepted, rejectedOrDuplicate, duplicates, spool] = await Promise.all([
      this.value(registry, METRIC.devicesOnline),
      this.value(registry, METRIC.ingestAccepted),
      this.value(registry, METRIC.ingestRejected),
      this.value(registry, METRIC.ingestDuplicates),
      this.value(registry, METRIC.spoolRecords),
    ]);
    const rejected = rejectedOrDuplicate - duplicates;
    const now = Date.now();
    const rate = ((accepted - this.lastAccepted) * 1000) / Math.max(1, now - this.lastAt);
    this.lastAccepted = accepted;
    this.lastAt = now;
    return `devices online ${online} | readings/s ${rate.toFixed(1)} | accepted ${accepted} | rejected ${rejected} | redeliveries ${duplicates} | spooled ${spool}`;
  }
}
