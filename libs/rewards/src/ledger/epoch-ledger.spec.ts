import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import type { IngestRecord } from '@gridproof/telemetry';
import { epochAt } from '../epoch';
import { loadConfig } from '@gridproof/config';
import { rewardRule, rewardRuleFromConfig, ruleHash } from '../rule';
import { EMPTY_REWARD_ROOT, REWARD_LEAF_ENCODING } from '../trees/reward-tree';
import { pvPowerW, SyntheticDevice, syntheticDevice, syntheticSeries } from '../testing/synthetic-records';
import { computeEpoch } from './epoch-ledger';
import { EpochInput, GENESIS_STATE } from './ledger-input';
import { verifyEpoch } from './verify-epoch';

/** 2026-06-21 (UTC day index): a long clear day in Berlin. */
const DAY = Math.floor(Date.UTC(2026, 5, 21) / 86_400_000);
const rule = rewardRule({ poolPerEpoch: '1000000000000000000007' }); // a pool that does not divide evenly
const epoch = epochAt(DAY, rule.epochMs);
const FIVE_MIN = 300_000;
const domain = { chainId: 31337, distributor: '0x' + 'd1'.repeat(20) };
const logHead = { treeSize: 123_456, root: 'ab'.repeat(32) };

function pv(id: string, ratedPowerW: number, fraction: number, extra: Partial<Parameters<typeof syntheticSeries>[1]> = {}): { d: SyntheticDevice; records: IngestRecord[] } {
  const d = syntheticDevice({ id, type: 'pv-inverter', ratedKwp: ratedPowerW / 1000 });
  return { d, records: syntheticSeries(d, { epoch, intervalMs: FIVE_MIN, powerW: pvPowerW(d.device.site, ratedPowerW, fraction), ...extra }) };
}

function input(parts: Array<{ d: SyntheticDevice; records: IngestRecord[] }>, previous = GENESIS_STATE, epochIndex = DAY): EpochInput {
  return { epoch: epochIndex, devices: parts.map((p) => p.d.device), records: parts.flatMap((p) => p.records), logHead, previous, domain };
}

const contributionOf = (r: ReturnType<typeof computeEpoch>, id: string) => r.contributions.find((c) => c.device === id)!;

describe('computeEpoch', () => {
  const honest = pv('pv-honest', 10_000, 0.7);
  const charger = (() => {
    const d = syntheticDevice({ id: 'ev-1', type: 'ev-charger' });
    return { d, records: syntheticSeries(d, { epoch, intervalMs: FIVE_MIN, powerW: () => 3_700 }) };
  })();
  const weather = (() => {
    const d = syntheticDevice({ id: 'wx-1', type: 'weather' });
    return { d, records: syntheticSeries(d, { epoch, intervalMs: FIVE_MIN, powerW: () => 0, counter: 'temp_c', startKwh: 0.015, extra: (t) => ({ humidity_pct: 50 + ((t / FIVE_MIN) % 7) }) }) };
  })();

  it('is recomputed from its manifest and inputs to the same roots, signatures re-verified', () => {
    const parts = [honest, charger, weather];
    const result = computeEpoch(input(parts), rule);
    const check = verifyEpoch(result.manifest, { devices: parts.map((p) => p.d.device), records: parts.flatMap((p) => p.records), previous: GENESIS_STATE }, 'verify');
    expect(check.problems).toEqual([]);
    expect(check.ok).toBe(true);
    expect(check.recomputed!.manifest.roots).toEqual(result.manifest.roots);
    expect(result.manifest.totals.eligibleDevices).toBe(3);
  });

  it('finds a record changed after the fact: the slot fails its signature and the roots differ', () => {
    const parts = [honest, charger];
    const result = computeEpoch(input(parts), rule);
    const forged = honest.records.map((r, i) => (i === 150 ? { ...r, readings: { ...r.readings, energy_total_kwh: (r.readings.energy_total_kwh as number) + 50 } } : r));
    const check = verifyEpoch(result.manifest, { devices: parts.map((p) => p.d.device), records: [...forged, ...charger.records], previous: GENESIS_STATE }, 'verify');
    expect(check.ok).toBe(false);
    expect(check.problems.join('\n')).toMatch(/contribution root/);
    const c = contributionOf(check.recomputed!, 'pv-honest');
    expect(c.quality.invalid.bad_signature).toBe(1);
    expect(c.flags).toContain('bad_signature');
  });

  it('holds a PV device reporting more than its clear-sky maximum, with the reason and the figures', () => {
    const cheat = pv('pv-cheat', 5_000, 3); // three times its rated power at every sun angle
    const result = computeEpoch(input([honest, cheat]), rule);
    const c = contributionOf(result, 'pv-cheat');
    expect(c.holds).toHaveLength(1);
    const hold = c.holds[0];
    expect(hold.code).toBe('pv_above_clear_sky');
    expect(hold.evidence.wh).toBe(c.wh);
    expect(c.wh).toBeGreaterThan(hold.evidence.maxWh as number);
    expect(hold.evidence).toMatchObject({ ratedKwp: 5, lat: 52.52, lon: 13.405, marginBps: rule.physics.clearSkyMarginBps });
    expect(contributionOf(result, 'pv-honest').holds).toEqual([]);
    const reward = result.rewards.find((r) => r.device === 'pv-cheat')!;
    expect(reward).toMatchObject({ eligible: false, energyShare: 0n, dataShare: 0n });
    expect(result.contributionLeaves.find((l) => l.device === 'pv-cheat')!.flags).toContain('hold:pv_above_clear_sky');
    expect(result.manifest.totals.holds).toEqual({ pv_above_clear_sky: 1 });
    // The honest device takes the whole pool: a hold does not destroy or create tokens.
    expect(result.ownerAmounts.get(honest.d.device.owner!)).toBe(BigInt(rule.poolPerEpoch));
  });

  it('pays an offline device nothing for its offline slots, nor the energy counted across its silence', () => {
    const offlineFrom = epoch.startMs + 10 * 3_600_000;
    const offlineTo = offlineFrom + 100 * FIVE_MIN;
    const gappy = pv('pv-gappy', 10_000, 0.7, { offline: [[offlineFrom, offlineTo]] });
    const twin = pv('pv-twin', 10_000, 0.7);
    const result = computeEpoch(input([gappy, twin]), rule);
    const g = contributionOf(result, 'pv-gappy');
    const t = contributionOf(result, 'pv-twin');
    expect(t.slots).toEqual({ valid: 288, expected: 288 });
    expect(g.slots).toEqual({ valid: 188, expected: 288 });
    expect(g.availabilityBps).toBe(Math.floor((188 * 10_000) / 288));
    expect(g.quality.gapEpisodes).toBe(1);
    // Same panels, same sun: the gappy one's counter caught up after the outage, but that energy was not observed slot by slot.
    expect(g.flags).toContain('gap_energy_unpaid');
    expect(g.wh + g.quality.unpaidGapWh).toBe(t.wh);
    expect(g.quality.unpaidGapWh).toBeGreaterThan(0);
    const gr = result.rewards.find((r) => r.device === 'pv-gappy')!;
    const tr = result.rewards.find((r) => r.device === 'pv-twin')!;
    expect(gr.dataShare).toBeLessThan(tr.dataShare);
    expect(gr.energyShare).toBeLessThan(tr.energyShare);
  });

  it('pays a device offline the whole epoch nothing, and leaves it out of the reward tree', () => {
    const dark = pv('pv-dark', 10_000, 0.7, { offline: [[epoch.startMs - FIVE_MIN, epoch.endMs]] });
    const result = computeEpoch(input([honest, dark]), rule);
    const c = contributionOf(result, 'pv-dark');
    expect(c).toMatchObject({ wh: 0, slots: { valid: 0, expected: 288 }, availabilityBps: 0 });
    expect(c.flags).toContain('below_min_availability');
    expect(result.rewardLeaves.map((l) => l[3])).toEqual([honest.d.device.owner]);
  });

  it('mints no energy from a counter reset', () => {
    const resetAt = epoch.startMs + 12 * 3_600_000;
    const reset = pv('pv-reset', 10_000, 0.7, { counterJumps: [{ at: resetAt, kwh: -1_000 }] });
    const twin = pv('pv-twin', 10_000, 0.7);
    const result = computeEpoch(input([reset, twin]), rule);
    const r = contributionOf(result, 'pv-reset');
    const t = contributionOf(result, 'pv-twin');
    expect(r.flags).toContain('counter_reset');
    expect(r.quality.counterResets).toBe(1);
    // Only the interval that contains the reset is lost; the drop itself never counts.
    expect(r.wh).toBeLessThan(t.wh);
    expect(t.wh - r.wh).toBeLessThan(10_000 * (FIVE_MIN / 3_600_000));
    // A counter set back to zero and then jumped up by more than the panels can make is not paid either.
    const jumper = pv('pv-jumper', 10_000, 0.7, { counterJumps: [{ at: resetAt, kwh: -1_000 }, { at: resetAt + FIVE_MIN, kwh: 5_000 }] });
    const j = contributionOf(computeEpoch(input([jumper, twin]), rule), 'pv-jumper');
    expect(j.holds.map((h) => h.code)).toEqual(['pv_above_clear_sky']);
  });

  it('builds the reward tree OpenZeppelin builds, and its proofs verify with StandardMerkleTree.verify', () => {
    const result = computeEpoch(input([honest, charger, weather]), rule);
    const reference = StandardMerkleTree.of(result.rewardLeaves, [...REWARD_LEAF_ENCODING]);
    expect(result.manifest.roots.reward).toBe(reference.root);
    for (const [i, leaf] of reference.entries()) {
      expect(StandardMerkleTree.verify(result.manifest.roots.reward, [...REWARD_LEAF_ENCODING], leaf, reference.getProof(i))).toBe(true);
      expect(leaf.slice(0, 3)).toEqual(['31337', domain.distributor, String(DAY)]);
    }
    const [first] = result.rewardLeaves;
    const proof = result.rewardTree!.getProof(first);
    const inflated: typeof first = [first[0], first[1], first[2], first[3], (BigInt(first[4]) + 1n).toString()];
    expect(StandardMerkleTree.verify(result.manifest.roots.reward, [...REWARD_LEAF_ENCODING], inflated, proof)).toBe(false);
    const otherChain: typeof first = ['1', first[1], first[2], first[3], first[4]];
    expect(StandardMerkleTree.verify(result.manifest.roots.reward, [...REWARD_LEAF_ENCODING], otherChain, proof)).toBe(false);
  });

  it('splits the pool exactly: what owners get plus what is unallocated is the pool, to the base unit', () => {
    const result = computeEpoch(input([honest, charger, weather, pv('pv-small', 3_333, 0.61)]), rule);
    const paid = [...result.ownerAmounts.values()].reduce((a, b) => a + b, 0n);
    expect(paid).toBe(BigInt(rule.poolPerEpoch));
    expect(result.manifest.totals.unallocated).toBe('0');
    const energy = result.rewards.reduce((a, r) => a + r.energyShare, 0n);
    expect(energy).toBe(BigInt(result.manifest.totals.energyPool));
    expect(result.manifest.totals.paid).toBe(rule.poolPerEpoch);
  });

  it('leaves the pool unallocated, and says so, when nobody is eligible', () => {
    const orphan = (() => {
      const d = syntheticDevice({ id: 'pv-orphan', type: 'pv-inverter', ratedKwp: 10, owner: null });
      return { d, records: syntheticSeries(d, { epoch, intervalMs: FIVE_MIN, powerW: pvPowerW(d.device.site, 10_000, 0.7) }) };
    })();
    const result = computeEpoch(input([orphan]), rule);
    expect(contributionOf(result, 'pv-orphan').holds.map((h) => h.code)).toEqual(['no_owner']);
    expect(result.manifest.totals).toMatchObject({ paid: '0', unallocated: rule.poolPerEpoch });
    expect(result.rewardLeaves).toEqual([]);
    expect(result.manifest.roots.reward).toBe(EMPTY_REWARD_ROOT);
  });

  it('adds each epoch to the owner\'s cumulative amount and rewards a streak', () => {
    const first = computeEpoch(input([honest, charger]), rule);
    const nextEpoch = epochAt(DAY + 1, rule.epochMs);
    const again = (p: { d: SyntheticDevice }, power: (t: number) => number) => ({ d: p.d, records: syntheticSeries(p.d, { epoch: nextEpoch, intervalMs: FIVE_MIN, powerW: power }) });
    const fresh = syntheticDevice({ id: 'ev-new', type: 'ev-charger' });
    const parts = [again(honest, pvPowerW(honest.d.device.site, 10_000, 0.7)), again(charger, () => 3_700), again({ d: fresh }, () => 3_700)];
    const second = computeEpoch(input(parts, first.state, DAY + 1), rule);
    const owner = charger.d.device.owner!;
    expect(BigInt(second.state.cumulative[owner])).toBe(first.ownerAmounts.get(owner)! + second.ownerAmounts.get(owner)!);
    const old = second.rewards.find((r) => r.device === 'ev-1')!;
    const young = second.rewards.find((r) => r.device === 'ev-new')!;
    expect(old).toMatchObject({ streak: 2, streakBonusBps: rule.streak.bonusBpsPerEpoch });
    expect(young).toMatchObject({ streak: 1, streakBonusBps: 0 });
    // Same charging, one epoch of streak: 1 % more weight.
    expect(Number(old.energyShare - young.energyShare)).toBeGreaterThan(0);
    expect(second.manifest.inputs.previousStateHash).toBe(first.manifest.stateHash);
    expect(() => computeEpoch(input(parts, first.state, DAY + 2), rule)).toThrow(/compute epochs in order/);
  });

  it('scores data quality from stuck readings, replayed sequence numbers and a clock running ahead', () => {
    const clean = pv('pv-clean', 10_000, 0.7, { extra: (t) => ({ heatsink_temp_c: 30 + ((t / FIVE_MIN) % 17) / 10, ambient_temp_c: 20 + ((t / FIVE_MIN) % 5) / 10 }) });
    // Frozen analogue values for the last 40 readings of the day (an hour's worth would already show).
    const frozenFrom = epoch.endMs - 40 * FIVE_MIN;
    const frozen = pv('pv-frozen', 10_000, 0.7, { extra: (t) => (t >= frozenFrom ? { heatsink_temp_c: 31.2, ambient_temp_c: 20.1 } : { heatsink_temp_c: 30 + ((t / FIVE_MIN) % 17) / 10, ambient_temp_c: 20 + ((t / FIVE_MIN) % 5) / 10 }) });
    const skewed = pv('pv-skewed', 10_000, 0.7);
    // Ten readings stamped 10 minutes ahead of their receipt, and one replayed sequence number.
    skewed.records = skewed.records.map((r, i) => (i >= 100 && i < 110 ? { ...r, rx: r.ts - 600_000 } : r));
    skewed.records.push({ ...skewed.records[200], rx: skewed.records[200].rx + 5_000 });
    const result = computeEpoch(input([clean, frozen, skewed]), rule, 'verify');
    const c = contributionOf(result, 'pv-clean');
    const f = contributionOf(result, 'pv-frozen');
    const s = contributionOf(result, 'pv-skewed');
    expect(c.qualityBps).toBe(10_000);
    expect(f.flags).toContain('stuck');
    expect(f.quality.stuck).toBe(39);
    expect(f.qualityBps).toBe(10_000 - Math.floor((2 * 10_000 * 39) / 288));
    expect(s.quality.invalid).toMatchObject({ clock_ahead: 10, sequence: 1, bad_signature: 0 });
    // A reading that does not count leaves its slot empty: ten slots in one run.
    expect(s.slots.valid).toBe(278);
    expect(s.quality.gapEpisodes).toBe(1);
    expect(s.qualityBps).toBe(10_000 - Math.floor((2 * 10_000 * 11) / 289) - 100);
  });

  it('holds a PV device far above its same-site peers', () => {
    const peers = [1, 2, 3].map((i) => pv(`pv-peer-${i}`, 10_000, 0.3));
    const loud = pv('pv-loud', 10_000, 0.95); // under the clear-sky bound, but three times its neighbours
    const result = computeEpoch(input([...peers, loud]), rule);
    const hold = contributionOf(result, 'pv-loud').holds[0];
    expect(hold).toMatchObject({ code: 'pv_above_peers', evidence: { peers: 3, site: 'site-berlin' } });
    expect(peers.every((p) => contributionOf(result, p.d.device.id).holds.length === 0)).toBe(true);
  });
});

describe('rewardRuleFromConfig', () => {
  it('takes the epoch, slot and pool from GP_REWARDS_* and hashes the rule it makes', () => {
    const config = loadConfig({ GP_REWARDS_EPOCH_MS: '3600000', GP_REWARDS_SLOT_MS: '60000', GP_REWARDS_POOL: '42' });
    const r = rewardRuleFromConfig(config.rewards);
    expect(r).toMatchObject({ epochMs: 3_600_000, slotMs: 60_000, poolPerEpoch: '42' });
    expect(ruleHash(r)).not.toBe(ruleHash(rewardRule()));
    expect(() => rewardRule({ epochMs: 3_600_000, slotMs: 7_000 })).toThrow(/whole number of slots/);
  });
});
