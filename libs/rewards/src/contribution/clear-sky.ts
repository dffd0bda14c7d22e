import { getPosition } from 'suncalc';
import type { Epoch } from '../epoch';

/**
 * The most energy one kW of PV peak power (STC: 1,000 W/m², 25 °C) can produce over an epoch at
 * a place under a clear sky, whatever its tilt and orientation: the physics bound behind the
 * `pv_above_clear_sky` hold.
 *
 * Sun path: suncalc's solar altitude every 5 minutes (midpoint of each step). Irradiance on the
 * best possible plane (a two-axis tracker facing the sun) under a clear sky:
 *   air mass AM = 1 / (sin h + 0.50572 (h° + 6.07995)^-1.6364)      (Kasten & Young 1989)
 *   DNI = 1361 W/m² × 0.7^(AM^0.678)                                  (Meinel & Meinel 1976)
 *   POA ≤ 1.1 × DNI                      (+10 % for diffuse and ground-reflected light)
 * Power ≤ kWp × POA / 1000 W/m². Summed over the steps, rounded to whole Wh per kWp: the
 * rounding keeps the bound an integer, so the hold decision never rests on the last bit of a
 * floating-point sine (engines may differ there). The rule's margin (+25 % by default) covers
 * cold-panel gain and cloud-edge enhancement, which can briefly exceed the clear-sky value.
 */
const STEP_MS = 300_000;
const SOLAR_CONSTANT = 1361;

const cache = new Map<string, number>();

/** Whole Wh per kW of peak power over the epoch at (lat, lon). */
export function clearSkyWhPerKw(epoch: Epoch, lat: number, lon: number): number {
  const key = `${epoch.startMs}:${epoch.endMs}:${lat}:${lon}`;
  const known = cache.get(key);
  if (known !== undefined) return known;
  let wh = 0;
  for (let t = epoch.startMs; t < epoch.endMs; t += STEP_MS) {
    const stepMs = Math.min(STEP_MS, epoch.endMs - t);
    const altitude = getPosition(new Date(t + stepMs / 2), lat, lon).altitude;
    if (altitude <= 0) continue;
    const deg = (altitude * 180) / Math.PI;
    const airMass = 1 / (Math.sin(altitude) + 0.50572 * Math.pow(deg + 6.07995, -1.6364));
    const dni = SOLAR_CONSTANT * Math.pow(0.7, Math.pow(airMass, 0.678));
    const poa = 1.1 * dni;
    wh += (poa / 1000) * (stepMs / 3_600_000) * 1000; // W per kWp × hours
  }
  const rounded = Math.round(wh);
  if (cache.size > 100_000) cache.clear();
  cache.set(key, rounded);
  return rounded;
}

/** The held-above bound for one device: floor(kWp × Wh/kW × margin), in integers. */
export function clearSkyMaxWh(whPerKw: number, ratedKwp: number, marginBps: number): number {
  // kWp to whole watts first (the catalogue allows 0.01 kWp steps), then integers only.
  return Number((BigInt(whPerKw) * BigInt(Math.round(ratedKwp * 1000)) * BigInt(marginBps)) / 10_000_000n);
}
