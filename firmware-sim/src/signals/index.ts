import type { DeviceType } from '@gridproof/telemetry';
import { AIR_NOISE, AirQualityModel } from './air-quality';
import { BATTERY_NOISE, BatteryModel } from './battery';
import { CHARGER_NOISE, EvChargerModel } from './ev-charger';
import { DeviceModel, ModelContext } from './model';
import { PV_DEFAULT_DC_RATIO, PV_DEFAULT_RATED_KW, PV_NOISE, PvInverterModel } from './pv-inverter';
import { METER_NOISE, SmartMeterModel } from './smart-meter';
import { WEATHER_NOISE, WeatherModel } from './weather';

export * from './model';
export { PvInverterModel, BatteryModel, SmartMeterModel, EvChargerModel, AirQualityModel, WeatherModel };

/** Each type's signal model: one file per device type, all behind this table. */
export const MODELS: Record<DeviceType, new (ctx: ModelContext) => DeviceModel> = {
  'smart-meter': SmartMeterModel,
  'pv-inverter': PvInverterModel,
  battery: BatteryModel,
  'ev-charger': EvChargerModel,
  'air-quality': AirQualityModel,
  weather: WeatherModel,
};

/** Sensor noise (1 sd) per numeric metric; sensor faults size their symptoms from it. */
export const NOISE: Record<DeviceType, Record<string, number>> = {
  'smart-meter': METER_NOISE,
  'pv-inverter': PV_NOISE,
  battery: BATTERY_NOISE,
  'ev-charger': CHARGER_NOISE,
  'air-quality': AIR_NOISE,
  weather: WEATHER_NOISE,
};

export function createModel(ctx: ModelContext): DeviceModel {
  return new MODELS[ctx.type](ctx);
}

/**
 * The nameplate a simulated device registers (the catalogue's attributes, in its metadata):
 * its model's own parameters, so dashboards divide by the power the simulated array has.
 */
const NAMEPLATE: Partial<Record<DeviceType, (params: Record<string, unknown>) => Record<string, number>>> = {
  // The array's DC peak power, as PvInverterModel sizes it: AC rating × DC/AC ratio.
  'pv-inverter': (p) => ({ rated_power_kwp: (typeof p.ratedKw === 'number' ? p.ratedKw : PV_DEFAULT_RATED_KW) * (typeof p.dcRatio === 'number' ? p.dcRatio : PV_DEFAULT_DC_RATIO) }),
};

/** Registration metadata of a simulated device: its nameplate, then the fleet file's metadata. */
export function registrationMetadata(device: { type: DeviceType; params: Record<string, unknown>; metadata?: Record<string, unknown> }): Record<string, unknown> | undefined {
  const metadata = { ...NAMEPLATE[device.type]?.(device.params), ...device.metadata };
  return Object.keys(metadata).length ? metadata : undefined;
}
