import { CATALOGUE, DeviceType } from '@gridproof/telemetry';

/**
 * The cumulative counter each paid family earns from: PV energy generated, battery energy
 * discharged, energy delivered to EVs. Smart meters report, they are not paid for energy, and
 * environmental stations earn for data only. A counter missing from the catalogue (an older
 * catalogue without the battery's discharge counter) earns nothing, never an error.
 */
const COUNTERS: Partial<Record<DeviceType, string>> = {
  'pv-inverter': 'energy_total_kwh',
  battery: 'energy_discharged_kwh',
  'ev-charger': 'energy_total_kwh',
};

export function energyCounterOf(type: DeviceType): string | null {
  const name = COUNTERS[type];
  if (!name) return null;
  const spec = CATALOGUE[type].metrics[name];
  return spec && spec.kind === 'number' && spec.cumulative ? name : null;
}

/** A counter value in kWh as whole Wh: rounding each reading (not each difference) keeps sums exact. */
export function kwhToWh(kwh: number): number {
  return Math.round(kwh * 1000);
}
