import { clamp } from '../environment';
import { hashSeed, noise1 } from '../rng';
import { bump, isWeekend, ModelContext, ou, Readings, round, SteppedModel } from './model';
// A module-local Math: under jest's vm sandbox every global lookup is ~100x slower, and the
// models call Math millions of times per simulated year.
const Math = globalThis.Math;

export const METER_NOISE: Record<string, number> = {
  power_w: 8,
  voltage_v: 0.3,
  current_a: 0.02,
  frequency_hz: 0.002,
  power_factor: 0.003,
  energy_import_kwh: 0,
  energy_export_kwh: 0,
};

const PROFILES = ['residential', 'commercial'] as const;
type Profile = (typeof PROFILES)[number];

/**
 * Smart meter at a grid connection point. Residential: morning and evening peaks, later and
 * flatter at weekends; commercial: office hours on weekdays with cooling/heating load, low at
 * weekends. Optional rooftop PV (`pvKw`) makes the power negative (export) on sunny middays.
 * Voltage sags with the feeder impedance under import and rises under export; the cumulative
 * energy registers only ever grow.
 */
export class SmartMeterModel extends SteppedModel {
  readonly type = 'smart-meter' as const;
  private readonly profile: Profile;
  private readonly peakKw: number;
  private readonly pvKw: number;
  private readonly feederOhm: number;
  private readonly siteSeed: number;
  private appliance = 0;
  private powerW = 0;
  private importKwh: number;
  private exportKwh: number;

  constructor(ctx: ModelContext) {
    super(ctx, 60);
    this.profile = this.str('profile', PROFILES, 'residential');
    const commercial = this.profile === 'commercial';
    this.peakKw = this.num('peakKw', commercial ? 40 : 3.5);
    this.pvKw = this.num('pvKw', 0);
    this.feederOhm = this.num('feederOhm', commercial ? 0.02 : 0.25);
    this.siteSeed = hashSeed(ctx.lat, ctx.lon, 'feeder');
    this.importKwh = this.num('energyImportKwh', round(ctx.rng.uniform(1_000, commercial ? 400_000 : 30_000), 2));
    this.exportKwh = this.num('energyExportKwh', this.pvKw > 0 ? round(ctx.rng.uniform(100, 10_000), 2) : 0);
  }

  private loadKw(tMs: number, hour: number, tempC: number): number {
    const weekend = isWeekend(tMs, this.ctx.lon);
    if (this.profile === 'commercial') {
      const open = weekend ? 0.08 : clamp((hour - 7) * 2, 0, 1) * clamp((19 - hour) * 2, 0, 1);
      const hvac = 1 + 0.02 * Math.abs(tempC - 20);
      return this.peakKw * (0.18 + 0.72 * open * hvac);
    }
    const base = 0.1;
    const morning = weekend ? 0.35 * bump(hour, 9.5, 1.5) : 0.45 * bump(hour, 7.2, 0.8);
    const midday = weekend ? 0.3 * bump(hour, 13, 2.5) : 0.1 * bump(hour, 13, 2);
    const evening = 0.7 * bump(hour, 19, 1.6);
    const heating = tempC < 10 ? 0.02 * (10 - tempC) : 0;
    return this.peakKw * (base + morning + midday + evening + heating);
  }

  protected step(tMs: number, dtS: number): void {
    const e = this.ctx.env.at(this.ctx.lat, this.ctx.lon, tMs);
    this.appliance = ou(this.appliance, dtS, 300, 0.25, this.ctx.rng);
    const load = Math.max(0.05, this.loadKw(tMs, e.solarHour, e.tempC) * (1 + this.appliance));
    const pv = this.pvKw * (e.ghi / 1000) * 0.85;
    this.powerW = (load - pv) * 1000;
    const kwh = (Math.abs(this.powerW) / 1000) * (dtS / 3600);
    if (this.powerW >= 0) this.importKwh += kwh;
    else this.exportKwh += kwh;
  }

  read(tMs: number): Readings {
    const { rng, grid } = this.ctx;
    const n = (name: string) => rng.normal(0, METER_NOISE[name]);
    const loadFactor = Math.min(1, Math.abs(this.powerW) / (this.peakKw * 1000));
    const pf = this.profile === 'commercial' ? 0.86 + 0.1 * loadFactor : 0.93 + 0.05 * loadFactor;
    const feeder = 3 * (noise1(this.siteSeed, tMs / 3_600_000) - 0.5);
    const vNoLoad = grid.nominalVoltageV + feeder;
    const current = Math.abs(this.powerW) / (vNoLoad * pf);
    const v = vNoLoad - Math.sign(this.powerW) * this.feederOhm * current;
    return {
      power_w: round(this.powerW + n('power_w'), 1),
      voltage_v: round(v + n('voltage_v'), 1),
      current_a: round(Math.max(0, Math.abs(this.powerW) / (v * pf) + n('current_a')), 2),
      frequency_hz: round(this.ctx.env.gridFrequency(tMs, grid.frequencyHz) + n('frequency_hz'), 3),
      power_factor: round(clamp(pf + n('power_factor'), -1, 1), 3),
      energy_import_kwh: round(this.importKwh, 3),
      energy_export_kwh: round(this.exportKwh, 3),
    };
  }
}
