import dashgen = require('grafana-dash-gen');
import { VariableHide } from '@grafana/schema';
import { MEASUREMENTS, META_RETENTION_POLICY } from '@gridproof/influx';
import { FAMILIES, type DeviceType, type Family } from '@gridproof/telemetry';
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

/** The drill-down of one device type (one dashboard per catalogue type, boards/device-type.ts). */
export function deviceTypeUid(type: DeviceType | string): string {
  return `gridproof-device-${type}`;
}

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

/**
 * A link from a series (labels.device) or a table row (fields.device) to the drill-down of the
 * device's type: `type` when the panel shows one type, else the row's or series' type tag.
 */
export function drillDown(from: 'series' | 'row', type?: DeviceType): DataLink {
  const device = from === 'series' ? '${__field.labels.device}' : '${__data.fields.device}';
  const ofType = type ?? (from === 'series' ? '${__field.labels.type}' : '${__data.fields.type}');
  return { title: 'Device drill-down', url: `/d/${deviceTypeUid(ofType)}?var-device=${device}&\${__url_time_range}` };
}

/**
 * `$rp`: the retention policy a panel reads readings from, chosen by the range's length from
 * the gp_rollup_ranges rows ensureSchema writes (raw points below ROLLUP_MIN_POINTS rollup
 * intervals, the rollup above). Grafana substitutes ${__from}/${__to} (epoch ms) in variable
 * queries and refreshes the variable when the range changes.
 */
export function retentionPolicyVariable(): InfluxVariable {
  const length = '${__to} - ${__from}';
  return new InfluxVariable(
    'rp',
    `SELECT "rp" FROM "${META_RETENTION_POLICY}"."${MEASUREMENTS.rollupRanges}" WHERE "from_ms" <= ${length} AND "to_ms" > ${length}`,
    {
      label: 'Resolution',
      hide: VariableHide.hideVariable,
      description: 'Retention policy of the readings: raw points for short ranges, the downsampled rollup for long ones (docs/operators.md).',
    },
  );
}

/**
 * A telemetry measurement in the policy `$rp` selects. Only numeric catalogue metrics are in
 * the rollup (continuous queries average them): enums (status), seq, sig and rx read raw.
 */
export function readings(family: Family): string {
  return `"$rp"."${family}"`;
}

/** The family's nameplate points (gp_meta, schema.ts), merged with readings by InfluxQL. */
export function nameplates(family: Family): string {
  return `"${META_RETENTION_POLICY}"."${family}"`;
}
