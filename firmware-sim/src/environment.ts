import { getPosition } from 'suncalc';
import { fractal3, hashSeed, noise1, noise3 } from './rng';
// A module-local Math: under jest's vm sandbox every global lookup is ~100x slower, and the
// models call Math millions of times per simulated year.
const Math = globalThis.Math;

/** Weather and sun at one place and time; shared by every device at (or near) that place. */
export interface EnvSample {
  tempC: number;
  humidityPct: number;
  pressureHpa: number;
  windMs: number;
  windDirDeg: number;
  rainMmH: number;
  /** Cloud cover 0..1. */
  cloud: number;
  /** Global horizontal irradiance, W/m². */
  ghi: number;
  /** Sun altitude and azimuth (radians, azimuth from south, west positive: suncalc's convention). */
  sunAltitude: number;
  sunAzimuth: number;
  /** Weather-episode intensity 0..1 (fronts and storms). */
  storm: number;
  /** Local mean solar hour 0..24 (drives daily routines). */
  solarHour: number;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const KM_PER_DEG = 111.2;

/**
 * A deterministic regional weather field. Slow "episodes" (fronts, 2-4 day scale, 400 km
 * features) set pressure, wind, rain and cloud; fast cells of cloud (5 km, tens of minutes)
 * drift with the wind so neighbouring PV sites see the same cloud a few minutes apart.
 */
export class Environment {
  private readonly sEpisode: number;
  private readonly sCloud: number;
  private readonly sTemp: number;
  private readonly sWind: number;
  private readonly sGrid: number;

  constructor(readonly seed: number) {
    this.sEpisode = hashSeed(seed, 'env', 'episode');
    this.sCloud = hashSeed(seed, 'env', 'cloud');
    this.sTemp = hashSeed(seed, 'env', 'temp');
    this.sWind = hashSeed(seed, 'env', 'wind');
    this.sGrid = hashSeed(seed, 'env', 'grid');
  }

  at(lat: number, lon: number, tMs: number): EnvSample {
    const xKm = lon * KM_PER_DEG * Math.cos((lat * Math.PI) / 180);
    const yKm = lat * KM_PER_DEG;
    const days = tMs / DAY;

    const storm = clamp01((fractal3(this.sEpisode, days / 2.5, xKm / 400, yKm / 400) - 0.3) / 0.45);

    const windMs = Math.max(0, 1.5 + 11 * storm * storm + 2.5 * (noise3(this.sWind, tMs / (20 * 60_000), xKm / 20, yKm / 20) - 0.5) * (1 + storm));
    const windDirDeg = mod360(200 + 160 * (noise3(this.sWind ^ 1, days / 1.5, xKm / 300, yKm / 300) - 0.5) * 2);

    // Cloud cells advect with the wind: sample the field at the point upwind.
    const dirRad = (windDirDeg * Math.PI) / 180;
    const driftKm = (12 * tMs) / 3_600_000; // cells travel at a nominal 12 km/h along the wind
    const cx = xKm + Math.sin(dirRad) * driftKm;
    const cy = yKm + Math.cos(dirRad) * driftKm;
    const cells = noise3(this.sCloud, cx / 6, cy / 6, tMs / (90 * 60_000));
    const cloud = clamp01(0.1 + 0.95 * storm + 0.9 * (cells - 0.55));

    const rainMmH = storm > 0.6 && cloud > 0.75 ? Math.max(0, (storm - 0.6) * 30 * (cells - 0.3) * 2) : 0;

    const pos = getPosition(new Date(tMs), lat, lon);
    const ghi = irradiance(pos.altitude, cloud);

    const solarHour = mod(((tMs % DAY) / HOUR + lon / 15), 24);
    const doy = dayOfYear(tMs);
    const hemi = lat >= 0 ? 1 : -1;
    const annualMean = 27 - 0.42 * Math.abs(lat);
    const seasonalAmp = Math.min(14, 0.28 * Math.abs(lat));
    const seasonal = seasonalAmp * Math.cos(((doy - 200) / 365.25) * 2 * Math.PI) * hemi;
    const diurnalAmp = 5.5 * (1 - 0.6 * cloud);
    const diurnal = diurnalAmp * Math.cos(((solarHour - 15) / 24) * 2 * Math.PI);
    const slow = 6 * (noise3(this.sTemp, days / 4, xKm / 500, yKm / 500) - 0.5);
    const tempC = annualMean + seasonal + diurnal + slow - 3 * storm - 0.5 * rainMmH ** 0.5;

    const humidityPct = clamp(55 + 30 * storm - 3 * diurnal + 6 * (cells - 0.5) + (rainMmH > 0 ? 15 : 0), 8, 100);
    const pressureHpa = 1016 - 28 * storm + 0.6 * Math.cos(((solarHour - 10) / 12) * 2 * Math.PI);

    return { tempC, humidityPct, pressureHpa, windMs, windDirDeg, rainMmH, cloud, ghi, sunAltitude: pos.altitude, sunAzimuth: pos.azimuth, storm, solarHour };
  }

  /** Plane-of-array irradiance on a panel tilted `tiltDeg`, facing `azimuthDeg` from south. */
  planeOfArray(env: EnvSample, tiltDeg: number, azimuthDeg: number): number {
    if (env.sunAltitude <= 0) return 0;
    const sinAlt = Math.sin(env.sunAltitude);
    const tilt = (tiltDeg * Math.PI) / 180;
    const az = (azimuthDeg * Math.PI) / 180;
    const cosInc = sinAlt * Math.cos(tilt) + Math.cos(env.sunAltitude) * Math.sin(tilt) * Math.cos(env.sunAzimuth - az);
    const clearIndex = 1 - 0.75 * env.cloud ** 3.4;
    // Split GHI into beam and diffuse (diffuse fraction grows with cloud), then tilt the beam.
    const diffuseFraction = clamp(0.15 + 0.8 * env.cloud, 0.15, 0.95);
    const beamHorizontal = env.ghi * (1 - diffuseFraction);
    const beamNormal = beamHorizontal / Math.max(sinAlt, 0.08);
    const poa = Math.max(0, beamNormal * cosInc) + env.ghi * diffuseFraction * (1 + Math.cos(tilt)) / 2 + env.ghi * 0.2 * (1 - Math.cos(tilt)) / 2;
    return Math.min(1_400, Math.max(0, poa * (clearIndex > 0 ? 1 : 0)));
  }

  /** Interconnection frequency: one value for the whole synchronous grid, wandering ±50 mHz. */
  gridFrequency(tMs: number, nominalHz: number): number {
    const slow = noise1(this.sGrid, tMs / 900_000) - 0.5;
    const fast = noise1(this.sGrid ^ 7, tMs / 20_000) - 0.5;
    return nominalHz + 0.06 * slow + 0.03 * fast;
  }
}

/** Haurwitz clear-sky GHI scaled by Kasten–Czeplak cloud attenuation (1 - 0.75 c^3.4). */
function irradiance(altitude: number, cloud: number): number {
  const cosZ = Math.sin(altitude);
  if (cosZ <= 0.01) return 0;
  const clear = 1098 * cosZ * Math.exp(-0.057 / cosZ);
  return clear * (1 - 0.75 * cloud ** 3.4);
}

function dayOfYear(tMs: number): number {
  const d = new Date(tMs);
  return (tMs - Date.UTC(d.getUTCFullYear(), 0, 1)) / DAY;
}

export const clamp = (v: number, lo: number, hi: number) => (v < lo ? lo : v > hi ? hi : v);
export const clamp01 = (v: number) => clamp(v, 0, 1);
const mod = (v: number, m: number) => ((v % m) + m) % m;
const mod360 = (v: number) => mod(v, 360);
