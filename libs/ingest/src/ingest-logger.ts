/** The logging the pipeline needs; Nest's Logger fits it. */
export interface IngestLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  debug?(message: string): void;
}

/**
 * At most one line per key (e.g. a rejection reason) per interval, then a summary of how many
 * were held back, so a device flooding bad messages cannot flood the log (or the disk under it).
 */
export class RateLimitedLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly write: (message: string) => void,
    private readonly intervalMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  log(key: string, message: string): void {
    const at = this.now();
    const entry = this.last.get(key);
    if (entry && at - entry.at < this.intervalMs) {
      entry.suppressed++;
      return;
    }
    const held = entry?.suppressed ? ` (${entry.suppressed} more like it in the last ${Math.round((at - entry.at) / 1000)} s not logged)` : '';
    this.last.set(key, { at, suppressed: 0 });
    this.write(message + held);
  }
}
