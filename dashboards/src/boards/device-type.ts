import type { Dashboard, Panel } from '@grafana/schema';
import dashgen = require('grafana-dash-gen');
import { CATALOGUE, CONNECTOR_STATUSES, familyOf, type DeviceType, type EnumMetric } from '@gridproof/telemetry';
import { GridRow, InfluxVariable, addVariables, toCurrentGrafana } from '../grafana/dashgen';
import { influxql } from '../grafana/datasource';
import { stat, stateTimeline, steps, timeseries, valueMap, type DataLink } from '../grafana/panels';
import { grafanaUnit } from '../grafana/units';
import { CONNECTOR_STATUS_MAPPING } from './charging';
import { deviceTypeUid, nameplates, newDashboard, readings, retentionPolicyVariable } from './common';
import { ALERT_ANNOTATION, DEVICE, anomaliesRow, deviceSummaryRow } from './device-panels';
import { outputAgainstExpected, performanceRatio, specificYield } from './pv';

/**
 * One drill-down per device type, built from the device catalogue: a panel per metric of the
 * type (numeric metrics as time series in their unit, enum metrics as state timelines), its
 * nameplate attributes, and the panels only that type has (TYPE_PANELS). A type added to the
 * catalogue gets its dashboard from this code alone.
 */

const DEVICE_WHERE = `${DEVICE} AND $timeFilter`;

/** Panels beyond the catalogue's metrics, for types where a derived figure matters. */
const TYPE_PANELS: Partial<Record<DeviceType, (links: DataLink[]) => Array<{ panel: Panel; span: number }>>> = {
  'pv-inverter': (links) => [
    // With the nameplate stat (2 columns): one line of 12.
    { panel: performanceRatio(DEVICE_WHERE, links), span: 2 },
    { panel: specificYield(DEVICE_WHERE, links), span: 2 },
    { panel: outputAgainstExpected(DEVICE_WHERE, links), span: 6 },
  ],
};

/** "Active power, positive = import" → "Active power": the catalogue description's first clause. */
function titleOf(spec: { description: string }): string {
  return spec.description.split(/[,(]/)[0]!.trim();
}

const PALETTE = ['green', 'blue', 'yellow', 'purple', 'orange', 'red', 'light-blue', 'light-green', 'light-purple'];

function enumMapping(spec: EnumMetric) {
  if (spec.values === CONNECTOR_STATUSES) return CONNECTOR_STATUS_MAPPING;
  return valueMap(Object.fromEntries(spec.values.map((v, i) => [v, { color: PALETTE[i % PALETTE.length]! }])));
}

function metricPanel(type: DeviceType, name: string): Panel {
  const spec = CATALOGUE[type].metrics[name]!;
  const family = familyOf(type);
  if (spec.kind === 'enum') {
    // Enums are not in the rollup (its continuous queries average): always raw points.
    return stateTimeline({
      title: titleOf(spec),
      description: `${spec.description} (${name}).`,
      targets: [influxql(`SELECT last("${name}") AS "${name}" FROM "${family}" WHERE ${DEVICE_WHERE} GROUP BY time($__interval) fill(previous)`, { alias: name })],
      mappings: [enumMapping(spec)],
    });
  }
  return timeseries({
    title: titleOf(spec),
    description: `${spec.description} (${name}${spec.unit ? `, ${spec.unit}` : ''}).`,
    targets: [influxql(`SELECT mean("${name}") AS "${name}" FROM ${readings(family)} WHERE ${DEVICE_WHERE} GROUP BY time($__interval) fill(null)`, { alias: name })],
    unit: grafanaUnit(spec.unit),
  });
}

export function deviceTypeDashboard(type: DeviceType): Dashboard {
  const spec = CATALOGUE[type];
  const family = spec.family;
  const dash: dashgen.Dashboard = newDashboard(`GridProof · Device · ${type}`, ['device', type]);
  addVariables(
    dash,
    new InfluxVariable('device', `SHOW TAG VALUES FROM "${family}" WITH KEY = "device" WHERE "type" = '${type}'`, { label: `Device (${type})` }),
    retentionPolicyVariable(),
  );
  const self: DataLink[] = [];

  dash.addRow(deviceSummaryRow(`"${family}"`));

  const extras = TYPE_PANELS[type]?.(self) ?? [];
  const attributes = Object.entries(spec.attributes ?? {});
  if (extras.length || attributes.length) {
    const row = new GridRow('Nameplate and performance', 8);
    for (const [name, attribute] of attributes) {
      row.add(
        stat({
          title: titleOf(attribute),
          description: `${attribute.description}. Registered in the device's metadata as ${name} (catalogue default ${attribute.default} ${attribute.unit} when absent).`,
          targets: [influxql(`SELECT last("${name}") FROM ${nameplates(family)} WHERE ${DEVICE_WHERE}`)],
          unit: grafanaUnit(attribute.unit),
          thresholds: steps('blue'),
        }),
        2,
      );
    }
    for (const { panel, span } of extras) row.add(panel, span);
    dash.addRow(row);
  }

  const metrics = new GridRow('Metrics', 7);
  const names = Object.keys(spec.metrics);
  // Numeric metrics three to a line; enum metrics (state timelines) across the whole width.
  for (const name of names.filter((n) => spec.metrics[n]!.kind === 'number')) metrics.add(metricPanel(type, name), 4);
  for (const name of names.filter((n) => spec.metrics[n]!.kind === 'enum')) metrics.add(metricPanel(type, name), 12, 4);
  dash.addRow(metrics);

  dash.addRow(anomaliesRow());

  return toCurrentGrafana(dash, {
    uid: deviceTypeUid(type),
    description: `One ${type} (${spec.description}): each of its metrics, anomaly scores, and its alerts as annotations.`,
    annotations: [ALERT_ANNOTATION],
  });
}
