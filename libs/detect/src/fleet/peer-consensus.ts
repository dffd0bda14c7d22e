/**
 * The common component of one metric across a device's peers: the median of the latest values
 * of the other devices of the same type on the same site, or of all devices of that type when
 * the site has fewer than `minPeers` of them. Weather, tariffs and the sun move a whole site (or
 * region) at once; what a crew cares about is one device leaving its peers.
 *
 * Causal: a consensus only uses values recorded before the call, so a streaming service (readings
 * in arrival order) and a backtest (readings merged in time order) compute the same thing.
 * Values count while fresh, within a few of the group's typical reporting intervals, which is
 * learned from the devices' own timestamps (never assumed).
 */
export interface PeerOptions {
  /** Fewest devices (besides the one asking) with a fresh value for a consensus. */
  minPeers: number;
  /** A value is fresh for this many of the group's typical reporting intervals. */
  freshIntervals: number;
  /** A device not heard from for this long no longer counts as a member of its group. */
  forgetMs: number;
}

const SMALL_GROUP = 64;
const orNull = (x: number) => (Number.isNaN(x) ? null : x);

export const DEFAULT_PEER_OPTIONS: PeerOptions = { minPeers: 3, freshIntervals: 2.5, forgetMs: 86_400_000 };

interface Slot {
  ts: number;
  v: number;
}

class MetricPool {
  readonly values = new Map<string, Slot>();
  median = NaN;
  /** Updates since the median was computed, and the time it was computed for. */
  stale = Infinity;
  computedAt = -Infinity;
  scratch = new Float64Array(16);
}

class Group {
  readonly members = new Map<string, number>();
  readonly metrics = new Map<string, MetricPool>();
  /** Typical reporting interval: the running median of the members' intervals (tracked in log space). */
  interval = NaN;

  pool(metric: string): MetricPool {
    let p = this.metrics.get(metric);
    if (!p) this.metrics.set(metric, (p = new MetricPool()));
    return p;
  }

  learnInterval(deltaMs: number): void {
    if (!(deltaMs > 0)) return;
    if (Number.isNaN(this.interval)) this.interval = deltaMs;
    else this.interval *= Math.exp(0.05 * Math.sign(deltaMs - this.interval));
  }

  membersSince(t: number): number {
    let n = 0;
    for (const [id, last] of this.members) {
      if (last >= t) n++;
      else this.members.delete(id);
    }
    return n;
  }
}

export class PeerConsensus {
  private readonly groups = new Map<string, Group>();
  private readonly lastTs = new Map<string, number>();
  private readonly o: PeerOptions;

  constructor(options: Partial<PeerOptions> = {}, private readonly maxDevices = 200_000) {
    this.o = { ...DEFAULT_PEER_OPTIONS, ...options };
  }

  /**
   * Registers a device's reading time (once per reading, before consensus/record for its
   * metrics): group membership and the groups' reporting interval.
   */
  seen(type: string, site: string, device: string, ts: number): void {
    const prev = this.lastTs.get(device);
    if (prev === undefined && this.lastTs.size >= this.maxDevices) {
      const oldest = this.lastTs.keys().next().value;
      if (oldest !== undefined) this.lastTs.delete(oldest);
    }
    this.lastTs.delete(device);
    this.lastTs.set(device, ts);
    for (const g of [this.group(type, site), this.group(type, null)]) {
      if (prev !== undefined) g.learnInterval(ts - prev);
      g.members.set(device, ts);
    }
  }

  /**
   * The peers' common value of `metric` at `ts` (before this device's value is recorded), or
   * null when neither the site nor the fleet has enough fresh peers.
   */
  consensus(type: string, site: string, device: string, metric: string, ts: number): number | null {
    const siteGroup = this.group(type, site);
    // The site when it has enough members, else the fleet: chosen by membership, which changes
    // rarely, so a device does not hop between groups with every late reading.
    const g = siteGroup.membersSince(ts - this.o.forgetMs) > this.o.minPeers ? siteGroup : this.group(type, null);
    if (Number.isNaN(g.interval)) return null;
    const pool = g.metrics.get(metric);
    if (!pool) return null;
    const fresh = ts - this.o.freshIntervals * g.interval;
    // A small group: the median of the others, every time. A large one: recomputed after an
    // eighth of the group has reported (or time moved on), so it costs O(1) amortised per
    // reading; the asking device's own earlier value is then among the many and cannot move it.
    if (pool.values.size <= SMALL_GROUP) return orNull(median(pool, fresh, device, this.o.minPeers, true));
    if (pool.stale >= pool.values.size >> 3 || ts - pool.computedAt > g.interval / 2 || ts < pool.computedAt) {
      pool.median = median(pool, fresh, device, this.o.minPeers, false);
      pool.stale = 0;
      pool.computedAt = ts;
    }
    return orNull(pool.median);
  }

  /** Records a device's value of `metric` (after its consensus was taken). */
  record(type: string, site: string, device: string, metric: string, ts: number, value: number): void {
    for (const g of [this.group(type, site), this.group(type, null)]) {
      const pool = g.pool(metric);
      const slot = pool.values.get(device);
      if (slot) {
        slot.ts = ts;
        slot.v = value;
      } else pool.values.set(device, { ts, v: value });
      pool.stale++;
      if (pool.values.size > 2 * g.members.size + 16) for (const id of pool.values.keys()) if (!g.members.has(id)) pool.values.delete(id);
    }
  }

  private group(type: string, site: string | null): Group {
    const key = site === null ? type : `${type}\u0000${site}`;
    let g = this.groups.get(key);
    if (!g) this.groups.set(key, (g = new Group()));
    return g;
  }
}

/** Median of the fresh values (without the asking device's when `excludeSelf`); NaN with fewer than minPeers others. */
function median(pool: MetricPool, fresh: number, device: string, minPeers: number, excludeSelf: boolean): number {
  if (pool.scratch.length < pool.values.size) pool.scratch = new Float64Array(2 * pool.values.size);
  const a = pool.scratch;
  let n = 0;
  let others = 0;
  for (const [id, s] of pool.values) {
    if (s.ts < fresh) continue;
    const self = id === device;
    if (self && excludeSelf) continue;
    a[n++] = s.v;
    if (!self) others++;
  }
  if (others < minPeers) return NaN;
  const sorted = a.subarray(0, n).sort();
  return n & 1 ? sorted[n >> 1] : (sorted[(n >> 1) - 1] + sorted[n >> 1]) / 2;
}
