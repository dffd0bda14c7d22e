import type { Dashboard } from '@grafana/schema';
import dashgen = require('grafana-dash-gen');
import { CONNECTOR_STATUSES, type ConnectorStatus } from '@gridproof/telemetry';
import { GridRow, addVariables, toCurrentGrafana } from '../grafana/dashgen';
import { influxql } from '../grafana/datasource';
import { byName, stat, stateTimeline, steps, table, timeseries, valueMap } from '../grafana/panels';
import { unitOf } from '../grafana/units';
import { DEVICE_FILTER, SITE_FILTER, UIDS, deviceVariable, drillDown, newDashboard, readings, retentionPolicyVariable, siteVariable } from './common';

const WHERE = `${SITE_FILTER} AND ${DEVICE_FILTER} AND $timeFilter`;

/** OCPP 1.6 ChargePointStatus colours: usable, in use, paused, out of service. */
const STATUS_COLOURS: Record<ConnectorStatus, string> = {
  Available: 'green',
  Preparing: 'light-blue',
  Charging: 'blue',
  SuspendedEVSE: 'yellow',
  SuspendedEV: 'light-yellow',
  Finishing: 'purple',
  Reserved: 'light-purple',
  Unavailable: '#8e8e8e',
  Faulted: 'red',
};
export const CONNECTOR_STATUS_MAPPING = valueMap(Object.fromEntries(CONNECTOR_STATUSES.map((s) => [s, { color: STATUS_COLOURS[s] }])));

/** Connector contact temperature: chargers typically derate around 70 °C and stop near 90 °C. */
const CONNECTOR_TEMP = steps('green', [70, 'orange'], [90, 'red']);

/** Latest status per connector in the range. */
const LAST_STATUS = `SELECT last("status") AS "status" FROM "charging" WHERE ${WHERE}`;

export function chargingDashboard(): Dashboard {
  const dash: dashgen.Dashboard = newDashboard('GridProof · Charging', ['charging']);
  addVariables(dash, siteVariable('"charging"'), deviceVariable('"charging"'), retentionPolicyVariable());
  const links = [drillDown('series', 'ev-charger')];

  dash.addRow(
    new GridRow('Sessions', 8)
      .add(
        stat({
          title: 'Connectors charging',
          description: 'Connectors whose latest OCPP status is Charging.',
          targets: [influxql(`SELECT count("status") FROM (${LAST_STATUS} GROUP BY "device") WHERE "status" = 'Charging'`)],
          unit: 'none',
          thresholds: steps('blue'),
        }),
        3,
      )
      .add(
        stat({
          title: 'Energy delivered',
          description: 'Energy delivered over the range: growth of each connector\'s cumulative counter, summed.',
          targets: [
            influxql(`SELECT sum("delivered") FROM (SELECT spread("energy_total_kwh") AS "delivered" FROM ${readings('charging')} WHERE ${WHERE} GROUP BY "device")`),
          ],
          unit: unitOf('ev-charger', 'energy_total_kwh'),
          decimals: 1,
          thresholds: steps('blue'),
        }),
        3,
      )
      .add(
        timeseries({
          title: 'Sessions in progress',
          description: 'Connectors in status Charging per interval.',
          targets: [
            influxql(
              `SELECT count("status") FROM (${LAST_STATUS} GROUP BY time($__interval), "device") WHERE "status" = 'Charging' AND $timeFilter
               GROUP BY time($__interval) fill(0)`,
              { alias: 'charging' },
            ),
          ],
          unit: 'none',
          decimals: 0,
          min: 0,
          bars: true,
        }),
        6,
      ),
  );

  dash.addRow(
    new GridRow('Power and temperature', 8)
      .add(
        timeseries({
          title: 'Charging power',
          targets: [influxql(`SELECT mean("power_w") FROM ${readings('charging')} WHERE ${WHERE} GROUP BY time($__interval), "device" fill(null)`, { alias: '$tag_device' })],
          unit: unitOf('ev-charger', 'power_w'),
          min: 0,
          stacked: true,
          links,
        }),
        6,
      )
      .add(
        timeseries({
          title: 'Connector temperatures',
          description: 'Contact temperature of each connector; a rise without a matching current points at a worn or dirty contact.',
          targets: [
            influxql(`SELECT max("connector_temp_c") FROM ${readings('charging')} WHERE ${WHERE} GROUP BY time($__interval), "device" fill(null)`, {
              alias: '$tag_device',
            }),
          ],
          unit: unitOf('ev-charger', 'connector_temp_c'),
          thresholds: CONNECTOR_TEMP,
          showThresholds: 'dashed',
          links,
        }),
        6,
      ),
  );

  dash.addRow(
    new GridRow('Availability', 10)
      .add(
        stateTimeline({
          title: 'Availability by status',
          description: 'OCPP 1.6 connector status over time.',
          targets: [
            influxql(`SELECT last("status") FROM "charging" WHERE ${WHERE} GROUP BY time($__interval), "device" fill(previous)`, { alias: '$tag_device' }),
          ],
          mappings: [CONNECTOR_STATUS_MAPPING],
          links,
        }),
        8,
      )
      .add(
        table({
          title: 'Connectors',
          description: 'Latest reading of every connector. Click a device for its drill-down.',
          targets: [
            influxql(
              `SELECT last("status") AS "status", last("power_w") AS "power", last("session_energy_kwh") AS "session energy",
               last("connector_temp_c") AS "connector temp" FROM "charging" WHERE ${WHERE} GROUP BY "device", "site"`,
              { table: true },
            ),
          ],
          transformations: [{ id: 'organize', options: { excludeByName: { Time: true } } }],
          overrides: [
            byName('device', { links: [drillDown('row', 'ev-charger')] }),
            byName('status', { mappings: [CONNECTOR_STATUS_MAPPING], 'custom.cellOptions': { type: 'color-text' } }),
            byName('power', { unit: unitOf('ev-charger', 'power_w') }),
            byName('session energy', { unit: unitOf('ev-charger', 'session_energy_kwh') }),
            byName('connector temp', {
              unit: unitOf('ev-charger', 'connector_temp_c'),
              thresholds: CONNECTOR_TEMP,
              'custom.cellOptions': { type: 'color-text' },
            }),
          ],
        }),
        4,
      ),
  );

  return toCurrentGrafana(dash, {
    uid: UIDS.charging,
    description: 'EV charging: sessions, power, connector temperatures and availability by OCPP status.',
  });
}
