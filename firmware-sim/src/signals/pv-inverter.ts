import { clamp } from '../environment';
import { ModelContext, Readings, relax, round, SteppedModel } from './model';
// A module-local Math: under jest's vm sandbox every global lookup is ~100x slower, and the
// models call Math millions of times per simulated year.
const Math = globalThis.Math;

/** Sensor noise (1 sd) per metric, in the metric's unit; fault thresholds scale from it. */
export const PV_NOISE: Record<string, number> = {
  irradiance_wm2: 4,
  dc_voltage_v: 1.5,
  dc_current_a: 0.05,
  ac_power_w: 15,
  ac_voltage_v: 0.6,
  grid_frequency_hz: 0.003,
  efficiency_pct: 0.1,
  heatsink_temp_c: 0.3,
  ambient_temp_c: 0.2,
  derating_pct: 0,
  energy_total_kwh: 0,
};

/** Rated AC power when the fleet file gives none (also the registered nameplate then). */
export const PV_DEFAULT_RATED_KW = 10;
/** DC array peak power ÷ AC rating when the fleet file gives none (arrays are usually oversized). */
export const PV_DEFAULT_DC_RATIO = 1.2;

/**
 * Inverter efficiency vs load fraction: no-load losses dominate at low load, resistive
 * losses at high load (the usual shape of a datasheet's efficiency curve, ~97 % peak).
 */
export function inverterEfficiency(load: number): number {
  if (load <= 0) return 0;
  return (0.985 * load) / (load + 0.006 + 0.012 * load * load);
}

/**
 * PV string inverter. Plane-of-array irradiance from the sun position and passing clouds;
 * DC power with the cell-temperature coefficient; AC power through the efficiency curve and
 * clipping; a first-order heat-sink model driven by conversion losses; derating above
 * `derateStartC` and a protective trip at `tripC`.
 *
 * Fault hook: `fanFactor` multiplies the heat-sink thermal resistance (1 = healthy fan). A
 * healthy twin of the heat sink is integrated alongside, so the excess temperature caused by
 * the fan is known exactly (used to label the onset of symptoms).
 */
export class PvInverterModel extends SteppedModel {
  readonly type = 'pv-inverter' as const;
  fanFactor = 1;
  /** Time of the over-temperature trip, or null. */
  trippedAt: number | null = null;

  private readonly ratedKw: number;
  private readonly dcKw: number;
  private readonly tilt: number;
  private readonly azimuth: number;
  private readonly vmp: number;
  private readonly tauS: number;
  private readonly rthKPerKw: number;
  private readonly derateStartC: number;
  private readonly derateFullC: number;
  readonly tripC: number;

  heatsinkC: number;
  healthyHeatsinkC: number;
  private deratePct = 0;
  private energyKwh: number;
  // last sub-step state, for read()
  private poa = 0;
  private ambient = 15;
  private cellC = 15;
  private pDcKw = 0;
  private pAcKw = 0;

  constructor(ctx: ModelContext) {
    super(ctx, 30);
    this.ratedKw = this.num('ratedKw', PV_DEFAULT_RATED_KW);
    this.dcKw = this.ratedKw * this.num('dcRatio', PV_DEFAULT_DC_RATIO);
    this.tilt = this.num('tiltDeg', 30);
    this.azimuth = this.num('azimuthDeg', 0);
    this.vmp = this.num('vmpV', 600);
    this.tauS = this.num('thermalTauS', 600);
    // Heat-sink rise at full load `fullLoadRiseK` with a healthy fan.
    const fullLoss = 1 - inverterEfficiency(1);
    this.rthKPerKw = this.num('fullLoadRiseK', 30) / (fullLoss * this.ratedKw);
    this.derateStartC = this.num('derateStartC', 70);
    this.derateFullC = this.num('derateFullC', 90);
    this.tripC = this.num('tripC', 88);
    const env = ctx.env.at(ctx.lat, ctx.lon, ctx.startMs);
    this.ambient = env.tempC;
    this.heatsinkC = env.tempC + 2;
    this.healthyHeatsinkC = this.heatsinkC;
    this.energyKwh = this.num('energyKwh', round(ctx.rng.uniform(500, 20_000), 1));
  }

  /** Heat-sink temperature above what a healthy fan would give, same load and weather. */
  get excessC(): number {
    return this.heatsinkC - this.healthyHeatsinkC;
  }

  protected step(tMs: number, dtS: number): void {
    const { env } = this.ctx;
    const e = env.at(this.ctx.lat, this.ctx.lon, tMs);
    this.ambient = e.tempC;
    this.poa = env.planeOfArray(e, this.tilt, this.azimuth);
    this.cellC = e.tempC + (this.poa / 800) * 25;
    const available = Math.max(0, this.dcKw * (this.poa / 1000) * (1 - 0.0037 * (this.cellC - 25)) * 0.97);

    if (this.heatsinkC >= this.tripC && this.trippedAt === null) this.trippedAt = tMs;
    if (this.trippedAt !== null) {
      this.deratePct = 100;
    } else {
      const span = this.derateFullC - this.derateStartC;
      this.deratePct = clamp(((this.heatsinkC - this.derateStartC) / span) * 100, 0, 80);
    }
    const limitKw = this.ratedKw * (1 - this.deratePct / 100);
    let pAc = 0;
    let pDc = 0;
    if (this.trippedAt === null && available > 0.002 * this.ratedKw) {
      pAc = Math.min(available * inverterEfficiency(available / this.ratedKw), limitKw);
      // The MPPT backs off the array to what the inverter can pass.
      pDc = pAc / Math.max(0.5, inverterEfficiency(pAc / this.ratedKw));
    }
    this.pAcKw = pAc;
    this.pDcKw = pDc;
    const lossKw = Math.max(0, pDc - pAc);
    const solarK = 0.008 * this.poa;
    const controlsK = 2;
    this.heatsinkC = relax(this.heatsinkC, e.tempC + controlsK + solarK + lossKw * this.rthKPerKw * this.fanFactor, dtS, this.tauS);
    this.healthyHeatsinkC = relax(this.healthyHeatsinkC, e.tempC + controlsK + solarK + lossKw * this.rthKPerKw, dtS, this.tauS);
    this.energyKwh += (pAc * dtS) / 3600;
  }

  read(tMs: number): Readings {
    const { rng } = this.ctx;
    const n = (name: string) => rng.normal(0, PV_NOISE[name]);
    const on = this.pDcKw > 0;
    const daylight = this.poa > 3;
    let vdc = 0;
    if (daylight) {
      const tempFactor = 1 - 0.0035 * (this.cellC - 25);
      const irrFactor = 1 + 0.05 * Math.log(Math.max(this.poa, 5) / 1000);
      // Operating at MPP when converting, open-circuit (≈1.2 × Vmp) when idle or tripped.
      vdc = this.vmp * tempFactor * irrFactor * (on ? 1 : 1.2);
    }
    const idc = on && vdc > 0 ? (this.pDcKw * 1000) / vdc : 0;
    const feederRise = 4 * (this.pAcKw / this.ratedKw);
    const vac = this.ctx.grid.nominalVoltageV + feederRise + 2 * Math.sin(tMs / 7_200_000);
    return {
      irradiance_wm2: round(Math.max(0, this.poa + (daylight ? n('irradiance_wm2') : 0)), 1),
      dc_voltage_v: round(Math.max(0, vdc + (daylight ? n('dc_voltage_v') : 0)), 1),
      dc_current_a: round(Math.max(0, idc + (on ? n('dc_current_a') : 0)), 2),
      ac_power_w: round(on ? this.pAcKw * 1000 + n('ac_power_w') : -6 - rng.uniform(0, 2), 1),
      ac_voltage_v: round(vac + n('ac_voltage_v'), 1),
      grid_frequency_hz: round(this.ctx.env.gridFrequency(tMs, this.ctx.grid.frequencyHz) + n('grid_frequency_hz'), 3),
      efficiency_pct: round(on ? clamp((this.pAcKw / this.pDcKw) * 100 + n('efficiency_pct'), 0, 100) : 0, 2),
      heatsink_temp_c: round(this.heatsinkC + n('heatsink_temp_c'), 1),
      ambient_temp_c: round(this.ambient + n('ambient_temp_c'), 1),
      derating_pct: round(this.deratePct, 1),
      energy_total_kwh: round(this.energyKwh, 3),
    };
  }
}
