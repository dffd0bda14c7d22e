/**
 * A seasonal profile learned online: the mean deviation of the stream from its own running
 * level, per phase bin of a period (time of day, or hour of the week). The phase comes from the
 * reading's timestamp, so irregular or missing readings do not shift it. It is only trusted once
 * at least two periods have been seen and most bins have been visited.
 */
export class SeasonalProfile {
  private readonly means: Float32Array;
  private readonly visits: Uint16Array;
  private visited = 0;
  private reference = 0;
  private refCount = 0;
  private firstTs: number | null = null;
  private readonly refAlpha: number;

  constructor(
    readonly periodMs: number,
    readonly binCount: number,
    /** Readings over which the reference level averages (a day: long enough to span the daily cycle). */
    referenceSamples: number,
  ) {
    this.means = new Float32Array(binCount);
    this.visits = new Uint16Array(binCount);
    this.refAlpha = 1 / Math.max(2, referenceSamples);
  }

  binOf(ts: number): number {
    const phase = ((ts % this.periodMs) + this.periodMs) % this.periodMs;
    return Math.min(this.binCount - 1, Math.floor((phase / this.periodMs) * this.binCount));
  }

  get ready(): boolean {
    return this.firstTs !== null && this.visited >= 0.8 * this.binCount && this.spanMs >= 2 * this.periodMs;
  }

  private spanMs = 0;

  /** The seasonal component at ts (0 before anything is known about its bin). */
  at(ts: number): number {
    const b = this.binOf(ts);
    return this.visits[b] ? this.means[b] : 0;
  }

  learn(ts: number, x: number, isOutlier: boolean): void {
    if (this.firstTs === null) this.firstTs = ts;
    this.spanMs = Math.max(this.spanMs, ts - this.firstTs);
    this.refCount++;
    // The reference is the deseasonalised level (as in Holt–Winters): a plain moving average of a
    // seasonal stream oscillates with the season and would leave a daily ripple in the residuals.
    this.reference += Math.max(this.refAlpha, 1 / this.refCount) * (x - this.at(ts) - this.reference);
    // Anomalies must not be learned as "what this hour looks like".
    if (isOutlier) return;
    const b = this.binOf(ts);
    const v = this.visits[b];
    if (v === 0) this.visited++;
    if (v < 65_535) this.visits[b] = v + 1;
    // Cumulative mean for the first visits, then an EW mean over the last ~20 readings of the bin.
    const alpha = Math.max(1 / (v + 1), 0.05);
    this.means[b] += alpha * (x - this.reference - this.means[b]);
  }
}
