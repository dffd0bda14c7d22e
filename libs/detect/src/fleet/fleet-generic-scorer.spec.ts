import { gaussian, mulberry32 } from '../generic/synthetic';
import { WARMUP_READINGS } from '../generic/stream-detector';
import { EVIDENCE_CODES, PersistenceGate, StreamRule, streamHit } from '../train/alarm-rules';
import { alarmEvidence, FleetGenericScorer, MetricEvidence, peerConfirmation } from './fleet-generic-scorer';
import { PeerConsensus } from './peer-consensus';

const STEP = 300_000;
const T0 = Date.parse('2025-05-01T00:00:00Z');
const DEVICES = ['bat-1', 'bat-2', 'bat-3', 'bat-4', 'bat-5', 'bat-6'];

/** The service's decision for one metric of one reading (DetectionService.scoreSlice does the same). */
function alarms(gate: PersistenceGate, device: string, ev: MetricEvidence, rule: StreamRule): boolean {
  const own = alarmEvidence(ev);
  const hit = own !== null && streamHit(own.score, EVIDENCE_CODES[own.kind], peerConfirmation(ev), rule);
  return gate.step(`${device}|${ev.name}`, hit, rule);
}

/**
 * Six batteries on one site, `temp_c` with its own noise per device, 2,000 readings; `bump(i, d)`
 * is added to device d's temperature at reading i. Returns the readings at which each device alarmed.
 */
function run(rule: StreamRule, bump: (i: number, device: number) => number): Map<string, number[]> {
  const scorer = new FleetGenericScorer(() => true);
  const gate = new PersistenceGate();
  const noise = DEVICES.map((_, d) => gaussian(mulberry32(100 + d)));
  const out = new Map<string, number[]>(DEVICES.map((d) => [d, []]));
  for (let i = 0; i < 2000; i++) {
    DEVICES.forEach((id, d) => {
      const temp = 20 + d + 0.2 * noise[d]() + bump(i, d);
      for (const ev of scorer.score({ id, site: 'site-1', type: 'battery' }, T0 + i * STEP + d * 1000, { temp_c: temp })) {
        if (alarms(gate, id, ev, rule)) out.get(id)!.push(i);
      }
    });
  }
  return out;
}

/** A warm spell: +12 °C over an hour, held two hours, back over an hour. */
const warmSpell = (at: number) => (i: number) => {
  const x = i - at;
  if (x < 0 || x > 48) return 0;
  return 12 * Math.min(1, x / 12, (48 - x) / 12);
};

describe(FleetGenericScorer.name, () => {
  const own: StreamRule = { kinds: 1 << EVIDENCE_CODES.point, threshold: 0.9, k: 2, n: 12, metric: 'temp_c' };
  const peer: StreamRule = { ...own, peer: true };

  describe('peer rule', () => {
    it('raises no alarm when every battery on the site shows the same excursion', () => {
      const shared = warmSpell(1500);
      const alarmed = run(peer, (i) => shared(i));
      expect([...alarmed.values()].flat()).toEqual([]);
    });

    it('alarms on a single battery whose excursion its peers do not share', () => {
      const alone = warmSpell(1500);
      const alarmed = run(peer, (i, d) => (d === 2 ? alone(i) : 0));
      expect(alarmed.get('bat-3')!.length).toBeGreaterThan(0);
      expect(alarmed.get('bat-3')![0]).toBeGreaterThanOrEqual(1500);
      expect(alarmed.get('bat-3')![0]).toBeLessThan(1512);
      for (const id of DEVICES.filter((d) => d !== 'bat-3')) expect(alarmed.get(id)).toEqual([]);
    });

    it('is what keeps the shared excursion quiet: the same rule on the own streams alone alarms on it', () => {
      const shared = warmSpell(1500);
      const alarmed = run(own, (i) => shared(i));
      expect([...alarmed.values()].filter((a) => a.length > 0).length).toBeGreaterThan(3);
    });

    it('judges a device without peers on its own stream', () => {
      const scorer = new FleetGenericScorer(() => true);
      let last: MetricEvidence | undefined;
      for (let i = 0; i < 10; i++) [last] = scorer.score({ id: 'alone', site: 's', type: 'battery' }, T0 + i * STEP, { temp_c: 20 });
      expect(last!.peer).toBeNull();
      expect(peerConfirmation(last!)).toBe(Infinity);
    });
  });

  describe('warm-up', () => {
    it(`gives no alarm evidence in a fresh stream's first ${WARMUP_READINGS} readings, however wild, and scores every one of them`, () => {
      const scorer = new FleetGenericScorer();
      const rand = mulberry32(7);
      for (let i = 0; i < WARMUP_READINGS; i++) {
        // A stream that starts quiet, then jumps around: the scale learned from a few readings is tiny.
        const v = i < 20 ? 50 : 50 + (rand() - 0.5) * 400;
        const [ev] = scorer.score({ id: 'bat-new', site: 's', type: 'battery' }, T0 + i * STEP, { temp_c: v });
        expect(ev.raw.score).toBeGreaterThanOrEqual(0);
        expect(alarmEvidence(ev)).toBeNull();
      }
    });

    it('flags a genuine spike after the warm-up', () => {
      const scorer = new FleetGenericScorer();
      const noise = gaussian(mulberry32(8));
      let spike: MetricEvidence | undefined;
      for (let i = 0; i < 300; i++) {
        const [ev] = scorer.score({ id: 'bat-1', site: 's', type: 'battery' }, T0 + i * STEP, { temp_c: 25 + 0.3 * noise() + (i === 250 ? 15 : 0) });
        if (i === 250) spike = ev;
      }
      expect(alarmEvidence(spike!)?.score).toBeGreaterThanOrEqual(0.9);
      expect(alarmEvidence(spike!)?.kind).toBe('point');
    });
  });

  describe('counters', () => {
    it('scores a cumulative counter on its increase: a steadily growing cycle count raises no alarm evidence', () => {
      const scorer = new FleetGenericScorer();
      const noise = gaussian(mulberry32(9));
      let count = 481;
      let worst = 0;
      for (let i = 0; i < 1500; i++) {
        count += Math.max(0, 0.002 + 0.0005 * noise());
        const ev = scorer.score({ id: 'bat-1', site: 's', type: 'battery' }, T0 + i * STEP, { cycle_count: Math.round(count * 10) / 10 });
        const e = ev[0] ? alarmEvidence(ev[0]) : null;
        if (e && e.kind !== 'stuck') worst = Math.max(worst, e.score);
      }
      expect(worst).toBeLessThan(0.9);
    });

    it('skips the first reading and a reset of a counter instead of scoring a huge jump', () => {
      const scorer = new FleetGenericScorer();
      const at = (i: number, v: number) => scorer.score({ id: 'm-1', site: 's', type: 'smart-meter' }, T0 + i * STEP, { energy_import_kwh: v, power_w: 100 }).sort((a, b) => a.name.localeCompare(b.name));
      expect(at(0, 1000).map((e) => e.name)).toEqual(['power_w']);
      expect(at(1, 1001).map((e) => e.name)).toEqual(['energy_import_kwh', 'power_w']);
      expect(at(2, 3).map((e) => e.name)).toEqual(['power_w']);
    });
  });
});

describe(PeerConsensus.name, () => {
  const feed = (c: PeerConsensus, site: string, device: string, i: number, v: number) => {
    c.seen('battery', site, device, T0 + i * STEP);
    const before = c.consensus('battery', site, device, 'temp_c', T0 + i * STEP);
    c.record('battery', site, device, 'temp_c', T0 + i * STEP, v);
    return before;
  };

  it('gives the median of the peers, and nothing with fewer than minPeers', () => {
    const c = new PeerConsensus({ minPeers: 3 });
    for (let i = 0; i < 3; i++) {
      feed(c, 's1', 'a', i, 10);
      feed(c, 's1', 'b', i, 11);
    }
    expect(feed(c, 's1', 'c', 3, 99)).toBeNull();
    feed(c, 's1', 'd', 3, 40);
    expect(feed(c, 's1', 'c', 4, 12)).toBeCloseTo(11, 6);
  });

  it('uses the whole fleet of the type when the site has too few devices', () => {
    const c = new PeerConsensus({ minPeers: 3 });
    for (let i = 0; i < 3; i++) ['x', 'y', 'z'].forEach((d, k) => feed(c, `site-${k}`, d, i, 20 + k));
    expect(feed(c, 'site-9', 'w', 3, 0)).toBeCloseTo(21, 6);
  });

  it('does not count values older than a few reporting intervals', () => {
    const c = new PeerConsensus({ minPeers: 2 });
    for (let i = 0; i < 5; i++) ['a', 'b', 'c'].forEach((d) => feed(c, 's', d, i, 5));
    expect(feed(c, 's', 'a', 100, 5)).toBeNull();
  });
});
