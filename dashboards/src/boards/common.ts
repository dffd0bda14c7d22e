import dashgen = require('grafana-dash-gen');
import { FAMILIES } from '@gridproof/telemetry';
import { InfluxVariable } from '../grafana/dashgen';
import type { DataLink } from '../grafana/panels';

/**
 * Dashboard uids: fixed, so links between dashboards and bookmarks survive re-provisioning.
 * Alert notifications link crews to /d/gridproof-device (libs/alerts, docs/crews.md).
 */
export const UIDS = {
  fleet: 'gridproof-fleet',
  energy: 'gridproof-energy',
  charging: 'gridproof-charging',
  environment: 'gridproof-environment',
  device: 'gridproof-device',
  audit: 'gridproof-audit',
} as const;

/** Regex over the telemetry measurements (one per family, see libs/influx/src/schema.ts). */
export const TELEMETRY_FROM = `/^(${FAMILIES.join('|')})$/`;

export const SITE_FILTER = `"site" =~ /^$site$/`;
export const DEVICE_FILTER = `"device" =~ /^$device$/`;

export function newDashboard(title: string, tags: string[]): dashgen.Dashboard {
  return new dashgen.Dashboard({
    title,
    tags: ['gridproof', ...tags],
    refresh: '30s',
    time: { from: 'now-6h', to: 'now' },
    timezone: 'browser',
    sharedCrosshair: true,
  });
}

/** Site variable over the sites that have data in `measurement`. */
export function siteVariable(measurement: string): InfluxVariable {
  return new InfluxVariable('site', `SHOW TAG VALUES FROM ${measurement} WITH KEY = "site"`, {
    label: 'Site',
    multi: true,
    includeAll: true,
  });
}

/** Device variable over the devices of `measurement` at the selected sites. */
export function deviceVariable(measurement: string, extraWhere = ''): InfluxVariable {
  return new InfluxVariable(
    'device',
    `SHOW TAG VALUES FROM ${measurement} WITH KEY = "device" WHERE ${SITE_FILTER}${extraWhere ? ` AND ${extraWhere}` : ''}`,
    { label: 'Device', multi: true, includeAll: true },
  );
}

export function familyVariable(): InstanceType<typeof dashgen.Templates.Custom> {
  return new dashgen.Templates.Custom({
    name: 'family',
    label: 'Family',
    multi: true,
    includeAll: true,
    allValue: '.*',
    options: FAMILIES.map((f) => ({ text: f, value: f })),
  });
}

/** A link from a series (labels.device) or a table row (fields.device) to the device drill-down. */
export function drillDown(from: 'series' | 'row'): DataLink {
  const device = from === 'series' ? '${__field.labels.device}' : '${__data.fields.device}';
  return { title: 'Device drill-down', url: `/d/${UIDS.device}?var-device=${device}&\${__url_time_range}` };
}
