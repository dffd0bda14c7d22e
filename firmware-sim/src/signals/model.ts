import type { DeviceType } from '@gridproof/telemetry';
import { Environment } from '../environment';
import { Rng } from '../rng';
// A module-local Math: under jest's vm sandbox every global lookup is ~100x slower, and the
// models call Math millions of times per simulated year.
const Math = globalThis.Math;

export type Readings = Record<string, number | string>;

/** What every signal model gets: its device, its site, the shared weather, its own random stream. */
export interface ModelContext {
  deviceId: string;
  type: DeviceType;
  lat: number;
  lon: number;
  /** Device parameters from the fleet file (model-specific, validated by the model). */
  params: Record<string, unknown>;
  env: Environment;
  rng: Rng;
  grid: { nominalVoltageV: number; frequencyHz: number };
  startMs: number;
}

/**
 * A device's physics. advance() integrates state up to a time in bounded sub-steps (so the
 * same trajectory comes out whether the device reports every second or every hour);
 * read() returns every metric of the type, in catalogue order, with sensor noise.
 */
export interface DeviceModel {
  readonly type: DeviceType;
  advance(tMs: number): void;
  read(tMs: number): Readings;
}

/** Base for models that integrate in sub-steps of at most maxStepS seconds. */
export abstract class SteppedModel implements DeviceModel {
  abstract readonly type: DeviceType;
  protected lastMs: number;

  constructor(
    protected readonly ctx: ModelContext,
    private readonly maxStepS = 60,
  ) {
    this.lastMs = ctx.startMs;
  }

  advance(tMs: number): void {
    while (this.lastMs < tMs) {
      const dtMs = Math.min(this.maxStepS * 1000, tMs - this.lastMs);
      this.step(this.lastMs + dtMs, dtMs / 1000);
      this.lastMs += dtMs;
    }
  }

  /** Integrates one sub-step ending at tMs, of dtS seconds. */
  protected abstract step(tMs: number, dtS: number): void;
  abstract read(tMs: number): Readings;

  protected num(name: string, fallback: number): number {
    const v = this.ctx.params[name];
    return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
  }

  protected str<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const v = this.ctx.params[name];
    return typeof v === 'string' && (allowed as readonly string[]).includes(v) ? (v as T) : fallback;
  }
}

/** Rounds to a fixed number of decimals (also keeps CSV output byte-stable). */
export function round(v: number, decimals: number): number {
  const f = 10 ** decimals;
  const r = Math.round(v * f) / f;
  return r === 0 ? 0 : r; // no "-0"
}

/** First-order lag toward target with time constant tauS, exact for any dt. */
export function relax(value: number, target: number, dtS: number, tauS: number): number {
  return target + (value - target) * Math.exp(-dtS / tauS);
}

/** Ornstein–Uhlenbeck step: mean-reverting noise with stationary sd, exact for any dt. */
export function ou(value: number, dtS: number, tauS: number, sd: number, rng: Rng): number {
  const a = Math.exp(-dtS / tauS);
  return value * a + sd * Math.sqrt(1 - a * a) * rng.normal();
}

const DAY_MS = 86_400_000;

/** Local (mean solar) weekday 0 = Sunday … 6 = Saturday. */
export function localWeekday(tMs: number, lon: number): number {
  const localDays = Math.floor((tMs + (lon / 15) * 3_600_000) / DAY_MS);
  return (((localDays + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
}

export function isWeekend(tMs: number, lon: number): boolean {
  const d = localWeekday(tMs, lon);
  return d === 0 || d === 6;
}

/** Gaussian bump, for daily routines. */
export function bump(hour: number, centre: number, width: number): number {
  const d = Math.min(Math.abs(hour - centre), 24 - Math.abs(hour - centre));
  return Math.exp(-(d * d) / (2 * width * width));
}
