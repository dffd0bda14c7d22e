import { VariableHide, type AnnotationQuery, type Dashboard } from '@grafana/schema';
import dashgen = require('grafana-dash-gen');
import { MEASUREMENTS, RESERVED_FIELDS } from '@gridproof/influx';
import { CATALOGUE, DEVICE_TYPES } from '@gridproof/telemetry';
import { GridRow, InfluxVariable, addVariables, toCurrentGrafana } from '../grafana/dashgen';
import { INFLUX, influxql, type InfluxAnnotationTarget } from '../grafana/datasource';
import { byName, stat, stateTimeline, steps, table, timeseries, valueMap } from '../grafana/panels';
import { grafanaUnit } from '../grafana/units';
import { CONNECTOR_STATUS_MAPPING } from './charging';
import { TELEMETRY_FROM, UIDS, newDashboard } from './common';

const DEVICE = `"device" = '$device'`;

/** Fields of a telemetry measurement that are not numeric metrics: reserved ones and enums. */
export const NON_METRIC_FIELDS = [
  ...RESERVED_FIELDS,
  ...new Set(DEVICE_TYPES.flatMap((t) => Object.entries(CATALOGUE[t].metrics).filter(([, s]) => s.kind === 'enum').map(([name]) => name))),
];
/** Grafana variable regex (JavaScript) keeping every field key except the non-metric ones. */
export const METRIC_REGEX = `/^(?!(?:${NON_METRIC_FIELDS.join('|')})$).+$/`;

/** One unit override per metric name; a name means the same unit in every device type. */
function metricUnits() {
  const units = new Map<string, string>();
  for (const type of DEVICE_TYPES) {
    for (const [name, spec] of Object.entries(CATALOGUE[type].metrics)) {
      if (spec.kind !== 'number') continue;
      const unit = grafanaUnit(spec.unit);
      if (units.has(name) && units.get(name) !== unit) throw new Error(`metric ${name} has two units: ${units.get(name)} and ${unit}`);
      units.set(name, unit);
    }
  }
  return [...units].map(([name, unit]) => byName(name, { unit }));
}

const ALERT_ANNOTATION: AnnotationQuery<InfluxAnnotationTarget> = {
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

export function deviceDashboard(): Dashboard {
  const dash: dashgen.Dashboard = newDashboard('GridProof · Device', ['device']);
  addVariables(
    dash,
    new InfluxVariable('device', `SHOW TAG VALUES FROM ${TELEMETRY_FROM} WITH KEY = "device"`, { label: 'Device' }),
    // The device's family is the measurement that holds it (libs/influx/src/schema.ts).
    new InfluxVariable('family', `SHOW MEASUREMENTS WITH MEASUREMENT =~ ${TELEMETRY_FROM} WHERE ${DEVICE}`, { label: 'Family', hide: VariableHide.hideVariable }),
    new InfluxVariable('metric', `SHOW FIELD KEYS FROM /^$family$/`, {
      label: 'Metric',
      multi: true,
      includeAll: true,
      allValue: null,
      regex: METRIC_REGEX,
      description: 'Metrics of the device family; a metric another type of the family reports shows "No data".',
    }),
  );

  dash.addRow(
    new GridRow('Device', 4)
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
          targets: [influxql(`SELECT count("seq") FROM /^$family$/ WHERE ${DEVICE} AND $timeFilter`)],
          unit: 'none',
          thresholds: steps('blue'),
        }),
        2,
      )
      .add(
        stat({
          title: 'Signed readings',
          description: 'Share of readings in the range that carry an Ed25519 signature.',
          targets: [influxql(`SELECT count("sig") / count("seq") * 100 FROM /^$family$/ WHERE ${DEVICE} AND $timeFilter`)],
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
          targets: [influxql(`SELECT last("seq") AS "last seq" FROM /^$family$/ WHERE ${DEVICE} AND $timeFilter GROUP BY "site", "type"`, { table: true })],
          overrides: [byName('Time', { displayName: 'last reading', unit: 'dateTimeAsIso' })],
        }),
        4,
      ),
  );

  dash.addRow(
    new GridRow('Metrics', 7)
      .add(
        timeseries({
          title: '$metric',
          targets: [influxql(`SELECT mean("$metric") AS "$metric" FROM /^$family$/ WHERE ${DEVICE} AND $timeFilter GROUP BY time($__interval) fill(null)`, { alias: '$col' })],
          repeat: { variable: 'metric', maxPerRow: 3 },
          overrides: metricUnits(),
        }),
        4,
      )
      .add(
        stateTimeline({
          title: 'Connector status',
          description: 'OCPP connector status (EV chargers only).',
          targets: [influxql(`SELECT last("status") FROM "charging" WHERE ${DEVICE} AND $timeFilter GROUP BY time($__interval) fill(previous)`, { alias: 'status' })],
          mappings: [CONNECTOR_STATUS_MAPPING],
        }),
        12,
        4,
      ),
  );

  dash.addRow(
    new GridRow('Anomalies and alerts', 8)
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
          mappings: [
            valueMap({ critical: { color: 'red' }, warning: { color: 'orange' }, info: { color: 'blue' }, firing: { color: 'red' }, resolved: { color: 'green' } }),
          ],
          overrides: ['severity', 'state'].map((f) => byName(f, { 'custom.cellOptions': { type: 'color-text' } })),
        }),
        6,
      ),
  );

  return toCurrentGrafana(dash, {
    uid: UIDS.device,
    description: 'One device: every metric, anomaly scores, and its alerts as annotations.',
    annotations: [ALERT_ANNOTATION],
  });
}
