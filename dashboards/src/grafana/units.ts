import { CATALOGUE, DeviceType, type NumericMetric } from '@gridproof/telemetry';

/**
 * Catalogue unit → Grafana unit id (the ids of Grafana's built-in value formats). Units
 * Grafana has no format for use its `suffix:` custom unit.
 */
const GRAFANA_UNITS: Record<string, string> = {
  W: 'watt',
  kWp: 'suffix: kWp',
  V: 'volt',
  A: 'amp',
  Hz: 'hertz',
  kWh: 'kwatth',
  'W/m²': 'Wm2',
  '%': 'percent',
  '°C': 'celsius',
  'µg/m³': 'conµgm3',
  ppm: 'ppm',
  ppb: 'conppb',
  hPa: 'pressurehpa',
  'm/s': 'velocityms',
  '°': 'degree',
  'mm/h': 'suffix: mm/h',
  '': 'none',
};

export function grafanaUnit(catalogueUnit: string): string {
  const unit = GRAFANA_UNITS[catalogueUnit];
  if (unit === undefined) throw new Error(`no Grafana unit for catalogue unit "${catalogueUnit}": add it to GRAFANA_UNITS`);
  return unit;
}

export function metricSpec(type: DeviceType, metric: string): NumericMetric {
  const spec = CATALOGUE[type].metrics[metric];
  if (!spec || spec.kind !== 'number') throw new Error(`${type} has no numeric metric "${metric}"`);
  return spec;
}

/** The Grafana unit of a catalogue metric; throws when the metric does not exist. */
export function unitOf(type: DeviceType, metric: string): string {
  return grafanaUnit(metricSpec(type, metric).unit);
}
