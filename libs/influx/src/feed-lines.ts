import { pointLine } from './line-protocol';
import { MEASUREMENTS } from './schema';
import { familyOf, type DeviceType } from '@gridproof/telemetry';

/**
 * Line protocol of the measurements Grafana reads and only apps/gridproof/src/grafana-feeds writes (layout in
 * libs/influx/src/schema.ts): gp_sites, gp_alerts_open and gp_device_status. Pure functions, so
 * the dashboards' query tests seed InfluxDB with exactly what the running feeds write.
 */

export interface SitePoint {
  id: string;
  name: string;
  lat: number;
  lon: number;
}

export interface OpenAlertLike {
  severity: string;
  state: string;
}

export interface DeviceStatusPoint {
  device: string;
  site: string;
  type: DeviceType;
  online: boolean;
}

/** Every severity is written, 0 included, so a panel never mistakes "no point" for "no alerts". */
export const ALERT_SEVERITIES = ['critical', 'warning', 'info'] as const;

export function siteLines(sites: readonly SitePoint[], at: number): string[] {
  return sites.map((s) => pointLine(MEASUREMENTS.sites, { site: s.id }, { lat: s.lat, lon: s.lon, name: s.name }, at));
}

/** Open = firing or acknowledged; counts per severity. */
export function openAlertLines(alerts: Iterable<OpenAlertLike>, at: number): string[] {
  const counts = new Map<string, number>(ALERT_SEVERITIES.map((s) => [s, 0]));
  for (const a of alerts) {
    if (a.state !== 'firing' && a.state !== 'acknowledged') continue;
    counts.set(a.severity, (counts.get(a.severity) ?? 0) + 1);
  }
  return [...counts].map(([severity, count]) => pointLine(MEASUREMENTS.alertsOpen, { severity }, { count: { int: count } }, at));
}

export function deviceStatusLines(devices: Iterable<DeviceStatusPoint>, at: number): string[] {
  const lines: string[] = [];
  for (const d of devices) {
    lines.push(pointLine(MEASUREMENTS.deviceStatus, { device: d.device, site: d.site, type: d.type, family: familyOf(d.type) }, { online: { int: d.online ? 1 : 0 } }, at));
  }
  return lines;
}
