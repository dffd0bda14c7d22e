import type { Dashboard } from '@grafana/schema';
import dashgen = require('grafana-dash-gen');
import { MEASUREMENTS } from '@gridproof/influx';
import { GridRow, addVariables, toCurrentGrafana } from '../grafana/dashgen';
import { influxql } from '../grafana/datasource';
import { byName, geomap, steps, timeseries } from '../grafana/panels';
import { unitOf } from '../grafana/units';
import { SITE_FILTER, UIDS, drillDown, newDashboard, readings, retentionPolicyVariable, siteVariable } from './common';

const WHERE = `${SITE_FILTER} AND $timeFilter`;
const ENV = readings('environment');
/** "type" too: the series' drill-down link goes to its type's dashboard (${__field.labels.type}). */
const BY_DEVICE = 'GROUP BY time($__interval), "device", "type" fill(null)';

/**
 * Reference values (the dashboards show them as threshold lines, they do not enforce them):
 *   PM2.5  WHO 2021 air-quality guideline, 24-h mean 15 µg/m³; EU daily limit 25 µg/m³ from 2030
 *          (Directive (EU) 2024/2881).
 *   PM10   WHO 2021 guideline and EU 2030 daily limit, 24-h mean 45 µg/m³.
 *   NO₂    WHO 2021 guideline, 24-h mean 25 µg/m³ ≈ 13 ppb at 20 °C.
 *   CO₂    1000 ppm, the usual ventilation guideline; 5000 ppm, the 8-h occupational limit.
 */
export const PM25_LIMITS = steps('green', [15, 'yellow'], [25, 'red']);
const PM10_LIMITS = steps('green', [45, 'red']);
const NO2_LIMITS = steps('green', [13, 'yellow']);
export const CO2_LIMITS = steps('green', [1000, 'yellow'], [5000, 'red']);

export function environmentDashboard(): Dashboard {
  const dash: dashgen.Dashboard = newDashboard('GridProof · Environment', ['environment']);
  addVariables(dash, siteVariable('"environment"'), retentionPolicyVariable());
  const links = [drillDown('series')];

  dash.addRow(
    new GridRow('Air quality by site', 12).add(
      geomap({
        title: 'Air quality at sites',
        description:
          'Latest air-quality reading at each site, coloured by PM2.5 against the WHO 24-h guideline (15 µg/m³) and the EU 2030 daily limit (25 µg/m³). ' +
          'Site coordinates come from the gp_sites measurement GridProof writes from its registry.',
        targets: [
          influxql(`SELECT last("lat") AS "lat", last("lon") AS "lon", last("name") AS "name" FROM "${MEASUREMENTS.sites}" WHERE ${SITE_FILTER} GROUP BY "site"`, {
            table: true,
          }),
          influxql(
            `SELECT last("pm25_ugm3") AS "pm25_ugm3", last("pm10_ugm3") AS "pm10_ugm3", last("co2_ppm") AS "co2_ppm", last("no2_ppb") AS "no2_ppb"
             FROM "environment" WHERE "type" = 'air-quality' AND ${WHERE} GROUP BY "site"`,
            { table: true },
          ),
        ],
        transformations: [
          { id: 'joinByField', options: { byField: 'site', mode: 'inner' } },
          { id: 'organize', options: { excludeByName: { 'Time 1': true, 'Time 2': true, Time: true } } },
        ],
        latitudeField: 'lat',
        longitudeField: 'lon',
        colorField: 'pm25_ugm3',
        labelField: 'name',
        thresholds: PM25_LIMITS,
        overrides: [
          byName('pm25_ugm3', { unit: unitOf('air-quality', 'pm25_ugm3'), displayName: 'PM2.5' }),
          byName('pm10_ugm3', { unit: unitOf('air-quality', 'pm10_ugm3'), displayName: 'PM10' }),
          byName('co2_ppm', { unit: unitOf('air-quality', 'co2_ppm'), displayName: 'CO₂', thresholds: CO2_LIMITS }),
          byName('no2_ppb', { unit: unitOf('air-quality', 'no2_ppb'), displayName: 'NO₂' }),
        ],
      }),
      12,
    ),
  );

  dash.addRow(
    new GridRow('Against limits', 8)
      .add(
        timeseries({
          title: 'PM2.5',
          description: 'Dashed lines: WHO 2021 24-h guideline 15 µg/m³, EU 2030 daily limit 25 µg/m³.',
          targets: [influxql(`SELECT mean("pm25_ugm3") FROM ${ENV} WHERE "type" = 'air-quality' AND ${WHERE} ${BY_DEVICE}`, { alias: '$tag_device' })],
          unit: unitOf('air-quality', 'pm25_ugm3'),
          min: 0,
          thresholds: PM25_LIMITS,
          showThresholds: 'dashed',
          links,
        }),
        6,
      )
      .add(
        timeseries({
          title: 'CO₂',
          description: 'Dashed lines: 1000 ppm ventilation guideline, 5000 ppm 8-h occupational limit. Outdoor background is about 420 ppm.',
          targets: [influxql(`SELECT mean("co2_ppm") FROM ${ENV} WHERE "type" = 'air-quality' AND ${WHERE} ${BY_DEVICE}`, { alias: '$tag_device' })],
          unit: unitOf('air-quality', 'co2_ppm'),
          thresholds: CO2_LIMITS,
          showThresholds: 'dashed',
          links,
        }),
        6,
      )
      .add(
        timeseries({
          title: 'PM10',
          description: 'Dashed line: WHO 2021 guideline and EU 2030 daily limit, 45 µg/m³.',
          targets: [influxql(`SELECT mean("pm10_ugm3") FROM ${ENV} WHERE "type" = 'air-quality' AND ${WHERE} ${BY_DEVICE}`, { alias: '$tag_device' })],
          unit: unitOf('air-quality', 'pm10_ugm3'),
          min: 0,
          thresholds: PM10_LIMITS,
          showThresholds: 'dashed',
          links,
        }),
        6,
      )
      .add(
        timeseries({
          title: 'NO₂',
          description: 'Dashed line: WHO 2021 24-h guideline, 25 µg/m³ ≈ 13 ppb.',
          targets: [influxql(`SELECT mean("no2_ppb") FROM ${ENV} WHERE "type" = 'air-quality' AND ${WHERE} ${BY_DEVICE}`, { alias: '$tag_device' })],
          unit: unitOf('air-quality', 'no2_ppb'),
          min: 0,
          thresholds: NO2_LIMITS,
          showThresholds: 'dashed',
          links,
        }),
        6,
      ),
  );

  dash.addRow(
    new GridRow('Weather', 8)
      .add(
        timeseries({
          title: 'Air temperature',
          targets: [influxql(`SELECT mean("temp_c") FROM ${ENV} WHERE ${WHERE} ${BY_DEVICE}`, { alias: '$tag_device' })],
          unit: unitOf('weather', 'temp_c'),
          links,
        }),
        4,
      )
      .add(
        timeseries({
          title: 'Wind speed',
          targets: [influxql(`SELECT mean("wind_speed_ms") FROM ${ENV} WHERE "type" = 'weather' AND ${WHERE} ${BY_DEVICE}`, { alias: '$tag_device' })],
          unit: unitOf('weather', 'wind_speed_ms'),
          min: 0,
          links,
        }),
        4,
      )
      .add(
        timeseries({
          title: 'Global horizontal irradiance',
          targets: [influxql(`SELECT mean("irradiance_wm2") FROM ${ENV} WHERE "type" = 'weather' AND ${WHERE} ${BY_DEVICE}`, { alias: '$tag_device' })],
          unit: unitOf('weather', 'irradiance_wm2'),
          min: 0,
          links,
        }),
        4,
      ),
  );

  return toCurrentGrafana(dash, {
    uid: UIDS.environment,
    description: 'Air quality on a map of sites, PM2.5, PM10, NO₂ and CO₂ against guideline values, and weather.',
  });
}
