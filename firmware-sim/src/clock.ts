/**
 * Simulated time. speed 1 = real time (device timestamps follow the wall clock); speed 60 =
 * one simulated minute per wall second. The simulated start may be any instant (e.g. a past
 * date for a backfill), so the clock is anchored at (startMs, wall time at start).
 *
 * With `clampToPresent`, an accelerated clock started in the past runs fast until it catches
 * up with the present and then follows real time: devices never report future timestamps
 * (which an ingest with a clock-skew check rightly rejects).
 */
export class SimClock {
  private readonly wallStart: number;

  constructor(
    readonly startMs: number,
    readonly speed = 1,
    private readonly wallNow: () => number = () => performance.now(),
    private readonly clampToPresent = false,
  ) {
    if (!(speed > 0) || !Number.isFinite(speed)) throw new Error(`speed must be a positive number, got ${speed}`);
    this.wallStart = wallNow();
  }

  /** Current simulated time, Unix ms. */
  now(): number {
    const t = this.startMs + Math.floor((this.wallNow() - this.wallStart) * this.speed);
    return this.clampToPresent ? Math.max(this.startMs, Math.min(t, Date.now())) : t;
  }

  /** Wall-clock milliseconds until the simulated time reaches simMs (0 when past). */
  wallDelayUntil(simMs: number): number {
    return Math.max(0, (simMs - this.now()) / this.speed);
  }
}
