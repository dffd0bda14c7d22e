import { KeyObject } from 'node:crypto';
import { getPosition } from 'suncalc';
import { DeviceType, generateDeviceKeyPair, IngestRecord, privateKeyFromBase64, Readings, signMessage } from '@gridproof/telemetry';
import type { Epoch } from '../epoch';
import type { LedgerDevice } from '../ledger/ledger-input';

/**
 * Synthetic stored records for tests and the benchmark: a device reporting every `intervalMs`
 * with a cumulative energy counter integrated from a power profile. Records are signed with the
 * device's real Ed25519 key unless `signature: 'placeholder'` (a well-formed signature that
 * only the `present` check accepts: the benchmark's bulk input, see bench/rewards-epoch.ts).
 */
export interface SyntheticDevice {
  device: LedgerDevice;
  privateKey: KeyObject | null;
}

export function syntheticDevice(o: { id: string; type: DeviceType; owner?: string | null; site?: LedgerDevice['site']; ratedKwp?: number | null; signed?: boolean }): SyntheticDevice {
  const signed = o.signed ?? true;
  const pair = signed ? generateDeviceKeyPair() : null;
  return {
    device: {
      id: o.id,
      type: o.type,
      owner: o.owner === undefined ? '0x' + Buffer.from(o.id.padEnd(20, '.').slice(0, 20)).toString('hex') : o.owner,
      site: o.site ?? { id: 'site-berlin', lat: 52.52, lon: 13.405 },
      ratedKwp: o.ratedKwp ?? null,
      keys: pair ? [{ publicKey: pair.publicKey, fromMs: 0 }] : [],
    },
    privateKey: pair ? privateKeyFromBase64(pair.privateKey) : null,
  };
}

/** A clear day's PV output: rated power × `fraction` × sin(solar altitude), W. */
export function pvPowerW(site: { lat: number; lon: number }, ratedPowerW: number, fraction: number): (t: number) => number {
  return (t) => {
    const alt = getPosition(new Date(t), site.lat, site.lon).altitude;
    return alt > 0 ? ratedPowerW * fraction * Math.sin(alt) : 0;
  };
}

export interface SeriesOptions {
  epoch: Epoch;
  intervalMs: number;
  /** Power in W at device time t (integrated into the counter). */
  powerW: (t: number) => number;
  counter?: string;
  startKwh?: number;
  /** Device times to leave out (offline): [from, to). */
  offline?: Array<[number, number]>;
  /** Add to the counter at these times (negative: a reset). */
  counterJumps?: Array<{ at: number; kwh: number }>;
  extra?: (t: number) => Readings;
  signature?: 'real' | 'placeholder';
  /** Receive delay (rx − ts), ms. */
  rxDelayMs?: number;
  /** Records before the epoch start, for the counters' starting point. */
  leadMs?: number;
}

const PLACEHOLDER_SIG = Buffer.alloc(64, 7).toString('base64');

export function syntheticSeries(d: SyntheticDevice, o: SeriesOptions): IngestRecord[] {
  const counter = o.counter ?? 'energy_total_kwh';
  const out: IngestRecord[] = [];
  let kwh = o.startKwh ?? 1000;
  let seq = 1;
  const jumps = [...(o.counterJumps ?? [])];
  for (let t = o.epoch.startMs - (o.leadMs ?? o.intervalMs); t < o.epoch.endMs; t += o.intervalMs) {
    kwh += (o.powerW(t) * o.intervalMs) / 3_600_000 / 1000;
    while (jumps.length && jumps[0].at <= t) kwh = Math.max(0, kwh + jumps.shift()!.kwh);
    if (o.offline?.some(([a, b]) => t >= a && t < b)) continue;
    const readings: Readings = { ...(o.extra?.(t) ?? {}), [counter]: Math.round(kwh * 1000) / 1000 };
    const message = { v: 1 as const, device: d.device.id, ts: t, seq: seq++, readings };
    const sig = o.signature === 'placeholder' || !d.privateKey ? (d.privateKey || o.signature === 'placeholder' ? PLACEHOLDER_SIG : null) : signMessage(message, d.privateKey).sig;
    out.push({ ...message, sig, rx: t + (o.rxDelayMs ?? 150) });
  }
  return out;
}
