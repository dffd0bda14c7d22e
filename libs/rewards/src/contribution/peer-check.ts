import type { LedgerDevice } from '../ledger/ledger-input';
import type { RewardRule } from '../rule';
import type { DeviceContribution } from './device-contribution';

/**
 * Same-site peer check for PV: panels at one site see the same sky, so their yields per kW of
 * peak power are alike. A device whose yield is more than `peerFactorBps` of the median yield of
 * its same-site peers (at least `minPeers` of them, each with a rated power, enough availability
 * and no hold of its own) is held as `pv_above_peers` with the figures. IEEE division and
 * comparison are exact-rounded, so the decision is the same on every engine.
 */
export function applyPeerCheck(devices: ReadonlyMap<string, LedgerDevice>, contributions: DeviceContribution[], rule: RewardRule): void {
  const bySite = new Map<string, Array<{ c: DeviceContribution; yieldWhPerKw: number }>>();
  for (const c of contributions) {
    const d = devices.get(c.device)!;
    if (d.type !== 'pv-inverter' || !d.ratedKwp || d.ratedKwp <= 0) continue;
    const list = bySite.get(d.site.id) ?? [];
    list.push({ c, yieldWhPerKw: c.wh / d.ratedKwp });
    bySite.set(d.site.id, list);
  }
  for (const [site, list] of bySite) {
    if (list.length < rule.physics.minPeers + 1) continue;
    for (const me of list) {
      if (me.c.holds.length || me.c.wh === 0) continue;
      const peers = list.filter((p) => p !== me && p.c.holds.length === 0 && p.c.availabilityBps >= rule.minAvailabilityBps).map((p) => p.yieldWhPerKw);
      if (peers.length < rule.physics.minPeers) continue;
      peers.sort((a, b) => a - b);
      const mid = peers.length >> 1;
      const median = peers.length % 2 ? peers[mid] : (peers[mid - 1] + peers[mid]) / 2;
      if (me.yieldWhPerKw * 10_000 > median * rule.physics.peerFactorBps) {
        me.c.holds.push({
          code: 'pv_above_peers',
          evidence: { site, yieldWhPerKw: round3(me.yieldWhPerKw), peerMedianWhPerKw: round3(median), peers: peers.length, peerFactorBps: rule.physics.peerFactorBps, wh: me.c.wh },
        });
      }
    }
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
