import type { AnnotationQuery } from '@grafana/schema';
import { MEASUREMENTS } from '@gridproof/influx';
import { GridRow } from '../grafana/dashgen';
import { INFLUX, influxql, type InfluxAnnotationTarget } from '../grafana/datasource';
import { byName, stat, steps, table, timeseries, valueMap, type DataLink } from '../grafana/panels';

/**
 * The rows every device dashboard shares (the generic one and each type's drill-down): status,
 * readings, signatures, anomaly scores, anomalies and alert events. `from` is the device's
 * telemetry measurement: "charging" on a type's board, /^$family$/ on the generic one.
 */
export const DEVICE = `"device" = '$device'`;

export function deviceSummaryRow(from: string, identityLinks: DataLink[] = []): GridRow {
  return new GridRow('Device', 4)
    .add(
      stat({
        title: 'Status',
        targets: [influxql(`SELECT last("online") FROM "${MEASUREMENTS.deviceStatus}" WHERE ${DEVICE} AND $timeFilter`)],
        mappings: [valueMap({ '1': { text: 'online', color: 'green' }, '0': { text: 'offline', color: 'red' } })],
        colorBackground: true,
      }),
      2,
    )
    .add(
      stat({
        title: 'Readings',
        description: 'Accepted readings in the range.',
        targets: [influxql(`SELECT count("seq") FROM ${from} WHERE ${DEVICE} AND $timeFilter`)],
        unit: 'none',
        thresholds: steps('blue'),
      }),
      2,
    )
    .add(
      stat({
        title: 'Signed readings',
        description: 'Share of readings in the range that carry an Ed25519 signature.',
        targets: [influxql(`SELECT count("sig") / count("seq") * 100 FROM ${from} WHERE ${DEVICE} AND $timeFilter`)],
        unit: 'percent',
        decimals: 0,
        thresholds: steps('orange', [100, 'green']),
      }),
      2,
    )
    .add(
      stat({
        title: 'Anomaly score',
        description: 'Latest score of each detector; above its threshold the reading is anomalous.',
        targets: [influxql(`SELECT last("score") FROM "${MEASUREMENTS.anomaly}" WHERE ${DEVICE} AND $timeFilter GROUP BY "detector"`, { alias: '$tag_detector' })],
        unit: 'none',
        decimals: 2,
        thresholds: steps('green', [1, 'red']),
      }),
      2,
    )
    .add(
      table({
        title: 'Identity',
        targets: [influxql(`SELECT last("seq") AS "last seq" FROM ${from} WHERE ${DEVICE} AND $timeFilter GROUP BY "site", "type"`, { table: true })],
        overrides: [byName('Time', { displayName: 'last reading', unit: 'dateTimeAsIso' }), ...(identityLinks.length ? [byName('type', { links: identityLinks })] : [])],
      }),
      4,
    );
}

export function anomaliesRow(): GridRow {
  return new GridRow('Anomalies and alerts', 8)
    .add(
      timeseries({
        title: 'Anomaly scores',
        description: 'Score and threshold of each detector (dashed).',
        unit: 'none',
        targets: [
          influxql(
            `SELECT mean("score") AS "score", mean("threshold") AS "threshold" FROM "${MEASUREMENTS.anomaly}" WHERE ${DEVICE} AND $timeFilter
             GROUP BY time($__interval), "detector" fill(null)`,
            { alias: '$tag_detector $col' },
          ),
        ],
        overrides: [
          {
            matcher: { id: 'byRegexp', options: '.* threshold$' },
            properties: [
              { id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } },
              { id: 'color', value: { mode: 'fixed', fixedColor: 'red' } },
            ],
          },
        ],
      }),
      12,
    )
    .add(
      table({
        title: 'Anomalies',
        targets: [
          influxql(
            `SELECT "score", "threshold", "top_metric", "model_version", "detector" FROM "${MEASUREMENTS.anomaly}"
             WHERE ${DEVICE} AND "is_anomaly" = 1 AND $timeFilter ORDER BY time DESC LIMIT 50`,
            { table: true },
          ),
        ],
        decimals: 2,
      }),
      6,
    )
    .add(
      table({
        title: 'Alert events',
        targets: [
          influxql(
            `SELECT "severity", "kind", "state", "title", "text" FROM "${MEASUREMENTS.alertEvents}" WHERE ${DEVICE} AND $timeFilter ORDER BY time DESC LIMIT 100`,
            { table: true },
          ),
        ],
        mappings: [valueMap({ critical: { color: 'red' }, warning: { color: 'orange' }, info: { color: 'blue' }, firing: { color: 'red' }, resolved: { color: 'green' } })],
        overrides: ['severity', 'state'].map((f) => byName(f, { 'custom.cellOptions': { type: 'color-text' } })),
      }),
      6,
    );
}

export const ALERT_ANNOTATION: AnnotationQuery<InfluxAnnotationTarget> = {
  name: 'Alerts',
  datasource: INFLUX,
  enable: true,
  hide: false,
  iconColor: 'red',
  target: {
    refId: 'Alerts',
    ...influxql(`SELECT "title", "text", "severity", "kind", "state" FROM "${MEASUREMENTS.alertEvents}" WHERE ${DEVICE} AND $timeFilter`, { table: true }),
    fromAnnotations: true,
    titleColumn: 'title',
    textColumn: 'text',
    tagsColumn: 'severity,kind,state',
  },
};
