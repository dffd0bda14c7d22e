import { VariableHide, type Dashboard } from '@grafana/schema';
import dashgen = require('grafana-dash-gen');
import { InfluxVariable, addVariables, toCurrentGrafana } from '../grafana/dashgen';
import { TELEMETRY_FROM, UIDS, deviceTypeUid, newDashboard } from './common';
import { ALERT_ANNOTATION, DEVICE, anomaliesRow, deviceSummaryRow } from './device-panels';

/** The type's drill-down for the selected device, keeping the range. */
const TYPE_DRILL_DOWN = `/d/${deviceTypeUid('${type}')}?var-device=\${device}&\${__url_time_range}`;

/**
 * Any device by id: what every type shares (status, readings, signatures, anomalies, alerts)
 * and a link to the drill-down of its type, which has its metrics. Alert notifications link
 * here (libs/alerts: /d/gridproof-device?var-device=…), since they do not name a dashboard per type.
 */
export function deviceDashboard(): Dashboard {
  const dash: dashgen.Dashboard = newDashboard('GridProof · Device', ['device']);
  addVariables(
    dash,
    new InfluxVariable('device', `SHOW TAG VALUES FROM ${TELEMETRY_FROM} WITH KEY = "device"`, { label: 'Device' }),
    // The device's family is the measurement that holds it (libs/influx/src/schema.ts).
    new InfluxVariable('family', `SHOW MEASUREMENTS WITH MEASUREMENT =~ ${TELEMETRY_FROM} WHERE ${DEVICE}`, { label: 'Family', hide: VariableHide.hideVariable }),
    new InfluxVariable('type', `SHOW TAG VALUES FROM /^$family$/ WITH KEY = "type" WHERE ${DEVICE}`, { label: 'Type', hide: VariableHide.hideVariable }),
  );

  dash.addRow(deviceSummaryRow('/^$family$/', [{ title: 'Metrics of this device (its type\'s drill-down)', url: TYPE_DRILL_DOWN }]));
  dash.addRow(anomaliesRow());

  return toCurrentGrafana(dash, {
    uid: UIDS.device,
    description: 'One device of any type: status, readings, anomaly scores and alerts; its metrics are on the drill-down of its type (link above).',
    annotations: [ALERT_ANNOTATION],
    links: [{ title: 'Metrics: ${type} drill-down', type: 'link', url: `/d/${deviceTypeUid('${type}')}?var-device=\${device}`, icon: 'dashboard', asDropdown: false, includeVars: false, keepTime: true, targetBlank: false, tags: [], tooltip: 'The dashboard of this device\'s type, with every metric it reports' }],
  });
}
