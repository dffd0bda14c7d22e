import dashgen = require('grafana-dash-gen');
import type { Dashboard } from '@grafana/schema';
import { MEASUREMENTS } from '@gridproof/influx';
import { GridRow, addVariables, toCurrentGrafana } from '../grafana/dashgen';
import { influxql } from '../grafana/datasource';
import { byName, geomap, stat, steps, table, timeseries, valueMap } from '../grafana/panels';
import { UIDS, drillDown, familyVariable, newDashboard, siteVariable } from './common';

const STATUS = `"${MEASUREMENTS.deviceStatus}"`;
const FILTER = `"site" =~ /^$site$/ AND "family" =~ /^$family$/`;
/** Latest online flag per device in the range (gp_device_status is written on every change). */
const LAST_ONLINE_PER_DEVICE = `SELECT last("online") AS "online" FROM ${STATUS} WHERE $timeFilter AND ${FILTER}`;

/**
 * Open alerts at the range's end: the feed writes every open alert every 10 s and a closing
 * row once (gp_alerts, schema.ts); the last row of each fingerprint in the 30 s before the end
 * says whether it is still open. ${__to} is the range's end in epoch ms (Grafana global).
 */
const OPEN_ALERT_FIELDS = ['severity', 'state', 'alertname', 'device', 'site', 'summary', 'started_at', 'id', 'url'];
const OPEN_ALERTS =
  `SELECT ${OPEN_ALERT_FIELDS.map((f) => `"${f}"`).join(', ')} FROM (SELECT last("open") AS "open", ${OPEN_ALERT_FIELDS.map((f) => `"${f}"`).join(', ')} ` +
  `FROM "${MEASUREMENTS.alerts}" WHERE time >= \${__to}ms - 30s AND time <= \${__to}ms GROUP BY "fingerprint") WHERE "open" = 1`;

/** Anchoring lag thresholds: one anchor interval (default 60 s) is normal, ten is a stall. */
export const ANCHOR_LAG = steps('green', [120_000, 'yellow'], [600_000, 'red']);

export const SEVERITY_COLOURS = [
  byName('critical', { color: { mode: 'fixed', fixedColor: 'red' } }),
  byName('warning', { color: { mode: 'fixed', fixedColor: 'orange' } }),
  byName('info', { color: { mode: 'fixed', fixedColor: 'blue' } }),
];

export function fleetDashboard(): Dashboard {
  const dash: dashgen.Dashboard = newDashboard('GridProof · Fleet overview', ['fleet']);
  addVariables(dash, siteVariable(STATUS), familyVariable());

  dash.addRow(
    new GridRow('Now', 4)
      .add(
        stat({
          title: 'Devices online',
          description: 'Devices whose last status in the range is online, at the selected sites and families.',
          targets: [influxql(`SELECT sum("online") FROM (${LAST_ONLINE_PER_DEVICE} GROUP BY "device")`)],
          unit: 'none',
          thresholds: steps('blue'),
        }),
        3,
      )
      .add(
        stat({
          title: 'Readings/s',
          description: 'Accepted readings per second across the broker (gp_ingest, every 10 s).',
          targets: [influxql(`SELECT last("readings_per_s") FROM "${MEASUREMENTS.ingest}" WHERE $timeFilter`)],
          unit: 'cps',
          sparkline: true,
          thresholds: steps('blue'),
        }),
        3,
      )
      .add(
        stat({
          title: 'Open alerts',
          description: 'Alerts firing or acknowledged, all severities (gp_alerts_open).',
          targets: [
            influxql(
              `SELECT sum("count") FROM (SELECT last("count") AS "count" FROM "${MEASUREMENTS.alertsOpen}" WHERE $timeFilter GROUP BY "severity")`,
            ),
          ],
          unit: 'none',
          thresholds: steps('green', [1, 'orange']),
        }),
        3,
      )
      .add(
        stat({
          title: 'Anchoring lag',
          description: 'Age of the newest reading when its batch was anchored on chain, for the last batch.',
          targets: [influxql(`SELECT last("lag_ms") FROM "${MEASUREMENTS.anchorBatches}" WHERE $timeFilter`)],
          unit: 'ms',
          thresholds: ANCHOR_LAG,
        }),
        3,
      ),
  );

  dash.addRow(
    new GridRow('Map and open alerts', 12)
      .add(
        geomap({
          title: 'Fleet map',
          description:
            'Every site with its devices: green when all report online, red when any is offline (last status in the range, at the selected families). ' +
            'Site coordinates come from the gp_sites measurement GridProof writes from its registry.',
          targets: [
            influxql(`SELECT last("lat") AS "lat", last("lon") AS "lon", last("name") AS "name" FROM "${MEASUREMENTS.sites}" WHERE "site" =~ /^$site$/ GROUP BY "site"`, {
              table: true,
            }),
            influxql(
              `SELECT count("online") - sum("online") AS "offline", sum("online") AS "online", count("online") AS "devices" FROM (${LAST_ONLINE_PER_DEVICE} GROUP BY "device", "site")
               GROUP BY "site"`,
              { table: true },
            ),
          ],
          transformations: [
            { id: 'joinByField', options: { byField: 'site', mode: 'inner' } },
            { id: 'organize', options: { excludeByName: { 'Time 1': true, 'Time 2': true, Time: true } } },
          ],
          latitudeField: 'lat',
          longitudeField: 'lon',
          colorField: 'offline',
          labelField: 'name',
          unit: 'none',
          decimals: 0,
          thresholds: steps('green', [1, 'red']),
        }),
        5,
      )
      .add(
        table({
          title: 'Open alerts',
          description:
            'Every alert of the fleet firing or acknowledged at the end of the range, newest first. Click the summary to open the alert in the GridProof console ' +
            '(acknowledge, resolve, silence); click the device for its drill-down.',
          targets: [influxql(OPEN_ALERTS, { table: true })],
          transformations: [{ id: 'organize', options: { excludeByName: { Time: true } } }],
          sortBy: { displayName: 'started_at', desc: true },
          mappings: [valueMap({ critical: { color: 'red' }, warning: { color: 'orange' }, info: { color: 'blue' }, firing: { color: 'red' }, acknowledged: { color: 'yellow' } })],
          overrides: [
            ...['severity', 'state'].map((f) => byName(f, { 'custom.cellOptions': { type: 'color-text' } })),
            byName('summary', { links: [{ title: 'Open in the GridProof console', url: '${__data.fields.url}', targetBlank: true }] }),
            byName('device', { links: [{ title: 'Device', url: `/d/${UIDS.device}?var-device=\${__data.fields.device}&\${__url_time_range}` }] }),
            byName('started_at', { displayName: 'since', unit: 'dateTimeAsIso' }),
            // Kept in the frame for the summary's link, not shown.
            byName('url', { 'custom.hidden': true }),
            byName('id', { 'custom.hidden': true }),
          ],
        }),
        7,
      ),
  );

  dash.addRow(
    new GridRow('Devices', 9)
      .add(
        timeseries({
          title: 'Devices online by family',
          targets: [
            influxql(
              `SELECT sum("online") FROM (${LAST_ONLINE_PER_DEVICE} GROUP BY time($__interval), "device", "family" fill(previous))
               WHERE $timeFilter GROUP BY time($__interval), "family" fill(null)`,
              { alias: '$tag_family' },
            ),
          ],
          unit: 'none',
          decimals: 0,
          min: 0,
          stacked: true,
        }),
        6,
      )
      .add(
        table({
          title: 'Devices online by site',
          targets: [
            influxql(
              `SELECT sum("online") AS "online", count("online") AS "reporting" FROM (${LAST_ONLINE_PER_DEVICE} GROUP BY "device", "site")
               GROUP BY "site"`,
              { table: true },
            ),
          ],
          transformations: [{ id: 'organize', options: { excludeByName: { Time: true } } }],
          sortBy: { displayName: 'site', desc: false },
        }),
        3,
      )
      .add(
        table({
          title: 'Device status',
          description: 'Last status of every device; offline first. Click a device for its drill-down.',
          targets: [influxql(`${LAST_ONLINE_PER_DEVICE} GROUP BY "device", "site", "type"`, { table: true })],
          transformations: [{ id: 'organize', options: { excludeByName: { Time: true } } }],
          sortBy: { displayName: 'online', desc: false },
          overrides: [
            byName('online', {
              mappings: [valueMap({ '1': { text: 'online', color: 'green' }, '0': { text: 'offline', color: 'red' } })],
              'custom.cellOptions': { type: 'color-text' },
            }),
            byName('device', { links: [drillDown('row')] }),
          ],
        }),
        3,
      ),
  );

  dash.addRow(
    new GridRow('Ingest', 8)
      .add(
        timeseries({
          title: 'Readings/s',
          targets: [
            influxql(`SELECT mean("readings_per_s") AS "readings/s" FROM "${MEASUREMENTS.ingest}" WHERE $timeFilter GROUP BY time($__interval) fill(null)`, {
              alias: '$col',
            }),
          ],
          unit: 'cps',
          min: 0,
        }),
        4,
      )
      .add(
        timeseries({
          title: 'Rejections by reason',
          description: 'Rejected messages per interval, by reason (each reason has its own counter; see docs/operators.md).',
          targets: [
            influxql(`SELECT sum("count") FROM "${MEASUREMENTS.rejections}" WHERE $timeFilter GROUP BY time($__interval), "reason" fill(0)`, {
              alias: '$tag_reason',
            }),
          ],
          unit: 'none',
          bars: true,
          stacked: true,
        }),
        4,
      )
      .add(
        timeseries({
          title: 'Spool',
          description: 'Bytes waiting in the on-disk spool while InfluxDB is unreachable; it drains when InfluxDB is back.',
          targets: [
            influxql(`SELECT max("spool_bytes") AS "spool" FROM "${MEASUREMENTS.ingest}" WHERE $timeFilter GROUP BY time($__interval) fill(null)`, {
              alias: '$col',
            }),
          ],
          unit: 'bytes',
          min: 0,
        }),
        4,
      ),
  );

  dash.addRow(
    new GridRow('Alerts and anchoring', 8)
      .add(
        timeseries({
          title: 'Open alerts by severity',
          targets: [
            influxql(
              `SELECT last("count") FROM "${MEASUREMENTS.alertsOpen}" WHERE $timeFilter GROUP BY time($__interval), "severity" fill(previous)`,
              { alias: '$tag_severity' },
            ),
          ],
          unit: 'none',
          decimals: 0,
          min: 0,
          stacked: true,
          overrides: SEVERITY_COLOURS,
        }),
        6,
      )
      .add(
        timeseries({
          title: 'Anchoring lag',
          description: 'Age of the newest reading of each batch when the batch was anchored.',
          targets: [
            influxql(`SELECT max("lag_ms") AS "lag" FROM "${MEASUREMENTS.anchorBatches}" WHERE $timeFilter GROUP BY time($__interval) fill(null)`, {
              alias: '$col',
            }),
          ],
          unit: 'ms',
          thresholds: ANCHOR_LAG,
          showThresholds: 'dashed',
          min: 0,
        }),
        6,
      ),
  );

  return toCurrentGrafana(dash, {
    uid: UIDS.fleet,
    description: 'Fleet at a glance: a map of sites by device status, open alerts with links to the console, devices online, ingest rate, rejections and anchoring lag.',
  });
}
