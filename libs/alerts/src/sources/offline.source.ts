import type { DeviceConnectivity, DeviceRef } from '@gridproof/events';
import type { AlertsConfig } from '../config/alerts-config';
import { formatDuration } from '../model/duration';
import type { Labels } from '../model/labels';
import { deviceLabels } from './device-labels';
import type { ThresholdSink } from './threshold.source';

interface Tracked {
  ref: DeviceRef;
  lastSeenAt: number;
  offline: boolean;
  /** The device's own reporting interval, learned from the gaps between its readings (ms; 0 until learned). */
  intervalMs: number;
  gaps: number;
  /** When it disconnected cleanly (or said it was going offline), if it has not reported since. */
  leftAt: number | null;
}

/** Gaps seen before a learned interval counts (the first ones include a connect's catch-up). */
const GAPS_TO_LEARN = 5;
/** EW weight of one gap, and the largest gap learned, in learned intervals (an outage is not a rate). */
const GAP_WEIGHT = 0.1;
const GAP_CAP = 4;

/**
 * Device offline: the broker published the device's last will (an unclean loss), or no reading
 * arrived for `missed` × its expected interval: a silent loss the broker cannot see (a half-open
 * TCP connection, a hung firmware), or a device that disconnected cleanly (or said it was going
 * offline) and did not come back. A clean disconnect is often a reboot or a firmware update, so
 * it raises nothing at once; it is only the silence that counts. The expected interval is the
 * larger of the configured one (per type, or the default) and the device's own, learned from the
 * gaps between its readings: a 5-minute device is not called offline after 3 minutes. Only
 * GridProof's own shutdown stops tracking. A site whose tracked devices are all offline raises
 * one SiteOffline alert; the default inhibition rule then mutes its devices' own alerts.
 */
export class OfflineDetector {
  private readonly devices = new Map<string, Tracked>();
  private readonly sitesDown = new Set<string>();

  constructor(
    private readonly config: AlertsConfig['offline'],
    private readonly sink: ThresholdSink,
  ) {}

  seen(ref: DeviceRef, at: number): void {
    if (!this.config.enabled) return;
    const t = this.devices.get(ref.id);
    if (!t) {
      this.devices.set(ref.id, { ref, lastSeenAt: at, offline: false, intervalMs: 0, gaps: 0, leftAt: null });
      return;
    }
    const gap = at - t.lastSeenAt;
    // Readings of one batch arrive together (gap 0), and a reconnect's catch-up comes in bursts.
    if (gap > 0 && t.leftAt === null && !t.offline) {
      t.gaps++;
      t.intervalMs = t.intervalMs ? t.intervalMs + GAP_WEIGHT * (Math.min(gap, GAP_CAP * t.intervalMs) - t.intervalMs) : gap;
    }
    t.ref = ref;
    t.lastSeenAt = at;
    t.leftAt = null;
    if (t.offline) {
      t.offline = false;
      this.sink.clear(this.labels(ref), 'device is reporting again');
      this.checkSite(ref.site);
    }
  }

  onConnectivity(event: DeviceConnectivity, now: number): void {
    if (!this.config.enabled) return;
    if (event.online) return this.seen(event.device, now);
    // GridProof is stopping: the device is fine as far as anyone knows; it is tracked again
    // when it reconnects to the next process.
    if (event.cause === 'shutdown') {
      this.devices.delete(event.device.id);
      return;
    }
    if (event.cause === 'will') return this.markOffline(event.device, now, 'the broker published its last will (connection lost)');
    // A clean disconnect or the device's own "offline": nothing yet, but its silence is watched.
    const t = this.devices.get(event.device.id);
    if (t && !t.offline && t.leftAt === null) t.leftAt = now;
  }

  /** The silence after which a device is offline: `missed` × the larger of its configured and its own interval. */
  limitOf(id: string): number | null {
    const t = this.devices.get(id);
    if (!t) return null;
    const configured = this.config.expectedIntervalsMs[t.ref.type] ?? this.config.expectedIntervalMs;
    return this.config.missed * Math.max(configured, t.gaps >= GAPS_TO_LEARN ? t.intervalMs : 0);
  }

  tick(now: number): void {
    if (!this.config.enabled) return;
    for (const t of this.devices.values()) {
      if (t.offline) continue;
      const limit = this.limitOf(t.ref.id)!;
      if (now - t.lastSeenAt <= limit) continue;
      const silence = `no reading for ${formatDuration(now - t.lastSeenAt)} (${this.config.missed} missed intervals of ${formatDuration(limit / this.config.missed)})`;
      this.markOffline(t.ref, now, t.leftAt === null ? silence : `it disconnected cleanly ${formatDuration(now - t.leftAt)} ago and has not come back; ${silence}`);
    }
  }

  private labels(ref: DeviceRef): Labels {
    return { alertname: 'DeviceOffline', ...deviceLabels(ref), kind: 'offline' };
  }

  private markOffline(ref: DeviceRef, now: number, cause: string): void {
    let t = this.devices.get(ref.id);
    if (!t) this.devices.set(ref.id, (t = { ref, lastSeenAt: now, offline: true, intervalMs: 0, gaps: 0, leftAt: null }));
    t.offline = true;
    this.sink.fire({
      source: 'offline',
      labels: this.labels(ref),
      severity: this.config.severity,
      summary: `${ref.id} is offline`,
      description: `${ref.type} ${ref.id} at site ${ref.site} is offline: ${cause}. Last reading ${new Date(t.lastSeenAt).toISOString()}.`,
      evidence: { cause, lastSeenAt: t.lastSeenAt },
    });
    this.checkSite(ref.site);
  }

  private checkSite(site: string): void {
    const members = [...this.devices.values()].filter((t) => t.ref.site === site);
    const down = members.length >= this.config.siteMinDevices && members.every((t) => t.offline);
    const labels: Labels = { alertname: 'SiteOffline', site, kind: 'site_offline' };
    if (down && !this.sitesDown.has(site)) {
      this.sitesDown.add(site);
      this.sink.fire({
        source: 'offline',
        labels,
        severity: this.config.siteSeverity,
        summary: `Site ${site} is offline: all ${members.length} devices silent`,
        description: `Every tracked device at site ${site} (${members.map((m) => m.ref.id).join(', ')}) is offline; suspect site power or uplink.`,
        evidence: { count: members.length, devices: members.map((m) => m.ref.id) },
      });
    } else if (!down && this.sitesDown.has(site)) {
      this.sitesDown.delete(site);
      this.sink.clear(labels, 'devices at the site are reporting again');
    }
  }
}
