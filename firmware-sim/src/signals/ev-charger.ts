import type { ConnectorStatus } from '@gridproof/telemetry';
import { clamp } from '../environment';
import { bump, ModelContext, Readings, relax, round, SteppedModel } from './model';
// A module-local Math: under jest's vm sandbox every global lookup is ~100x slower, and the
// models call Math millions of times per simulated year.
const Math = globalThis.Math;

export const CHARGER_NOISE: Record<string, number> = {
  power_w: 20,
  current_a: 0.1,
  voltage_v: 0.8,
  session_energy_kwh: 0,
  energy_total_kwh: 0,
  connector_temp_c: 0.2,
  ambient_temp_c: 0.2,
};

const KINDS = ['ac', 'dc'] as const;

interface Session {
  evCapacityKwh: number;
  evMaxKw: number;
  soc: number;
  targetSoc: number;
  energyKwh: number;
  departAt: number;
}

/**
 * One EV charging connector. Sessions arrive as a Poisson process whose rate follows the day
 * (commute and lunchtime peaks); the connector walks the OCPP 1.6 status machine
 * Available → Preparing → Charging → SuspendedEV → Finishing → Available, with the occasional
 * Unavailable maintenance window. Power is constant-current up to 80 % of the car's battery,
 * then tapers (constant voltage). The connector's contact temperature rises with I² through
 * its contact resistance.
 *
 * Fault hooks: `contactFactor` multiplies the contact heating per A² (connector wear; above
 * `tripC` the charger trips to Faulted); `contactor` = 'open' | 'welded' (contactor failure).
 */
export class EvChargerModel extends SteppedModel {
  readonly type = 'ev-charger' as const;
  contactFactor = 1;
  contactor: 'ok' | 'open' | 'welded' = 'ok';
  trippedAt: number | null = null;
  contactorFaultAt: number | null = null;

  private readonly dc: boolean;
  private readonly maxKw: number;
  private readonly sessionsPerDay: number;
  private readonly kPerA2: number;
  readonly tripC: number;
  private readonly tauS: number;
  status: ConnectorStatus = 'Available';
  private statusUntil = 0;
  private session: Session | null = null;
  private powerKw = 0;
  private energyTotal: number;
  connectorC: number;
  healthyConnectorC: number;
  private ambient: number;

  constructor(ctx: ModelContext) {
    super(ctx, 15);
    this.dc = this.str('kind', KINDS, 'ac') === 'dc';
    this.maxKw = this.num('maxPowerKw', this.dc ? 50 : 22);
    this.sessionsPerDay = this.num('sessionsPerDay', this.dc ? 14 : 5);
    // Healthy contact heating: `fullCurrentRiseK` above ambient at the rated current.
    this.kPerA2 = this.num('fullCurrentRiseK', 22) / this.ratedCurrent() ** 2;
    this.tripC = this.num('tripC', 90);
    this.tauS = this.num('thermalTauS', 480);
    this.energyTotal = this.num('energyKwh', round(ctx.rng.uniform(200, 40_000), 2));
    this.ambient = ctx.env.at(ctx.lat, ctx.lon, ctx.startMs).tempC;
    this.connectorC = this.ambient;
    this.healthyConnectorC = this.ambient;
  }

  private ratedCurrent(): number {
    return this.dc ? (this.maxKw * 1000) / 400 : (this.maxKw * 1000) / (Math.sqrt(3) * 400);
  }

  /** Contact temperature above a healthy connector's at the same current and weather. */
  get excessC(): number {
    return this.connectorC - this.healthyConnectorC;
  }

  get faulted(): boolean {
    return this.status === 'Faulted';
  }

  private voltage(): number {
    if (!this.session) return 0;
    return this.dc ? 330 + 90 * this.session.soc : 400;
  }

  private current(): number {
    const v = this.voltage();
    if (v <= 0 || this.powerKw <= 0) return 0;
    return this.dc ? (this.powerKw * 1000) / v : (this.powerKw * 1000) / (Math.sqrt(3) * v);
  }

  private arrivalRatePerS(hour: number): number {
    const shape = 0.25 + 1.1 * bump(hour, 8.5, 1.2) + 0.7 * bump(hour, 12.5, 1.2) + 1.3 * bump(hour, 18, 1.6);
    const mean = 0.25 + (1.1 * 1.2 + 0.7 * 1.2 + 1.3 * 1.6) * Math.sqrt(2 * Math.PI) / 24;
    return ((this.sessionsPerDay / 86_400) * shape) / mean;
  }

  private enter(status: ConnectorStatus, tMs: number, forS = 0): void {
    this.status = status;
    this.statusUntil = tMs + forS * 1000;
  }

  protected step(tMs: number, dtS: number): void {
    const { rng } = this.ctx;
    const e = this.ctx.env.at(this.ctx.lat, this.ctx.lon, tMs);
    this.ambient = e.tempC;
    if (this.status !== 'Faulted') {
      switch (this.status) {
        case 'Available':
          this.powerKw = 0;
          if (rng.chance(this.arrivalRatePerS(e.solarHour) * dtS)) {
            const dwellS = rng.exponential(this.dc ? 35 * 60 : 3 * 3600) + 600;
            this.session = {
              evCapacityKwh: rng.pick([40, 52, 64, 77, 82, 100]),
              evMaxKw: this.dc ? rng.pick([50, 100, 150]) : rng.pick([7.4, 11, 11, 22]),
              soc: rng.uniform(0.1, 0.6),
              targetSoc: rng.uniform(0.8, 1),
              energyKwh: 0,
              departAt: tMs + dwellS * 1000,
            };
            this.enter('Preparing', tMs, rng.uniform(20, 90));
          } else if (rng.chance((0.015 / 86_400) * dtS)) {
            this.enter('Unavailable', tMs, rng.uniform(600, 2400));
          }
          break;
        case 'Unavailable':
          if (tMs >= this.statusUntil) this.enter('Available', tMs);
          break;
        case 'Preparing':
          if (tMs >= this.statusUntil) {
            if (this.contactor === 'open') {
              // The contactor never closes: the charger sees no current and reports the fault.
              this.contactorFaultAt = tMs;
              this.enter('Faulted', tMs);
            } else this.enter('Charging', tMs);
          }
          break;
        case 'Charging': {
          const s = this.session!;
          const cc = Math.min(this.maxKw, s.evMaxKw);
          const taper = s.soc < 0.8 ? 1 : clamp((1 - s.soc) / 0.2, 0.05, 1);
          this.powerKw = cc * taper;
          const kwh = (this.powerKw * dtS) / 3600;
          s.energyKwh += kwh;
          s.soc = Math.min(1, s.soc + (kwh * 0.92) / s.evCapacityKwh);
          this.energyTotal += kwh;
          if (s.soc >= s.targetSoc) {
            this.powerKw = 0;
            this.enter('SuspendedEV', tMs);
          } else if (tMs >= s.departAt) {
            this.powerKw = 0;
            this.enter('Finishing', tMs, rng.uniform(30, 120));
          }
          break;
        }
        case 'SuspendedEV':
          this.powerKw = 0;
          if (tMs >= this.session!.departAt) this.enter('Finishing', tMs, rng.uniform(30, 120));
          break;
        case 'Finishing':
          this.powerKw = 0;
          if (tMs >= this.statusUntil) {
            if (this.contactor === 'welded') {
              // A welded contactor keeps the connector live after the session: the
              // charger's self-test catches it and reports Faulted.
              this.contactorFaultAt = tMs;
              this.enter('Faulted', tMs);
            } else {
              this.session = null;
              this.enter('Available', tMs);
            }
          }
          break;
        default:
          break;
      }
    }
    const i = this.current();
    this.connectorC = relax(this.connectorC, e.tempC + this.kPerA2 * this.contactFactor * i * i, dtS, this.tauS);
    this.healthyConnectorC = relax(this.healthyConnectorC, e.tempC + this.kPerA2 * i * i, dtS, this.tauS);
    if (this.connectorC >= this.tripC && this.trippedAt === null) {
      this.trippedAt = tMs;
      this.powerKw = 0;
      this.enter('Faulted', tMs);
    }
  }

  read(): Readings {
    const { rng } = this.ctx;
    const n = (name: string) => rng.normal(0, CHARGER_NOISE[name]);
    const charging = this.status === 'Charging' && this.powerKw > 0;
    const live = charging || (this.contactor === 'welded' && this.contactorFaultAt !== null);
    const v = live ? (this.voltage() || 400) : 0;
    const i = charging ? this.current() : 0;
    return {
      status: this.status,
      power_w: round(charging ? Math.max(0, this.powerKw * 1000 + n('power_w')) : 0, 1),
      current_a: round(charging ? Math.max(0, i + n('current_a')) : 0, 2),
      voltage_v: round(live ? Math.max(0, v + n('voltage_v')) : 0, 1),
      session_energy_kwh: round(this.session && this.status !== 'Faulted' ? this.session.energyKwh : 0, 3),
      energy_total_kwh: round(this.energyTotal, 3),
      connector_temp_c: round(this.connectorC + n('connector_temp_c'), 1),
      ambient_temp_c: round(this.ambient + n('ambient_temp_c'), 1),
    };
  }
}
