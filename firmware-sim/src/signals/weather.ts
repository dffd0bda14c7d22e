import { clamp, EnvSample } from '../environment';
import { ModelContext, Readings, round, SteppedModel } from './model';
// A module-local Math: under jest's vm sandbox every global lookup is ~100x slower, and the
// models call Math millions of times per simulated year.
const Math = globalThis.Math;

export const WEATHER_NOISE: Record<string, number> = {
  temp_c: 0.1,
  humidity_pct: 0.6,
  pressure_hpa: 0.1,
  wind_speed_ms: 0.3,
  wind_dir_deg: 8,
  irradiance_wm2: 3,
  rain_mm_h: 0,
};

/**
 * Weather station: reads the shared regional weather field (fronts, diurnal cycle, passing
 * clouds) at its own coordinates, with its sensors' noise and a small per-station bias.
 */
export class WeatherModel extends SteppedModel {
  readonly type = 'weather' as const;
  private last: EnvSample;
  private readonly bias: number;
  private readonly elevationHpa: number;

  constructor(ctx: ModelContext) {
    super(ctx, 300);
    this.bias = ctx.rng.normal(0, 0.2);
    this.elevationHpa = ctx.rng.normal(0, 0.3);
    this.last = ctx.env.at(ctx.lat, ctx.lon, ctx.startMs);
  }

  protected step(tMs: number): void {
    this.last = this.ctx.env.at(this.ctx.lat, this.ctx.lon, tMs);
  }

  read(): Readings {
    const { rng } = this.ctx;
    const e = this.last;
    const n = (name: string) => rng.normal(0, WEATHER_NOISE[name]);
    const gust = Math.abs(n('wind_speed_ms')) * (1 + e.windMs / 5);
    const dir = (e.windDirDeg + n('wind_dir_deg') + 360) % 360;
    return {
      temp_c: round(e.tempC + this.bias + n('temp_c'), 2),
      humidity_pct: round(clamp(e.humidityPct + n('humidity_pct'), 0, 100), 1),
      pressure_hpa: round(clamp(e.pressureHpa + this.elevationHpa + n('pressure_hpa'), 800, 1100), 1),
      wind_speed_ms: round(Math.max(0, e.windMs + gust), 1),
      wind_dir_deg: round(dir >= 360 ? 0 : dir, 0),
      irradiance_wm2: round(Math.max(0, e.ghi + (e.ghi > 0 ? n('irradiance_wm2') : 0)), 1),
      rain_mm_h: round(e.rainMmH, 1),
    };
  }
}
