import { DeviceType, Family, familyOf } from '@gridproof/telemetry';

/**
 * How GridProof lays data out in InfluxDB (1.x API). Dashboards, audit and models read this
 * layout; change it only with all of them.
 *
 * Telemetry: one measurement per family, one point per accepted message, time = device ts (ms).
 *   measurement  energy | charging | environment
 *   tags         device, site, type          (bounded: one series per device)
 *   fields       <metric>...                 float (enum metrics such as status: string)
 *                seq   integer              per-device sequence number
 *                rx    integer              broker receive time, Unix ms (anchoring windows)
 *                sig   string               base64 Ed25519 signature (absent when unsigned)
 *
 * Pipeline measurements (written by GridProof itself, for Grafana):
 *   gp_ingest        fields accepted, rejected (integers, counts of the interval), readings_per_s
 *                    (float), devices_online, connections, spool_bytes, spool_records (integers,
 *                    values at write time) (every 10 s)
 *   gp_rejections    tags reason; fields count (integer, per 10 s interval; every reason, 0 included)
 *   gp_device_status tags device, site, type, family; fields online (1/0)
 *   anomaly          tags device, site, type, family, detector; fields score, threshold,
 *                    is_anomaly (1/0), top_metric (string), model_version (string)
 *   alert_events     tags device, site, severity, kind, state; fields fingerprint, title, text
 *   anchor_batches   fields batch_id, count, lag_ms, root (string), tx (string), block
 *   audit_results    fields batch_id, verified (1/0), altered, missing, injected
 *   gp_sites         tags site; fields lat, lon (float, WGS 84), name (string); one point per
 *                    site on start and on change (Grafana reads coordinates only from here:
 *                    the geomap joins it with readings on the site tag)
 *   gp_alerts_open   tags severity; fields count (open = firing or acknowledged; every 10 s,
 *                    0 included, so "open alerts by severity" needs no state reconstruction)
 *   gp_alerts        tags fingerprint; fields open (1/0), id, severity, state, alertname, summary,
 *                    device, site, url (the console's page of the alert), started_at (ms): every
 *                    open alert every 10 s, and open=0 once when it closes (the fleet's table of
 *                    open alerts reads the last 30 s before the range's end)
 *
 * Retention: the default policy `autogen` keeps raw points for INFLUX_RETENTION; the `rollup`
 * policy (INFLUX_ROLLUP_RETENTION) receives continuous queries gp_rollup_<family> writing the
 * mean of every numeric metric per INFLUX_ROLLUP_INTERVAL under the same field names.
 * The `gp_meta` policy (INF) holds what dashboards combine with readings:
 *   <family>         tags device, site, type; fields the catalogue's nameplate attributes
 *                    (rated_power_kwp of a PV inverter), every minute from the registry. Same
 *                    measurement name as the readings: InfluxQL merges same-named measurements
 *                    of several policies (FROM "autogen"."energy", "gp_meta"."energy") into one
 *                    series per tag set, so one query divides output by rated power.
 *   gp_rollup_ranges tags rp; fields rp, from_ms, to_ms: the policy dashboards read for a range
 *                    of that length (raw below ROLLUP_MIN_POINTS rollup intervals, else rollup);
 *                    written by ensureSchema with the continuous queries.
 * Line protocol for telemetry is built in line-protocol.ts; docs/data-model.md has the details.
 */
export const TELEMETRY_TAGS = ['device', 'site', 'type'] as const;
export const RESERVED_FIELDS = ['seq', 'rx', 'sig'] as const;

export const MEASUREMENTS = {
  ingest: 'gp_ingest',
  rejections: 'gp_rejections',
  deviceStatus: 'gp_device_status',
  anomaly: 'anomaly',
  alertEvents: 'alert_events',
  anchorBatches: 'anchor_batches',
  auditResults: 'audit_results',
  sites: 'gp_sites',
  alertsOpen: 'gp_alerts_open',
  alerts: 'gp_alerts',
  rollupRanges: 'gp_rollup_ranges',
} as const;

/** Retention policy holding downsampled telemetry (continuous queries write into it). */
export const ROLLUP_RETENTION_POLICY = 'rollup';
/** Retention policy (INF) of nameplate attributes and the rollup ranges (see above). */
export const META_RETENTION_POLICY = 'gp_meta';
/** The default policy, raw telemetry. */
export const RAW_RETENTION_POLICY = 'autogen';
/**
 * A range is read from the rollup once it spans this many rollup intervals (2 days at the
 * default 5m): a series then still has more points than a dashboard panel has pixels across,
 * so the graph loses nothing visible and InfluxDB scans 1 point per interval instead of 30
 * (10 s devices).
 */
export const ROLLUP_MIN_POINTS = 576;

export function telemetryMeasurement(type: DeviceType): Family {
  return familyOf(type);
}
