import { clamp } from '../environment';
import { bump, ModelContext, ou, Readings, relax, round, SteppedModel } from './model';
// A module-local Math: under jest's vm sandbox every global lookup is ~100x slower, and the
// models call Math millions of times per simulated year.
const Math = globalThis.Math;

export const BATTERY_NOISE: Record<string, number> = {
  soc_pct: 0.05,
  soh_pct: 0,
  power_w: 10,
  voltage_v: 0.05,
  current_a: 0.1,
  cell_voltage_min_v: 0.001,
  cell_voltage_max_v: 0.001,
  temp_c: 0.1,
  cycle_count: 0,
};

/** LFP open-circuit voltage vs state of charge (flat plateau, steep ends). */
export function lfpOcv(soc: number): number {
  const s = clamp(soc, 0, 1);
  return 2.9 + 0.32 * (1 - Math.exp(-s * 18)) + 0.09 * s + 0.14 * Math.exp(-(1 - s) * 22);
}

const SCHEDULES = ['self-consumption', 'arbitrage'] as const;
type Schedule = (typeof SCHEDULES)[number];

/**
 * Stationary LFP battery. State of charge follows a charge/discharge schedule (self-consumption:
 * charge from midday sun, discharge in the evening; arbitrage: charge at night, discharge at the
 * evening peak) with one-way efficiency losses; cell voltages from the OCV curve plus I·R;
 * pack temperature from I²R heating; state of health fades with calendar time and cycles.
 *
 * Fault hooks: `imbalanceV` (extra cell spread from a diverging cell; the BMS locks the pack
 * out at `lockoutSpreadV`) and `extraFadePct` (capacity lost beyond normal ageing).
 */
export class BatteryModel extends SteppedModel {
  readonly type = 'battery' as const;
  imbalanceV = 0;
  extraFadePct = 0;
  lockedOutAt: number | null = null;

  private readonly capacityKwh: number;
  private readonly maxKw: number;
  private readonly cells: number;
  private readonly rCell: number;
  private readonly schedule: Schedule;
  private readonly eta: number;
  readonly lockoutSpreadV: number;
  private soc: number;
  private sohBase: number;
  private cycles: number;
  private tempC: number;
  private powerKw = 0;
  private jitter = 0;
  private ambient = 15;

  constructor(ctx: ModelContext) {
    super(ctx, 60);
    this.capacityKwh = this.num('capacityKwh', 13.5);
    this.maxKw = this.num('maxPowerKw', this.capacityKwh / 2.5);
    this.cells = this.num('cells', this.capacityKwh > 60 ? 240 : 16);
    this.rCell = this.num('cellResistanceOhm', 0.0008 * (this.capacityKwh > 60 ? 1 : 4));
    this.schedule = this.str('schedule', SCHEDULES, 'self-consumption');
    this.eta = this.num('oneWayEfficiency', 0.955);
    this.lockoutSpreadV = this.num('lockoutSpreadV', 0.3);
    this.soc = this.num('socPct', round(ctx.rng.uniform(30, 70), 1)) / 100;
    this.sohBase = this.num('sohPct', round(ctx.rng.uniform(94, 99.5), 2));
    this.cycles = this.num('cycles', round(ctx.rng.uniform(50, 900), 1));
    const env = ctx.env.at(ctx.lat, ctx.lon, ctx.startMs);
    this.ambient = env.tempC;
    this.tempC = this.enclosure(env.tempC);
  }

  /** Normal ageing: LFP loses ≈2 %/year on the shelf and ≈0.003 % per full cycle. */
  get healthySohPct(): number {
    return this.sohBase;
  }

  get sohPct(): number {
    return clamp(this.sohBase - this.extraFadePct, 0, 100);
  }

  private enclosure(ambient: number): number {
    // Indoor/garage install: damped toward 18 °C.
    return 0.5 * ambient + 9;
  }

  private targetKw(tMs: number): number {
    const e = this.ctx.env.at(this.ctx.lat, this.ctx.lon, tMs);
    this.ambient = e.tempC;
    const h = e.solarHour;
    if (this.schedule === 'arbitrage') {
      if (h >= 1 && h < 5) return -0.8 * this.maxKw;
      if (h >= 17 && h < 21) return 0.9 * this.maxKw;
      return 0;
    }
    // Self-consumption: surplus PV charges, household load discharges.
    const surplus = (e.ghi / 1000) * this.maxKw * 1.4 - 0.3 * this.maxKw;
    if (surplus > 0.05 * this.maxKw) return -Math.min(this.maxKw, surplus);
    const evening = 0.25 + 0.6 * bump(h, 19.5, 1.8) + 0.25 * bump(h, 7.5, 1);
    return evening * this.maxKw;
  }

  protected step(tMs: number, dtS: number): void {
    this.jitter = ou(this.jitter, dtS, 600, 0.06, this.ctx.rng);
    const usableKwh = (this.capacityKwh * this.sohPct) / 100;
    let p = this.targetKw(tMs) * (1 + this.jitter);
    if (this.lockedOutAt === null && this.spreadV() >= this.lockoutSpreadV) this.lockedOutAt = tMs;
    if (this.lockedOutAt !== null) p = 0;
    // BMS limits: taper the charge above 90 % and the discharge below 15 %, stop at the ends.
    if (p < 0) p *= clamp((1 - this.soc) / 0.1, 0, 1);
    else p *= clamp((this.soc - 0.05) / 0.1, 0, 1);
    this.powerKw = clamp(p, -this.maxKw, this.maxKw);
    const storedDelta = this.powerKw < 0 ? -this.powerKw * this.eta : -this.powerKw / this.eta;
    const dKwh = (storedDelta * dtS) / 3600;
    this.soc = clamp(this.soc + dKwh / usableKwh - (0.00002 * dtS) / 86_400, 0, 1);
    this.cycles += Math.abs(dKwh) / (2 * this.capacityKwh);
    const years = dtS / (365.25 * 86_400);
    this.sohBase = Math.max(0, this.sohBase - 2 * years - 0.003 * (Math.abs(dKwh) / (2 * this.capacityKwh)));
    const currentA = (this.powerKw * 1000) / (this.cells * lfpOcv(this.soc));
    const heatW = currentA * currentA * this.rCell * this.cells;
    this.tempC = relax(this.tempC, this.enclosure(this.ambient) + heatW * (this.capacityKwh > 60 ? 0.004 : 0.05), dtS, 3600);
  }

  /** Healthy spread (a few mV, wider at the steep ends of the curve) plus the fault's. */
  private healthySpreadV(): number {
    const edge = this.soc < 0.1 || this.soc > 0.95 ? 0.02 : 0;
    return 0.004 + edge;
  }

  private spreadV(): number {
    return this.healthySpreadV() + this.imbalanceV;
  }

  read(): Readings {
    const { rng } = this.ctx;
    const n = (name: string) => rng.normal(0, BATTERY_NOISE[name]);
    const ocv = lfpOcv(this.soc);
    const currentA = this.lockedOutAt !== null ? 0 : (this.powerKw * 1000) / (this.cells * ocv);
    const cellMean = ocv - currentA * this.rCell;
    const healthy = this.healthySpreadV();
    // A weak cell runs ahead at the top of charge and falls behind at the bottom.
    const cellMax = cellMean + healthy / 2 + this.imbalanceV * this.soc;
    const cellMin = cellMean - healthy / 2 - this.imbalanceV * (1 - this.soc);
    const packV = cellMean * this.cells;
    const p = this.lockedOutAt !== null ? 0 : this.powerKw * 1000;
    return {
      soc_pct: round(clamp(this.soc * 100 + n('soc_pct'), 0, 100), 2),
      soh_pct: round(this.sohPct, 2),
      power_w: round(p + (p !== 0 ? n('power_w') : 0), 1),
      voltage_v: round(Math.max(0, packV + n('voltage_v')), 2),
      current_a: round(currentA + (currentA !== 0 ? n('current_a') : 0), 2),
      cell_voltage_min_v: round(clamp(cellMin + n('cell_voltage_min_v'), 0, 5), 4),
      cell_voltage_max_v: round(clamp(cellMax + n('cell_voltage_max_v'), 0, 5), 4),
      temp_c: round(this.tempC + n('temp_c'), 1),
      cycle_count: round(this.cycles, 3),
    };
  }
}
