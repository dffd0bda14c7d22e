import { createHash } from 'node:crypto';
import { compareRecords } from '@gridproof/anchor';
import { CATALOGUE, IngestRecord } from '@gridproof/telemetry';
import { Epoch, slotsPerEpoch } from '../epoch';
import type { LedgerDevice, SignatureCheck } from '../ledger/ledger-input';
import type { RewardRule } from '../rule';
import { clearSkyMaxWh, clearSkyWhPerKw } from './clear-sky';
import { energyCounterOf, kwhToWh } from './energy-counters';
import { InvalidReadingCode, inRange, isWellFormed, signatureProblem } from './reading-checks';

/**
 * A hold: the device's contribution is known but not paid this epoch, for a stated reason with
 * its evidence (never a silent zero). docs/owners.md lists the codes and how to dispute one.
 */
export const HOLD_CODES = ['no_owner', 'no_signing_key', 'pv_no_rated_power', 'pv_above_clear_sky', 'pv_above_peers'] as const;
export type HoldCode = (typeof HOLD_CODES)[number];
export interface Hold {
  code: HoldCode;
  evidence: Record<string, number | string>;
}

export interface QualityFacts {
  /** Records in the epoch (device time), valid or not. */
  readings: number;
  invalid: Record<InvalidReadingCode, number>;
  /** Valid readings repeating the previous one in every non-cumulative metric (stuck sensor or firmware). */
  stuck: number;
  /** Runs of consecutive slots without a valid reading. */
  gapEpisodes: number;
  /** Times the energy counter went down. */
  counterResets: number;
  /** Counter increase across silences longer than rule.maxCounterGapMs: observed, not paid. */
  unpaidGapWh: number;
}

export interface DeviceContribution {
  device: string;
  type: LedgerDevice['type'];
  owner: string | null;
  epoch: number;
  /** Energy earned from the device's counter, whole Wh (before holds). */
  wh: number;
  slots: { valid: number; expected: number };
  availabilityBps: number;
  qualityBps: number;
  quality: QualityFacts;
  /** Conditions seen (sorted): invalid-reading codes, counter_reset, gap_energy_unpaid, stuck, below_min_*. */
  flags: string[];
  holds: Hold[];
  /**
   * SHA-256 (hex) over the device's well-formed input records in the log's leaf order, each as
   * the line `ts,seq,rx,sig\n` (sig "null" when absent): names exactly which stored readings the
   * figures come from. The signature stands for the signed content (device, ts, seq, readings):
   * a verifier re-checks it (`verify` mode), so a changed reading fails there. Hashing each
   * record's full RFC 8785 bytes instead cost half the epoch's time and binds nothing more.
   */
  readingsDigest: string;
}

/** Quality penalties, in bps (docs/owners.md § Data quality). */
export const QUALITY_PENALTY = { perIssueShareFactor: 2, perGapEpisodeBps: 100, perCounterResetBps: 500 } as const;

/**
 * One device's contribution in one epoch, from its stored records alone (any order). Pure and
 * deterministic: the same records, device snapshot and rule always give the same figures.
 */
export function deviceContribution(device: LedgerDevice, records: readonly IngestRecord[], epoch: Epoch, rule: RewardRule, signatures: SignatureCheck): DeviceContribution {
  const expected = slotsPerEpoch(epoch, rule.slotMs);
  const invalid: Record<InvalidReadingCode, number> = { malformed: 0, unsigned: 0, bad_signature: 0, sequence: 0, clock_ahead: 0, out_of_range: 0 };
  const flags = new Set<string>();

  const wellFormed: IngestRecord[] = [];
  let inEpoch = 0;
  for (const r of records) {
    const ok = isWellFormed(r, device.id);
    if (ok && r.ts >= epoch.startMs && r.ts < epoch.endMs) inEpoch++;
    if (ok) wellFormed.push(r);
    else if (typeof r?.ts === 'number' && r.ts >= epoch.startMs && r.ts < epoch.endMs) {
      inEpoch++;
      invalid.malformed++;
    }
  }
  // The device's order is its sequence: a replayed seq, or a later seq with an earlier or equal
  // device time, does not count (ingest rejects both; a record that slipped through earns nothing).
  wellFormed.sort((a, b) => a.seq - b.seq || a.rx - b.rx);

  const counter = energyCounterOf(device.type);
  const metrics = CATALOGUE[device.type].metrics;
  // Stuck readings: the numeric, non-cumulative metrics (at least two of them, one non-zero)
  // repeated exactly. Enum states (a charger's "Charging") legitimately repeat; noisy analogue
  // values do not, unless the sensor or the firmware froze or old payloads are being re-signed.
  const plain = Object.keys(metrics).filter((n) => metrics[n].kind === 'number' && !(metrics[n] as { cumulative?: boolean }).cumulative);
  const slotsSeen = new Uint8Array(expected);
  let wh = 0;
  let lastSeq = -Infinity;
  let lastTs = -Infinity;
  let counterWh: number | null = null;
  let counterTs = 0;
  const previous: unknown[] = new Array(plain.length).fill(undefined);
  let run = 0;
  let stuck = 0;
  let resets = 0;
  let unpaidGapWh = 0;

  for (const r of wellFormed) {
    const counts = r.ts >= epoch.startMs && r.ts < epoch.endMs;
    const problem: InvalidReadingCode | null =
      r.seq === lastSeq || r.ts <= lastTs
        ? 'sequence'
        : (signatureProblem(r, device, signatures) ?? (r.ts - r.rx > rule.maxClockAheadMs ? 'clock_ahead' : inRange(device.type, r.readings) ? null : 'out_of_range'));
    if (problem) {
      if (counts) {
        invalid[problem]++;
        flags.add(problem);
      }
      continue;
    }
    lastSeq = r.seq;
    lastTs = r.ts;
    if (counts) slotsSeen[Math.floor((r.ts - epoch.startMs) / rule.slotMs)] = 1;

    if (counter) {
      const value = r.readings[counter];
      if (typeof value === 'number') {
        const now = kwhToWh(value);
        if (counterWh !== null) {
          const delta = now - counterWh;
          if (delta < 0) {
            // A counter going down is a reset (replaced meter, firmware reflash): it never mints
            // energy; the new value is the next starting point.
            if (counts) {
              flags.add('counter_reset');
              resets++;
            }
          } else if (r.ts - counterTs > rule.maxCounterGapMs) {
            if (counts && delta > 0) {
              flags.add('gap_energy_unpaid');
              unpaidGapWh += delta;
            }
          } else if (counts) wh += delta;
        }
        counterWh = now;
        counterTs = r.ts;
      }
    }

    if (counts) {
      let same = true;
      let nonZero = false;
      let present = 0;
      for (let i = 0; i < plain.length; i++) {
        const v = r.readings[plain[i]];
        if (v !== undefined) {
          present++;
          if (v !== 0) nonZero = true;
        }
        if (v !== previous[i]) same = false;
        previous[i] = v;
      }
      run = same && nonZero && present >= 2 ? run + 1 : 1;
      if (run >= rule.stuckRun) stuck += run === rule.stuckRun ? rule.stuckRun - 1 : 1;
    }
  }
  if (stuck) flags.add('stuck');

  let valid = 0;
  let gapEpisodes = 0;
  for (let i = 0; i < expected; i++) {
    if (slotsSeen[i]) valid++;
    else if (i === 0 || slotsSeen[i - 1]) gapEpisodes++;
  }

  const issues = Object.values(invalid).reduce((a, b) => a + b, 0) + stuck;
  const issuePenalty = inEpoch ? Math.min(10_000, Math.floor((QUALITY_PENALTY.perIssueShareFactor * 10_000 * issues) / inEpoch)) : 10_000;
  const qualityBps = Math.max(0, 10_000 - issuePenalty - QUALITY_PENALTY.perGapEpisodeBps * gapEpisodes - QUALITY_PENALTY.perCounterResetBps * resets);
  const availabilityBps = Math.floor((valid * 10_000) / expected);
  if (availabilityBps < rule.minAvailabilityBps) flags.add('below_min_availability');
  if (qualityBps < rule.minQualityBps) flags.add('below_min_quality');

  const holds: Hold[] = [];
  if (device.owner === null) holds.push({ code: 'no_owner', evidence: { detail: 'the registry names no owner address for this device' } });
  if (device.keys.length === 0) holds.push({ code: 'no_signing_key', evidence: { detail: 'the device has no Ed25519 key: its readings cannot be verified' } });
  if (device.type === 'pv-inverter' && wh > 0) {
    if (device.ratedKwp === null || !(device.ratedKwp > 0)) {
      holds.push({ code: 'pv_no_rated_power', evidence: { wh, detail: 'metadata.rated_power_kwp is not registered: the clear-sky check cannot run' } });
    } else {
      const whPerKw = clearSkyWhPerKw(epoch, device.site.lat, device.site.lon);
      const maxWh = clearSkyMaxWh(whPerKw, device.ratedKwp, rule.physics.clearSkyMarginBps);
      if (wh > maxWh) {
        holds.push({
          code: 'pv_above_clear_sky',
          evidence: { wh, maxWh, clearSkyWhPerKw: whPerKw, ratedKwp: device.ratedKwp, marginBps: rule.physics.clearSkyMarginBps, lat: device.site.lat, lon: device.site.lon },
        });
      }
    }
  }

  const inLogOrder = wellFormed.slice().sort(compareRecords);
  let lines = '';
  for (const r of inLogOrder) lines += `${r.ts},${r.seq},${r.rx},${r.sig}\n`;
  const digest = createHash('sha256').update(lines, 'utf8');
  return {
    device: device.id,
    type: device.type,
    owner: device.owner,
    epoch: epoch.index,
    wh,
    slots: { valid, expected },
    availabilityBps,
    qualityBps,
    quality: { readings: inEpoch, invalid, stuck, gapEpisodes, counterResets: resets, unpaidGapWh },
    flags: [...flags].sort(),
    holds,
    readingsDigest: digest.digest('hex'),
  };
}
