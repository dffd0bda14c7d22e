import { pointLine } from './line-protocol';
import { MEASUREMENTS } from './schema';
import { familyOf, type DeviceType } from '@gridproof/telemetry';

/**
 * Line protocol of the measurements Grafana reads and only apps/gridproof/src/grafana-feeds writes (layout in
 * libs/influx/src/schema.ts): gp_sites, gp_alerts_open, gp_alerts, gp_device_status, and the
 * nameplate attributes (gp_meta policy). Pure functions, so the dashboards' query tests seed
 * InfluxDB with exactly what the running feeds write.
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

/** One open alert as the fleet's alert table shows it. */
export interface AlertRow {
  id: string;
  fingerprint: string;
  severity: string;
  state: string;
  summary: string;
  alertname?: string;
  device?: string;
  site?: string;
  /** Unix ms. */
  startedAt: number;
  /** The alert's page in the console. */
  url: string;
}

/**
 * gp_alerts: `open` 1 for an alert open at `at`, 0 for one that closed since the last write.
 * The fingerprint is the only tag: bounded by the fleet's problems (device × alert kind), unlike
 * the id, which is new on every firing.
 */
export function alertRowLines(rows: Iterable<AlertRow>, at: number, open: boolean): string[] {
  const lines: string[] = [];
  for (const r of rows) {
    const fields: Record<string, string | { int: number }> = {
      open: { int: open ? 1 : 0 },
      id: r.id,
      severity: r.severity,
      state: open ? r.state : 'closed',
      summary: r.summary.replace(/\n/g, ' '),
      url: r.url,
      started_at: { int: Math.round(r.startedAt) },
    };
    for (const key of ['alertname', 'device', 'site'] as const) if (r[key]) fields[key] = r[key]!;
    lines.push(pointLine(MEASUREMENTS.alerts, { fingerprint: r.fingerprint }, fields, at));
  }
  return lines;
}

export interface NameplatePoint {
  device: string;
  site: string;
  type: DeviceType;
  /** Nameplate attributes (catalogue `attributes`), e.g. { rated_power_kwp: 30 }. */
  attributes: Record<string, number>;
}

/**
 * Nameplate attributes as points of the device's family measurement, written to the gp_meta
 * retention policy (schema.ts): a query over "autogen"."energy" and "gp_meta"."energy" sees
 * them in the same series as the device's readings. Devices without attributes write nothing.
 */
export function nameplateLines(devices: Iterable<NameplatePoint>, at: number): string[] {
  const lines: string[] = [];
  for (const d of devices) {
    if (!Object.keys(d.attributes).length) continue;
    lines.push(pointLine(familyOf(d.type), { device: d.device, site: d.site, type: d.type }, d.attributes, at));
  }
  return lines;
}
