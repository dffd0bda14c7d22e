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
}

/**
 * Device offline: the broker published the device's last will (an unclean loss), or no reading
 * arrived for `missed` × its expected interval (a silent loss the broker cannot see, e.g. a
 * half-open TCP connection or a hung firmware). A clean disconnect or a device's own "offline"
 * status is deliberate and stops tracking, and so does GridProof's own shutdown. A site whose
 * tracked devices are all offline raises one SiteOffline alert; the default inhibition rule
 * then mutes its devices' own alerts.
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
      this.devices.set(ref.id, { ref, lastSeenAt: at, offline: false });
      return;
    }
    t.ref = ref;
    t.lastSeenAt = at;
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
    const t = this.devices.get(event.device.id);
    if (t && !t.offline) this.devices.delete(event.device.id);
    if (t) this.checkSite(event.device.site);
  }

  tick(now: number): void {
    if (!this.config.enabled) return;
    for (const t of this.devices.values()) {
      if (t.offline) continue;
      const limit = this.config.missed * (this.config.expectedIntervalsMs[t.ref.type] ?? this.config.expectedIntervalMs);
      if (now - t.lastSeenAt > limit) this.markOffline(t.ref, now, `no reading for ${formatDuration(now - t.lastSeenAt)} (${this.config.missed} missed intervals)`);
    }
  }

  private labels(ref: DeviceRef): Labels {
    return { alertname: 'DeviceOffline', ...deviceLabels(ref), kind: 'offline' };
  }

  private markOffline(ref: DeviceRef, now: number, cause: string): void {
    let t = this.devices.get(ref.id);
    if (!t) this.devices.set(ref.id, (t = { ref, lastSeenAt: now, offline: true }));
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
