import type { IngestRecord } from '@gridproof/telemetry';
import { DeviceContribution, deviceContribution, HoldCode } from '../contribution/device-contribution';
import { applyPeerCheck } from '../contribution/peer-check';
import { epochAt } from '../epoch';
import { RewardRule, ruleHash } from '../rule';
import { splitExactly } from '../split/exact-split';
import { ContributionLeaf, contributionLeaf, contributionRoot } from '../trees/contribution-tree';
import { EMPTY_REWARD_ROOT, RewardLeaf, rewardLeaf, rewardTree } from '../trees/reward-tree';
import type { EpochInput, LedgerDevice, LedgerState, SignatureCheck } from './ledger-input';
import { devicesHash, EpochManifest, LEDGER_CODE_VERSION, MANIFEST_FORMAT, stateHash } from './manifest';

export class LedgerInputError extends Error {}

/** One device's pay this epoch (base units) and what it was paid for. */
export interface DeviceReward {
  device: string;
  owner: string | null;
  eligible: boolean;
  streak: number;
  streakBonusBps: number;
  energyShare: bigint;
  dataShare: bigint;
}

export interface EpochResult {
  manifest: EpochManifest;
  contributions: DeviceContribution[];
  contributionLeaves: ContributionLeaf[];
  rewards: DeviceReward[];
  /** This epoch's amount per owner (base units). */
  ownerAmounts: Map<string, bigint>;
  rewardLeaves: RewardLeaf[];
  rewardTree: ReturnType<typeof rewardTree>;
  state: LedgerState;
}

const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Computes one epoch: contributions per device, holds, the pool split and the cumulative
 * amounts per owner, the two trees and the manifest. Pure: no clock, no I/O, no randomness.
 */
export function computeEpoch(input: EpochInput, rule: RewardRule, signatures: SignatureCheck = 'present'): EpochResult {
  const epoch = epochAt(input.epoch, rule.epochMs);
  if (input.previous.epoch !== -1 && input.previous.epoch !== input.epoch - 1) {
    throw new LedgerInputError(`epoch ${input.epoch} follows epoch ${input.epoch - 1}, but the previous state closes epoch ${input.previous.epoch}: compute epochs in order`);
  }
  if (!Number.isSafeInteger(input.domain.chainId) || input.domain.chainId <= 0 || !/^0x[0-9a-fA-F]{40}$/.test(input.domain.distributor)) {
    throw new LedgerInputError('the reward domain needs a positive chain id and a distributor address (0x and 40 hex digits)');
  }

  const devices = new Map<string, LedgerDevice>();
  for (const d of input.devices) {
    if (devices.has(d.id)) throw new LedgerInputError(`device ${d.id} appears twice in the snapshot`);
    if (d.owner !== null && !/^0x[0-9a-fA-F]{40}$/.test(d.owner)) throw new LedgerInputError(`device ${d.id} has an owner that is not an EVM address`);
    devices.set(d.id, d);
  }
  const recordsOf = new Map<string, IngestRecord[]>();
  let unknownDeviceRecords = 0;
  for (const r of input.records) {
    const id = typeof r?.device === 'string' ? r.device : '';
    if (!devices.has(id)) {
      unknownDeviceRecords++;
      continue;
    }
    let list = recordsOf.get(id);
    if (!list) recordsOf.set(id, (list = []));
    list.push(r);
  }

  const ids = [...devices.keys()].sort(byId);
  const contributions = ids.map((id) => deviceContribution(devices.get(id)!, recordsOf.get(id) ?? [], epoch, rule, signatures));
  applyPeerCheck(devices, contributions, rule);

  // Weights (integers): points × quality (bps) × (1 + streak bonus) (bps).
  const rewards: DeviceReward[] = [];
  const energyEntries: Array<{ key: string; weight: bigint }> = [];
  const dataEntries: Array<{ key: string; weight: bigint }> = [];
  const streaks: Record<string, number> = {};
  for (const c of contributions) {
    const eligible = c.holds.length === 0 && c.availabilityBps >= rule.minAvailabilityBps && c.qualityBps >= rule.minQualityBps;
    const before = input.previous.streaks[c.device] ?? 0;
    const bonus = Math.min(before * rule.streak.bonusBpsPerEpoch, rule.streak.maxBonusBps);
    const streak = eligible ? before + 1 : 0;
    if (streak) streaks[c.device] = streak;
    rewards.push({ device: c.device, owner: c.owner, eligible, streak, streakBonusBps: eligible ? bonus : 0, energyShare: 0n, dataShare: 0n });
    if (!eligible) continue;
    const factor = BigInt(c.qualityBps) * BigInt(10_000 + bonus);
    energyEntries.push({ key: c.device, weight: BigInt(c.wh) * BigInt(rule.energyWeights[c.type] ?? 0) * factor });
    dataEntries.push({ key: c.device, weight: BigInt(c.slots.valid) * BigInt(rule.dataWeights[c.type] ?? 0) * factor });
  }

  const pool = BigInt(rule.poolPerEpoch);
  const energyPool = (pool * BigInt(rule.energyShareBps)) / 10_000n;
  // An energy share nobody earned (no eligible producer) pays for data instead; a pool nobody
  // earned at all stays unallocated (not minted), stated in the manifest.
  const energy = splitExactly(energyPool, energyEntries);
  const dataPool = pool - energyPool + energy.unallocated;
  const data = splitExactly(dataPool, dataEntries);
  const ownerAmounts = new Map<string, bigint>();
  for (const r of rewards) {
    r.energyShare = energy.shares.get(r.device) ?? 0n;
    r.dataShare = data.shares.get(r.device) ?? 0n;
    const amount = r.energyShare + r.dataShare;
    if (amount > 0n) ownerAmounts.set(r.owner!.toLowerCase(), (ownerAmounts.get(r.owner!.toLowerCase()) ?? 0n) + amount);
  }

  const cumulative = new Map<string, bigint>(Object.entries(input.previous.cumulative).map(([o, v]) => [o, BigInt(v)]));
  for (const [owner, amount] of ownerAmounts) cumulative.set(owner, (cumulative.get(owner) ?? 0n) + amount);
  const owners = [...cumulative.keys()].sort(byId);
  const state: LedgerState = { epoch: input.epoch, cumulative: Object.fromEntries(owners.map((o) => [o, cumulative.get(o)!.toString()])), streaks };
  const rewardLeaves = owners.filter((o) => cumulative.get(o)! > 0n).map((o) => rewardLeaf(input.domain, input.epoch, o, cumulative.get(o)!));
  const tree = rewardTree(rewardLeaves);

  const contributionLeaves = contributions.map((c) => contributionLeaf(c, input.logHead.root));
  const holds: Partial<Record<HoldCode, number>> = {};
  for (const c of contributions) for (const h of c.holds) holds[h.code] = (holds[h.code] ?? 0) + 1;
  const paid = [...ownerAmounts.values()].reduce((a, b) => a + b, 0n);

  const manifest: EpochManifest = {
    format: MANIFEST_FORMAT,
    code: LEDGER_CODE_VERSION,
    epoch: { index: epoch.index, startMs: epoch.startMs, endMs: epoch.endMs },
    domain: { chainId: input.domain.chainId, distributor: input.domain.distributor.toLowerCase() },
    inputs: {
      logHead: { treeSize: input.logHead.treeSize, root: input.logHead.root },
      devicesHash: devicesHash(input.devices),
      devices: devices.size,
      records: input.records.length,
      unknownDeviceRecords,
      previousStateHash: stateHash(input.previous),
      previousEpoch: input.previous.epoch,
    },
    rule,
    ruleHash: ruleHash(rule),
    roots: { contribution: contributionRoot(contributionLeaves), reward: tree?.root ?? EMPTY_REWARD_ROOT },
    totals: {
      pool: pool.toString(),
      energyPool: energyPool.toString(),
      dataPool: dataPool.toString(),
      paid: paid.toString(),
      unallocated: data.unallocated.toString(),
      wh: contributions.reduce((a, c) => a + c.wh, 0),
      eligibleDevices: rewards.filter((r) => r.eligible).length,
      heldDevices: contributions.filter((c) => c.holds.length > 0).length,
      holds,
      owners: ownerAmounts.size,
    },
    stateHash: stateHash(state),
  };
  return { manifest, contributions, contributionLeaves, rewards, ownerAmounts, rewardLeaves, rewardTree: tree, state };
}
