import { META_RETENTION_POLICY } from '@gridproof/influx';
import { CATALOGUE } from '@gridproof/telemetry';
import { influxql } from '../grafana/datasource';
import { steps, timeseries, stat, type DataLink } from '../grafana/panels';
import { unitOf } from '../grafana/units';
import { nameplates, readings } from './common';

/**
 * PV panels that divide by each inverter's registered array power (catalogue attribute
 * rated_power_kwp, the DC peak power at STC that IEC 61724-1 divides by; published by the
 * Grafana feeds into the gp_meta policy every minute). The queries read readings and nameplates together: InfluxQL merges "$rp"."energy" and
 * "gp_meta"."energy" into one series per device, so an aggregate of one can multiply an
 * aggregate of the other (libs/influx/src/schema.ts).
 */
const RATED = 'rated_power_kwp';
if (!CATALOGUE['pv-inverter'].attributes?.[RATED]) throw new Error(`the catalogue has no pv-inverter attribute ${RATED}`);

/** Readings and nameplates of PV inverters matching `where` (site, device and time filters). */
export function pvFrom(where: string): string {
  return `FROM ${readings('energy')}, ${nameplates('energy')} WHERE "type" = 'pv-inverter' AND ${where}`;
}

/**
 * Buckets of at least 2 minutes always hold one of the nameplate points the feed writes every
 * minute, so "expected" has no holes on short ranges.
 */
export const NAMEPLATE_MIN_INTERVAL = '2m';

export function performanceRatio(where: string, links: DataLink[], title = 'Performance ratio') {
  return stat({
    title,
    description:
      'Energy produced ÷ energy expected from plane-of-array irradiance and the array power (kWp at STC) registered for each inverter ' +
      `(metadata ${RATED}, catalogue default when unregistered) over the range: IEC 61724-1 performance ratio, uncorrected for temperature.`,
    targets: [influxql(`SELECT sum("ac_power_w") / (sum("irradiance_wm2") * last("${RATED}")) * 100 ${pvFrom(where)} GROUP BY "device"`, { alias: '$tag_device' })],
    unit: 'percent',
    decimals: 0,
    thresholds: steps('red', [70, 'yellow'], [80, 'green']),
    links,
  });
}

export function outputAgainstExpected(where: string, links: DataLink[]) {
  return timeseries({
    title: 'PV output against expected',
    description:
      'AC output of each inverter and the output expected from its plane-of-array irradiance: irradiance / 1000 W/m² (STC) × its registered ' +
      `array power (${META_RETENTION_POLICY} ${RATED}). A gap that opens while the sun shines points at soiling, shading, derating or a failing string.`,
    targets: [
      influxql(`SELECT mean("ac_power_w") ${pvFrom(where)} GROUP BY time($__interval), "device" fill(null)`, { alias: '$tag_device' }),
      // W/m² × kWp = W: (irradiance / 1000) × (kWp × 1000).
      influxql(`SELECT mean("irradiance_wm2") * last("${RATED}") ${pvFrom(where)} GROUP BY time($__interval), "device" fill(null)`, { alias: '$tag_device expected' }),
    ],
    unit: unitOf('pv-inverter', 'ac_power_w'),
    min: 0,
    links,
    minInterval: NAMEPLATE_MIN_INTERVAL,
    overrides: [
      {
        matcher: { id: 'byRegexp', options: '.* expected$' },
        properties: [{ id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } }],
      },
    ],
  });
}

export function specificYield(where: string, links: DataLink[]) {
  return stat({
    title: 'Specific yield',
    description: 'Energy produced over the range per kWp of registered array power (kWh/kWp): compares inverters of different sizes.',
    targets: [influxql(`SELECT spread("energy_total_kwh") / last("${RATED}") ${pvFrom(where)} GROUP BY "device"`, { alias: '$tag_device' })],
    unit: 'suffix: kWh/kWp',
    decimals: 2,
    thresholds: steps('blue'),
    links,
  });
}
