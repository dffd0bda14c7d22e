import { CATALOGUE, DeviceType, numericMetrics } from '@gridproof/telemetry';
import { GenericDetector } from '../generic/generic-detector';
import { GenericScore, WARMUP_READINGS } from '../generic/stream-detector';
import { PeerConsensus, PeerOptions } from './peer-consensus';

/**
 * The generic detector over a fleet's readings, as the alarm layer sees them. Shared by the
 * service (DetectionService) and the backtests (scoreFleet), so both apply the same layer:
 * - every numeric metric of a reading gets its raw score (emitted for every reading);
 * - cumulative counters (catalogue `cumulative`) are scored on their increase since the
 *   device's previous reading: their level only grows, and a ramp is what drift and shift
 *   evidence are made to flag;
 * - `warm` says whether the stream is past the detector's warm-up (WARMUP_READINGS), before
 *   which the alarm layer raises no events from it;
 * - optionally, a peer stream per metric: the value minus its peers' consensus
 *   (PeerConsensus), scored by its own generic stream. A shared excursion (the weather warming
 *   every battery of a site) cancels there; one device leaving its peers does not. A peer rule
 *   needs both: the device is unusual against its own history and against its peers.
 */
export interface DeviceRef {
  id: string;
  site: string;
  type: DeviceType;
}

export interface MetricEvidence {
  name: string;
  /** The reading's value (a counter's level, not its increase). */
  value: number;
  raw: GenericScore;
  /** The raw stream is past warm-up: its evidence may raise alarms. */
  warm: boolean;
  /**
   * Peer evidence: the peer stream's score, or null when the device had no consensus for this
   * reading (too few peers); undefined when peers were not asked for this metric.
   */
  peer?: { score: GenericScore; warm: boolean } | null;
}

/** Which metrics get a peer stream (computing one costs a second generic stream and a median). */
export type PeerSelector = (type: DeviceType, metric: string) => boolean;

export class FleetGenericScorer {
  private readonly generic: GenericDetector;
  private readonly peers: PeerConsensus;
  /** Previous level of each counter stream (device × metric), least recently used first. */
  private readonly counters = new Map<string, number>();

  constructor(
    private readonly wantPeer: PeerSelector = () => false,
    peerOptions: Partial<PeerOptions> = {},
    private readonly maxStreams = 200_000,
  ) {
    this.generic = new GenericDetector(maxStreams);
    this.peers = new PeerConsensus(peerOptions);
  }

  /** Scores one reading of a device; only metrics present as numbers get evidence. */
  score(device: DeviceRef, ts: number, readings: Record<string, unknown>): MetricEvidence[] {
    const out: MetricEvidence[] = [];
    const spec = CATALOGUE[device.type].metrics;
    let seen = false;
    for (const name of numericMetrics(device.type)) {
      const v = readings[name];
      if (typeof v !== 'number' || !Number.isFinite(v)) continue;
      const key = `${device.id}\u0000${name}`;
      let x = v;
      const m = spec[name];
      if (m.kind === 'number' && m.cumulative === true) {
        const prev = this.counterStep(key, v);
        // The first reading and a counter reset (replaced meter, firmware restart) have no increase.
        if (prev === undefined || v < prev) continue;
        x = v - prev;
      }
      const raw = this.generic.update(key, ts, x);
      const ev: MetricEvidence = { name, value: v, raw, warm: raw.readings > WARMUP_READINGS };
      if (this.wantPeer(device.type, name)) {
        if (!seen) {
          this.peers.seen(device.type, device.site, device.id, ts);
          seen = true;
        }
        const c = this.peers.consensus(device.type, device.site, device.id, name, ts);
        this.peers.record(device.type, device.site, device.id, name, ts, x);
        if (c === null) ev.peer = null;
        else {
          const p = this.generic.update(`${key}\u0000peer`, ts, x - c);
          ev.peer = { score: p, warm: p.readings > WARMUP_READINGS };
        }
      }
      out.push(ev);
    }
    return out;
  }

  private counterStep(key: string, v: number): number | undefined {
    const prev = this.counters.get(key);
    if (prev !== undefined) this.counters.delete(key);
    else if (this.counters.size >= this.maxStreams) {
      const oldest = this.counters.keys().next().value;
      if (oldest !== undefined) this.counters.delete(oldest);
    }
    this.counters.set(key, v);
    return prev;
  }
}

/** The own stream's evidence for the alarm layer, or null while the stream warms up. */
export function alarmEvidence(ev: MetricEvidence): GenericScore | null {
  return ev.warm ? ev.raw : null;
}

/**
 * How strongly the device's peers confirm that its excursion is its own: the peer stream's
 * score (an excursion the peers share scores low there); +Infinity when the device has no
 * peers (nothing to compare with, so nothing to cancel); NaN while the peer stream warms up
 * (no confirmation yet). A peer rule alarms only where this reaches its threshold too.
 */
export function peerConfirmation(ev: MetricEvidence): number {
  if (!ev.peer) return Infinity;
  return ev.peer.warm ? ev.peer.score.score : NaN;
}
