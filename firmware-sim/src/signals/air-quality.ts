import { clamp, EnvSample } from '../environment';
import { bump, isWeekend, ModelContext, ou, Readings, round, SteppedModel } from './model';
// A module-local Math: under jest's vm sandbox every global lookup is ~100x slower, and the
// models call Math millions of times per simulated year.
const Math = globalThis.Math;

export const AIR_NOISE: Record<string, number> = {
  pm25_ugm3: 0.8,
  pm10_ugm3: 1.2,
  co2_ppm: 3,
  no2_ppb: 1,
  temp_c: 0.15,
  humidity_pct: 0.8,
};

/** Traffic intensity 0..~1.1 by local hour: commute peaks on weekdays, a broad hump at weekends. */
export function trafficIntensity(hour: number, weekend: boolean): number {
  if (weekend) return 0.15 + 0.45 * bump(hour, 14, 3.5);
  return 0.1 + 0.9 * bump(hour, 8, 1) + 0.35 * bump(hour, 13, 2.5) + 0.8 * bump(hour, 17.5, 1.3);
}

/**
 * Outdoor air-quality station. Traffic emissions (NO₂, PM, CO₂) scaled by the site's
 * `traffic` factor and diluted by wind and daytime mixing; night-time inversions trap them;
 * rain washes particles out; stagnant, humid episodes build up PM2.5 regionally. Temperature
 * and humidity come from the shared weather field, so nearby stations agree.
 */
export class AirQualityModel extends SteppedModel {
  readonly type = 'air-quality' as const;
  private readonly traffic: number;
  private pmLocal = 0;
  private last: EnvSample;
  private readonly bias: number;

  constructor(ctx: ModelContext) {
    super(ctx, 60);
    this.traffic = this.num('traffic', 1);
    this.bias = ctx.rng.normal(0, 0.3);
    this.last = ctx.env.at(ctx.lat, ctx.lon, ctx.startMs);
  }

  protected step(tMs: number, dtS: number): void {
    this.last = this.ctx.env.at(this.ctx.lat, this.ctx.lon, tMs);
    this.pmLocal = ou(this.pmLocal, dtS, 900, 0.25, this.ctx.rng);
  }

  read(tMs: number): Readings {
    const { rng } = this.ctx;
    const e = this.last;
    const n = (name: string) => rng.normal(0, AIR_NOISE[name]);
    const traffic = this.traffic * trafficIntensity(e.solarHour, isWeekend(tMs, this.ctx.lon));
    const daylight = e.sunAltitude > 0 ? 1 : 0;
    const dilution = 1 / (0.55 + 0.35 * daylight + e.windMs / 4);
    const inversion = daylight ? 0 : clamp(1 - e.windMs / 4, 0, 1);
    const stagnation = clamp((1 - e.storm) * (e.humidityPct / 100) * (1 - e.windMs / 8), 0, 1);
    const washout = e.rainMmH > 0.2 ? 0.45 : 1;
    const pm25 = (5 + 14 * traffic * dilution + 18 * stagnation * stagnation + 4 * inversion) * washout * (1 + this.pmLocal);
    const dust = e.rainMmH > 0.2 ? 0 : 1.5 * Math.max(0, e.windMs - 5);
    const pm10 = pm25 * 1.55 + dust + 3 * traffic * dilution;
    const no2 = 6 + 32 * traffic * dilution + 8 * inversion;
    const co2 = 417 + 22 * traffic * dilution + 18 * inversion;
    return {
      pm25_ugm3: round(Math.max(0, pm25 + n('pm25_ugm3')), 1),
      pm10_ugm3: round(Math.max(0, pm10 + n('pm10_ugm3')), 1),
      co2_ppm: round(Math.max(0, co2 + n('co2_ppm')), 0),
      no2_ppb: round(Math.max(0, no2 + n('no2_ppb')), 1),
      temp_c: round(e.tempC + this.bias + n('temp_c'), 2),
      humidity_pct: round(clamp(e.humidityPct + n('humidity_pct'), 0, 100), 1),
    };
  }
}
