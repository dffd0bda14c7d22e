import { LruEntry, LruList } from '../generic/lru';

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

export class PeerGroup {
  readonly members = new Map<string, number>();
  readonly metrics = new Map<string, MetricPool>();
  /** Typical reporting interval: the running median of the members' intervals (tracked in log space). */
  interval = NaN;
  /** Bumped whenever a member is (re)stamped: the last membersSince count is valid while it holds. */
  private version = 0;
  private countedVersion = -1;
  private countedSince = NaN;
  private counted = 0;

  stamp(device: string, ts: number): void {
    this.members.set(device, ts);
    this.version++;
  }

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

  /**
   * Members heard from at or after t (forgetting the others). Asked once per metric of a
   * reading with the same t: counted once, then answered from the count until a member is
   * stamped again (a second count could forget no one and would find the same number).
   */
  membersSince(t: number): number {
    if (this.countedVersion === this.version && this.countedSince === t) return this.counted;
    let n = 0;
    for (const [id, last] of this.members) {
      if (last >= t) n++;
      else this.members.delete(id);
    }
    this.countedVersion = this.version;
    this.countedSince = t;
    this.counted = n;
    return n;
  }
}

/** The two groups of a device: its type on its site, and its type in the whole fleet. */
export interface PeerGroups {
  readonly site: PeerGroup;
  readonly fleet: PeerGroup;
}

class SeenDevice extends LruEntry {
  constructor(
    readonly id: string,
    public ts: number,
  ) {
    super();
  }
}

export class PeerConsensus {
  private readonly groups = new Map<string, PeerGroup>();
  private readonly pairs = new Map<string, PeerGroups>();
  private readonly lastSeen = new Map<string, SeenDevice>();
  private readonly recency = new LruList<SeenDevice>();
  private readonly o: PeerOptions;

  constructor(options: Partial<PeerOptions> = {}, private readonly maxDevices = 200_000) {
    this.o = { ...DEFAULT_PEER_OPTIONS, ...options };
  }

  /** The groups of a device of `type` on `site`; callers may keep them (groups are never dropped). */
  groupsOf(type: string, site: string): PeerGroups {
    const key = `${type}\u0000${site}`;
    let pair = this.pairs.get(key);
    if (!pair) this.pairs.set(key, (pair = { site: this.group(type, site), fleet: this.group(type, null) }));
    return pair;
  }

  /**
   * Registers a device's reading time (once per reading, before consensus/record for its
   * metrics): group membership and the groups' reporting interval.
   */
  seen(type: string, site: string, device: string, ts: number): void {
    this.seenIn(this.groupsOf(type, site), device, ts);
  }

  seenIn(groups: PeerGroups, device: string, ts: number): void {
    let entry = this.lastSeen.get(device);
    let prev: number | undefined;
    if (entry) {
      prev = entry.ts;
      entry.ts = ts;
      this.recency.touch(entry);
    } else {
      if (this.lastSeen.size >= this.maxDevices) {
        const oldest = this.recency.shift();
        if (oldest) this.lastSeen.delete(oldest.id);
      }
      entry = new SeenDevice(device, ts);
      this.lastSeen.set(device, entry);
      this.recency.push(entry);
    }
    if (prev !== undefined) {
      groups.site.learnInterval(ts - prev);
      groups.fleet.learnInterval(ts - prev);
    }
    groups.site.stamp(device, ts);
    groups.fleet.stamp(device, ts);
  }

  /**
   * The peers' common value of `metric` at `ts` (before this device's value is recorded), or
   * null when neither the site nor the fleet has enough fresh peers.
   */
  consensus(type: string, site: string, device: string, metric: string, ts: number): number | null {
    return this.consensusIn(this.groupsOf(type, site), device, metric, ts);
  }

  consensusIn(groups: PeerGroups, device: string, metric: string, ts: number): number | null {
    const siteGroup = groups.site;
    // The site when it has enough members, else the fleet: chosen by membership, which changes
    // rarely, so a device does not hop between groups with every late reading.
    const g = siteGroup.membersSince(ts - this.o.forgetMs) > this.o.minPeers ? siteGroup : groups.fleet;
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
    this.recordIn(this.groupsOf(type, site), device, metric, ts, value);
  }

  recordIn(groups: PeerGroups, device: string, metric: string, ts: number, value: number): void {
    recordInGroup(groups.site, device, metric, ts, value);
    recordInGroup(groups.fleet, device, metric, ts, value);
  }

  private group(type: string, site: string | null): PeerGroup {
    const key = site === null ? type : `${type}\u0000${site}`;
    let g = this.groups.get(key);
    if (!g) this.groups.set(key, (g = new PeerGroup()));
    return g;
  }
}

function recordInGroup(g: PeerGroup, device: string, metric: string, ts: number, value: number): void {
  const pool = g.pool(metric);
  const slot = pool.values.get(device);
  if (slot) {
    slot.ts = ts;
    slot.v = value;
  } else pool.values.set(device, { ts, v: value });
  pool.stale++;
  if (pool.values.size > 2 * g.members.size + 16) for (const id of pool.values.keys()) if (!g.members.has(id)) pool.values.delete(id);
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
  const sorted = n <= SMALL_GROUP ? insertionSort(a, n) : a.subarray(0, n).sort();
  return n & 1 ? sorted[n >> 1] : (sorted[(n >> 1) - 1] + sorted[n >> 1]) / 2;
}

/**
 * Sorts a[0, n) in place in the order of Float64Array.prototype.sort (−0 before +0; the values
 * are finite), without the subarray view that sort needs: small groups take a median at every
 * reading of every metric.
 */
function insertionSort(a: Float64Array, n: number): Float64Array {
  for (let i = 1; i < n; i++) {
    const x = a[i];
    let j = i;
    while (j > 0 && before(x, a[j - 1])) {
      a[j] = a[j - 1];
      j--;
    }
    a[j] = x;
  }
  return a;
}

const before = (x: number, y: number) => x < y || (x === 0 && y === 0 && Object.is(x, -0) && !Object.is(y, -0));
