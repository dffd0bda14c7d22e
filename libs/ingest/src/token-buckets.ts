/**
 * One token bucket per key (a device id): the per-device publish budget of ingest and the
 * broker's error-reply budget: `ratePerS` tokens a second, at most `burst` saved.
 * take() is synchronous and allocation-free after a key's first use, because it runs once per
 * MQTT message on the ingest hot path (libraries such as rate-limiter-flexible answer with a
 * promise per call). Buckets are refilled lazily from the time of the last take, so there is
 * no timer per key; a full bucket is the same as no bucket, so full ones are forgotten by
 * sweep() and memory stays proportional to the keys active in the last few seconds.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private lastSweep = 0;

  constructor(
    readonly ratePerS: number,
    readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!(ratePerS > 0) || !(burst >= 1)) throw new Error(`a token bucket needs a rate > 0 and a burst >= 1 (got ${ratePerS}/s, burst ${burst})`);
  }

  /** Takes one token for `key`; false when its bucket is empty (the caller refuses or drops). */
  take(key: string): boolean {
    const now = this.now();
    if (now - this.lastSweep > 10_000) this.sweep(now);
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { tokens: this.burst, at: now };
      this.buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.ratePerS);
      bucket.at = now;
    }
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** Keys tracked now (tests, metrics). */
  get size(): number {
    return this.buckets.size;
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.at) / 1000) * this.ratePerS >= this.burst) this.buckets.delete(key);
    }
  }
}
