import { EvidenceVisitor, peerConfirmationOf } from '../fleet/fleet-generic-scorer';
import { GenericScore, scoreFromP } from '../generic/stream-detector';
import { EVIDENCE_CODES, PersistenceGate, StreamRule, streamHit } from '../train/alarm-rules';

/**
 * What DetectionEngine keeps of one reading's generic evidence, folded metric by metric as
 * FleetGenericScorer.scoreEach hands it over, so that no object is made per metric: the
 * smallest p-value and its metric, the same over the streams past warm-up, and the alarm
 * layer's verdict (a per-metric persistence gate, with peer confirmation when the rule asks).
 * One instance serves every reading (reset() before each).
 */
export class GenericTally implements EvidenceVisitor {
  /** Metrics scored, and the smallest p-value among them with its metric. */
  scored = 0;
  pMin = 1;
  top = '';
  /** The same over the streams past warm-up (events come only from those). */
  warm = 0;
  pWarm = 1;
  /** The rule's persistence gate opened for one of the metrics. */
  gated = false;
  private deviceId = '';
  private rule: StreamRule | null | undefined;
  // Every metric's name, value and p-value, for the top metrics of an event (kept between readings: no allocation).
  private readonly names: string[] = [];
  private readonly values: number[] = [];
  private readonly ps: number[] = [];

  constructor(private readonly gate: PersistenceGate) {}

  reset(deviceId: string, rule: StreamRule | null | undefined): void {
    this.deviceId = deviceId;
    this.rule = rule;
    this.scored = 0;
    this.pMin = 1;
    this.top = '';
    this.warm = 0;
    this.pWarm = 1;
    this.gated = false;
  }

  metric(name: string, value: number, raw: GenericScore, warm: boolean, peer: GenericScore | null | undefined, peerWarm: boolean): void {
    const rule = this.rule;
    if (rule && (rule.metric === undefined || rule.metric === name)) {
      // alarmEvidence(): the own stream counts only past its warm-up.
      const hit = warm && streamHit(raw.score, EVIDENCE_CODES[raw.kind], peerConfirmationOf(peer, peerWarm), rule);
      if (this.gate.step(`g\u0000${this.deviceId}\u0000${name}`, hit, rule)) this.gated = true;
    }
    const i = this.scored++;
    this.names[i] = name;
    this.values[i] = value;
    this.ps[i] = raw.p;
    if (raw.p < this.pMin) {
      this.pMin = raw.p;
      this.top = name;
    }
    if (warm) {
      this.warm++;
      if (raw.p < this.pWarm) this.pWarm = raw.p;
    }
  }

  /** The three most surprising metrics of the reading (a stable sort: ties keep catalogue order). */
  topMetrics(): Array<{ name: string; value: number; contribution: number }> {
    const order = Array.from({ length: this.scored }, (_, i) => i).sort((a, b) => this.ps[a] - this.ps[b]);
    return order.slice(0, 3).map((i) => ({ name: this.names[i], value: this.values[i], contribution: scoreFromP(this.ps[i]) }));
  }
}
