/**
 * The device catalogue: every device type GridProof knows, its family, and its metrics with
 * units and physical plausibility limits. It is the single source for validation (ingest),
 * the simulator's signals (firmware-sim), storage layout (InfluxDB measurement per family)
 * and dashboards.
 *
 * Limits reject only the physically impossible (a negative PM2.5, a 50 kV household meter).
 * Abnormal-but-possible values are the anomaly models' job, never the validator's.
 */

export const FAMILIES = ['energy', 'charging', 'environment'] as const;
export type Family = (typeof FAMILIES)[number];

export const DEVICE_TYPES = [
  'smart-meter',
  'pv-inverter',
  'battery',
  'ev-charger',
  'air-quality',
  'weather',
] as const;
export type DeviceType = (typeof DEVICE_TYPES)[number];

/** OCPP 1.6 ChargePointStatus values a connector reports. */
export const CONNECTOR_STATUSES = [
  'Available',
  'Preparing',
  'Charging',
  'SuspendedEVSE',
  'SuspendedEV',
  'Finishing',
  'Reserved',
  'Unavailable',
  'Faulted',
] as const;
export type ConnectorStatus = (typeof CONNECTOR_STATUSES)[number];

export interface NumericMetric {
  kind: 'number';
  unit: string;
  description: string;
  /** Inclusive physical limits: a value outside them cannot be a real measurement. */
  min: number;
  max: number;
  /** Cumulative counters never go backwards (used by the simulator and the models). */
  cumulative?: boolean;
}

export interface EnumMetric {
  kind: 'enum';
  unit: '';
  description: string;
  values: readonly string[];
}

export type MetricSpec = NumericMetric | EnumMetric;

/**
 * A nameplate attribute: a fixed property of one device (not a reading) that dashboards and
 * models need, registered in the device's metadata under the attribute's name. Devices
 * registered without it take the type's default.
 */
export interface AttributeSpec {
  unit: string;
  description: string;
  /** Inclusive limits of a registered value. */
  min: number;
  max: number;
  default: number;
}

export interface DeviceTypeSpec {
  type: DeviceType;
  family: Family;
  description: string;
  metrics: Record<string, MetricSpec>;
  /** Nameplate attributes registered with the device (metadata), by name. */
  attributes?: Record<string, AttributeSpec>;
}

const num = (unit: string, min: number, max: number, description: string, cumulative = false): NumericMetric => ({
  kind: 'number',
  unit,
  min,
  max,
  description,
  ...(cumulative ? { cumulative: true } : {}),
});

export const CATALOGUE: Record<DeviceType, DeviceTypeSpec> = {
  'smart-meter': {
    type: 'smart-meter',
    family: 'energy',
    description: 'Residential or commercial electricity meter at the grid connection point',
    metrics: {
      power_w: num('W', -1_000_000, 1_000_000, 'Active power, positive = import from the grid'),
      voltage_v: num('V', 0, 1_000, 'RMS voltage (phase to neutral)'),
      current_a: num('A', 0, 5_000, 'RMS current'),
      frequency_hz: num('Hz', 40, 70, 'Grid frequency'),
      power_factor: num('', -1, 1, 'Power factor'),
      energy_import_kwh: num('kWh', 0, 1e10, 'Cumulative imported energy', true),
      energy_export_kwh: num('kWh', 0, 1e10, 'Cumulative exported energy', true),
    },
  },
  'pv-inverter': {
    type: 'pv-inverter',
    family: 'energy',
    description: 'Photovoltaic string or central inverter',
    metrics: {
      irradiance_wm2: num('W/m²', 0, 1_600, 'Plane-of-array irradiance'),
      dc_voltage_v: num('V', 0, 1_500, 'DC input voltage'),
      dc_current_a: num('A', 0, 2_000, 'DC input current'),
      ac_power_w: num('W', -5_000, 5_000_000, 'AC output power (small negative = standby draw)'),
      ac_voltage_v: num('V', 0, 1_000, 'AC output voltage'),
      grid_frequency_hz: num('Hz', 40, 70, 'Grid frequency at the inverter'),
      efficiency_pct: num('%', 0, 100, 'Conversion efficiency'),
      heatsink_temp_c: num('°C', -50, 150, 'Heat-sink temperature'),
      ambient_temp_c: num('°C', -60, 70, 'Ambient temperature'),
      derating_pct: num('%', 0, 100, 'Power derating applied by the inverter (0 = none)'),
      energy_total_kwh: num('kWh', 0, 1e10, 'Cumulative produced energy', true),
    },
    attributes: {
      // IEC 61724-1's performance ratio and specific yield divide by the array's rated DC power
      // at STC (kWp), not the inverter's AC rating; one figure for all inverters made the demo's
      // 30 kW inverter read 363 % (issue 18). Default: the simulator's 10 kW AC × 1.2 DC/AC.
      rated_power_kwp: { unit: 'kWp', min: 0.01, max: 1_000_000, default: 12, description: 'Rated DC power of the PV array at STC (kWp): expected output, performance ratio, specific yield' },
    },
  },
  battery: {
    type: 'battery',
    family: 'energy',
    description: 'Stationary battery energy storage system',
    metrics: {
      soc_pct: num('%', 0, 100, 'State of charge'),
      soh_pct: num('%', 0, 100, 'State of health (usable capacity vs nameplate)'),
      power_w: num('W', -10_000_000, 10_000_000, 'Power, positive = discharging'),
      voltage_v: num('V', 0, 1_500, 'Pack voltage'),
      current_a: num('A', -5_000, 5_000, 'Pack current, positive = discharging'),
      cell_voltage_min_v: num('V', 0, 5, 'Lowest cell voltage'),
      cell_voltage_max_v: num('V', 0, 5, 'Highest cell voltage'),
      temp_c: num('°C', -40, 100, 'Pack temperature'),
      cycle_count: num('', 0, 1_000_000, 'Equivalent full cycles', true),
    },
  },
  'ev-charger': {
    type: 'ev-charger',
    family: 'charging',
    description: 'EV charging connector (one device per connector; chargePoint in metadata)',
    metrics: {
      status: { kind: 'enum', unit: '', values: CONNECTOR_STATUSES, description: 'OCPP connector status' },
      power_w: num('W', 0, 500_000, 'Charging power'),
      current_a: num('A', 0, 1_000, 'Charging current'),
      voltage_v: num('V', 0, 1_000, 'Charging voltage'),
      session_energy_kwh: num('kWh', 0, 1_000, 'Energy delivered in the current session'),
      energy_total_kwh: num('kWh', 0, 1e10, 'Cumulative delivered energy', true),
      connector_temp_c: num('°C', -40, 200, 'Connector (contact) temperature'),
      ambient_temp_c: num('°C', -60, 70, 'Ambient temperature'),
    },
  },
  'air-quality': {
    type: 'air-quality',
    family: 'environment',
    description: 'Outdoor air-quality station',
    metrics: {
      pm25_ugm3: num('µg/m³', 0, 2_000, 'PM2.5 concentration'),
      pm10_ugm3: num('µg/m³', 0, 3_000, 'PM10 concentration'),
      co2_ppm: num('ppm', 0, 40_000, 'CO₂ concentration'),
      no2_ppb: num('ppb', 0, 5_000, 'NO₂ concentration'),
      temp_c: num('°C', -60, 70, 'Air temperature'),
      humidity_pct: num('%', 0, 100, 'Relative humidity'),
    },
  },
  weather: {
    type: 'weather',
    family: 'environment',
    description: 'Weather station',
    metrics: {
      temp_c: num('°C', -90, 60, 'Air temperature'),
      humidity_pct: num('%', 0, 100, 'Relative humidity'),
      pressure_hpa: num('hPa', 800, 1_100, 'Barometric pressure (sea-level adjusted)'),
      wind_speed_ms: num('m/s', 0, 120, 'Wind speed'),
      wind_dir_deg: num('°', 0, 360, 'Wind direction'),
      irradiance_wm2: num('W/m²', 0, 1_600, 'Global horizontal irradiance'),
      rain_mm_h: num('mm/h', 0, 500, 'Rain rate'),
    },
  },
};

export function familyOf(type: DeviceType): Family {
  return CATALOGUE[type].family;
}

/** Numeric metric names of a type, in catalogue order (the models' feature order). */
export function numericMetrics(type: DeviceType): string[] {
  return [...numericMetricNames(type)];
}

/** numericMetrics() without the copy, for per-reading code (detection): computed once per type. */
export function numericMetricNames(type: DeviceType): readonly string[] {
  let names = NUMERIC_METRICS.get(type);
  if (!names) {
    names = Object.freeze(
      Object.entries(CATALOGUE[type].metrics)
        .filter(([, spec]) => spec.kind === 'number')
        .map(([name]) => name),
    );
    NUMERIC_METRICS.set(type, names);
  }
  return names;
}
const NUMERIC_METRICS = new Map<DeviceType, readonly string[]>();

/**
 * The nameplate attributes of a device of `type` from its registered metadata: each attribute
 * the metadata holds, else the type's default. `problems` names every registered value that is
 * not a number within the attribute's limits (the registry refuses those; a reader falls back
 * to the default).
 */
export function deviceAttributes(type: DeviceType, metadata: Record<string, unknown> | null | undefined): { values: Record<string, number>; problems: string[] } {
  const values: Record<string, number> = {};
  const problems: string[] = [];
  for (const [name, spec] of Object.entries(CATALOGUE[type].attributes ?? {})) {
    const raw = metadata?.[name];
    if (raw === undefined || raw === null) {
      values[name] = spec.default;
    } else if (typeof raw !== 'number' || !Number.isFinite(raw) || raw < spec.min || raw > spec.max) {
      problems.push(`metadata.${name}: ${type} ${spec.description.split(':')[0]!.toLowerCase()} must be a number of ${spec.unit} from ${spec.min} to ${spec.max}, got ${JSON.stringify(raw)}`);
      values[name] = spec.default;
    } else {
      values[name] = raw;
    }
  }
  return { values, problems };
}

export function isDeviceType(value: unknown): value is DeviceType {
  return typeof value === 'string' && (DEVICE_TYPES as readonly string[]).includes(value);
}
