import type { Dashboard } from '@grafana/schema';
import dashgen = require('grafana-dash-gen');
import { GridRow, addVariables, toCurrentGrafana } from '../grafana/dashgen';
import { influxql } from '../grafana/datasource';
import { stat, steps, timeseries } from '../grafana/panels';
import { unitOf } from '../grafana/units';
import { DEVICE_FILTER, SITE_FILTER, UIDS, deviceVariable, drillDown, newDashboard, readings, retentionPolicyVariable, siteVariable } from './common';
import { outputAgainstExpected, performanceRatio, pvFrom, specificYield } from './pv';

const WHERE = `${SITE_FILTER} AND ${DEVICE_FILTER} AND $timeFilter`;
const ENERGY = readings('energy');
/** "type" too: the series' drill-down link goes to its type's dashboard (${__field.labels.type}). */
const BY_DEVICE = 'GROUP BY time($__interval), "device", "type" fill(null)';

/**
 * EN 50160 supply voltage characteristics: 230 V ±10 % and 50 Hz ±1 % (10-min means, 99.5 % of
 * a year on interconnected systems). Outside these bands the grid, not the device, is suspect.
 */
const EN50160_VOLTAGE = steps('red', [207, 'green'], [253, 'red']);
const EN50160_FREQUENCY = steps('red', [49.5, 'green'], [50.5, 'red']);

export function energyDashboard(): Dashboard {
  const dash: dashgen.Dashboard = newDashboard('GridProof · Energy', ['energy']);
  addVariables(
    dash,
    siteVariable('"energy"'),
    deviceVariable('"energy"'),
    retentionPolicyVariable(),
  );
  const links = [drillDown('series')];
  const pvLinks = [drillDown('series', 'pv-inverter')];

  dash.addRow(
    new GridRow('Photovoltaics', 9)
      .add(outputAgainstExpected(WHERE, pvLinks), 8)
      .add(performanceRatio(WHERE, pvLinks), 4)
      .add(
        timeseries({
          title: 'Inverter temperatures',
          description: 'Heat-sink and ambient temperature. Inverters typically derate from about 70 °C and trip near 90 °C; check the datasheet.',
          targets: [
            influxql(
              `SELECT mean("heatsink_temp_c") AS "heat sink", mean("ambient_temp_c") AS "ambient" FROM ${ENERGY} WHERE "type" = 'pv-inverter' AND ${WHERE} ${BY_DEVICE}`,
              { alias: '$tag_device $col' },
            ),
          ],
          unit: unitOf('pv-inverter', 'heatsink_temp_c'),
          thresholds: steps('green', [70, 'orange'], [90, 'red']),
          showThresholds: 'dashed',
          links,
        }),
        6,
      )
      .add(
        timeseries({
          title: 'Derating',
          description: 'Power limit the inverter applies to itself (0 % = none), usually because of temperature.',
          targets: [
            influxql(`SELECT max("derating_pct") FROM ${ENERGY} WHERE "type" = 'pv-inverter' AND ${WHERE} ${BY_DEVICE}`, { alias: '$tag_device' }),
          ],
          unit: unitOf('pv-inverter', 'derating_pct'),
          min: 0,
          max: 100,
          links,
        }),
        6,
      ),
  );

  dash.addRow(
    new GridRow('Energy yield', 8)
      .add(
        timeseries({
          title: 'Energy yield per day and site',
          description:
            "PV energy produced per day (UTC) at each site: growth of each inverter's cumulative counter over the day, summed per site. " +
            'A day whose bar falls short of its neighbours under a similar sky points at an outage or a fault.',
          targets: [
            influxql(
              `SELECT sum("kwh") FROM (SELECT spread("energy_total_kwh") AS "kwh" ${pvFrom(WHERE)} GROUP BY time(1d), "device", "site")
               WHERE $timeFilter GROUP BY time(1d), "site" fill(none)`,
              { alias: '$tag_site' },
            ),
          ],
          unit: unitOf('pv-inverter', 'energy_total_kwh'),
          decimals: 1,
          min: 0,
          bars: true,
          stacked: true,
        }),
        8,
      )
      .add(specificYield(WHERE, pvLinks), 4),
  );

  dash.addRow(
    new GridRow('Batteries', 8)
      .add(
        timeseries({
          title: 'Battery state of charge',
          targets: [influxql(`SELECT mean("soc_pct") FROM ${ENERGY} WHERE "type" = 'battery' AND ${WHERE} ${BY_DEVICE}`, { alias: '$tag_device' })],
          unit: unitOf('battery', 'soc_pct'),
          min: 0,
          max: 100,
          thresholds: steps('red', [10, 'yellow'], [20, 'green']),
          showThresholds: 'area',
          links,
        }),
        8,
      )
      .add(
        stat({
          title: 'Battery state of health',
          description: 'Usable capacity against nameplate. 80 % is the usual end-of-life criterion for stationary storage.',
          targets: [influxql(`SELECT last("soh_pct") FROM ${ENERGY} WHERE "type" = 'battery' AND ${WHERE} GROUP BY "device", "type"`, { alias: '$tag_device' })],
          unit: unitOf('battery', 'soh_pct'),
          decimals: 1,
          thresholds: steps('red', [70, 'yellow'], [80, 'green']),
          links,
        }),
        4,
      ),
  );

  dash.addRow(
    new GridRow('Grid', 8)
      .add(
        timeseries({
          title: 'Grid voltage',
          description: 'Meter voltage and inverter AC voltage against the EN 50160 band (230 V ±10 %).',
          targets: [
            influxql(`SELECT mean("voltage_v") FROM ${ENERGY} WHERE "type" = 'smart-meter' AND ${WHERE} ${BY_DEVICE}`, { alias: '$tag_device' }),
            influxql(`SELECT mean("ac_voltage_v") FROM ${ENERGY} WHERE "type" = 'pv-inverter' AND ${WHERE} ${BY_DEVICE}`, { alias: '$tag_device' }),
          ],
          unit: unitOf('smart-meter', 'voltage_v'),
          thresholds: EN50160_VOLTAGE,
          showThresholds: 'dashed',
          links,
        }),
        6,
      )
      .add(
        timeseries({
          title: 'Grid frequency',
          description: 'Frequency at meters and inverters against the EN 50160 band (50 Hz ±1 %).',
          targets: [
            influxql(`SELECT mean("frequency_hz") FROM ${ENERGY} WHERE "type" = 'smart-meter' AND ${WHERE} ${BY_DEVICE}`, { alias: '$tag_device' }),
            influxql(`SELECT mean("grid_frequency_hz") FROM ${ENERGY} WHERE "type" = 'pv-inverter' AND ${WHERE} ${BY_DEVICE}`, { alias: '$tag_device' }),
          ],
          unit: unitOf('smart-meter', 'frequency_hz'),
          decimals: 3,
          thresholds: EN50160_FREQUENCY,
          showThresholds: 'dashed',
          links,
        }),
        6,
      )
      .add(
        timeseries({
          title: 'Meter power',
          description: 'Active power at the grid connection: positive = import, negative = export.',
          targets: [influxql(`SELECT mean("power_w") FROM ${ENERGY} WHERE "type" = 'smart-meter' AND ${WHERE} ${BY_DEVICE}`, { alias: '$tag_device' })],
          unit: unitOf('smart-meter', 'power_w'),
          links,
        }),
        12,
      ),
  );

  return toCurrentGrafana(dash, {
    uid: UIDS.energy,
    description: 'PV output against each inverter\'s rated power, energy yield per day and site, inverter temperatures, battery state of charge and health, grid voltage and frequency.',
  });
}
