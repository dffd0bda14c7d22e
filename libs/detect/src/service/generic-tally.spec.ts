import { createSimulation, parseFleet } from '@gridproof/firmware-sim';
import { DeviceType } from '@gridproof/telemetry';
import { alarmEvidence, FleetGenericScorer, peerConfirmation } from '../fleet/fleet-generic-scorer';
import { scoreFromP } from '../generic/stream-detector';
import { EVIDENCE_CODES, PersistenceGate, StreamRule, streamHit } from '../train/alarm-rules';
import { GenericTally } from './generic-tally';

const FLEET = `
name: generic-tally
start: '2025-05-01T00:00:00Z'
defaults: { intervalS: 300 }
sites: [{ id: s1, lat: 47.99, lon: 7.84 }]
groups:
  - { type: pv-inverter, count: 4, idPrefix: inv- }
  - { type: battery, count: 4, idPrefix: bat- }
  - { type: ev-charger, count: 2, idPrefix: evc- }
`;

/** Loose rules, so that gates open often; one per kind of rule the service knows (any metric, one metric with peers, none). */
const RULES: Partial<Record<DeviceType, StreamRule | null>> = {
  'pv-inverter': { kinds: 0b1111, threshold: 0.3, k: 1, n: 2 },
  battery: { kinds: 0b1111, threshold: 0.05, k: 1, n: 3, metric: 'temp_c', peer: true },
  'ev-charger': null,
};

describe(GenericTally.name, () => {
  it("folds a reading's evidence exactly as the service did from score()'s evidence objects", () => {
    const wantPeer = (type: DeviceType, metric: string) => RULES[type]?.peer === true && RULES[type]?.metric === metric;
    const reference = new FleetGenericScorer(wantPeer, { minPeers: 2 });
    const visited = new FleetGenericScorer(wantPeer, { minPeers: 2 });
    const referenceGate = new PersistenceGate();
    const tally = new GenericTally(new PersistenceGate());
    const sim = createSimulation(parseFleet(FLEET), { seed: 4 });
    const gatedReadings = new Map<string, number>();
    const mismatches: string[] = [];
    for (const s of sim.until(sim.startMs + 2 * 86_400_000)) {
      const device = { id: s.device, site: s.site, type: s.type };
      const rule = RULES[s.type];
      // The service before GenericTally (DetectionService.scoreSlice), on MetricEvidence objects.
      const evidence = reference.score(device, s.ts, s.readings);
      let gated = false;
      let pMin = 1;
      let top = '';
      let pWarm = 1;
      let warm = 0;
      for (const ev of evidence) {
        if (rule && (rule.metric === undefined || rule.metric === ev.name)) {
          const own = alarmEvidence(ev);
          const hit = own !== null && streamHit(own.score, EVIDENCE_CODES[own.kind], peerConfirmation(ev), rule);
          if (referenceGate.step(`g\u0000${s.device}\u0000${ev.name}`, hit, rule)) gated = true;
        }
        if (ev.raw.p < pMin) {
          pMin = ev.raw.p;
          top = ev.name;
        }
        if (ev.warm) {
          warm++;
          if (ev.raw.p < pWarm) pWarm = ev.raw.p;
        }
      }
      const topMetrics = [...evidence]
        .sort((a, b) => a.raw.p - b.raw.p)
        .slice(0, 3)
        .map((m) => ({ name: m.name, value: m.value, contribution: scoreFromP(m.raw.p) }));

      tally.reset(s.device, rule);
      visited.scoreEach(device, s.ts, s.readings, tally);
      const expected = JSON.stringify({ scored: evidence.length, pMin, top, warm, pWarm, gated, topMetrics });
      const actual = JSON.stringify({ scored: tally.scored, pMin: tally.pMin, top: tally.top, warm: tally.warm, pWarm: tally.pWarm, gated: tally.gated, topMetrics: tally.topMetrics() });
      if (actual !== expected && mismatches.length < 3) mismatches.push(`${s.device} ${s.ts}: ${actual} != ${expected}`);
      if (gated) gatedReadings.set(s.type, (gatedReadings.get(s.type) ?? 0) + 1);
    }
    expect(mismatches).toEqual([]);
    // The rules really opened gates (with and without peers), so the comparison covers them.
    expect(gatedReadings.get('pv-inverter')).toBeGreaterThan(10);
    expect(gatedReadings.get('battery')).toBeGreaterThan(10);
  });
});
