import type { DeviceType } from '@gridproof/telemetry';
import {
  META_RETENTION_POLICY,
  alertRowLines,
  deviceStatusLines,
  nameplateLines,
  openAlertLines,
  siteLines,
  type AlertRow,
  type DeviceStatusPoint,
  type SitePoint,
  type WriteOptions,
} from '@gridproof/influx';

export type FeedName = 'sites' | 'alerts_open' | 'device_status' | 'nameplate';

/** A registered device as the feeds need it (DeviceRegistry.list() gives more). */
export interface FeedDevice {
  id: string;
  type: DeviceType;
  site: SitePoint;
  /** Nameplate attributes (catalogue), registered or the type's default: { rated_power_kwp: 30 }. */
  attributes: Record<string, number>;
}

/** Where the feeds read from; GrafanaFeedsService binds them to the registry, alerts and bus. */
export interface FeedSources {
  devices(): Promise<FeedDevice[]>;
  /** Open alerts (firing or acknowledged), each with its console link. */
  openAlerts(): Iterable<AlertRow>;
  /** Subscribes to connect/disconnect of devices; returns the unsubscribe. */
  onConnectivity(listener: (event: { device: string; site: string; type: DeviceType; online: boolean; at: number }) => void): () => void;
}

export interface GrafanaFeedsOptions {
  /** gp_alerts_open cadence (schema.ts: every 10 s). */
  alertsIntervalMs: number;
  /**
   * How often the registry is read: sites new or changed since the last read are written
   * (gp_sites: "on start and on change"), and every device's online flag is written again,
   * so a dashboard range that starts after a device's last change still finds its status.
   */
  registryIntervalMs: number;
  /** Connectivity changes are batched this long before they are written. */
  statusFlushMs: number;
}

export const DEFAULT_FEED_OPTIONS: GrafanaFeedsOptions = { alertsIntervalMs: 10_000, registryIntervalMs: 60_000, statusFlushMs: 1_000 };

export interface FeedHooks {
  write(body: string, options?: WriteOptions): Promise<void>;
  /** A write or read of one feed failed (counted and logged by the caller; never thrown). */
  onError(feed: FeedName, err: unknown, firstOfStreak: boolean): void;
  onRecovered?(feed: FeedName): void;
  now?: () => number;
}

/**
 * Writes the measurements Grafana reads but no pipeline stage produces: site coordinates
 * (gp_sites) and nameplate attributes (gp_meta policy) from the registry, open alerts per
 * severity (gp_alerts_open) and one row per open alert (gp_alerts) from the alert engine, and
 * devices' online flags (gp_device_status) from the broker's connectivity events.
 *
 * Best effort like the ingest's own figures: a failed write is counted and retried at the
 * next tick (sites stay "unwritten" until a write succeeds); nothing is spooled and nothing
 * ever throws out of a timer.
 */
export class GrafanaFeeds {
  private readonly options: GrafanaFeedsOptions;
  private readonly now: () => number;
  /** Sites as last written (JSON), so only changes are written again. */
  private readonly writtenSites = new Map<string, string>();
  private readonly status = new Map<string, DeviceStatusPoint>();
  /** Alerts written open at the last successful write, by fingerprint: a missing one is written closed. */
  private writtenOpen = new Map<string, AlertRow>();
  private pendingStatus: string[] = [];
  private readonly failing = new Set<FeedName>();
  private readonly timers: NodeJS.Timeout[] = [];
  private flushTimer: NodeJS.Timeout | null = null;
  private readonly running = new Map<FeedName | 'registry', Promise<void>>();
  private unsubscribe: (() => void) | null = null;
  private stopped = false;

  constructor(
    private readonly sources: FeedSources,
    private readonly hooks: FeedHooks,
    options: Partial<GrafanaFeedsOptions> = {},
  ) {
    this.options = { ...DEFAULT_FEED_OPTIONS, ...options };
    this.now = hooks.now ?? Date.now;
  }

  /** Subscribes to connectivity, writes sites, statuses and open alerts once, then on timers. */
  async start(): Promise<void> {
    this.unsubscribe = this.sources.onConnectivity((e) => {
      this.status.set(e.device, { device: e.device, site: e.site, type: e.type, online: e.online });
      this.pendingStatus.push(...deviceStatusLines([{ device: e.device, site: e.site, type: e.type, online: e.online }], e.at));
      this.flushTimer ??= setTimeout(() => {
        this.flushTimer = null;
        void this.once('device_status', () => this.flushStatus());
      }, this.options.statusFlushMs);
      this.flushTimer.unref();
    });
    await Promise.all([this.registryTick(), this.alertsTick()]);
    this.every(this.options.alertsIntervalMs, () => this.alertsTick());
    this.every(this.options.registryIntervalMs, () => this.registryTick());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    for (const t of this.timers) clearInterval(t);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    await Promise.all(this.running.values());
    // Connectivity changes seen before the stop are still written.
    await this.guard('device_status', () => this.flushStatus());
  }

  /** One gp_alerts_open write (also on the timer). */
  alertsTick(): Promise<void> {
    return this.once('alerts_open', async () => {
      const at = this.now();
      const open = new Map<string, AlertRow>();
      for (const a of this.sources.openAlerts()) if (a.state === 'firing' || a.state === 'acknowledged') open.set(a.fingerprint, a);
      // One series per fingerprint: an alert that fired again under a new id is simply overwritten.
      const closed = [...this.writtenOpen.values()].filter((a) => !open.has(a.fingerprint));
      await this.hooks.write([...openAlertLines(open.values(), at), ...alertRowLines(open.values(), at, true), ...alertRowLines(closed, at, false)].join('\n'));
      this.writtenOpen = open;
    });
  }

  /** One registry read: changed sites, then every device's status (also on the timer). */
  registryTick(): Promise<void> {
    return this.once('registry', async () => {
      let devices: FeedDevice[];
      try {
        devices = await this.sources.devices();
      } catch (err) {
        this.failed('sites', err);
        return;
      }
      await this.guard('sites', () => this.writeSites(devices));
      await this.guard('device_status', () => this.writeStatuses(devices));
      await this.guard('nameplate', () => this.writeNameplates(devices));
    });
  }

  private async writeSites(devices: FeedDevice[]): Promise<void> {
    const changed = new Map<string, SitePoint>();
    for (const { site } of devices) {
      const text = JSON.stringify([site.name, site.lat, site.lon]);
      if (this.writtenSites.get(site.id) !== text) changed.set(site.id, site);
    }
    if (!changed.size) return;
    await this.hooks.write(siteLines([...changed.values()], this.now()).join('\n'));
    for (const site of changed.values()) this.writtenSites.set(site.id, JSON.stringify([site.name, site.lat, site.lon]));
  }

  private async writeStatuses(devices: FeedDevice[]): Promise<void> {
    const registered = new Set<string>();
    for (const d of devices) {
      registered.add(d.id);
      // A device the broker has not reported on since this process started is not connected.
      const online = this.status.get(d.id)?.online ?? false;
      this.status.set(d.id, { device: d.id, site: d.site.id, type: d.type, online });
    }
    for (const id of this.status.keys()) if (!registered.has(id)) this.status.delete(id);
    if (!this.status.size) return;
    await this.hooks.write(deviceStatusLines(this.status.values(), this.now()).join('\n'));
  }

  /**
   * Every device's nameplate, every registry read (like the statuses): a dashboard query finds
   * a point in any bucket of a minute or more, so it can divide by it (schema.ts, gp_meta).
   */
  private async writeNameplates(devices: FeedDevice[]): Promise<void> {
    const lines = nameplateLines(
      devices.map((d) => ({ device: d.id, site: d.site.id, type: d.type, attributes: d.attributes })),
      this.now(),
    );
    if (lines.length) await this.hooks.write(lines.join('\n'), { retentionPolicy: META_RETENTION_POLICY });
  }

  private async flushStatus(): Promise<void> {
    if (!this.pendingStatus.length) return;
    const lines = this.pendingStatus;
    this.pendingStatus = [];
    try {
      await this.hooks.write(lines.join('\n'));
    } catch (err) {
      // Kept for the next flush (bounded: a device changes state a few times a minute at most).
      this.pendingStatus = [...lines, ...this.pendingStatus].slice(-100_000);
      this.flushTimer ??= setTimeout(() => {
        this.flushTimer = null;
        void this.once('device_status', () => this.flushStatus());
      }, this.options.registryIntervalMs);
      this.flushTimer.unref();
      throw err;
    }
  }

  private every(ms: number, tick: () => Promise<void>): void {
    const timer = setInterval(() => {
      if (!this.stopped) void tick();
    }, ms);
    timer.unref();
    this.timers.push(timer);
  }

  /** Runs a feed's work unless it is still running from the previous tick; never rejects. */
  private once(name: FeedName | 'registry', work: () => Promise<void>): Promise<void> {
    const current = this.running.get(name);
    if (current) return current;
    const run = (name === 'registry' ? work().catch(() => undefined) : this.guard(name, work)).finally(() => this.running.delete(name));
    this.running.set(name, run);
    return run;
  }

  private async guard(feed: FeedName, work: () => Promise<void>): Promise<void> {
    try {
      await work();
      if (this.failing.delete(feed)) this.hooks.onRecovered?.(feed);
    } catch (err) {
      this.failed(feed, err);
    }
  }

  private failed(feed: FeedName, err: unknown): void {
    const first = !this.failing.has(feed);
    this.failing.add(feed);
    try {
      this.hooks.onError(feed, err, first);
    } catch {
      // An error hook must not turn a failed write into a crash.
    }
  }
}
