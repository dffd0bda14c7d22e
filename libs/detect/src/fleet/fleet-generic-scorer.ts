import { DeviceType, numericMetricNames } from '@gridproof/telemetry';
import { LruEntry, LruList } from '../generic/lru';
import { GenericScore, StreamDetector, WARMUP_READINGS } from '../generic/stream-detector';
import { cumulativeFlags } from '../models/features';
import { PeerConsensus, PeerGroups, PeerOptions } from './peer-consensus';

/** What the scorer needs of a device (the events' DeviceRef has more). */
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

/**
 * Receives a reading's evidence one metric at a time (FleetGenericScorer.scoreEach), in the
 * order score() lists it. `raw` and `peer` are the detectors' own score objects: valid during
 * the call only, overwritten by the stream's next reading. `peer` is undefined when peers were
 * not asked for this metric, null when the device had no consensus for this reading.
 */
export interface EvidenceVisitor {
  metric(name: string, value: number, raw: GenericScore, warm: boolean, peer: GenericScore | null | undefined, peerWarm: boolean): void;
}

/** Which metrics get a peer stream (computing one costs a second generic stream and a median). */
export type PeerSelector = (type: DeviceType, metric: string) => boolean;

/** A metric's numeric streams of one device: its own, its peer stream and a counter's last level. */
class MetricSlot {
  own: StreamEntry | null = null;
  peer: StreamEntry | null = null;
  counter: CounterEntry | null = null;

  constructor(
    readonly device: DeviceStreams,
    readonly name: string,
  ) {}

  get empty(): boolean {
    return this.own === null && this.peer === null && this.counter === null;
  }
}

class StreamEntry extends LruEntry {
  readonly detector = new StreamDetector();

  constructor(
    readonly slot: MetricSlot,
    readonly isPeer: boolean,
  ) {
    super();
  }
}

class CounterEntry extends LruEntry {
  constructor(
    readonly slot: MetricSlot,
    public level: number,
  ) {
    super();
  }
}

class DeviceStreams {
  readonly metrics = new Map<string, MetricSlot>();
  /** The device's peer groups, for the type and site they were looked up for. */
  groups: PeerGroups | null = null;
  groupsType = '';
  groupsSite = '';

  constructor(readonly id: string) {}
}

/** Per device type: its numeric metrics in catalogue order and which are cumulative counters. */
interface TypeMetrics {
  names: readonly string[];
  cumulative: boolean[];
}

const TYPE_METRICS = new Map<DeviceType, TypeMetrics>();

function typeMetrics(type: DeviceType): TypeMetrics {
  let t = TYPE_METRICS.get(type);
  if (!t) {
    // Same order as numericMetricNames: the counters are the models' cumulative features.
    t = { names: numericMetricNames(type), cumulative: cumulativeFlags(type) };
    TYPE_METRICS.set(type, t);
  }
  return t;
}

/**
 * The generic detector over a fleet's readings, as the alarm layer sees them. Shared by the
 * service (DetectionEngine) and the backtests (scoreFleet), so both apply the same layer:
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
export class FleetGenericScorer {
  private readonly peers: PeerConsensus;
  /**
   * Streams by device, then metric. The bound is on streams (own and peer streams together,
   * least recently used dropped first) and, separately, on counters, as if each were keyed by
   * device × metric: a device's entry goes when its last stream and counter have gone.
   */
  private readonly devices = new Map<string, DeviceStreams>();
  private readonly streams = new LruList<StreamEntry>();
  /** Previous level of each counter stream (device × metric), least recently used first. */
  private readonly counters = new LruList<CounterEntry>();
  /** Streams dropped at the maxStreams bound since start (each starts over, warm-up included). */
  evictions = 0;

  constructor(
    private readonly wantPeer: PeerSelector = () => false,
    peerOptions: Partial<PeerOptions> = {},
    private readonly maxStreams = 200_000,
  ) {
    this.peers = new PeerConsensus(peerOptions);
  }

  /** Streams in memory, own and peer. */
  get streamCount(): number {
    return this.streams.size;
  }

  /** Scores one reading of a device; only metrics present as numbers get evidence. */
  score(device: DeviceRef, ts: number, readings: Record<string, unknown>): MetricEvidence[] {
    const out: MetricEvidence[] = [];
    this.scoreEach(device, ts, readings, {
      metric(name, value, raw, warm, peer, peerWarm) {
        const ev: MetricEvidence = { name, value, raw: { ...raw }, warm };
        if (peer !== undefined) ev.peer = peer === null ? null : { score: { ...peer }, warm: peerWarm };
        out.push(ev);
      },
    });
    return out;
  }

  /** score() without an object per metric: the visitor sees each metric's evidence in turn. */
  scoreEach(device: DeviceRef, ts: number, readings: Record<string, unknown>, visitor: EvidenceVisitor): void {
    const { names, cumulative } = typeMetrics(device.type);
    let dev = this.devices.get(device.id);
    let groups: PeerGroups | null = null;
    for (let i = 0; i < names.length; i++) {
      const name = names[i];
      const v = readings[name];
      if (typeof v !== 'number' || !Number.isFinite(v)) continue;
      if (!dev) this.devices.set(device.id, (dev = new DeviceStreams(device.id)));
      let slot = dev.metrics.get(name);
      if (!slot) dev.metrics.set(name, (slot = new MetricSlot(dev, name)));
      let x = v;
      if (cumulative[i]) {
        const prev = this.counterStep(slot, v);
        // The first reading and a counter reset (replaced meter, firmware restart) have no increase.
        if (prev === undefined || v < prev) continue;
        x = v - prev;
      }
      const raw = this.stream(slot, false).step(ts, x);
      let peer: GenericScore | null | undefined;
      if (this.wantPeer(device.type, name)) {
        if (!groups) {
          groups = this.groupsOf(dev, device);
          this.peers.seenIn(groups, device.id, ts);
        }
        const c = this.peers.consensusIn(groups, device.id, name, ts);
        this.peers.recordIn(groups, device.id, name, ts, x);
        peer = c === null ? null : this.stream(slot, true).step(ts, x - c);
      }
      visitor.metric(name, v, raw, raw.readings > WARMUP_READINGS, peer, peer ? peer.readings > WARMUP_READINGS : false);
    }
  }

  private groupsOf(dev: DeviceStreams, device: DeviceRef): PeerGroups {
    if (!dev.groups || dev.groupsType !== device.type || dev.groupsSite !== device.site) {
      dev.groups = this.peers.groupsOf(device.type, device.site);
      dev.groupsType = device.type;
      dev.groupsSite = device.site;
    }
    return dev.groups;
  }

  /** The slot's own or peer detector, created (dropping the least recently used stream beyond maxStreams) or marked as just used. */
  private stream(slot: MetricSlot, isPeer: boolean): StreamDetector {
    let e = isPeer ? slot.peer : slot.own;
    if (e) {
      this.streams.touch(e);
      return e.detector;
    }
    if (this.streams.size >= this.maxStreams) {
      const oldest = this.streams.shift();
      if (oldest) {
        this.evictions++;
        if (oldest.isPeer) oldest.slot.peer = null;
        else oldest.slot.own = null;
        // Not the slot being filled: it may have just lost its other stream, but keeps this one.
        if (oldest.slot !== slot && oldest.slot.empty) this.drop(oldest.slot);
      }
    }
    e = new StreamEntry(slot, isPeer);
    if (isPeer) slot.peer = e;
    else slot.own = e;
    this.streams.push(e);
    return e.detector;
  }

  /** Stores a counter's level; returns the previous one (undefined for a new or dropped counter). */
  private counterStep(slot: MetricSlot, v: number): number | undefined {
    const c = slot.counter;
    if (c) {
      const prev = c.level;
      c.level = v;
      this.counters.touch(c);
      return prev;
    }
    if (this.counters.size >= this.maxStreams) {
      const oldest = this.counters.shift();
      if (oldest) {
        oldest.slot.counter = null;
        if (oldest.slot.empty && oldest.slot !== slot) this.drop(oldest.slot);
      }
    }
    slot.counter = new CounterEntry(slot, v);
    this.counters.push(slot.counter);
    return undefined;
  }

  /** Forgets a slot that holds nothing any more, and its device once that holds no slot. */
  private drop(slot: MetricSlot): void {
    const dev = slot.device;
    dev.metrics.delete(slot.name);
    if (dev.metrics.size === 0) this.devices.delete(dev.id);
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
  return ev.peer ? peerConfirmationOf(ev.peer.score, ev.peer.warm) : Infinity;
}

/** peerConfirmation() from an EvidenceVisitor's arguments. */
export function peerConfirmationOf(peer: GenericScore | null | undefined, peerWarm: boolean): number {
  if (!peer) return Infinity;
  return peerWarm ? peer.score : NaN;
}
