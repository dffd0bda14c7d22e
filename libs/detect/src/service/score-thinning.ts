import type { AnomalyPoint } from './anomaly-writer';

interface Held {
  bucket: number;
  point: AnomalyPoint;
  /** Wall-clock ms when the bucket was opened: a device that goes quiet still gets its point written. */
  openedAt: number;
}

/** Detectors that score every reading: their points are thinned. */
const THINNED = new Set(['generic', 'multivariate']);

/**
 * Keeps InfluxDB's `anomaly` measurement to one point per device, per-reading detector (generic,
 * multivariate) and interval of device time (GP_DETECT_SCORE_INTERVAL_MS): the reading with the
 * highest score, so peaks survive. Alarms are always written, when they happen. A point per reading doubled InfluxDB's
 * writes for a fleet reporting every few seconds; dashboards plot scores per minute or coarser.
 * Model and maintenance points are already one per window or hour and pass through.
 */
export class ScoreThinning {
  private held = new Map<string, Held>();

  constructor(
    private readonly intervalMs: number,
    private readonly maxHeld: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The points to write now, of those just scored. */
  take(points: readonly AnomalyPoint[]): AnomalyPoint[] {
    if (this.intervalMs <= 0) return [...points];
    const out: AnomalyPoint[] = [];
    for (const p of points) {
      if (!THINNED.has(p.detector) || p.isAnomaly) {
        out.push(p);
        continue;
      }
      const bucket = Math.floor(p.ts / this.intervalMs);
      const key = p.detector === 'generic' ? p.device : `${p.device}\u0000${p.detector}`;
      const held = this.held.get(key);
      if (!held) {
        if (this.held.size >= this.maxHeld) out.push(...this.flush());
        this.held.set(key, { bucket, point: p, openedAt: this.now() });
      } else if (bucket === held.bucket) {
        if (p.score > held.point.score) held.point = p;
      } else if (bucket > held.bucket) {
        out.push(held.point);
        held.bucket = bucket;
        held.point = p;
        held.openedAt = this.now();
      } else {
        // Older than the open bucket (a late reading): written as it is.
        out.push(p);
      }
    }
    return out;
  }

  /** Held points whose bucket opened at least one interval ago (wall clock): their device went quiet. */
  takeStale(): AnomalyPoint[] {
    const out: AnomalyPoint[] = [];
    const cutoff = this.now() - this.intervalMs;
    for (const [key, held] of this.held) {
      if (held.openedAt > cutoff) continue;
      out.push(held.point);
      this.held.delete(key);
    }
    return out;
  }

  /** Every held point (at idle and shutdown). */
  flush(): AnomalyPoint[] {
    const out = [...this.held.values()].map((h) => h.point);
    this.held = new Map();
    return out;
  }
}
