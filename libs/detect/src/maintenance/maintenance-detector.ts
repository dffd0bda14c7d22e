import type { DeviceType } from '@gridproof/telemetry';
import { DegradationState, DegradationTracker, TrackerOptions } from './degradation-tracker';
import { ThermalGainModel } from './thermal-model';

/**
 * Predictive maintenance for the degradation faults, one set of models per device, each
 * learned from the device's own first days:
 * - inverter_fan: heat-sink thermal gain (ThermalGainModel) → over-temperature trip;
 * - connector_wear: connector thermal gain per A² → over-temperature trip;
 * - battery_imbalance: spread between the highest and lowest cell voltage → BMS lockout;
 * - battery_fade: state of health → end of life.
 * Each reports a remaining-useful-life estimate and whether it falls within the horizon.
 */
export type MaintenanceKind = 'inverter_fan' | 'connector_wear' | 'battery_imbalance' | 'battery_fade';

export interface MaintenanceLimits {
  /** Heat-sink temperature at which an inverter trips (°C). */
  inverterTripC: number;
  /** Connector temperature at which a charger trips (°C). */
  connectorTripC: number;
  /** Cell-voltage spread at which a BMS locks the pack out (V). */
  cellSpreadLockoutV: number;
  /** State of health at end of life (%): 70–80 % is the usual warranty/EOL definition. */
  endOfLifeSohPct: number;
  /** Risk is raised when the predicted failure is nearer than this. */
  horizonMs: number;
}

export const DEFAULT_MAINTENANCE_LIMITS: MaintenanceLimits = {
  inverterTripC: 85,
  connectorTripC: 90,
  cellSpreadLockoutV: 0.3,
  endOfLifeSohPct: 70,
  horizonMs: 7 * 86_400_000,
};

export interface MaintenancePrediction {
  kind: MaintenanceKind;
  /** The metrics the indicator is computed from, most important first. */
  metrics: string[];
  state: DegradationState;
  /** Failure risk within the horizon, in [0, 1]: 0.5 ⇔ failure predicted exactly at the horizon. */
  risk: number;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const num = (r: Record<string, unknown>, k: string): number | null => {
  const v = r[k];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
};

function trackerOptions(horizonMs: number, o: Partial<TrackerOptions> & Pick<TrackerOptions, 'direction' | 'minDelta'>): TrackerOptions {
  return { binMs: HOUR, baselineBins: 24, trendWindowMs: 48 * HOUR, minTrendBins: 8, zMin: 6, minBinReadings: 3, horizonMs, ...o };
}

/** risk = 1 − TTF / (2 × horizon), clipped: 1 when failing now, 0.5 at the horizon, 0 at twice it. */
export function riskFromTtf(ttfMs: number | null, horizonMs: number): number {
  if (ttfMs === null) return 0;
  return Math.max(0, Math.min(1, 1 - ttfMs / (2 * horizonMs)));
}

interface KindModel {
  kind: MaintenanceKind;
  metrics: string[];
  update(t: number, r: Record<string, unknown>): boolean;
  state(): DegradationState;
}

function thermal(kind: MaintenanceKind, model: ThermalGainModel, metrics: string[]): KindModel {
  return { kind, metrics, update: (t, r) => model.update(t, r), state: () => model.tracker.state };
}

function indicator(kind: MaintenanceKind, tracker: DegradationTracker, metrics: string[], value: (r: Record<string, unknown>) => number | null): KindModel {
  return {
    kind,
    metrics,
    update(t, r) {
      const v = value(r);
      return v === null ? tracker.tick(t) : tracker.add(t, v);
    },
    state: () => tracker.state,
  };
}

/**
 * The degradation models of each device type that has some: the one place that says which
 * types predictive maintenance covers (keys are catalogue types; the compiler refuses others).
 */
const KIND_MODELS: Partial<Record<DeviceType, (limits: MaintenanceLimits) => KindModel[]>> = {
  'pv-inverter': (limits) => {
    const h = limits.horizonMs;
    // Conversion losses from the inverter's own readings: P_ac × (1/η − 1). They are what
    // the fan has to carry away; with η reported to 0.1 % they are far less noisy than
    // DC power − AC power.
    const lossKw = (r: Record<string, unknown>): number | null => {
      const p = num(r, 'ac_power_w');
      const eff = num(r, 'efficiency_pct');
      if (p === null || eff === null) return null;
      return p > 0 && eff > 50 && eff <= 100 ? (p / 1000) * (100 / eff - 1) : 0;
    };
    const model = new ThermalGainModel({
      target: 'heatsink_temp_c',
      base: [(r) => num(r, 'ambient_temp_c'), (r) => num(r, 'irradiance_wm2')],
      load: [lossKw],
      tripC: limits.inverterTripC,
      baselineMs: 3 * DAY,
      minLoadedReadings: 100,
      tracker: trackerOptions(h, { direction: 1, minDelta: 0.15 }),
    });
    return [thermal('inverter_fan', model, ['heatsink_temp_c', 'ambient_temp_c', 'ac_power_w', 'efficiency_pct'])];
  },
  'ev-charger': (limits) => {
    const h = limits.horizonMs;
    const model = new ThermalGainModel({
      target: 'connector_temp_c',
      base: [(r) => num(r, 'ambient_temp_c')],
      // Contact heating is I²R.
      load: [(r) => (num(r, 'current_a') === null ? null : num(r, 'current_a')! ** 2)],
      tripC: limits.connectorTripC,
      baselineMs: 3 * DAY,
      minLoadedReadings: 60,
      tracker: trackerOptions(h, { direction: 1, minDelta: 0.15 }),
    });
    return [thermal('connector_wear', model, ['connector_temp_c', 'current_a', 'ambient_temp_c'])];
  },
  battery: (limits) => {
    const h = limits.horizonMs;
    const spread = (r: Record<string, unknown>) => {
      const hi = num(r, 'cell_voltage_max_v');
      const lo = num(r, 'cell_voltage_min_v');
      const soc = num(r, 'soc_pct');
      // Near empty or full the OCV curve is steep and even healthy cells spread: skip those.
      if (hi === null || lo === null || soc === null || soc < 12 || soc > 93) return null;
      return hi - lo;
    };
    return [
      indicator('battery_imbalance', new DegradationTracker(trackerOptions(h, { direction: 1, minDelta: 0.01 }), limits.cellSpreadLockoutV), ['cell_voltage_max_v', 'cell_voltage_min_v'], spread),
      indicator('battery_fade', new DegradationTracker(trackerOptions(h, { direction: -1, minDelta: 0.5, minTrendBins: 12 }), limits.endOfLifeSohPct), ['soh_pct'], (r) => num(r, 'soh_pct')),
    ];
  },
};

export function createKindModels(type: DeviceType, limits: MaintenanceLimits = DEFAULT_MAINTENANCE_LIMITS): KindModel[] {
  return KIND_MODELS[type]?.(limits) ?? [];
}

/** Maintenance models for many devices; types without degradation models are ignored. */
export class MaintenanceDetector {
  private readonly devices = new Map<string, KindModel[]>();

  constructor(
    readonly limits: MaintenanceLimits = DEFAULT_MAINTENANCE_LIMITS,
    private readonly maxDevices = 100_000,
  ) {}

  static supports(type: DeviceType): boolean {
    return KIND_MODELS[type] !== undefined;
  }

  /**
   * Feeds one reading. Returns the predictions re-evaluated by it (a bin closed), or an
   * empty array. `current(device)` gives the latest state at any time.
   */
  update(device: string, type: DeviceType, ts: number, readings: Record<string, unknown>): MaintenancePrediction[] {
    let models = this.devices.get(device);
    if (!models) {
      if (!MaintenanceDetector.supports(type)) return [];
      if (this.devices.size >= this.maxDevices) {
        const oldest = this.devices.keys().next().value;
        if (oldest !== undefined) this.devices.delete(oldest);
      }
      models = createKindModels(type, this.limits);
      this.devices.set(device, models);
    }
    const out: MaintenancePrediction[] = [];
    for (const m of models) if (m.update(ts, readings)) out.push(this.prediction(m));
    return out;
  }

  current(device: string): MaintenancePrediction[] {
    return (this.devices.get(device) ?? []).map((m) => this.prediction(m));
  }

  private prediction(m: KindModel): MaintenancePrediction {
    const state = m.state();
    return { kind: m.kind, metrics: m.metrics, state, risk: state.significant ? riskFromTtf(state.timeToFailureMs, this.limits.horizonMs) : 0 };
  }
}
