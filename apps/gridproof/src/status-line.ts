import { Registry, METRIC } from '@gridproof/metrics';
import type { RunningGridProof } from './bootstrap';

/** Where the status line goes: the terminal's two streams. */
export interface Terminal {
  out: NodeJS.WriteStream | { write: NodeJS.WriteStream['write']; isTTY?: boolean };
  err: { write: NodeJS.WriteStream['write'] };
}

/** Erases the current terminal line (carriage return, ANSI "erase in line"). */
const ERASE_LINE = '\r\x1b[2K';

/**
 * The one-line live status `npm start` prints: devices online, readings/s, rejections,
 * redeliveries (QoS 1 duplicates: acknowledged and stored once, so not counted as rejections), spool.
 * Read from the Prometheus registry, so it shows exactly what /api/metrics shows.
 *
 * On a terminal it is redrawn in place. Any other output (a log line) first erases it, so log
 * lines are never glued onto it; it comes back at the next tick.
 */
export class StatusLine {
  private timer: NodeJS.Timeout | null = null;
  private lastAccepted = 0;
  private lastAt = Date.now();
  /** The status line is on screen, not yet followed by anything else. */
  private shown = false;
  private drawing = false;
  private readonly restores: Array<() => void> = [];

  constructor(
    private readonly running: RunningGridProof,
    private readonly terminal: Terminal = { out: process.stdout, err: process.stderr },
  ) {}

  private get tty(): boolean {
    return Boolean(this.terminal.out.isTTY);
  }

  start(intervalMs = this.tty ? 1_000 : 30_000): void {
    if (this.tty) this.interceptOtherOutput();
    this.timer = setInterval(() => void this.print(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    for (const restore of this.restores.splice(0)) restore();
    if (this.tty && this.shown) this.terminal.out.write('\n');
    this.shown = false;
  }

  /** Every write that is not the status line erases it first. */
  private interceptOtherOutput(): void {
    for (const stream of [this.terminal.out, this.terminal.err]) {
      const original = stream.write;
      const bound = original.bind(stream) as (...args: unknown[]) => boolean;
      stream.write = ((...args: unknown[]) => {
        if (this.shown && !this.drawing) {
          this.shown = false;
          (this.terminal.out.write.bind(this.terminal.out) as (...a: unknown[]) => boolean)(ERASE_LINE);
        }
        return bound(...args);
      }) as typeof stream.write;
      this.restores.push(() => {
        stream.write = original;
      });
    }
  }

  private async value(registry: { getSingleMetric: Registry['getSingleMetric'] }, name: string): Promise<number> {
    const metric = registry.getSingleMetric(name);
    if (!metric) return 0;
    const data = await metric.get();
    return data.values.reduce((sum, v) => sum + v.value, 0);
  }

  /** Draws the status once (also what the timer calls). */
  async print(): Promise<void> {
    const line = await this.line();
    if (!this.tty) {
      this.terminal.out.write(`${line}\n`);
      return;
    }
    this.drawing = true;
    try {
      this.terminal.out.write(`${ERASE_LINE}${line}`);
      this.shown = true;
    } finally {
      this.drawing = false;
    }
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
