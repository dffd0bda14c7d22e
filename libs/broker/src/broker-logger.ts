import type { LoggerService } from '@nestjs/common';

/** What the broker logs through: a Nest Logger in the app, a quiet or recording one in tests. */
export type BrokerLogger = Pick<LoggerService, 'log' | 'warn' | 'error'>;

/**
 * Lets a burst of warnings through, then counts instead of printing until the window ends, so
 * a client hammering the broker with bad logins cannot flood the log. Counters stay exact.
 */
export class ThrottledWarnings {
  private windowStart = 0;
  private printed = 0;
  private suppressed = 0;

  constructor(
    private readonly logger: BrokerLogger,
    private readonly burst = 20,
    private readonly windowMs = 10_000,
  ) {}

  warn(message: string): void {
    const now = Date.now();
    if (now - this.windowStart >= this.windowMs) {
      if (this.suppressed > 0) this.logger.warn(`${this.suppressed} similar warnings suppressed in the last ${this.windowMs / 1000} s (see the counters on /api/metrics)`);
      this.windowStart = now;
      this.printed = 0;
      this.suppressed = 0;
    }
    if (this.printed < this.burst) {
      this.printed++;
      this.logger.warn(message);
    } else {
      this.suppressed++;
    }
  }
}
